import EncryptedML
import Foundation
import Models
import Plaintext
import Testing

/// The bundled CSVs (paths from the shared `TestData`).
enum InferenceData {
    static func csv(_ name: String) -> String { TestData.csv(name) }

    /// The 70/30 stratified split (seed 42) used across the project.
    static func split(_ name: String) throws -> (train: Dataset, test: Dataset) {
        try Dataset.load(csv: csv(name)).stratifiedSplit(testFraction: 0.3, seed: 42)
    }

    static func rows(_ data: Dataset) -> [[Double]] { (0..<data.count).map(data.row) }
}

/// One model to train, convert and run encrypted.
struct InferenceCase: Sendable, CustomTestStringConvertible {
    var data: String
    var kind: ModelKind
    var hidden: [Int] = []
    var activation: ActivationKind = .relu
    var encryptedSigmoid = false
    /// Rows evaluated in single-query packing (the batch runs the whole test split).
    var singleRows = 20

    var testDescription: String {
        "\(data) \(kind.rawValue)\(hidden.isEmpty ? "" : " \(hidden) \(activation.rawValue)")\(encryptedSigmoid ? " encrypted-sigmoid" : "")"
    }

    /// Trains on the training split and converts with it as calibration.
    func convert() throws -> (model: EncryptedModel, test: Dataset) {
        let (conversion, test) = try conversion()
        return (conversion.model, test)
    }

    /// The whole conversion (model, report, noise estimate) and the test split.
    func conversion() throws -> (conversion: Conversion, test: Dataset) {
        let (train, test) = try InferenceData.split(data)
        let trained = try Trainer.train(train, kind: kind, hidden: hidden.isEmpty ? [32] : hidden,
                                        activation: activation, seed: 1)
        var options = ConversionOptions()
        options.encryptedSigmoid = encryptedSigmoid
        let calibration = CalibrationSet(rows: InferenceData.rows(train), labels: train.labels, source: "\(data) train")
        return (try ModelConverter.convert(trained, calibration: calibration, options: options), test)
    }
}

let inferenceCases: [InferenceCase] = [
    InferenceCase(data: "breast_cancer", kind: .logistic),
    InferenceCase(data: "breast_cancer", kind: .logistic, encryptedSigmoid: true, singleRows: 8),
    InferenceCase(data: "digits", kind: .logistic),
    InferenceCase(data: "iris", kind: .logistic),
    InferenceCase(data: "breast_cancer", kind: .mlp, hidden: [16], activation: .square),
    InferenceCase(data: "digits", kind: .mlp, hidden: [32], activation: .square),
    InferenceCase(data: "iris", kind: .mlp, hidden: [8], activation: .tanh, singleRows: 8),
    InferenceCase(data: "iris", kind: .mlp, hidden: [8], activation: .relu, singleRows: 10),
]

/// Precision in bits of the decrypted outputs against the plaintext polynomial model's outputs.
func outputBits(_ predictions: [InferencePrediction], _ rows: [[Double]], _ model: EncryptedModel) -> Double {
    var worst = 0.0
    for (prediction, row) in zip(predictions, rows) {
        for (a, e) in zip(prediction.outputs, model.outputs(raw: row)) { worst = max(worst, abs(a - e)) }
    }
    return worst == 0 ? 64 : -log2(worst)
}

/// Compares decrypted predictions with the plaintext polynomial model row by row and returns
/// (agreement, max probability error).
func compare(_ predictions: [InferencePrediction], _ rows: [[Double]], _ model: EncryptedModel) -> (Double, Double) {
    var agree = 0
    var worst = 0.0
    for (prediction, row) in zip(predictions, rows) {
        if prediction.classIndex == model.predictClass(raw: row) { agree += 1 }
        for (p, q) in zip(prediction.probabilities, model.probabilities(raw: row)) { worst = max(worst, abs(p - q)) }
    }
    return (Double(agree) / Double(rows.count), worst)
}

@Test(.serialized, arguments: inferenceCases)
func encryptedPredictionsAgreeWithThePlaintextPolynomialModel(_ testCase: InferenceCase) throws {
    let (model, test) = try testCase.convert()
    let client = try InferenceClient(model: model)
    let server = try InferenceServer(model: model, context: client.context)
    let secretKey = client.generateSecretKey()
    let keys = try client.generateEvaluationKeys(secretKey: secretKey)
    #expect(keys.rotationSteps == model.plan.single.rotations, "keygen makes exactly the plan's rotation keys")
    let tolerance = testCase.encryptedSigmoid ? 1e-2 : 1e-3
    let rows = InferenceData.rows(test)
    let plan = model.plan
    print("\(testCase.testDescription): N=\(plan.parameters.polyDegree), depth \(plan.depth), scale 2^\(plan.parameters.scaleBits), D=\(plan.single.blockSize), \(keys.rotationSteps.count) rotation keys (plan lists \(plan.single.rotations.count)), degrees \(model.activations.map(\.degree) + (model.outputSigmoid.map { [$0.degree] } ?? []))")

    // Single-query packing on a subset of the test rows.
    let subset = Array(rows.prefix(testCase.singleRows))
    let query = try client.encrypt(rows: subset, mode: .single, secretKey: secretKey)
    let start = Date()
    let result = try server.infer(query, evaluationKeys: keys)
    let singleSeconds = Date().timeIntervalSince(start) / Double(subset.count)
    let single = try client.decrypt(result, secretKey: secretKey)
    let (singleAgreement, singleError) = compare(single, subset, model)

    // Batch packing on the whole test split.
    let batchQuery = try client.encrypt(rows: rows, mode: .batch, secretKey: secretKey)
    let batchStart = Date()
    let batchResult = try server.infer(batchQuery, evaluationKeys: keys)
    let batchSeconds = Date().timeIntervalSince(batchStart)
    let batch = try client.decrypt(batchResult, secretKey: secretKey)
    let (batchAgreement, batchError) = compare(batch, rows, model)
    print("  output precision: single \(String(format: "%.1f", outputBits(single, subset, model))) bits, batch \(String(format: "%.1f", outputBits(batch, rows, model))) bits")
    print("  single: \(subset.count) rows, agreement \(singleAgreement), max |Δp| \(singleError), \(String(format: "%.1f", singleSeconds * 1000)) ms/row; batch: \(rows.count) rows, agreement \(batchAgreement), max |Δp| \(batchError), \(String(format: "%.1f", batchSeconds * 1000)) ms/set")

    #expect(single.count == subset.count)
    #expect(batch.count == rows.count)
    #expect(singleAgreement == 1)
    #expect(batchAgreement == 1)
    #expect(singleError <= tolerance)
    #expect(batchError <= tolerance)
    #expect(single.allSatisfy { model.classLabels.contains($0.label) })
}

@Test
func serverRefusesQueriesAndKeysThatDoNotMatchTheModel() throws {
    let (model, test) = try InferenceCase(data: "iris", kind: .logistic).convert()
    let client = try InferenceClient(model: model)
    let server = try InferenceServer(model: model, context: client.context)
    let secretKey = client.generateSecretKey()
    let keys = try client.generateEvaluationKeys(secretKey: secretKey)
    let rows = Array(InferenceData.rows(test).prefix(3))
    var query = try client.encrypt(rows: rows, mode: .single, secretKey: secretKey)
    query.rowCount = 4
    #expect(throws: EncryptedMLError.self) { try server.infer(query, evaluationKeys: keys) }
    query.rowCount = 3
    query.ciphertexts[1] = try client.context.dropLevel(query.ciphertexts[1], to: 0)
    #expect(throws: EncryptedMLError.self) { try server.infer(query, evaluationKeys: keys) }
    // Keys of another model's parameters.
    let (other, _) = try InferenceCase(data: "digits", kind: .mlp, hidden: [32], activation: .square).convert()
    let otherClient = try InferenceClient(model: other)
    let otherKeys = try otherClient.generateEvaluationKeys(secretKey: otherClient.generateSecretKey(), modes: [.batch])
    let good = try client.encrypt(rows: rows, mode: .batch, secretKey: secretKey)
    #expect(throws: EncryptedMLError.self) { try server.infer(good, evaluationKeys: otherKeys) }
    // Batch-only keys carry no rotation: a single-query inference is refused, naming the key.
    let batchKeys = try client.generateEvaluationKeys(secretKey: secretKey, modes: [.batch])
    #expect(batchKeys.rotationSteps.isEmpty)
    let single = try client.encrypt(rows: rows, mode: .single, secretKey: secretKey)
    #expect {
        try server.infer(single, evaluationKeys: batchKeys)
    } throws: { error in
        guard case EncryptedMLError.missingRotationKey = error else { return false }
        return true
    }
    #expect(throws: EncryptedMLError.self) { try client.encrypt(rows: [[1, 2]], mode: .single, secretKey: secretKey) }
    #expect(throws: EncryptedMLError.self) { try client.encrypt(rows: [[1, 2, .nan, 4]], mode: .batch, secretKey: secretKey) }
}

@Test
func serverTypesHoldNoSecretKey() throws {
    // The server side is built from the model and evaluation keys only: no stored property of
    // the server or of its layers is (or contains) a secret key.
    let (model, _) = try InferenceCase(data: "iris", kind: .logistic).convert()
    let server = try InferenceServer(model: model)
    func containsSecretKey(_ value: Any, depth: Int = 0) -> Bool {
        if value is CKKSSecretKey { return true }
        guard depth < 4 else { return false }
        return Mirror(reflecting: value).children.contains { containsSecretKey($0.value, depth: depth + 1) }
    }
    #expect(!containsSecretKey(server))
    #expect(!server.singleLayers.isEmpty && !server.batchLayers.isEmpty)
}

@Test
func batchQueriesSpanSeveralCiphertextSets() throws {
    // More rows than N/2 slots: two ciphertext sets, the second partly filled.
    let (model, test) = try InferenceCase(data: "iris", kind: .logistic).convert()
    let client = try InferenceClient(model: model)
    let server = try InferenceServer(model: model, context: client.context, modes: [.batch])
    let secretKey = client.generateSecretKey()
    let keys = try client.generateEvaluationKeys(secretKey: secretKey, modes: [.batch])
    let base = InferenceData.rows(test)
    let rows = (0..<(client.context.slotCount + 37)).map { i in base[i % base.count].map { $0 * (1 + 0.001 * Double(i % 7)) } }
    let query = try client.encrypt(rows: rows, mode: .batch, secretKey: secretKey)
    #expect(query.ciphertexts.count == 2 * model.featureCount)
    let result = try server.infer(query, evaluationKeys: keys)
    #expect(result.ciphertexts.count == 2 * model.outputCount)
    let predictions = try client.decrypt(result, secretKey: secretKey)
    let (agreement, error) = compare(predictions, rows, model)
    #expect(predictions.count == rows.count)
    #expect(agreement == 1)
    #expect(error <= 1e-3)
}

@Test
func runtimeRefusesAPlanThatDoesNotMatchTheModel() throws {
    let (model, _) = try InferenceCase(data: "iris", kind: .mlp, hidden: [8], activation: .square).convert()
    var swapped = model
    swapped.plan.steps[1].layer = 5  // an activation step pointing at a layer that does not exist
    #expect(throws: ModelError.self) { try InferenceServer(model: swapped) }
    var batch = model
    batch.plan.batch.samplesPerCiphertext = 0
    #expect(throws: (any Error).self) { try InferenceClient(model: batch) }
    #expect(throws: (any Error).self) { try InferenceServer(model: batch) }
}

/// Issue 12's target: the digits 64-32-10 square MLP at depth 3 (linear, one folded square,
/// linear). The encrypted outputs (single and batch) agree with the plaintext polynomial
/// model to a stated precision, and the no-encryption runtime reproduces it to rounding.
@Test
func foldedSquareMLPRunsAtDepthThreeAndMatchesThePolynomialModel() throws {
    let (model, test) = try InferenceCase(data: "digits", kind: .mlp, hidden: [32], activation: .square).convert()
    #expect(model.plan.depth == 3)
    #expect(model.plan.foldedSquares == [0])
    #expect(model.plan.steps.map(\.depth) == [1, 1, 1])
    let rows = InferenceData.rows(test)
    let plain = try PlainInference(model: model)
    var plainWorst = 0.0
    for row in rows.prefix(40) {
        for (a, e) in zip(try plain.outputs(raw: row), model.outputs(raw: row)) {
            plainWorst = max(plainWorst, abs(a - e) / max(1, abs(e)))
        }
    }
    #expect(plainWorst <= 1e-6, "the runtime's exact path is the polynomial model (relative \(plainWorst))")

    let client = try InferenceClient(model: model)
    let server = try InferenceServer(model: model, context: client.context)
    let secretKey = client.generateSecretKey()
    let keys = try client.generateEvaluationKeys(secretKey: secretKey)
    let subset = Array(rows.prefix(12))
    let single = try client.decrypt(server.infer(client.encrypt(rows: subset, mode: .single, secretKey: secretKey),
                                                 evaluationKeys: keys), secretKey: secretKey)
    let batch = try client.decrypt(server.infer(client.encrypt(rows: rows, mode: .batch, secretKey: secretKey),
                                                evaluationKeys: keys), secretKey: secretKey)
    let singleBits = outputBits(single, subset, model), batchBits = outputBits(batch, rows, model)
    print("digits 64-32-10 square, folded: N=\(model.plan.parameters.polyDegree), depth \(model.plan.depth), scale 2^\(model.plan.parameters.scaleBits); logits within \(String(format: "%.1f", singleBits)) bits (single), \(String(format: "%.1f", batchBits)) bits (batch) of the polynomial model")
    #expect(compare(single, subset, model).0 == 1)
    #expect(compare(batch, rows, model).0 == 1)
    #expect(singleBits >= 16)
    #expect(batchBits >= 16)
}

/// A server whose context is parallel (limbs, the limbs of a batch layer and the independent
/// ciphertexts of a batch set on every core) answers with ciphertexts bit-identical to a
/// serial server's, in both packings.
@Test(arguments: [inferenceCases[5], inferenceCases[7]])
func aParallelServerAnswersBitIdenticallyToASerialOne(_ testCase: InferenceCase) throws {
    let (model, test) = try testCase.convert()
    let client = try InferenceClient(model: model)
    let serial = try InferenceServer(model: model, context: client.context)
    let parallel = try InferenceServer(model: model, context: CKKSContext(parameters: client.context.parameters, parallel: true))
    let secretKey = client.generateSecretKey()
    let keys = try client.generateEvaluationKeys(secretKey: secretKey)
    let rows = InferenceData.rows(test)
    for query in [try client.encrypt(rows: Array(rows.prefix(2)), mode: .single, secretKey: secretKey),
                  try client.encrypt(rows: rows, mode: .batch, secretKey: secretKey)] {
        let a = try serial.infer(query, evaluationKeys: keys), b = try parallel.infer(query, evaluationKeys: keys)
        #expect(a.ciphertexts.count == b.ciphertexts.count)
        for (x, y) in zip(a.ciphertexts, b.ciphertexts) { #expect(x.c0 == y.c0 && x.c1 == y.c1 && x.scale == y.scale) }
    }
}
