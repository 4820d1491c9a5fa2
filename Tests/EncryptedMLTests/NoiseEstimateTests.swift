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
@Test(.serialized, arguments: inferenceCases)
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
