extension CKKSContext {
    /// A small signed polynomial (ternary or error) written into the limbs of `moduli`,
    /// then transformed to evaluation form. Cost: one NTT per limb.
    func smallPolynomial(_ coefficients: [Int8], moduli: [Modulus], tables: [NTTTables]) -> RNSPolynomial<Evaluation> {
        RNSPolynomial<Coefficient>(degree: degree, limbCount: moduli.count) { out in
            Sampling.writeSmall(coefficients, moduli: moduli, degree: degree, to: out)
        }.forwardNTT(tables)
    }

    /// Generates a uniformly random ternary secret key from the system CSPRNG.
    /// Cost: N random bytes and L+K+1 NTTs.
    public func generateSecretKey() -> CKKSSecretKey {
        let s = Sampling.ternary(count: degree)
        let poly = smallPolynomial(s, moduli: keyModuli, tables: keyTables)
        return CKKSSecretKey(poly: poly, shoup: poly.shoupConstants(moduli: keyModuli),
                             coefficients: s, contextFingerprint: fingerprint)
    }

    /// Generates the public key `(−a·s + e, a)` over all primes of `Q·P` (so that public-key
    /// encryption can divide its noise by P), `a` expanded from a fresh seed.
    /// Cost: AES-CTR expansion of `a`, one Gaussian sample, L+K+1 NTTs and products.
    /// - Throws: `.mismatchedContext` for a key of other parameters.
    public func generatePublicKey(secretKey: CKKSSecretKey) throws -> CKKSPublicKey {
        try checkKey(secretKey.contextFingerprint, "generatePublicKey")
        let seed = Sampling.freshSeed()
        let a = try Sampling.uniform(seed: seed, domain: 0, moduli: keyModuli, degree: degree)
        var b = smallPolynomial(Sampling.gaussian(count: degree), moduli: keyModuli, tables: keyTables)
        var product = a
        product.multiply(secretKey.poly, moduli: keyModuli)
        b.subtract(product, moduli: keyModuli)
        return CKKSPublicKey(b: b, a: a, bShoup: b.shoupConstants(moduli: keyModuli),
                             aShoup: a.shoupConstants(moduli: keyModuli), seed: seed, contextFingerprint: fingerprint)
    }

    /// A key-switching key from `target` (`s'`, evaluation form over all key primes) to `s`.
    /// Cost per digit: AES-CTR expansion, one Gaussian sample, L+K+1 NTTs and products.
    func generateKeySwitchingKey(from target: RNSPolynomial<Evaluation>, secretKey: CKKSSecretKey,
                                 permutation: GaloisPermutation? = nil) throws -> KeySwitchingKey {
        let seed = Sampling.freshSeed()
        let qCount = ciphertextModuli.count
        let digits = digitCount(level: maxLevel)
        var bs: [UInt64] = []
        var as_: [UInt64] = []
        bs.reserveCapacity(digits * keyModuli.count * degree)
        as_.reserveCapacity(digits * keyModuli.count * degree)
        for j in 0..<digits {
            let a = try Sampling.uniform(seed: seed, domain: UInt32(j), moduli: keyModuli, degree: degree)
            var b = smallPolynomial(Sampling.gaussian(count: degree), moduli: keyModuli, tables: keyTables)
            var product = a
            product.multiply(secretKey.poly, moduli: keyModuli)
            b.subtract(product, moduli: keyModuli)
            // + P·Q̃_j·s': modulo q_i this is P·s' for the digit's primes and 0 elsewhere (and 0 mod P).
            let n = degree
            b.data.withUnsafeMutableBufferPointer { out in
                target.data.withUnsafeBufferPointer { t in
                    for i in (j * digitSize)..<min((j + 1) * digitSize, qCount) {
                        let m = keyModuli[i]
                        let w = pModQ[i]
                        let ws = m.shoup(w)
                        let o = out.baseAddress! + i * n
                        let src = t.baseAddress! + i * n
                        for k in 0..<n { o[k] = m.add(o[k], m.multiplyShoup(src[k], w, ws)) }
                    }
                }
            }
            bs.append(contentsOf: b.data)
            as_.append(contentsOf: a.data)
        }
        return KeySwitchingKey(b: bs, a: as_, bShoup: shoupConstants(bs), aShoup: shoupConstants(as_),
                               digitCount: digits, seed: seed, permutation: permutation)
    }

    /// Shoup constants of digit-major key material (`(j·(L+K+1) + i)·N + k`).
    package func shoupConstants(_ words: [UInt64]) -> [UInt64] {
        let n = degree
        let limbs = keyModuli.count
        return [UInt64](unsafeUninitializedCapacity: words.count) { out, initialized in
            for index in stride(from: 0, to: words.count, by: n) {
                let m = keyModuli[(index / n) % limbs]
                for k in 0..<n { out[index + k] = m.shoup(words[index + k]) }
            }
            initialized = words.count
        }
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
        }
        return CKKSEvaluationKeys(relinearization: relin, galois: galois, rotationSteps: steps.sorted(),
                                  contextFingerprint: fingerprint)
    }
}
