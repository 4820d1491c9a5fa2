import Foundation

extension CKKSContext {
    /// Relative difference below which two scales count as equal (≈ Double rounding of
    /// scale bookkeeping; far below CKKS noise).
    public static let scaleTolerance = 0x1p-40

    @usableFromInline static func scalesMatch(_ a: Double, _ b: Double) -> Bool {
        abs(a - b) <= CKKSContext.scaleTolerance * max(abs(a), abs(b))
    }

    // MARK: - Levels

    /// Drops `ct` to `level` by removing the last primes (exact: the message and scale are
    /// unchanged). Cost: O(1).
    /// - Throws: `.levelExhausted` when `level` is above the ciphertext's level or negative.
    public func dropLevel(_ ct: CKKSCiphertext, to level: Int) throws -> CKKSCiphertext {
        var r = ct
        try dropLevelInPlace(&r, to: level)
        return r
    }

    /// In-place `dropLevel(_:to:)`.
    public func dropLevelInPlace(_ ct: inout CKKSCiphertext, to level: Int) throws {
        try check(ct, "dropLevel")
        guard level >= 0, level <= ct.level else {
            throw EncryptedMLError.levelExhausted(
                "cannot drop a level-\(ct.level) ciphertext to level \(level); levels only go down, to 0 at the lowest")
        }
        if level == ct.level { return }
        ct.c0.dropLastLimbs(ct.level - level)
        ct.c1.dropLastLimbs(ct.c1.limbCount - level - 1)
        ct.seed = nil
    }

    /// Rescales by the last prime `q_l` with rounding: level − 1, scale / q_l.
    /// Cost per component: 1 inverse NTT and l forward NTTs, (l)·N products.
    /// - Throws: `.levelExhausted` at level 0.
    public func rescale(_ ct: CKKSCiphertext) throws -> CKKSCiphertext {
        var r = ct
        try rescaleInPlace(&r)
        return r
    }

    /// In-place `rescale(_:)`.
    public func rescaleInPlace(_ ct: inout CKKSCiphertext) throws {
        try check(ct, "rescale")
        let level = ct.level
        guard level >= 1 else {
            throw EncryptedMLError.levelExhausted(
                "rescale needs a ciphertext above level 0 (this one is at level 0); use parameters with more ciphertext primes")
        }
        divideByLastPrime(&ct.c0)
        divideByLastPrime(&ct.c1)
        ct.scale /= Double(ciphertextModuli[level].value)
        ct.seed = nil
    }

    /// `p ← round(p / q_l)` for an evaluation-form polynomial at level l, dropping its last limb.
    func divideByLastPrime(_ p: inout RNSPolynomial<Evaluation>) {
        let n = degree
        let level = p.limbCount - 1
        let last = ciphertextModuli[level]
        let half = last.value >> 1
        let rescale = chain[level]
        var temp = [UInt64](repeating: 0, count: (1 + max(level, 1)) * n)
        p.data.withUnsafeMutableBufferPointer { buffer in
            temp.withUnsafeMutableBufferPointer { t in
                let lastLimb = t.baseAddress!
                lastLimb.update(from: buffer.baseAddress! + level * n, count: n)
                qTables[level].inverse(lastLimb)
                // Add ⌊q_l/2⌋ so the division rounds instead of flooring.
                LimbKernels.addScalarInPlace(lastLimb, half, count: n, modulus: last)
                forEachIndex(level) { i in
                    let m = ciphertextModuli[i]
                    let q = m.value
                    let work = t.baseAddress! + (1 + i) * n
                    let halfModQi = m.reduce(half)
                    for k in 0..<n {
                        // (x mod q_i) − (⌊q_l/2⌋ mod q_i), kept in [0, 2q).
                        work[k] = m.reduce(lastLimb[k]) &+ q &- halfModQi
                    }
                    qTables[i].forward(work)
                    let w = rescale.rescaleInverse[i]
                    let ws = rescale.rescaleInverseShoup[i]
                    let limb = buffer.baseAddress! + i * n
                    for k in 0..<n {
                        limb[k] = m.multiplyShoup(limb[k] &+ q &- work[k], w, ws)
                    }
                }
            }
        }
        p.dropLastLimbs(1)
    }

    // MARK: - Alignment

    /// Brings the scale to `≈ scale·ratio` without changing the values: multiplies by the
    /// integer `f = round(ratio·q_l)` taken as the constant 1 at scale f, then rescales, so the
    /// scale becomes `scale·f/q_l` (tracked exactly) and the level drops by one.
    func adjustScale(_ ct: inout CKKSCiphertext, by ratio: Double) throws {
        guard ct.level >= 1 else {
            throw EncryptedMLError.levelExhausted(
                "aligning scale \(ct.scale) needs a level, but the operand is at level 0; keep operand scales equal or use more primes")
        }
        let q = Double(ciphertextModuli[ct.level].value)
        try multiplyByConstantInPlace(&ct, 1, scale: (ratio * q).rounded())
        try rescaleInPlace(&ct)
    }

    /// Brings two ciphertexts to the same level and (within `scaleTolerance`) the same scale.
    /// Level: the higher one is dropped (free). Scale: the operand with more levels is multiplied
    /// by the scale ratio and rescaled, which costs it one level.
    func align(_ a: inout CKKSCiphertext, _ b: inout CKKSCiphertext) throws {
        if !CKKSContext.scalesMatch(a.scale, b.scale) {
            if a.level >= b.level {
                try adjustScale(&a, by: b.scale / a.scale)
            } else {
                try adjustScale(&b, by: a.scale / b.scale)
            }
        }
        let level = min(a.level, b.level)
        try dropLevelInPlace(&a, to: level)
        try dropLevelInPlace(&b, to: level)
    }

    /// A plaintext's polynomial restricted to `level` (dropping its extra limbs), or an error when
    /// it is below that level.
    func plaintextPoly(_ pt: CKKSPlaintext, level: Int) -> RNSPolynomial<Evaluation> {
        // Limb-wise operations read only the first `level + 1` limbs of a longer operand.
        pt.poly
    }

    // MARK: - Addition

    /// `a + b`, aligning levels and scales first (see `align`). Cost: 2·(l+1)·N additions.
    /// - Throws: `.mismatchedContext`, or `.levelExhausted` when scale alignment needs a level
    ///   neither operand has.
    public func add(_ a: CKKSCiphertext, _ b: CKKSCiphertext) throws -> CKKSCiphertext {
        var r = a
        try addInPlace(&r, b)
        return r
    }

    /// In-place `add(_:_:)`: `a += b`.
    public func addInPlace(_ a: inout CKKSCiphertext, _ b: CKKSCiphertext) throws {
        try check(a, "add")
        try check(b, "add")
        var b = b
        try align(&a, &b)
        let moduli = self.moduli(level: a.level)
        a.c0.add(b.c0, moduli: moduli)
        a.c1.add(b.c1, moduli: moduli)
        a.seed = nil
    }

    /// `a − b`, aligning levels and scales first. Cost: 2·(l+1)·N subtractions.
    public func subtract(_ a: CKKSCiphertext, _ b: CKKSCiphertext) throws -> CKKSCiphertext {
        var r = a
        try subtractInPlace(&r, b)
        return r
    }

    /// In-place `subtract(_:_:)`: `a −= b`.
    public func subtractInPlace(_ a: inout CKKSCiphertext, _ b: CKKSCiphertext) throws {
        try check(a, "subtract")
        try check(b, "subtract")
        var b = b
        try align(&a, &b)
        let moduli = self.moduli(level: a.level)
        a.c0.subtract(b.c0, moduli: moduli)
        a.c1.subtract(b.c1, moduli: moduli)
        a.seed = nil
    }

    /// `−a`. Cost: 2·(l+1)·N subtractions.
    public func negate(_ a: CKKSCiphertext) throws -> CKKSCiphertext {
        var r = a
        try negateInPlace(&r)
        return r
    }

    /// In-place `negate(_:)`.
    public func negateInPlace(_ a: inout CKKSCiphertext) throws {
        try check(a, "negate")
        let moduli = self.moduli(level: a.level)
        a.c0.negate(moduli: moduli)
        a.c1.negate(moduli: moduli)
        a.seed = nil
    }

    // MARK: - Plaintext addition

    /// `ct + pt`. The plaintext must have the ciphertext's scale (encode it with
    /// `encode(_:level:scale:)` at `ct.scale`); otherwise the ciphertext is first brought to the
    /// plaintext's scale (one level). A plaintext above the ciphertext's level is used at that
    /// level. Cost: (l+1)·N additions.
    public func add(_ ct: CKKSCiphertext, _ pt: CKKSPlaintext) throws -> CKKSCiphertext {
        var r = ct
        try addInPlace(&r, pt)
        return r
    }

    /// In-place `add(_:_:)` with a plaintext.
    public func addInPlace(_ ct: inout CKKSCiphertext, _ pt: CKKSPlaintext) throws {
        try addPlaintext(&ct, pt, subtracting: false)
    }

    /// `ct − pt`; see `add(_:_:)` for plaintexts.
    public func subtract(_ ct: CKKSCiphertext, _ pt: CKKSPlaintext) throws -> CKKSCiphertext {
        var r = ct
        try addPlaintext(&r, pt, subtracting: true)
        return r
    }

    func addPlaintext(_ ct: inout CKKSCiphertext, _ pt: CKKSPlaintext, subtracting: Bool) throws {
        try check(ct, "add plaintext")
        try check(pt, "add plaintext")
        if !CKKSContext.scalesMatch(ct.scale, pt.scale) { try adjustScale(&ct, by: pt.scale / ct.scale) }
        if pt.level < ct.level { try dropLevelInPlace(&ct, to: pt.level) }
        let moduli = self.moduli(level: ct.level)
        let p = plaintextPoly(pt, level: ct.level)
        if subtracting { ct.c0.subtract(p, moduli: moduli) } else { ct.c0.add(p, moduli: moduli) }
        ct.seed = nil
    }

    /// `ct + values` slot-wise (values encoded at the ciphertext's level and exact scale).
    /// Cost: one encoding (special FFT + (l+1) NTTs) and (l+1)·N additions.
    public func add(_ ct: CKKSCiphertext, _ values: [Double]) throws -> CKKSCiphertext {
        try check(ct, "add")
        return try add(ct, encode(values, level: ct.level, scale: ct.scale))
    }

    /// `ct − values` slot-wise.
    public func subtract(_ ct: CKKSCiphertext, _ values: [Double]) throws -> CKKSCiphertext {
        try check(ct, "subtract")
        return try subtract(ct, encode(values, level: ct.level, scale: ct.scale))
    }

    /// `ct + x` in every slot. A constant encodes as the constant polynomial `round(x·Δ)`, so this
    /// is one addition per limb. Cost: (l+1)·N additions.
    public func add(_ ct: CKKSCiphertext, _ x: Double) throws -> CKKSCiphertext {
        var r = ct
        try addInPlace(&r, x)
        return r
    }

    /// In-place `add(_:_:)` with a constant.
    public func addInPlace(_ ct: inout CKKSCiphertext, _ x: Double) throws {
        try check(ct, "add constant")
        let residues = try integerResidues(x * ct.scale, level: ct.level)
        // In evaluation form the constant polynomial c is c in every slot.
        let n = degree
        let level = ct.level
        ct.c0.data.withUnsafeMutableBufferPointer { buffer in
            for i in 0...level {
                LimbKernels.addScalarInPlace(buffer.baseAddress! + i * n, residues[i], count: n, modulus: ciphertextModuli[i])
            }
        }
        ct.seed = nil
    }

    /// The residues modulo `q_0 … q_level` of `round(value)`.
    func integerResidues(_ value: Double, level: Int) throws -> [UInt64] {
        guard value.isFinite else {
            throw EncryptedMLError.invalidOperand("constant \(value) is not finite")
        }
        let c = value.rounded()
        guard c == 0 || log2(abs(c)) < logModulus(atLevel: level) - 1 else {
            throw EncryptedMLError.scaleOverflow(
                "constant × scale = 2^\(String(format: "%.1f", log2(abs(c)))) does not fit under the \(String(format: "%.1f", logModulus(atLevel: level)))-bit modulus of level \(level); use a smaller scale")
        }
        return moduli(level: level).map { m in
            if abs(c) < 0x1p62 { return m.reduce(signed: Int64(c)) }
            let exponent = c.exponent - 52
            let mantissa = Int64(c.significand * 0x1p52) * (c < 0 ? -1 : 1)
            return m.multiply(m.reduce(signed: mantissa), m.power(2, UInt64(exponent)))
        }
    }
}
