import Foundation
import Testing

private let fixtures = CLI.root.appendingPathComponent("Tests/ModelImportTests/Fixtures")

@Test func importWritesAModelThatConvertsAndEvaluates() throws {
    let dir = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = dir.appendingPathComponent("model.json").path, he = dir.appendingPathComponent("model.he.json").path
    let imported = try CLI.run(["import", "--onnx", fixtures.appendingPathComponent("sklearn_pipeline_lr_breast_cancer.onnx").path,
                                "--data", CLI.data("breast_cancer"), "--out", model])
    #expect(imported.status == 0, "\(imported.stderr)")
    #expect(imported.stdout.contains("imported logistic 30-1") && imported.stdout.contains("benign,malignant"))
    let converted = try CLI.run(["convert", "--model", model, "--calibration", CLI.data("breast_cancer"), "--out", he, "--json"])
    #expect(converted.status == 0, "\(converted.stderr)")
    let original = try CLI.run(["evaluate", "--model", model, "--data", CLI.data("breast_cancer"), "--json"])
    let report = try JSONSerialization.jsonObject(with: Data(original.stdout.utf8)) as? [String: Any]
    #expect((report?["accuracy"] as? Double ?? 0) > 0.95)
}

@Test func importRefusesAnUnsupportedOperatorInOneLine() throws {
    let dir = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let result = try CLI.run(["import", "--onnx", fixtures.appendingPathComponent("bad_operator.onnx").path,
                              "--data", CLI.data("iris"), "--out", dir.appendingPathComponent("m.json").path])
    #expect(result.status != 0)
    #expect(result.errorLines.count == 1 && result.stderr.contains("Conv") && result.stderr.contains("conv_1"))
}
