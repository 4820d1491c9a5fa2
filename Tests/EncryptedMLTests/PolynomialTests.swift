import EncryptedML
import Foundation
import Models
import Testing

/// Depth-7 chain: N = 4096, Q = 60+7×40, P = 60 (insecure test set).
let polynomialFixture = Fixture(
    try! CKKSParameters(polyDegree: 4096, ciphertextModulusBits: [60] + Array(repeating: 40, count: 7),
                        specialModulusBits: [60], scaleBits: 40, security: .insecureUnchecked),
    rotations: [], conjugation: false)

/// A random series with decaying coefficients (like a smooth fit), Σ|c| ≤ ~3.
func randomSeries(degree: Int, seed: UInt64) -> ChebyshevSeries {
    let c = randomVector(degree + 1, seed: seed).enumerated().map { $1 / Double($0 + 1) }
    return ChebyshevSeries(coefficients: c)
}

@Test(arguments: [1, 2, 3, 4, 5, 7, 8, 12, 15, 16, 31, 63, 64, 127])
func chebyshevEvaluationMatchesClenshawAtExactLevelAndScale(_ degree: Int) throws {
    let f = polynomialFixture
    let ctx = f.context
    let series = randomSeries(degree: degree, seed: UInt64(degree))
    let depth = ChebyshevSeries.depth(forDegree: degree)
    let x = randomVector(ctx.slotCount, seed: 3)
    let ct = try ctx.encrypt(x, secretKey: f.secretKey)
    let start = ctx.maxLevel
    let y = try ChebyshevEvaluator(series).apply(ct, context: ctx, evaluationKeys: f.keys)
    #expect(start - y.level == depth)
    #expect(y.scale == ctx.defaultScale)
    let bits = precisionBits(try ctx.decrypt(y, secretKey: f.secretKey), x.map(series.evaluate))
    print("Chebyshev degree \(degree): depth \(depth), \(String(format: "%.1f", bits)) bits")
    #expect(bits > 18)
}

@Test
func chebyshevEvaluationLandsOnAnyTargetScale() throws {
    let f = polynomialFixture
    let ctx = f.context
    let series = randomSeries(degree: 9, seed: 44)
    let x = randomVector(ctx.slotCount, seed: 4)
    let ct = try ctx.encrypt(x, secretKey: f.secretKey)
    let target = 0x1p38 * 1.2345
    let y = try ChebyshevEvaluator(series).apply(ct, context: ctx, evaluationKeys: f.keys, outputScale: target)
    #expect(y.scale == target)
    #expect(y.level == ctx.maxLevel - 4)
    #expect(precisionBits(try ctx.decrypt(y, secretKey: f.secretKey), x.map(series.evaluate)) > 18)
}

@Test
func chebyshevEvaluationRefusesTooFewLevels() throws {
    let f = polynomialFixture
    let ctx = f.context
    let ct = try ctx.dropLevel(ctx.encrypt([0.5], secretKey: f.secretKey), to: 2)
    #expect(throws: EncryptedMLError.self) {
        try ChebyshevEvaluator(randomSeries(degree: 8, seed: 1)).apply(ct, context: ctx, evaluationKeys: f.keys)
    }
}
