import EncryptedML
import Foundation

/// Precision in bits: `−log2(max |actual − expected|)` over the compared slots.
func precisionBits(_ actual: [Double], _ expected: [Double]) -> Double {
    var worst = 0.0
    for (a, e) in zip(actual, expected) { worst = max(worst, abs(a - e)) }
    return worst == 0 ? 64 : -log2(worst)
}

/// Deterministic random vectors for reproducible tests (SplitMix64).
struct TestRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

func randomVector(_ count: Int, seed: UInt64, range: ClosedRange<Double> = -1...1) -> [Double] {
    var rng = TestRNG(seed: seed)
    return (0..<count).map { _ in Double.random(in: range, using: &rng) }
}

/// One shared keyed context per parameter set, so the suite builds keys once.
final class Fixture: Sendable {
    let context: CKKSContext
    let secretKey: CKKSSecretKey
    let publicKey: CKKSPublicKey
    let keys: CKKSEvaluationKeys

    init(_ parameters: CKKSParameters, rotations: [Int], conjugation: Bool = true) {
        context = try! CKKSContext(parameters: parameters)
        secretKey = context.generateSecretKey()
        publicKey = try! context.generatePublicKey(secretKey: secretKey)
        keys = try! context.generateEvaluationKeys(secretKey: secretKey, rotations: rotations, conjugation: conjugation)
    }

    /// N=8192, Q=60+40+40, P=60 with rotation keys for every power of two and a few others.
    static let n8192 = Fixture(.n8192Depth2,
                               rotations: (0..<12).map { 1 << $0 } + [3, -3, 17, -1, -5, 100, -1000, 4095])
    /// N=4096 deep insecure set for fast chains: Q = 50+6×40, P = 60 (not 128-bit secure).
    static let n4096Deep = Fixture(
        try! CKKSParameters(polyDegree: 4096, ciphertextModulusBits: [50, 40, 40, 40, 40, 40, 40],
                            specialModulusBits: [60], scaleBits: 40, security: .insecureUnchecked),
        rotations: [1, 2, 5, -7])
    /// N=4096 with two special primes (hybrid digits of two primes), insecure test set.
    static let n4096Hybrid = Fixture(
        try! CKKSParameters(polyDegree: 4096, ciphertextModulusBits: [50, 40, 40, 40, 40],
                            specialModulusBits: [50, 50], scaleBits: 40, security: .insecureUnchecked),
        rotations: [1, 3, -2])
}
