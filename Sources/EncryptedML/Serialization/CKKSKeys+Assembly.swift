/// Keys assembled from the validated components a file holds; everything derived (the
/// evaluation form of `s`, the uniform halves from their seeds, Shoup constants) is
/// recomputed here, the one place that follows the CKKS layer's key layout.
extension CKKSContext {
    /// A secret key from its ternary coefficients. Cost: L+K+1 NTTs and the Shoup constants.
    func assembleSecretKey(coefficients: [Int8]) -> CKKSSecretKey {
        let poly = sampler.smallKeyPolynomial(coefficients)
        return CKKSSecretKey(poly: poly, shoup: poly.shoupConstants(moduli: keyModuli),
                             coefficients: coefficients, contextFingerprint: fingerprint)
    }

    /// A public key from `b` (validated residues over the key primes) and the seed of `a`.
    /// Cost: AES-CTR expansion of `a` and the Shoup constants.
    func assemblePublicKey(b: [UInt64], seed: [UInt8]) throws -> CKKSPublicKey {
        let bPoly = RNSPolynomial<Evaluation>(degree: degree, data: b)
        let a = try sampler.uniformKeyPolynomial(seed: seed, domain: 0)
        return CKKSPublicKey(b: bPoly, a: a, bShoup: bPoly.shoupConstants(moduli: keyModuli),
                             aShoup: a.shoupConstants(moduli: keyModuli), seed: seed, contextFingerprint: fingerprint)
    }

    /// A key-switching key from its `b_j` (validated, digit-major) and the seed of its `a_j`.
    /// Cost: AES-CTR expansion of every `a_j`, the Shoup constants, O(N) for a permutation.
    func assembleKeySwitchingKey(b: [UInt64], seed: [UInt8], galoisElement: Int) throws -> KeySwitchingKey {
        try keySwitcher.assembleKey(b: b, seed: seed, galoisElement: galoisElement, sampler: sampler)
    }
}
