extension CKKSContext {
    /// Generates a uniformly random ternary secret key from the system CSPRNG.
    /// Cost: N random bytes and L+K+1 NTTs.
    public func generateSecretKey() -> CKKSSecretKey {
        let s = sampler.ternary()
        let poly = sampler.smallKeyPolynomial(s)
        return CKKSSecretKey(poly: poly, shoup: poly.shoupConstants(moduli: keyModuli),
                             coefficients: s, contextFingerprint: fingerprint)
    }

    /// Generates the public key `(−a·s + e, a)` over all primes of `Q·P` (so that public-key
    /// encryption can divide its noise by P), `a` expanded from a fresh seed.
    /// Cost: AES-CTR expansion of `a`, one Gaussian sample, L+K+1 NTTs and products.
    /// - Throws: `.mismatchedContext` for a key of other parameters.
    public func generatePublicKey(secretKey: CKKSSecretKey) throws -> CKKSPublicKey {
        try checkKey(secretKey.contextFingerprint, "generatePublicKey")
        let seed = sampler.freshSeed()
        let a = try sampler.uniformKeyPolynomial(seed: seed, domain: 0)
        let e = sampler.gaussian()
        var b = sampler.smallKeyPolynomial(e)
        var product = a
        product.multiply(secretKey.poly, moduli: keyModuli)
        b.subtract(product, moduli: keyModuli)
        secureZero(e)
        secureZero(product.data)  // a·s = e − b: as secret as e
        return CKKSPublicKey(b: b, a: a, bShoup: b.shoupConstants(moduli: keyModuli),
                             aShoup: a.shoupConstants(moduli: keyModuli), seed: seed, contextFingerprint: fingerprint)
    }

    /// Generates the relinearization key and the Galois keys for `rotations` (slot i ← slot i+k;
    /// negative k rotates right; duplicates and multiples of N/2 are ignored) and, when
    /// `conjugation` is true, the conjugation key.
    /// Cost: one key-switching key per distinct rotation plus one, each
    /// ⌈(L+1)/K⌉ × (L+K+1) NTTs.
    /// - Throws: `.mismatchedContext` for a key of other parameters.
    public func generateEvaluationKeys(secretKey: CKKSSecretKey, rotations: [Int], conjugation: Bool = false) throws
        -> CKKSEvaluationKeys
    {
        try checkKey(secretKey.contextFingerprint, "generateEvaluationKeys")
        var square = secretKey.poly
        square.multiply(secretKey.poly, moduli: keyModuli)
        let relin = try generateKeySwitchingKey(from: square, secretKey: secretKey)
        secureZero(square.data)
        var galois: [Int: KeySwitchingKey] = [:]
        var steps: [Int] = []
        var elements = rotations.map { GaloisPermutation.rotationElement(steps: $0, degree: degree) }
        for r in rotations {
            let k = ((r % slotCount) + slotCount) % slotCount
            if k != 0 && !steps.contains(k) { steps.append(k) }
        }
        if conjugation { elements.append(GaloisPermutation.conjugationElement(degree: degree)) }
        for g in elements where g != 1 && galois[g] == nil {
            let permutation = GaloisPermutation(element: g, degree: degree)
            let rotated = permutation.apply(to: secretKey.poly)
            galois[g] = try generateKeySwitchingKey(from: rotated, secretKey: secretKey, permutation: permutation)
            secureZero(rotated.data)
        }
        return CKKSEvaluationKeys(relinearization: relin, galois: galois, rotationSteps: steps.sorted(),
                                  contextFingerprint: fingerprint)
    }
}
