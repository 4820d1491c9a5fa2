import EncryptedML
import Foundation
import Models
import Plaintext
import Testing

/// The no-encryption evaluator runs the circuits' exact path (diagonals, hoisted rotations,
/// Chebyshev tree, levels and scales) on plain slots: what it computes must be the plain
/// function, and what the encrypted run computes must be it plus CKKS noise.
@Suite struct PlainEvaluatorTests {
    let f = Fixture.n4096Deep
    var plain: PlainSlotEvaluator { PlainSlotEvaluator(context: f.context) }

    @Test func chebyshevTreeOnPlainSlotsIsTheSeriesAndTheEncryptedRunIsItPlusNoise() throws {
        for degree in [3, 7, 12, 27] {
            let series = randomSeries(degree: degree, seed: UInt64(degree))
            let polynomial = try ChebyshevEvaluator(series)
            let x = randomVector(f.context.slotCount, seed: 80 + UInt64(degree))
            let input = try plain.encode(x, level: f.context.maxLevel, scale: f.context.defaultScale)
            let y = try polynomial.apply(input, evaluator: plain)
            #expect(y.level == f.context.maxLevel - polynomial.depth)
            #expect(abs(y.scale / f.context.defaultScale - 1) < 1e-12)
            let expected = x.map(series.evaluate)
            let plainBits = precisionBits(y.values, expected)
            let ct = try f.context.encrypt(x, publicKey: f.publicKey)
            let encrypted = try f.context.decrypt(polynomial.apply(ct, context: f.context, evaluationKeys: f.keys),
                                                  secretKey: f.secretKey)
            let noiseBits = precisionBits(encrypted, y.values)
            print("degree \(degree): plain path \(String(format: "%.1f", plainBits)) bits from the series, encrypted \(String(format: "%.1f", noiseBits)) bits from the plain path")
            #expect(plainBits >= 30)
            #expect(noiseBits >= 14)
        }
        // The plain path refuses what the encrypted one refuses.
        let low = try plain.encode([0.5], level: 2, scale: f.context.defaultScale)
        #expect(throws: EncryptedMLError.self) { try ChebyshevEvaluator(randomSeries(degree: 27, seed: 1)).apply(low, evaluator: plain) }
    }

    @Test func linearLayerOnPlainSlotsIsTheMatrixProduct() throws {
        for (rows, columns, block, baby) in [(5, 7, 8, 4), (16, 16, 16, 4), (3, 30, 32, 8), (1, 13, 16, 4)] {
            var rng = TestRNG(seed: UInt64(rows * 100 + columns))
            let w = (0..<(rows * columns)).map { _ in Double.random(in: -1...1, using: &rng) }
            let b = (0..<rows).map { _ in Double.random(in: -1...1, using: &rng) }
            let x = randomVector(columns, seed: UInt64(columns))
            let slots = (0..<f.context.slotCount).map { s in s % block < columns ? x[s % block] : 0 }
            let layer = try LinearLayerCircuit<PlainSlots>(evaluator: plain, weights: w, rows: rows, columns: columns, bias: b,
                                                           blockSize: block, babySteps: baby, level: 3, scale: f.context.defaultScale)
            let y = try layer.apply(plain.encode(slots, level: 3, scale: f.context.defaultScale), evaluator: plain)
            let expected = (0..<rows).map { r in b[r] + (0..<columns).reduce(0.0) { $0 + w[r * columns + $1] * x[$1] } }
            #expect(y.level == 2)
            #expect(precisionBits(Array(y.values.prefix(rows)), expected) >= 35, "\(rows)×\(columns)")
        }
    }

    struct ModelCase: Sendable, CustomTestStringConvertible {
        var data: String
        var kind: ModelKind
        var hidden: [Int] = []
        var activation: ActivationKind = .relu
        var testDescription: String { "\(data) \(kind.rawValue) \(hidden) \(activation.rawValue)" }
    }

    /// The ML runtime through the no-encryption evaluator gives the plaintext polynomial model's
    /// outputs on every test row of the bundled data (the packing, rotations and polynomial tree
    /// are exact up to Double rounding and the rounding of constants at 2^scaleBits).
    @Test(arguments: [
        ModelCase(data: "breast_cancer", kind: .logistic),
        ModelCase(data: "iris", kind: .mlp, hidden: [8], activation: .tanh),
        ModelCase(data: "digits", kind: .mlp, hidden: [32], activation: .square),
    ])
    func plainRuntimeGivesThePolynomialModelsOutputs(_ testCase: ModelCase) throws {
        let (train, test) = try Dataset.load(csv: TestData.csv(testCase.data)).stratifiedSplit(testFraction: 0.3, seed: 42)
        let trained = try Trainer.train(train, kind: testCase.kind, hidden: testCase.hidden.isEmpty ? [32] : testCase.hidden,
                                        activation: testCase.activation, seed: 1)
        let calibration = CalibrationSet(rows: (0..<train.count).map(train.row), labels: train.labels, source: "train")
        let model = try ModelConverter.convert(trained, calibration: calibration, options: ConversionOptions()).model
        let runtime = try PlainInference(model: model)
        var worst = 0.0
        var agree = 0
        for r in 0..<test.count {
            let row = test.row(r)
            let outputs = try runtime.outputs(raw: row)
            let expected = model.outputs(raw: row)
            for (a, e) in zip(outputs, expected) { worst = max(worst, abs(a - e) / max(1, abs(e))) }
            if model.predictedClass(outputs: outputs) == model.predictClass(raw: row) { agree += 1 }
        }
        let bits = worst == 0 ? 64 : -log2(worst)
        print("\(testCase.testDescription): plain runtime vs polynomial model \(String(format: "%.1f", bits)) bits over \(test.count) rows")
        #expect(agree == test.count)
        #expect(bits >= 25)
        // And the encrypted server agrees with the plain runtime up to CKKS noise.
        let client = try InferenceClient(model: model)
        let server = try InferenceServer(model: model, context: client.context, modes: [.single])
        let secretKey = client.generateSecretKey()
        let keys = try client.generateEvaluationKeys(secretKey: secretKey, modes: [.single])
        let rows = (0..<2).map(test.row)
        let outputs = try client.decryptOutputs(server.infer(client.encrypt(rows: rows, mode: .single, secretKey: secretKey),
                                                             evaluationKeys: keys), secretKey: secretKey)
        for (row, decrypted) in zip(rows, outputs) {
            #expect(precisionBits(decrypted, try runtime.outputs(raw: row)) >= 10)
        }
    }
}
