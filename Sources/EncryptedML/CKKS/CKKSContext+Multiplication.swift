import Foundation

extension CKKSContext {
    func checkProductScale(_ scale: Double, level: Int, _ what: String) throws {
        guard scale.isFinite, log2(scale) < logModulus(atLevel: level) - 1 else {
            throw EncryptedMLError.scaleOverflow(
                "\(what): the product scale 2^\(String(format: "%.1f", log2(scale))) does not fit under the \(String(format: "%.1f", logModulus(atLevel: level)))-bit modulus of level \(level); rescale the operands first")
        }
    }

    // MARK: - Ciphertext × ciphertext

    /// `a·b` relinearized and rescaled: level − 1, scale `a.scale·b.scale/q_l`.
    /// Operands at different levels are aligned by dropping the higher one (scales may differ:
    /// products simply multiply them). Cost: 4 (l+1)·N products for the tensor, one key switch
    /// (decomposition, inner product, two ModDowns) and one rescale.
    /// - Throws: `.levelExhausted` at level 0, `.scaleOverflow` when the product scale does not
    ///   fit, `.mismatchedContext` for foreign operands or keys.
    public func multiply(_ a: CKKSCiphertext, _ b: CKKSCiphertext, evaluationKeys: CKKSEvaluationKeys) throws
        -> CKKSCiphertext
    {
        var r = a
        try multiplyInPlace(&r, b, evaluationKeys: evaluationKeys)
        return r
    }

    /// In-place `multiply(_:_:evaluationKeys:)`: `a ← a·b`.
    public func multiplyInPlace(_ a: inout CKKSCiphertext, _ b: CKKSCiphertext, evaluationKeys: CKKSEvaluationKeys)
        throws
    {
        guard min(a.level, b.level) >= 1 else {
            throw EncryptedMLError.levelExhausted(
                "multiply needs operands above level 0 to rescale (levels \(a.level) and \(b.level)); use parameters with more primes or multiplyWithoutRescale")
        }
        let (d0, d1, d2, level, scale) = try tensor(&a, b, evaluationKeys: evaluationKeys)
        // Relinearize, then ModDown and rescale fused: one division by P·q_l.
        let decomposition = decompose(d2)
        let (e0, e1) = innerProduct(decomposition, key: evaluationKeys.relinearization, permutation: nil)
        a.c0 = modDownAndRescale(e0, adding: d0, level: level)
        a.c1 = modDownAndRescale(e1, adding: d1, level: level)
        a.scale = scale / Double(ciphertextModuli[level].value)
        a.seed = nil
    }

    /// Checks and aligns the operands of a product and returns the tensor `(d0, d1, d2)`,
    /// the level and the product scale. Cost: 4·(l+1)·N word products, 3·(l+1)·N reductions.
    func tensor(_ a: inout CKKSCiphertext, _ b: CKKSCiphertext, evaluationKeys: CKKSEvaluationKeys) throws
        -> (RNSPolynomial<Evaluation>, RNSPolynomial<Evaluation>, RNSPolynomial<Evaluation>, Int, Double)
    {
        try check(a, "multiply")
        try check(b, "multiply")
        try checkKey(evaluationKeys.contextFingerprint, "multiply")
        var b = b
        let level = min(a.level, b.level)
        try dropLevelInPlace(&a, to: level)
        try dropLevelInPlace(&b, to: level)
        let scale = a.scale * b.scale
        try checkProductScale(scale, level: level, "multiply")
        let n = degree
        var d0 = RNSPolynomial<Evaluation>(degree: n, limbCount: level + 1) { _ in }
        var d1 = d0
        var d2 = d0
        d0.data.withUnsafeMutableBufferPointer { o0 in
            d1.data.withUnsafeMutableBufferPointer { o1 in
                d2.data.withUnsafeMutableBufferPointer { o2 in
                    a.c0.data.withUnsafeBufferPointer { a0 in
                        a.c1.data.withUnsafeBufferPointer { a1 in
                            b.c0.data.withUnsafeBufferPointer { b0 in
                                b.c1.data.withUnsafeBufferPointer { b1 in
                                    forEachIndex(level + 1) { i in
                                        let m = ciphertextModuli[i]
                                        let q = m.value
                                        let twoQ = m.twiceValue
                                        let o = i * n
                                        // Shoup constants of b's components computed on the fly (two
                                        // products each) make all four products Shoup products.
                                        for k in (o)..<(o + n) {
                                            let x0 = a0[k], x1 = a1[k], y0 = b0[k], y1 = b1[k]
                                            let s0 = m.shoupFast(y0), s1 = m.shoupFast(y1)
                                            let p00 = x0 &* y0 &- x0.multipliedFullWidth(by: s0).high &* q
                                            let p01 = x0 &* y1 &- x0.multipliedFullWidth(by: s1).high &* q
                                            let p10 = x1 &* y0 &- x1.multipliedFullWidth(by: s0).high &* q
                                            let p11 = x1 &* y1 &- x1.multipliedFullWidth(by: s1).high &* q
                                            o0[k] = Swift.min(p00, p00 &- q)
                                            let mid = p01 &+ p10
                                            let midReduced = Swift.min(mid, mid &- twoQ)
                                            o1[k] = Swift.min(midReduced, midReduced &- q)
                                            o2[k] = Swift.min(p11, p11 &- q)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (d0, d1, d2, level, scale)
    }

    /// `a·b` relinearized but not rescaled: same level, scale `a.scale·b.scale`. Use it to sum
    /// several products before one rescale. Cost: as `multiply` without the rescale.
    public func multiplyWithoutRescale(_ a: CKKSCiphertext, _ b: CKKSCiphertext, evaluationKeys: CKKSEvaluationKeys)
        throws -> CKKSCiphertext
    {
        var r = a
        try multiplyWithoutRescaleInPlace(&r, b, evaluationKeys: evaluationKeys)
        return r
    }

    /// In-place `multiplyWithoutRescale(_:_:evaluationKeys:)`.
    public func multiplyWithoutRescaleInPlace(_ a: inout CKKSCiphertext, _ b: CKKSCiphertext,
                                              evaluationKeys: CKKSEvaluationKeys) throws {
        var (d0, d1, d2, level, scale) = try tensor(&a, b, evaluationKeys: evaluationKeys)
        let moduli = self.moduli(level: level)
        let (k0, k1) = keySwitch(d2, key: evaluationKeys.relinearization)
        d0.add(k0, moduli: moduli)
        d1.add(k1, moduli: moduli)
        a.c0 = d0
        a.c1 = d1
        a.scale = scale
        a.seed = nil
    }

    /// `a²` relinearized and rescaled. Cost: as `multiply` with 3 tensor products.
    public func square(_ a: CKKSCiphertext, evaluationKeys: CKKSEvaluationKeys) throws -> CKKSCiphertext {
        try multiply(a, a, evaluationKeys: evaluationKeys)
    }

    // MARK: - Ciphertext × plaintext

    /// `ct ⊙ pt` without rescale: scale `ct.scale·pt.scale`, level min of both (the plaintext's
    /// extra limbs are ignored). Use with a plaintext encoded once and reused; sum several such
    /// products with `add` and rescale once. Cost: 2·(l+1)·N products.
    public func multiplyWithoutRescale(_ ct: CKKSCiphertext, _ pt: CKKSPlaintext) throws -> CKKSCiphertext {
        var r = ct
        try multiplyWithoutRescaleInPlace(&r, pt)
        return r
    }

    /// In-place `multiplyWithoutRescale(_:_:)` with a plaintext.
    public func multiplyWithoutRescaleInPlace(_ ct: inout CKKSCiphertext, _ pt: CKKSPlaintext) throws {
        try check(ct, "multiply plaintext")
        try check(pt, "multiply plaintext")
        if pt.level < ct.level { try dropLevelInPlace(&ct, to: pt.level) }
        let scale = ct.scale * pt.scale
        try checkProductScale(scale, level: ct.level, "multiply plaintext")
        let moduli = self.moduli(level: ct.level)
        ct.c0.multiply(pt.poly, shoup: pt.shoup, moduli: moduli)
        ct.c1.multiply(pt.poly, shoup: pt.shoup, moduli: moduli)
        ct.scale = scale
        ct.seed = nil
    }

    /// `ct ⊙ pt` rescaled. Cost: 2·(l+1)·N products and one rescale.
    /// - Throws: `.levelExhausted` at level 0, `.scaleOverflow`, `.mismatchedContext`.
    public func multiply(_ ct: CKKSCiphertext, _ pt: CKKSPlaintext) throws -> CKKSCiphertext {
        var r = try multiplyWithoutRescale(ct, pt)
        try rescaleInPlace(&r)
        return r
    }

    /// `ct ⊙ values` slot-wise, rescaled. The values are encoded at the ciphertext's level with
    /// scale `q_l` (its last prime), so the result keeps exactly the ciphertext's scale.
    /// Cost: one encoding, 2·(l+1)·N products, one rescale.
    /// - Throws: `.levelExhausted` at level 0, `.invalidOperand` for more than N/2 values.
    public func multiply(_ ct: CKKSCiphertext, _ values: [Double]) throws -> CKKSCiphertext {
        try check(ct, "multiply")
        guard ct.level >= 1 else {
            throw EncryptedMLError.levelExhausted(
                "multiply by a vector needs a ciphertext above level 0 to rescale; use parameters with more primes")
        }
        let pt = try encode(values, level: ct.level, scale: Double(ciphertextModuli[ct.level].value))
        return try multiply(ct, pt)
    }

    /// `ct ⊙ values` without rescale, values encoded at the ciphertext's level and `scale`.
    public func multiplyWithoutRescale(_ ct: CKKSCiphertext, _ values: [Double], scale: Double) throws -> CKKSCiphertext {
        try check(ct, "multiply")
        return try multiplyWithoutRescale(ct, encode(values, level: ct.level, scale: scale))
    }

    // MARK: - Ciphertext × constant

    /// `ct · x` in every slot without rescale: multiplies by the integer `round(x·scale)`, so the
    /// scale becomes `ct.scale·scale`. Cost: (l+1)·N Shoup products per component.
    /// - Throws: `.scaleOverflow` when the product scale does not fit.
    public func multiplyWithoutRescale(_ ct: CKKSCiphertext, _ x: Double, scale: Double) throws -> CKKSCiphertext {
        var r = ct
        try multiplyByConstantInPlace(&r, x, scale: scale)
        return r
    }

    /// `ct · x` in every slot, rescaled: the constant is taken at scale `q_l` so the result keeps the
    /// ciphertext's scale exactly and drops one level. Cost: one constant product and one rescale.
    public func multiply(_ ct: CKKSCiphertext, _ x: Double) throws -> CKKSCiphertext {
        try check(ct, "multiply")
        guard ct.level >= 1 else {
            throw EncryptedMLError.levelExhausted(
                "multiply by a constant needs a ciphertext above level 0 to rescale; use multiply(_:byInteger:) or more primes")
        }
        var r = ct
        try multiplyByConstantInPlace(&r, x, scale: Double(ciphertextModuli[ct.level].value))
        try rescaleInPlace(&r)
        return r
    }

    /// `ct · k` for an integer k: exact, no scale change, no level. Cost: (l+1)·N Shoup products per component.
    public func multiply(_ ct: CKKSCiphertext, byInteger k: Int) throws -> CKKSCiphertext {
        try check(ct, "multiply")
        var r = ct
        let moduli = self.moduli(level: ct.level)
        let residues = moduli.map { $0.reduce(signed: Int64(k)) }
        r.c0.multiply(byScalars: residues, moduli: moduli)
        r.c1.multiply(byScalars: residues, moduli: moduli)
        r.seed = nil
        return r
    }

    func multiplyByConstantInPlace(_ ct: inout CKKSCiphertext, _ x: Double, scale: Double) throws {
        try check(ct, "multiply constant")
        guard scale.isFinite, scale > 0 else {
            throw EncryptedMLError.scaleOverflow("constant scale \(scale) must be finite and positive")
        }
        let productScale = ct.scale * scale
        try checkProductScale(productScale, level: ct.level, "multiply constant")
        let residues = try integerResidues(x * scale, level: ct.level)
        let moduli = self.moduli(level: ct.level)
        ct.c0.multiply(byScalars: residues, moduli: moduli)
        ct.c1.multiply(byScalars: residues, moduli: moduli)
        ct.scale = productScale
        ct.seed = nil
    }
}
