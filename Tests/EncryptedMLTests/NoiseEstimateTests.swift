import EncryptedML
import Foundation
import Models
import Plaintext
import Testing

/// The unrounded decrypted outputs of `result`, one vector per row (what `decryptOutputs`
/// returns before rounding to the plan's precision).
private func unroundedOutputs(_ result: EncryptedResult, client: InferenceClient, secretKey: CKKSSecretKey) throws -> [[Double]] {
    let m = client.model.outputCount
    let slots = try result.ciphertexts.map { try client.context.decryptComplex($0, secretKey: secretKey).map(\.real) }
    switch result.mode {
    case .single:
        return slots.map { Array($0.prefix(m)) }
    case .batch:
        let perSet = client.context.slotCount
        return (0..<result.rowCount).map { row in
            (0..<m).map { output in slots[(row / perSet) * m + output][row % perSet] }
        }
    }
}

/// The largest error of `outputs` against the plaintext polynomial model on `rows`.
private func largestError(_ outputs: [[Double]], _ rows: [[Double]], _ model: EncryptedModel) -> Double {
    zip(outputs, rows).reduce(0.0) { worst, pair in
        zip(pair.0, model.outputs(raw: pair.1)).reduce(worst) { max($0, abs($1.0 - $1.1)) }
    }
}

/// Every bundled model converted by default: the encrypted outputs (single-query and batch,
/// unrounded) are within `2^-precisionBits` of the plaintext polynomial model, and within the
/// bound the noise estimate sized the scale with (`2^tailBits` standard deviations).
@Test(.serialized, arguments: inferenceCases + [
    InferenceCase(data: "iris", kind: .mlp, hidden: [32], activation: .relu, singleRows: 8),
    InferenceCase(data: "iris", kind: .mlp, hidden: [32], activation: .sigmoid, singleRows: 8),
    InferenceCase(data: "breast_cancer", kind: .mlp, hidden: [32], activation: .relu, singleRows: 8),
    InferenceCase(data: "digits", kind: .mlp, hidden: [32], activation: .relu, singleRows: 8),
])
func encryptedOutputsMeetTheirPrecisionWithinTheEstimatedNoise(_ testCase: InferenceCase) throws {
    let (conversion, test) = try testCase.conversion()
    let model = conversion.model
    let parameters = model.plan.parameters
    let client = try InferenceClient(model: model)
    let server = try InferenceServer(model: model, context: client.context)
    let secretKey = client.generateSecretKey()
    let keys = try client.generateEvaluationKeys(secretKey: secretKey)
    let rows = InferenceData.rows(test)
    let subset = Array(rows.prefix(testCase.singleRows))
    let single = try unroundedOutputs(server.infer(client.encrypt(rows: subset, mode: .single, secretKey: secretKey), evaluationKeys: keys),
                                      client: client, secretKey: secretKey)
    let batch = try unroundedOutputs(server.infer(client.encrypt(rows: rows, mode: .batch, secretKey: secretKey), evaluationKeys: keys),
                                     client: client, secretKey: secretKey)
    let measured = max(largestError(single, subset, model), largestError(batch, rows, model))
    let deviation = conversion.noise.deviation(polyDegree: parameters.polyDegree,
                                               ciphertextModulusBits: parameters.ciphertextModulusBits,
                                               specialBits: parameters.specialModulusBits[0]) / Foundation.pow(2, Double(parameters.scaleBits))
    let bound = deviation * Foundation.pow(2, NoiseEstimate.tailBits)
    print("\(testCase.testDescription): N=\(parameters.polyDegree) Q=\(parameters.ciphertextModulusBits) P=\(parameters.specialModulusBits) scale 2^\(parameters.scaleBits), outputs up to \(String(format: "%.1f", conversion.calibrations.last!.observed.magnitude)); measured error 2^\(String(format: "%.1f", log2(measured))), estimated deviation 2^\(String(format: "%.1f", log2(deviation))) (measured/deviation \(String(format: "%.2f", measured / deviation)))")
    print("  stages: \(conversion.noise.stages)")
    #expect(measured <= Foundation.pow(2, -Double(parameters.precisionBits)), "precision \(-log2(measured)) bits, asked \(parameters.precisionBits)")
    #expect(measured <= bound, "the estimate bounds the error")
}

/// The sample standard deviation of `values`.
private func deviation(_ values: [Double]) -> Double {
    let mean = values.reduce(0, +) / Double(values.count)
    return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
}

/// The per-slot variances `NoiseEstimate` builds on, against the CKKS core at N = 8192 with
/// Q = 50 + 40 and P = 50 (the shape `ParameterChoice` gives: P as large as the first prime):
/// the error of a fresh public-key encryption, what one rotation's key switch adds, and what a
/// rescale adds, each measured over 4096 slots (sample deviation within a few per cent) and
/// within [0.85, 1.15] of the estimate's deviation.
@Test func theEstimatesPerOperationVariancesMatchTheCKKSCore() throws {
    let n = 8192
    let parameters = try CKKSParameters(polyDegree: n, ciphertextModulusBits: [50, 40], specialModulusBits: [50], scaleBits: 40)
    let context = try CKKSContext(parameters: parameters)
    let secretKey = context.generateSecretKey()
    let publicKey = try context.generatePublicKey(secretKey: secretKey)
    let keys = try context.generateEvaluationKeys(secretKey: secretKey, rotations: [1])
    var generator = SystemRandomNumberGenerator()
    let values = (0..<(n / 2)).map { _ in Double.random(in: -1...1, using: &generator) }
    let delta = parameters.scale
    let fresh = try context.encrypt(values, publicKey: publicKey)
    let freshError = try zip(context.decrypt(fresh, secretKey: secretKey), values).map { ($0 - $1) * delta }
    let rotatedSlots = try context.decrypt(context.rotate(fresh, by: 1, evaluationKeys: keys), secretKey: secretKey)
    // The rotation moves the fresh error with the slots; what is left is the key switch's.
    let keySwitchError = (0..<(n / 2)).map { i in
        (rotatedSlots[i] - values[(i + 1) % (n / 2)]) * delta - freshError[(i + 1) % (n / 2)]
    }
    // A plaintext product then a rescale: the fresh error scaled by the weights, plus the rounding.
    let weights = (0..<(n / 2)).map { _ in Double.random(in: -1...1, using: &generator) }
    let rescaled = try context.multiply(fresh, weights)
    let product = try context.decrypt(rescaled, secretKey: secretKey)
    let roundingError = (0..<(n / 2)).map { i in
        (product[i] - values[i] * weights[i]) * rescaled.scale - weights[i] * freshError[i] * rescaled.scale / delta
    }

    let expectedFresh = (NoiseEstimate.encodingVariance(polyDegree: n) + NoiseEstimate.roundingVariance(polyDegree: n)).squareRoot()
    let expectedKeySwitch = NoiseEstimate.keySwitchVariance(polyDegree: n, levelPrimeBits: [50, 40], specialBits: 50).squareRoot()
    let expectedRounding = NoiseEstimate.roundingVariance(polyDegree: n).squareRoot()
    let ratios = [deviation(freshError) / expectedFresh, deviation(keySwitchError) / expectedKeySwitch,
                  deviation(roundingError) / expectedRounding]
    print("measured / estimated deviation: fresh \(ratios[0]), key switch \(ratios[1]), rescale \(ratios[2])")
    for ratio in ratios { #expect(ratio > 0.85 && ratio < 1.15) }
}
