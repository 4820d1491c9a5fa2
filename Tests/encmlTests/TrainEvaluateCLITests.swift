import Foundation
import Testing

private struct EvaluateReport: Decodable { var accuracy: Double; var n: Int; var predictions: [String] }

/// scikit-learn LogisticRegression(C=1) reaches 0.9591 and MLPClassifier((32,)) 0.9743 on this
/// split (Benchmarks/peers/sklearn_reference.py); the CLI must stay within 1.5 points.
@Test(arguments: [("logistic", 0.9591), ("mlp", 0.9743)])
func trainThenEvaluateOnASplitReportsAccurateJSON(_ kind: String, _ reference: Double) throws {
    let dir = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let train = dir.appendingPathComponent("train.csv").path, test = dir.appendingPathComponent("test.csv").path
    let model = dir.appendingPathComponent("model.json").path
    let split = try CLI.run(["split", "--data", CLI.data("breast_cancer"), "--train-out", train, "--test-out", test])
    #expect(split.status == 0)
    let trained = try CLI.run(["train", "--data", train, "--model", kind, "--seed", "1", "--out", model])
    #expect(trained.status == 0, "\(trained.stderr)")
    #expect(trained.stderr.isEmpty && !trained.stdout.contains("\r"))  // no progress bar when not a TTY
    let evaluated = try CLI.run(["evaluate", "--model", model, "--data", test, "--json"])
    #expect(evaluated.status == 0, "\(evaluated.stderr)")
    let report = try JSONDecoder().decode(EvaluateReport.self, from: Data(evaluated.stdout.utf8))
    #expect(report.n == 171 && report.predictions.count == 171)
    #expect(Set(report.predictions).isSubset(of: ["benign", "malignant"]))
    #expect(report.accuracy >= reference - 0.015)
    #expect(evaluated.stdout.hasPrefix("{\"accuracy\":"))
}

@Test func mlpOptionsReachTheModelFile() throws {
    let dir = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = dir.appendingPathComponent("m.json").path
    let result = try CLI.run(["train", "--data", CLI.data("iris"), "--target", "species", "--model", "mlp",
                              "--hidden", "8,6", "--activation", "square", "--epochs", "50", "--seed", "3", "--out", model])
    #expect(result.status == 0, "\(result.stderr)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: model))) as? [String: Any]
    let layers = json?["layers"] as? [[String: Any]]
    #expect(layers?.map { $0["outputCount"] as? Int } == [8, 6, 3])
    let activations = json?["activations"] as? [[String: Any]]
    #expect(activations?.map { $0["kind"] as? String } == ["square", "square"])
    #expect(json?["classLabels"] as? [String] == ["setosa", "versicolor", "virginica"])
}
