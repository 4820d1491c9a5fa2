/// Estimated serialized sizes in bytes, from the parameters and the plan's rotation count.
///
/// Model of the files (`EncryptedML/Serialization`): residues are bit-packed at their
/// prime's width, so a polynomial over primes of `b_i` bits takes `N·Σ b_i / 8` bytes. A
/// ciphertext at level ℓ holds two polynomials over `q_0…q_ℓ`; a fresh client ciphertext is
/// seeded (its second polynomial stored as a 32-byte seed); each ciphertext has a 12-byte
/// header. A key-switching key has `⌈k/p⌉` digits (k ciphertext primes, p special primes),
/// each the `b` half of a pair over Q·P (the uniform half stored as one 32-byte seed), plus 8
/// bytes of element and digit count. The evaluation-key file adds 8 bytes and 4 per
/// rotation step. File headers (< 1 KiB) are ignored.
public struct SizeEstimate: Codable, Sendable, Equatable {
    /// One fresh seeded query ciphertext (single-query mode: one per row).
    public var queryCiphertextBytes: Int
    /// One result ciphertext at level 0 (not seeded; single-query mode: one per row).
    public var resultCiphertextBytes: Int
    /// A batch query set: one seeded ciphertext per feature.
    public var batchQueryBytes: Int
    /// The relinearization key.
    public var relinearizationKeyBytes: Int
    /// One Galois (rotation) key.
    public var galoisKeyBytes: Int
    /// Evaluation keys for single-query inference: relinearization + one Galois key per rotation.
    public var singleQueryEvaluationKeyBytes: Int
    /// Evaluation keys for batch inference: relinearization only.
    public var batchEvaluationKeyBytes: Int

    /// Computes the estimates for `parameters`, `rotationCount` Galois keys and `featureCount`
    /// features. O(primes).
    public init(parameters: ParameterChoice, rotationCount: Int, featureCount: Int) {
        let n = parameters.polyDegree
        let q = parameters.ciphertextModulusBits
        let p = parameters.specialModulusBits
        let seed = 32, ciphertextHeader = 12
        func polynomialBytes(_ bits: [Int]) -> Int { bits.reduce(0) { $0 + n * $1 / 8 } }
        queryCiphertextBytes = ciphertextHeader + polynomialBytes(q) + seed
        resultCiphertextBytes = ciphertextHeader + 2 * polynomialBytes(Array(q.prefix(parameters.outputLevel + 1)))
        batchQueryBytes = featureCount * queryCiphertextBytes
        let digits = (q.count + max(p.count, 1) - 1) / max(p.count, 1)
        let keySwitchingKey = 8 + seed + digits * polynomialBytes(q + p)
        relinearizationKeyBytes = keySwitchingKey
        galoisKeyBytes = keySwitchingKey
        singleQueryEvaluationKeyBytes = 8 + 4 * rotationCount + keySwitchingKey * (1 + rotationCount)
        batchEvaluationKeyBytes = 8 + keySwitchingKey
    }
}
