/// A polynomial decomposed for key switching: for each digit `j` (α = K consecutive
/// ciphertext primes), the digit's residues extended to all primes `q_0 … q_l, p_0 … p_{K−1}`
/// (ModUp) in evaluation form. Computing it is the expensive half of a key switch; a hoisted
/// rotation reuses one decomposition for many Galois elements, since an automorphism in
/// evaluation form is a mere permutation of every extended digit.
public struct KeySwitchDecomposition: Sendable {
    /// Level of the decomposed polynomial.
    public let level: Int
    /// Number of digits ⌈(level+1)/α⌉.
    public let digitCount: Int
    /// `data[(j·(level+1+K) + r)·N + k]`.
    let data: [UInt64]
    /// Fingerprint of the parameters.
    let contextFingerprint: UInt64
}

extension CKKSContext {
    /// Limb index in the key basis (`q_0 … q_L, p_0 …`) of extended limb `r` at `level`.
    @inlinable func keyLimbIndex(_ r: Int, level: Int) -> Int {
        r <= level ? r : ciphertextModuli.count + (r - level - 1)
    }

    /// ModUp of every digit of `c` (evaluation form, level l): one inverse NTT per limb, a basis
    /// conversion per digit, and (digits·(l+1+K) − (l+1)) forward NTTs.
    public func decompose(_ c: RNSPolynomial<Evaluation>) -> KeySwitchDecomposition {
        let n = degree
        let level = c.limbCount - 1
        let special = specialModuli.count
        let ext = level + 1 + special
        let digits = digitCount(level: level)
        let coefficientForm = c.inverseNTT(qTables)
        var scratch = [UInt64](repeating: 0, count: digitSize * n)
        let data = [UInt64](unsafeUninitializedCapacity: digits * ext * n) { out, initialized in
            c.data.withUnsafeBufferPointer { evaluation in
                coefficientForm.data.withUnsafeBufferPointer { coefficients in
                    scratch.withUnsafeMutableBufferPointer { scratch in
                        for j in 0..<digits {
                            let start = j * digitSize
                            let count = min(digitSize, level + 1 - start)
                            let converter = modUpConverters[start * 64 + count]!
                            let prepared = converter.prepare(coefficients.baseAddress! + start * n, degree: n,
                                                             scratch: scratch.baseAddress!)
                            let base = out.baseAddress! + j * ext * n
                            for r in 0..<ext {
                                let limb = base + r * n
                                if r >= start && r < start + count {
                                    limb.update(from: evaluation.baseAddress! + r * n, count: n)
                                } else {
                                    let keyIndex = keyLimbIndex(r, level: level)
                                    converter.convert(prepared: prepared, degree: n, targetIndex: keyIndex, to: limb)
                                    keyTables[keyIndex].forward(limb)
                                }
                            }
                        }
                    }
                }
            }
            initialized = digits * ext * n
        }
        return KeySwitchDecomposition(level: level, digitCount: digits, data: data, contextFingerprint: fingerprint)
    }

    /// `Σ_j σ(d_j)·(b_j, a_j)` over the extended basis, with σ the optional slot permutation.
    /// Each output word is one 128-bit lazy sum of `digits` products and one Barrett reduction.
    /// Cost: 2·digits·(l+1+K)·N word products.
    func innerProduct(_ d: KeySwitchDecomposition, key: KeySwitchingKey, permutation: GaloisPermutation?)
        -> (RNSPolynomial<Evaluation>, RNSPolynomial<Evaluation>)
    {
        let n = degree
        let level = d.level
        let ext = level + 1 + specialModuli.count
        let digits = d.digitCount
        let keyLimbs = keyModuli.count
        let identity = permutation == nil
        let source = permutation?.source ?? []
        var out0 = RNSPolynomial<Evaluation>(degree: n, limbCount: ext) { _ in }
        var out1 = RNSPolynomial<Evaluation>(degree: n, limbCount: ext) { _ in }
        out0.data.withUnsafeMutableBufferPointer { o0 in
            out1.data.withUnsafeMutableBufferPointer { o1 in
                d.data.withUnsafeBufferPointer { dd in
                    key.b.withUnsafeBufferPointer { kb in
                        key.a.withUnsafeBufferPointer { ka in
                            source.withUnsafeBufferPointer { perm in
                                for r in 0..<ext {
                                    let keyIndex = keyLimbIndex(r, level: level)
                                    let m = keyModuli[keyIndex]
                                    let r0 = o0.baseAddress! + r * n
                                    let r1 = o1.baseAddress! + r * n
                                    let dBase = dd.baseAddress! + r * n
                                    let bBase = kb.baseAddress! + keyIndex * n
                                    let aBase = ka.baseAddress! + keyIndex * n
                                    let dStride = ext * n
                                    let kStride = keyLimbs * n
                                    for k in 0..<n {
                                        let src = identity ? k : Int(perm[k])
                                        var lo0: UInt64 = 0, hi0: UInt64 = 0, lo1: UInt64 = 0, hi1: UInt64 = 0
                                        for j in 0..<digits {
                                            let x = dBase[j * dStride + src]
                                            let p0 = x.multipliedFullWidth(by: bBase[j * kStride + k])
                                            let p1 = x.multipliedFullWidth(by: aBase[j * kStride + k])
                                            let (s0, c0) = lo0.addingReportingOverflow(p0.low)
                                            lo0 = s0
                                            hi0 = hi0 &+ p0.high &+ (c0 ? 1 : 0)
                                            let (s1, c1) = lo1.addingReportingOverflow(p1.low)
                                            lo1 = s1
                                            hi1 = hi1 &+ p1.high &+ (c1 ? 1 : 0)
                                        }
                                        r0[k] = m.reduce(high: hi0, low: lo0)
                                        r1[k] = m.reduce(high: hi1, low: lo1)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (out0, out1)
    }

    /// ModDown: `(x − [x]_P) / P` from the extended basis (l+1+K limbs, evaluation form) back
    /// to `q_0 … q_l`. Cost: K inverse NTTs, (l+1) forward NTTs, (l+1)·N conversions and products.
    func modDown(_ x: consuming RNSPolynomial<Evaluation>, level: Int) -> RNSPolynomial<Evaluation> {
        modDown(x, level: level, noise: nil, message: nil)
    }

    /// ModDown of `x + noise + P·message` (noise small signed coefficients, message in coefficient
    /// form over `q_0 … q_l`): both are folded into the correction term in coefficient form, so
    /// they cost no NTT. Result `≈ (x + noise)/P + message`.
    func modDown(_ x: consuming RNSPolynomial<Evaluation>, level: Int, noise: [Int8]?,
                 message: RNSPolynomial<Coefficient>?) -> RNSPolynomial<Evaluation> {
        let n = degree
        let special = specialModuli.count
        var scratch = [UInt64](repeating: 0, count: (special + 1) * n)
        let empty: [UInt64] = []
        let noiseWords: [UInt64] = noise.map { e in e.map { UInt64(bitPattern: Int64($0)) } } ?? []
        x.data.withUnsafeMutableBufferPointer { buffer in
            scratch.withUnsafeMutableBufferPointer { scratch in
                (message?.data ?? empty).withUnsafeBufferPointer { messageBuffer in
                    noiseWords.withUnsafeBufferPointer { e in
                        let pPart = buffer.baseAddress! + (level + 1) * n
                        for k in 0..<special {
                            let limb = pPart + k * n
                            pTables[k].inverse(limb)
                            let m = specialModuli[k]
                            // + (P−1)/2 so that the lift below is the centered one (round to nearest).
                            LimbKernels.addScalarInPlace(limb, halfPModP[k], count: n, modulus: m)
                            if noise != nil {
                                let p = m.value
                                for i in 0..<n {
                                    // + e mod p for e in [−19, 19] (sign-extended word).
                                    let s = limb[i] &+ e[i] &+ (p & (e[i] >> 63 == 1 ? ~0 : 0))
                                    limb[i] = Swift.min(s, s &- p)
                                }
                            }
                        }
                        let temp = scratch.baseAddress!
                        let prepared = pToQ.prepare(UnsafePointer(pPart), degree: n, scratch: temp + n)
                        for i in 0...level {
                            let m = ciphertextModuli[i]
                            let q = m.value
                            pToQ.convert(prepared: prepared, degree: n, targetIndex: i, to: temp)
                            // − (P−1)/2: temp is now the centered residue of x modulo P.
                            let half = halfPModQ[i]
                            for k in 0..<n {
                                let d = temp[k] &- half
                                temp[k] = Swift.min(d, d &+ q)
                            }
                            if noise != nil {
                                // temp − e (mod q).
                                for k in 0..<n {
                                    let d = temp[k] &- e[k] &- (q & (e[k] >> 63 == 1 ? ~0 : 0))
                                    temp[k] = Swift.min(d, d &+ q)
                                }
                            }
                            if message != nil {
                                // temp − P·m (mod q).
                                let w = pModQ[i]
                                let ws = m.shoup(w)
                                let msg = messageBuffer.baseAddress! + i * n
                                for k in 0..<n {
                                    let d = temp[k] &- m.multiplyShoup(msg[k], w, ws)
                                    temp[k] = Swift.min(d, d &+ q)
                                }
                            }
                            qTables[i].forward(temp)
                            let w = pInverseModQ[i]
                            let ws = pInverseModQShoup[i]
                            let limb = buffer.baseAddress! + i * n
                            for k in 0..<n {
                                let d = limb[k] &- temp[k] &+ q
                                limb[k] = m.multiplyShoup(d, w, ws)
                            }
                        }
                    }
                }
            }
        }
        x.dropLastLimbs(special)
        return x
    }

    /// Key switching of `c` (level l) under `key`: returns `(k0, k1)` with
    /// `k0 + k1·s ≈ c·s'` where `s'` is the key's source secret. Cost: one decomposition,
    /// one inner product and two ModDowns.
    func keySwitch(_ c: RNSPolynomial<Evaluation>, key: KeySwitchingKey)
        -> (RNSPolynomial<Evaluation>, RNSPolynomial<Evaluation>)
    {
        let level = c.limbCount - 1
        let d = decompose(c)
        let (e0, e1) = innerProduct(d, key: key, permutation: nil)
        return (modDown(e0, level: level), modDown(e1, level: level))
    }
}
