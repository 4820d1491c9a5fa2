extension CKKSContext {
    /// Public-key encryption at `level` in the manner of SEAL: `(b·u + e0, a·u + e1)` is formed
    /// over `q_0 … q_l, P` and divided by P, which divides the `e·u` and `e1·s` noise by P.
    /// The errors and the message (coefficient form, or evaluation form) are folded into the
    /// ModDown, so they need no NTTs of their own.
    /// Cost: (l+1+K) NTTs for u, 2·(K inverse + (l+1) forward) NTTs for the ModDowns.
    func encryptPublic(level: Int, scale: Double, publicKey: CKKSPublicKey,
                       messageCoefficients: RNSPolynomial<Coefficient>?,
                       messageEvaluation: RNSPolynomial<Evaluation>?) -> CKKSCiphertext {
        let n = degree
        let special = specialModuli.count
        let ext = level + 1 + special
        let extModuli = (0..<ext).map { keyModuli[keyLimbIndex($0, level: level)] }
        let extTables = (0..<ext).map { keyTables[keyLimbIndex($0, level: level)] }
        let ternary = sampler.ternary()
        let u = sampler.smallPolynomial(ternary, moduli: extModuli, tables: extTables)
        secureZero(ternary)
        // x0 = b·u, x1 = a·u over the extended basis (Shoup products with the key's constants).
        func product(_ p: RNSPolynomial<Evaluation>, _ shoup: [UInt64]) -> RNSPolynomial<Evaluation> {
            var out = u
            out.data.withUnsafeMutableBufferPointer { o in
                p.data.withUnsafeBufferPointer { w in
                    shoup.withUnsafeBufferPointer { ws in
                        for r in 0..<ext {
                            let key = keyLimbIndex(r, level: level) * n
                            LimbKernels.multiplyShoupInPlace(o.baseAddress! + r * n, w.baseAddress! + key,
                                                             ws.baseAddress! + key, count: n, modulus: extModuli[r])
                        }
                    }
                }
            }
            return out
        }
        let x0 = product(publicKey.b, publicKey.bShoup)
        let x1 = product(publicKey.a, publicKey.aShoup)
        secureZero(u.data)
        let e0 = sampler.gaussian(), e1 = sampler.gaussian()
        var c0 = keySwitcher.modDown(x0, level: level, noise: e0, message: messageCoefficients)
        let c1 = keySwitcher.modDown(x1, level: level, noise: e1, message: nil)
        secureZero(e0)
        secureZero(e1)
        if let messageEvaluation { c0.add(messageEvaluation, moduli: moduli(level: level)) }
        return CKKSCiphertext(c0: c0, c1: c1, scale: scale, contextFingerprint: fingerprint)
    }

    /// Encodes `values` (at most N/2, rest zero) at the top level and scale Δ and encrypts them
    /// with the public key. Fresh noise is the rounding noise of the division by P.
    /// Cost: one special FFT, (2L+K+3) NTTs + 2K inverse NTTs, 2·(L+K+1)·N products.
    /// - Throws: as `encode`, and `.mismatchedContext` for a key of other parameters.
    public func encrypt(_ values: [Double], publicKey: CKKSPublicKey) throws -> CKKSCiphertext {
        try checkKey(publicKey.contextFingerprint, "encrypt")
        let scale = defaultScale
        let level = try encoder.resolveEncoding(count: values.count, level: nil, scale: scale)
        let message = try RNSPolynomial<Coefficient>(degree: degree, limbCount: level + 1) { out in
            try encoder.writeEncodedCoefficients(real: values, imaginary: nil, scale: scale, level: level, to: out)
        }
        return encryptPublic(level: level, scale: scale, publicKey: publicKey, messageCoefficients: message,
                             messageEvaluation: nil)
    }

    /// Encrypts an encoded plaintext with the public key, at the plaintext's level and scale.
    /// Cost: as `encrypt(_:publicKey:)` without the encoding.
    public func encrypt(_ plaintext: CKKSPlaintext, publicKey: CKKSPublicKey) throws -> CKKSCiphertext {
        try checkKey(publicKey.contextFingerprint, "encrypt")
        try check(plaintext, "encrypt")
        return encryptPublic(level: plaintext.level, scale: plaintext.scale, publicKey: publicKey,
                             messageCoefficients: nil, messageEvaluation: plaintext.poly)
    }

    /// Encodes `values` at the top level and scale Δ and encrypts them with the secret key:
    /// `(−a·s + e + m, a)` with `a` expanded from a fresh seed kept in the ciphertext.
    /// Cost: one special FFT, (L+1) NTTs (message+error), AES-CTR expansion, (L+1)·N products.
    public func encrypt(_ values: [Double], secretKey: CKKSSecretKey) throws -> CKKSCiphertext {
        try checkKey(secretKey.contextFingerprint, "encrypt")
        let scale = defaultScale
        let level = try encoder.resolveEncoding(count: values.count, level: nil, scale: scale)
        let e = sampler.gaussian()
        defer { secureZero(e) }
        let messagePlusError = try encoder.encodePolynomial(real: values, imaginary: nil, level: level, scale: scale,
                                                            noise: e)
        return try encryptSymmetric(messagePlusError, level: level, scale: scale, secretKey: secretKey)
    }

    /// Encrypts an encoded plaintext with the secret key at its level and scale.
    public func encrypt(_ plaintext: CKKSPlaintext, secretKey: CKKSSecretKey) throws -> CKKSCiphertext {
        try checkKey(secretKey.contextFingerprint, "encrypt")
        try check(plaintext, "encrypt")
        let moduli = self.moduli(level: plaintext.level)
        let e = sampler.gaussian()
        var m = sampler.smallPolynomial(e, moduli: moduli, tables: chain.tables)
        secureZero(e)
        m.add(plaintext.poly, moduli: moduli)
        return try encryptSymmetric(m, level: plaintext.level, scale: plaintext.scale, secretKey: secretKey)
    }

    func encryptSymmetric(_ messagePlusError: RNSPolynomial<Evaluation>, level: Int, scale: Double,
                          secretKey: CKKSSecretKey) throws -> CKKSCiphertext {
        let moduli = self.moduli(level: level)
        let seed = sampler.freshSeed()
        let a = try sampler.uniform(seed: seed, domain: 0, moduli: moduli)
        var c0 = messagePlusError
        var product = a
        product.multiply(secretKey.poly, shoup: secretKey.shoup, moduli: moduli)
        c0.subtract(product, moduli: moduli)
        secureZero(product.data)
        return CKKSCiphertext(c0: c0, c1: a, scale: scale, contextFingerprint: fingerprint, seed: seed)
    }

    /// `c0 + c1·s` at the ciphertext's level (Shoup products with the key's constants).
    func decryptPolynomial(_ ciphertext: CKKSCiphertext, secretKey: CKKSSecretKey) throws -> RNSPolynomial<Evaluation> {
        try check(ciphertext, "decrypt")
        try checkKey(secretKey.contextFingerprint, "decrypt")
        var m = ciphertext.c0
        m.multiplyAdd(ciphertext.c1, secretKey.poly, shoup: secretKey.shoup, moduli: moduli(level: ciphertext.level))
        return m
    }

    /// Decrypts to the plaintext `c0 + c1·s` (evaluation form, same level and scale).
    /// Cost: (level+1)·N products.
    public func decryptToPlaintext(_ ciphertext: CKKSCiphertext, secretKey: CKKSSecretKey) throws -> CKKSPlaintext {
        let m = try decryptPolynomial(ciphertext, secretKey: secretKey)
        return CKKSPlaintext(poly: m, scale: ciphertext.scale, contextFingerprint: fingerprint, moduli: ciphertextModuli)
    }

    /// Decrypts and decodes the N/2 real slot values.
    /// Cost: (level+1)·N products, level+1 inverse NTTs, exact CRT composition, one special FFT.
    /// - Throws: `.mismatchedContext` for a ciphertext or key of other parameters.
    public func decrypt(_ ciphertext: CKKSCiphertext, secretKey: CKKSSecretKey) throws -> [Double] {
        let m = try decryptPolynomial(ciphertext, secretKey: secretKey)
        return encoder.decodeComplexParts(m, scale: ciphertext.scale).real
    }

    /// Decrypts and decodes the N/2 complex slot values.
    public func decryptComplex(_ ciphertext: CKKSCiphertext, secretKey: CKKSSecretKey) throws -> [CKKSComplex] {
        try decodeComplex(decryptToPlaintext(ciphertext, secretKey: secretKey))
    }

    /// Encrypts complex slot values with the public key at the top level and scale Δ.
    public func encrypt(_ values: [CKKSComplex], publicKey: CKKSPublicKey) throws -> CKKSCiphertext {
        try encrypt(encode(values), publicKey: publicKey)
    }
}
