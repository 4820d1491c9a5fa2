import EncryptedML
import Foundation
import ModelImport
import Models
import Plaintext
import Testing

/// The committed fixtures (Benchmarks/peers/make_onnx_fixtures.py): ONNX models and what
/// onnxruntime predicts for every row of their data set.
enum ONNXFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ name: String) -> String { folder.appendingPathComponent(name + ".onnx").path }
    static func csv(_ data: String) -> String { root.appendingPathComponent("notebooks-data/\(data).csv").path }

    struct Expected: Decodable {
        var labels: [String]
        var probabilities: [[Double]]
    }

    static func expected(_ name: String) throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent(name + ".expected.json")))
    }

    /// The data description of a bundled CSV (target: last column).
    static func description(_ data: String) throws -> (ONNXImporter.DataDescription, CSVTable) {
        let table = try CSVReader.read(path: csv(data))
        let target = table.header.count - 1
        return (ONNXImporter.DataDescription(featureNames: Array(table.header.dropLast()), targetName: table.header[target],
                                             targetValues: Set(table.rows.map { $0[target] })), table)
    }

    static func importModel(_ name: String, data: String) throws -> (TrainedModel, Dataset) {
        let (description, table) = try description(data)
        let model = try ONNXImporter.importModel(path: path(name), data: description)
        let dataset = try Dataset(table: table, featureNames: model.featureNames, targetName: model.targetName,
                                  classLabels: model.classLabels)
        return (model, dataset)
    }
}

struct ImportCase: Sendable, CustomTestStringConvertible {
    var name: String
    var data: String
    var kind: ModelKind
    var activations: [ActivationKind]
    var testDescription: String { name }
}

let importCases = [
    ImportCase(name: "sklearn_lr_iris", data: "iris", kind: .logistic, activations: []),
    ImportCase(name: "sklearn_pipeline_lr_breast_cancer", data: "breast_cancer", kind: .logistic, activations: []),
    ImportCase(name: "sklearn_mlp_iris", data: "iris", kind: .mlp, activations: [.relu]),
    ImportCase(name: "sklearn_mlp_tanh_breast_cancer", data: "breast_cancer", kind: .mlp, activations: [.tanh]),
    ImportCase(name: "torch_relu_softmax_iris", data: "iris", kind: .mlp, activations: [.relu]),
    ImportCase(name: "torch_tanh_logits_iris", data: "iris", kind: .mlp, activations: [.tanh]),
    ImportCase(name: "torch_sigmoid_breast_cancer", data: "breast_cancer", kind: .mlp, activations: [.sigmoid]),
    ImportCase(name: "torch_square_iris", data: "iris", kind: .mlp, activations: [.square]),
]

@Test(arguments: importCases)
func importedModelReproducesOnnxRuntime(_ c: ImportCase) throws {
    let (model, data) = try ONNXFixtures.importModel(c.name, data: c.data)
    let expected = try ONNXFixtures.expected(c.name)
    #expect(model.kind == c.kind)
    #expect(model.activations.map(\.kind) == c.activations)
    #expect(expected.labels.count == data.count)
    var agree = 0
    var worst = 0.0
    for i in 0..<data.count {
        let p = model.probabilities(raw: data.row(i))
        if model.classLabels[model.predictClass(raw: data.row(i))] == expected.labels[i] { agree += 1 }
        #expect(p.count == expected.probabilities[i].count)
        for (a, b) in zip(p, expected.probabilities[i]) { worst = max(worst, abs(a - b)) }
    }
    let share = Double(agree) / Double(data.count)
    print("\(c.name): \(agree)/\(data.count) labels agree with onnxruntime, max probability difference \(worst)")
    #expect(share >= 0.995)
    #expect(worst <= 1e-5)
}

@Test func labelsComeFromTheModelElseTheOptionElseTheSortedTargets() throws {
    let (description, _) = try ONNXFixtures.description("iris")
    // skl2onnx carries its labels; torch does not: sorted distinct targets, or --labels.
    #expect(try ONNXImporter.importModel(path: ONNXFixtures.path("sklearn_mlp_iris"), data: description).classLabels
            == ["setosa", "versicolor", "virginica"])
    let torch = ONNXFixtures.path("torch_tanh_logits_iris")
    #expect(try ONNXImporter.importModel(path: torch, data: description).classLabels == ["setosa", "versicolor", "virginica"])
    #expect(try ONNXImporter.importModel(path: torch, data: description, labels: ["virginica", "setosa", "versicolor"]).classLabels
            == ["virginica", "setosa", "versicolor"])
    #expect(throws: ImportError.self) { try ONNXImporter.importModel(path: torch, data: description, labels: ["a", "b", "c"]) }
    #expect(ONNXImporter.sortedLabels(["10", "9", "2"]) == ["2", "9", "10"])
}

@Test func malformedOrUnsupportedModelsGiveOneClearError() throws {
    let (iris, _) = try ONNXFixtures.description("iris")
    let wide = ONNXImporter.DataDescription(featureNames: (0..<16384).map { "f\($0)" }, targetName: "y", targetValues: ["a", "b"])
    let four = ONNXImporter.DataDescription(featureNames: ["a", "b", "c", "d"], targetName: "y", targetValues: ["0", "1", "2"])
    let cases: [(String, ONNXImporter.DataDescription, [String])] = [
        ("bad_operator", four, ["Conv", "conv_1"]),
        ("bad_shapes", four, ["mm2", "read 5 inputs", "gives 8"]),
        ("bad_truncated", iris, ["not a valid ONNX model"]),
        ("bad_huge_tensor", wide, ["tensor 'a'", "more than"]),
    ]
    for (name, description, mentions) in cases {
        do {
            _ = try ONNXImporter.importModel(path: ONNXFixtures.path(name), data: description)
            Issue.record("\(name) must be refused")
        } catch let error as ImportError {
            for word in mentions { #expect(error.description.contains(word), "\(name): \(error)") }
            #expect(!error.description.contains("\n"))
        }
    }
    // Not a file, random bytes, an empty file, a wrong feature count.
    #expect(throws: ImportError.self) { try ONNXImporter.importModel(path: "/nonexistent.onnx", data: iris) }
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<50 {
        let bytes = Data((0..<Int.random(in: 0...400, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        #expect(throws: ImportError.self) { try ONNXImporter.importModel(bytes, file: "random.onnx", data: iris) }
    }
    let good = try Data(contentsOf: URL(fileURLWithPath: ONNXFixtures.path("sklearn_mlp_iris")))
    for cut in stride(from: 0, to: good.count, by: 37) {
        #expect(throws: ImportError.self) { try ONNXImporter.importModel(good.prefix(cut), file: "cut.onnx", data: iris) }
    }
    let (breast, _) = try ONNXFixtures.description("breast_cancer")
    do {
        _ = try ONNXImporter.importModel(path: ONNXFixtures.path("sklearn_mlp_iris"), data: breast)
        Issue.record("4 model inputs against 30 columns")
    } catch let error as ImportError {
        #expect(error.description.contains("reads 4 features"))
    }
}

@Test(arguments: ["sklearn_pipeline_lr_breast_cancer", "torch_square_iris", "sklearn_mlp_iris"])
func importedModelRunsEncryptedAndAgreesWithThePolynomialModel(_ name: String) throws {
    let data = name.hasSuffix("iris") ? "iris" : "breast_cancer"
    let (model, dataset) = try ONNXFixtures.importModel(name, data: data)
    let rows = (0..<dataset.count).map(dataset.row)
    var options = ConversionOptions()
    options.degree = .fixed(15)  // relu at a low degree: the encrypted run must agree with whatever polynomial
    let conversion = try ModelConverter.convert(model, calibration: CalibrationSet(rows: rows, labels: dataset.labels, source: data),
                                                options: options)
    let encrypted = conversion.model
    let client = try InferenceClient(model: encrypted)
    let server = try InferenceServer(model: encrypted, context: client.context)
    let secretKey = client.generateSecretKey()
    let keys = try client.generateEvaluationKeys(secretKey: secretKey)
    #expect(keys.rotationSteps == encrypted.plan.single.rotations)
    // Every row in batch packing, a few in single-query packing.
    for (mode, subset) in [(PackingMode.batch, rows), (.single, Array(rows.prefix(3)))] {
        let query = try client.encrypt(rows: subset, mode: mode, secretKey: secretKey)
        let predictions = try client.decrypt(try server.infer(query, evaluationKeys: keys), secretKey: secretKey)
        let agree = zip(predictions, subset).filter { $0.classIndex == encrypted.predictClass(raw: $1) }.count
        print("\(name) \(mode.rawValue): \(agree)/\(subset.count) encrypted predictions agree with the polynomial model (polynomial accuracy \(conversion.report.polynomialAccuracy ?? 0))")
        #expect(agree == subset.count)
    }
}
