import EncryptedML
import Foundation
import Models
import Testing

/// IND-CPA-D protections of the released outputs on the breast_cancer logistic regression:
/// the plan check, rounding and flooding (statistical width, Gaussian shape, freshness).
@Suite(.serialized) struct DecryptionProtectionTests {
    static let setup: (model: EncryptedModel, client: InferenceClient, server: InferenceServer, secretKey: CKKSSecretKey,
                       keys: CKKSEvaluationKeys, rows: [[Double]]) = {
        let (model, test) = try! InferenceCase(data: "breast_cancer", kind: .logistic).convert()
        let client = try! InferenceClient(model: model)
        let server = try! InferenceServer(model: model, context: client.context)
        let secretKey = client.generateSecretKey()
        let keys = try! client.generateEvaluationKeys(secretKey: secretKey)
        return (model, client, server, secretKey, keys, Array(InferenceData.rows(test).prefix(4)))
    }()

    @Test func defaultOutputsAreRoundedToThePlansPrecision() throws {
        let s = Self.setup
        let result = try s.server.infer(try s.client.encrypt(rows: s.rows, mode: .single, secretKey: s.secretKey), evaluationKeys: s.keys)
        let step = pow(2, -Double(s.model.plan.parameters.precisionBits))
        let outputs = try s.client.decryptOutputs(result, secretKey: s.secretKey)
        let raw = try result.ciphertexts.map { Array(try s.client.context.decrypt($0, secretKey: s.secretKey).prefix(s.model.outputCount)) }
        for (released, exact) in zip(outputs.joined(), raw.joined()) {
            #expect(released / step == (released / step).rounded(), "a multiple of 2^-p")
            #expect(abs(released - exact) <= step / 2)
            #expect(released != exact, "the low-order noise bits are not released")
        }
        // And still the plaintext model's predictions.
        #expect(try s.client.decrypt(result, secretKey: s.secretKey).map(\.classIndex) == s.rows.map(s.model.predictClass(raw:)))
    }

    @Test func aResultOffThePlansLevelOrScaleIsRefusedBeforeDecryption() throws {
        let s = Self.setup
        // A fresh encryption (top level) passed off as a result.
        let fake = try s.client.context.encrypt([Double](repeating: 0.5, count: 4), secretKey: s.secretKey)
        #expect(fake.level != 0)
        let forged = EncryptedResult(mode: .single, rowCount: 1, ciphertexts: [fake])
        do {
            _ = try s.client.decrypt(forged, secretKey: s.secretKey)
            Issue.record("a result at level \(fake.level) was decrypted")
        } catch let error as EncryptedMLError {
            #expect("\(error)".contains("level") && "\(error)".contains("plan"))
        }
    }

    /// Flooding: 400 releases of the same result ciphertext. Each output's spread must be the
    /// predicted width `E·2^(s/2+1)` within a ±15 % band (the sample deviation of 400 draws is
    /// within ±5 % at 3σ), the mean the unflooded value within 4 standard errors, about 68 %
    /// of the draws within one deviation (Gaussian shape), and no two releases equal.
    @Test func floodingNoiseHasThePredictedWidthAndIsFreshEachTime() throws {
        let s = Self.setup
        let bits = 20  // smaller than the default 30 so the deviation stays far below the logits' range
        let result = try s.server.infer(try s.client.encrypt(rows: [s.rows[0]], mode: .single, secretKey: s.secretKey), evaluationKeys: s.keys)
        let slots = try s.client.context.decryptComplex(result.ciphertexts[0], secretKey: s.secretKey)
        let bound = max(pow(2, -Double(s.model.plan.parameters.precisionBits)), slots.reduce(0) { max($0, abs($1.imaginary)) })
        let deviation = DecryptionOptions.floodingDeviation(noiseBound: bound, statisticalBits: bits)
        #expect(abs(deviation / (bound * 2048) - 1) < 1e-12, "2^(s/2+1) = 2^11 times the bound")
        let options = DecryptionOptions(protection: .flooding(statisticalBits: bits))
        let draws = try (0..<400).map { _ in try s.client.decryptOutputs(result, secretKey: s.secretKey, options: options)[0] }
        #expect(Set(draws.map { $0[0] }).count == draws.count, "fresh noise on every release")
        for output in 0..<s.model.outputCount {
            let exact = slots[output].real
            let values = draws.map { $0[output] }
            let mean = values.reduce(0, +) / Double(values.count)
            let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
            print("output \(output): flooding deviation predicted \(deviation), measured \(sd), noise bound 2^\(String(format: "%.1f", log2(bound)))")
            #expect(abs(sd / deviation - 1) < 0.15, "measured \(sd), predicted \(deviation)")
            #expect(abs(mean - exact) < 4 * deviation / Double(values.count).squareRoot())
            let within = Double(values.filter { abs($0 - exact) <= deviation }.count) / Double(values.count)
            #expect(abs(within - 0.6827) < 0.08, "fraction within 1σ: \(within)")
        }
    }

    @Test func floodingReservesHalfTheStatisticalParameterPlusOneBit() {
        #expect(DecryptionOptions.floodingReserveBits() == 16)
        #expect(DecryptionOptions.floodingReserveBits(statisticalBits: 40) == 21)
        #expect(DecryptionOptions.flooding.protection == .flooding(statisticalBits: 30))
    }
}
