/// Estimated serialized sizes in bytes, from the parameters alone.
///
/// Model: 8 bytes per residue; a ciphertext at level ℓ holds `2·N·(ℓ + 1)` residues;
/// a key-switching key has one digit per ciphertext prime, each a pair of polynomials
/// over Q·P, stored seeded (the uniform half regenerated from a 32-byte seed), so
/// `k·N·(k + 1)` residues for `k` ciphertext primes and one special prime. Fresh
/// client ciphertexts are symmetric and seeded too (`N·k` residues). Headers are
/// ignored (< 1 KiB).
public struct SizeEstimate: Codable, Sendable, Equatable {
    /// One fresh seeded query ciphertext (single-query mode).
    public var queryCiphertextBytes: Int
    /// One result ciphertext at level 0 (non-seeded).
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

    /// Computes the estimates for `parameters`, `rotationCount` Galois keys and `featureCount` features.
    public init(parameters: ParameterChoice, rotationCount: Int, featureCount: Int) {
        let n = parameters.polyDegree
        let k = parameters.ciphertextModulusBits.count
        let special = parameters.specialModulusBits.count
        queryCiphertextBytes = 8 * n * k + 32
        resultCiphertextBytes = 8 * 2 * n
        batchQueryBytes = featureCount * queryCiphertextBytes
        let keySwitchingKey = 8 * k * n * (k + special) + 32
        relinearizationKeyBytes = keySwitchingKey
        galoisKeyBytes = keySwitchingKey
        singleQueryEvaluationKeyBytes = keySwitchingKey * (1 + rotationCount)
        batchEvaluationKeyBytes = keySwitchingKey
    }
}
