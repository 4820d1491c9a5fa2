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

/// The key switcher of one parameter set (hybrid key switching over `Q·P`): the ModUp
/// converters of every digit, the ModDown converter and constants, the fused ModDown+rescale
/// tables, and the assembly of key-switching keys. Relinearization, rotation, conjugation and
/// public-key encryption use it through the context; new protocols reach it as
/// `context.keySwitcher` (package access).
package struct CKKSKeySwitcher: Sendable {
    /// Ring degree N.
    package let degree: Int
    /// Number of ciphertext primes L+1.
    package let qCount: Int
    /// Fingerprint of the parameters (stamped on decompositions).
    package let fingerprint: UInt64
    /// Whether independent limbs run on several threads.
    package let parallel: Bool
    /// The ciphertext primes and the special primes.
    package let ciphertextModuli: [Modulus]
    package let specialModuli: [Modulus]
    package let qTables: [NTTTables]
    package let pTables: [NTTTables]
    /// `q_0 … q_L, p_0 … p_{K−1}`: the basis of key material.
    package let keyModuli: [Modulus]
    package let keyTables: [NTTTables]
    /// Primes per key-switching digit (α = K).
    package let digitSize: Int
    /// `P^(−1) mod q_i` and Shoup constants.
    package let pInverseModQ: [UInt64]
    package let pInverseModQShoup: [UInt64]
    /// `P mod q_i`.
    package let pModQ: [UInt64]
    /// `(P−1)/2 mod p_k` and `(P−1)/2 mod q_i`: ModDown rounds to nearest by shifting by (P−1)/2.
    package let halfPModP: [UInt64]
    package let halfPModQ: [UInt64]
    /// Converts from the P basis to the Q primes (ModDown).
    package let pToQ: BasisConverter
    /// Fused ModDown + rescale at level l ≥ 1: division by `D_l = q_l·P`. `fusedConverters[l]`
    /// converts from `{q_l, p_0 …}` to the Q primes; `fusedInverse[l][i] = D_l^(−1) mod q_i`
    /// (`fusedInverseShoup` its Shoup constants);
    /// `fusedHalf[l]` holds `(D_l−1)/2` modulo `q_l, p_0, …` then modulo `q_0 … q_{l−1}`.
    package let fusedConverters: [BasisConverter?]
    package let fusedInverse: [[UInt64]]
    package let fusedInverseShoup: [[UInt64]]
    package let fusedHalfSource: [[UInt64]]
    package let fusedHalfTarget: [[UInt64]]
    /// ModUp converters for digit `j` at its full size and for a partial last digit of `count`
    /// primes starting at `start` (`modUpConverters[start·64 + count]`).
    package let modUpConverters: [Int: BasisConverter]

    /// Precomputes the converters and constants. Cost: O((L+K)³) modular products.
    init(degree n: Int, q: [Modulus], p: [Modulus], tables: [NTTTables], fingerprint: UInt64, parallel: Bool) {
        degree = n
        qCount = q.count
        self.fingerprint = fingerprint
        self.parallel = parallel
        ciphertextModuli = q
        specialModuli = p
        let all = q + p
        keyModuli = all
        keyTables = tables
        qTables = Array(tables[0..<q.count])
        pTables = Array(tables[q.count...])
        digitSize = p.count
        var pMod: [UInt64] = []
        var pInv: [UInt64] = []
        for qi in q {
            var prod: UInt64 = 1
            for pk in p { prod = qi.multiply(prod, qi.reduce(pk.value)) }
            pMod.append(prod)
            pInv.append(qi.inverse(prod)!)
        }
        pModQ = pMod
        halfPModP = p.map { ($0.value - 1) / 2 }
        halfPModQ = zip(pMod, q).map { pm, qi in qi.multiply(qi.subtract(pm, 1), (qi.value + 1) / 2) }
        pInverseModQ = pInv
        pInverseModQShoup = zip(pInv, q).map { $1.shoup($0) }
        pToQ = BasisConverter(source: p, target: q)
        var fusedConverters: [BasisConverter?] = [nil]
        var fusedInverse: [[UInt64]] = [[]]
        var fusedHalfSource: [[UInt64]] = [[]]
        var fusedHalfTarget: [[UInt64]] = [[]]
        for l in stride(from: 1, to: q.count, by: 1) {
            let source = [q[l]] + p
            fusedConverters.append(BasisConverter(source: source, target: q))
            var inv: [UInt64] = []
            var half: [UInt64] = []
            for i in 0..<l {
                let dMod = q[i].multiply(pMod[i], q[i].reduce(q[l].value))
                inv.append(q[i].inverse(dMod)!)
                half.append(q[i].multiply(q[i].subtract(dMod, 1), (q[i].value + 1) / 2))
            }
            fusedInverse.append(inv)
            fusedHalfTarget.append(half)
            fusedHalfSource.append(source.map { ($0.value - 1) / 2 })
        }
        self.fusedConverters = fusedConverters
        self.fusedInverse = fusedInverse
        fusedInverseShoup = fusedInverse.map { row in zip(row, q).map { $1.shoup($0) } }
        self.fusedHalfSource = fusedHalfSource
        self.fusedHalfTarget = fusedHalfTarget
        var converters: [Int: BasisConverter] = [:]
        for level in 0..<q.count {
            var start = 0
            while start <= level {
                let count = min(p.count, level + 1 - start)
                let key = start * 64 + count
                if converters[key] == nil {
                    converters[key] = BasisConverter(source: Array(q[start..<(start + count)]), target: all)
                }
                start += p.count
            }
        }
        modUpConverters = converters
    }

    /// Number of key-switching digits at `level`: ⌈(level+1)/α⌉.
    package func digitCount(level: Int) -> Int { (level + digitSize) / digitSize }

    /// Runs `body(0) … body(count − 1)`, on several threads when `parallel`.
    func forEachIndex(_ count: Int, _ body: (Int) -> Void) {
        forEachLimb(count, parallel: parallel, body)
    }

    /// Limb index in the key basis (`q_0 … q_L, p_0 …`) of extended limb `r` at `level`.
    package func keyLimbIndex(_ r: Int, level: Int) -> Int {
        r <= level ? r : qCount + (r - level - 1)
    }

    /// ModUp of every digit of `c` (evaluation form, level l): one inverse NTT per limb, a basis
    /// conversion per digit, and (digits·(l+1+K) − (l+1)) forward NTTs.
    package func decompose(_ c: RNSPolynomial<Evaluation>) -> KeySwitchDecomposition {
        let n = degree
        let level = c.limbCount - 1
        let special = specialModuli.count
        let ext = level + 1 + special
        let digits = digitCount(level: level)
        // Coefficient form of every limb (one inverse NTT per limb, limb-parallel).
        var coefficientForm = c.data
        coefficientForm.withUnsafeMutableBufferPointer { limbs in
            forEachIndex(level + 1) { i in qTables[i].inverse(limbs.baseAddress! + i * n) }
        }
        // Written by `prepare` before it is read (multi-prime digits only): no zero fill.
        var scratch = [UInt64](unsafeUninitializedCapacity: digits * digitSize * n) { _, initialized in
            initialized = digits * digitSize * n
        }
        let data = [UInt64](unsafeUninitializedCapacity: digits * ext * n) { out, initialized in
            c.data.withUnsafeBufferPointer { evaluation in
                coefficientForm.withUnsafeBufferPointer { coefficients in
                    scratch.withUnsafeMutableBufferPointer { scratch in
                        // The prepared digit: the coefficients themselves for a one-prime digit.
                        func prepared(_ j: Int) -> UnsafePointer<UInt64> {
                            let start = j * digitSize
                            return min(digitSize, level + 1 - start) == 1
                                ? coefficients.baseAddress! + start * n : UnsafePointer(scratch.baseAddress! + j * digitSize * n)
                        }
                        forEachIndex(digits) { j in
                            let start = j * digitSize
                            let count = min(digitSize, level + 1 - start)
                            guard count > 1 else { return }
                            _ = modUpConverters[start * 64 + count]!.prepare(
                                coefficients.baseAddress! + start * n, degree: n, scratch: scratch.baseAddress! + j * digitSize * n)
                        }
                        // One task per extended limb of every digit (digits·(l+1+K)): balanced across threads.
                        forEachIndex(digits * ext) { index in
                            let j = index / ext, r = index % ext
                            let start = j * digitSize
                            let count = min(digitSize, level + 1 - start)
                            let limb = out.baseAddress! + index * n
                            if r >= start && r < start + count {
                                limb.update(from: evaluation.baseAddress! + r * n, count: n)
                                return
                            }
                            let converter = modUpConverters[start * 64 + count]!
                            let keyIndex = keyLimbIndex(r, level: level)
                            if count == 1 {
                                converter.convertCentered(prepared(j), degree: n, targetIndex: keyIndex, to: limb)
                            } else {
                                converter.convert(prepared: prepared(j), degree: n, targetIndex: keyIndex, to: limb)
                            }
                            // Lazy output in [0, 4q): the inner product's Shoup products accept any word.
                            keyTables[keyIndex].forwardLazy(limb)
                        }
                    }
                }
            }
            initialized = digits * ext * n
        }
        return KeySwitchDecomposition(level: level, digitCount: digits, data: data, contextFingerprint: fingerprint)
    }

    /// `Σ_j σ(d_j)·(b_j, a_j)` over the extended basis, with σ the optional slot permutation,
    /// computed as `σ(Σ_j d_j·K'_j)` with the Galois key stored σ^(−1)-scattered (`K'`).
    /// Full 128-bit products summed over the digits without reduction, one Barrett reduction per
    /// coefficient at the end, so keys carry no Shoup companions (half the key memory and traffic).
    /// Cost: 2·digits·(l+1+K)·N word products and 2·(l+1+K)·N 128-bit reductions.
    package func innerProduct(_ d: KeySwitchDecomposition, key: KeySwitchingKey, permutation: GaloisPermutation?)
        -> (RNSPolynomial<Evaluation>, RNSPolynomial<Evaluation>)
    {
        let n = degree
        let level = d.level
        let ext = level + 1 + specialModuli.count
        let digits = d.digitCount
        let keyLimbs = keyModuli.count
        var out0 = RNSPolynomial<Evaluation>(degree: n, limbCount: ext) { _ in }
        var out1 = RNSPolynomial<Evaluation>(degree: n, limbCount: ext) { _ in }
        let source = permutation?.source ?? []
        // With a permutation the sums go to scratch, then σ gathers them into the output.
        var scratch = permutation == nil ? [] : [UInt64](unsafeUninitializedCapacity: 2 * ext * n) { _, initialized in
            initialized = 2 * ext * n
        }
        out0.data.withUnsafeMutableBufferPointer { o0 in
            out1.data.withUnsafeMutableBufferPointer { o1 in
                d.data.withUnsafeBufferPointer { dd in
                    key.storedB.withUnsafeBufferPointer { kb in
                        key.storedA.withUnsafeBufferPointer { ka in
                            source.withUnsafeBufferPointer { perm in
                                scratch.withUnsafeMutableBufferPointer { g in
                                    forEachIndex(ext) { r in
                                        let keyIndex = keyLimbIndex(r, level: level)
                                        let m = keyModuli[keyIndex]
                                        let permuted = permutation != nil
                                        let acc0 = permuted ? g.baseAddress! + 2 * r * n : o0.baseAddress! + r * n
                                        let acc1 = permuted ? acc0 + n : o1.baseAddress! + r * n
                                        InnerProductKernel.sumOfProducts(
                                            acc0, acc1, UnsafePointer(dd.baseAddress! + r * n), stride: ext * n,
                                            kb.baseAddress! + keyIndex * n, ka.baseAddress! + keyIndex * n,
                                            keyStride: keyLimbs * n, digits: digits, count: n, modulus: m)
                                        if permuted {
                                            // σ of the summed limb (the key was stored σ^(−1)-scattered).
                                            let p = perm.baseAddress!
                                            let out0 = o0.baseAddress! + r * n, out1 = o1.baseAddress! + r * n
                                            for k in 0..<n {
                                                let from = Int(p[k])
                                                out0[k] = acc0[from]
                                                out1[k] = acc1[from]
                                            }
                                        }
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
    package func modDown(_ x: consuming RNSPolynomial<Evaluation>, level: Int) -> RNSPolynomial<Evaluation> {
        modDown(x, level: level, noise: nil, message: nil)
    }

    /// ModDown of `x + noise + P·message` (noise small signed coefficients, message in coefficient
    /// form over `q_0 … q_l`): both are folded into the correction term in coefficient form, so
    /// they cost no NTT. Result `≈ (x + noise)/P + message`.
    package func modDown(_ x: consuming RNSPolynomial<Evaluation>, level: Int, noise: [Int8]?,
                 message: RNSPolynomial<Coefficient>?) -> RNSPolynomial<Evaluation> {
        let n = degree
        let special = specialModuli.count
        // Every scratch limb is written before it is read: no zero fill.
        var scratch = [UInt64](unsafeUninitializedCapacity: (special + 2 + level) * n) { _, initialized in
            initialized = (special + 2 + level) * n
        }
        let empty: [UInt64] = []
        let noiseWords: [UInt64] = noise.map { e in e.map { UInt64(bitPattern: Int64($0)) } } ?? []
        x.data.withUnsafeMutableBufferPointer { buffer in
            scratch.withUnsafeMutableBufferPointer { scratch in
                (message?.data ?? empty).withUnsafeBufferPointer { messageBuffer in
                    noiseWords.withUnsafeBufferPointer { e in
                        let pPart = buffer.baseAddress! + (level + 1) * n
                        forEachIndex(special) { k in
                            let limb = pPart + k * n
                            pTables[k].inverse(limb)
                            let m = specialModuli[k]
                            // + (P−1)/2 so that the lift below is the centered one (round to nearest).
                            LimbKernels.addScalarInPlace(limb, halfPModP[k], count: n, modulus: m)
                            if noise != nil {
                                let p = m.value
                                for i in 0..<n {
                                    // + e mod p for e in [−19, 19] (sign-extended word).
                                    let s = limb[i] &+ e[i] &+ (p & (0 &- (e[i] >> 63)))
                                    limb[i] = Swift.min(s, s &- p)
                                }
                            }
                        }
                        let temp = scratch.baseAddress!
                        let overflow = temp + (special + 1) * n
                        let prepared = pToQ.prepare(UnsafePointer(pPart), degree: n, scratch: temp + n)
                        if special > 1 { pToQ.overflowMultiples(prepared: prepared, degree: n, into: overflow) }
                        forEachIndex(level + 1) { i in
                            let m = ciphertextModuli[i]
                            let q = m.value
                            // Limb 0 uses the first scratch limb, limb i > 0 its own.
                            let temp = i == 0 ? temp : overflow + i * n
                            // temp: the centered residue of x modulo P, then the noise and message terms.
                            subtractCorrection(from: buffer.baseAddress! + i * n, converter: pToQ, prepared: prepared,
                                               overflow: overflow, targetIndex: i, temp: temp, half: halfPModQ[i],
                                               inverse: pInverseModQ[i], inverseShoup: pInverseModQShoup[i]) { temp in
                                if noise != nil {
                                    // temp − e (mod q).
                                    for k in 0..<n {
                                        let d = temp[k] &- e[k] &- (q & (0 &- (e[k] >> 63)))
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
                            }
                        }
                    }
                }
            }
        }
        secureZero(noiseWords)
        x.dropLastLimbs(special)
        return x
    }

    /// Fused ModDown and rescale for a relinearized product at level l ≥ 1: returns
    /// `round((P·d + x) / (P·q_l))` at level l − 1, where `x` is an inner-product output over
    /// `q_0 … q_l, P` and `d` the matching tensor component over `q_0 … q_l`.
    /// The conversion from `{q_l, P}` is exact (overflow multiple removed in floating point), so the
    /// division carries no biased error. Cost: (1+K) inverse NTTs and l forward NTTs — three fewer
    /// than ModDown then rescale.
    package func modDownAndRescale(_ x: consuming RNSPolynomial<Evaluation>, adding d: RNSPolynomial<Evaluation>, level: Int)
        -> RNSPolynomial<Evaluation>
    {
        let n = degree
        let special = specialModuli.count
        let sourceCount = 1 + special
        let converter = fusedConverters[level]!
        let halfSource = fusedHalfSource[level]
        let halfTarget = fusedHalfTarget[level]
        let inverse = fusedInverse[level]
        let inverseShoup = fusedInverseShoup[level]
        var scratch = [UInt64](unsafeUninitializedCapacity: (sourceCount + 2 + level) * n) { _, initialized in
            initialized = (sourceCount + 2 + level) * n
        }
        x.data.withUnsafeMutableBufferPointer { buffer in
            d.data.withUnsafeBufferPointer { dd in
                scratch.withUnsafeMutableBufferPointer { scratch in
                    let base = buffer.baseAddress!
                    // y = x + P·d on the Q limbs (the P limbs of P·d are zero).
                    forEachIndex(level + 1) { i in
                        let m = ciphertextModuli[i]
                        let w = pModQ[i]
                        let ws = m.shoup(w)
                        let limb = base + i * n
                        let src = dd.baseAddress! + i * n
                        let q = m.value
                        for k in 0..<n {
                            let s = limb[k] &+ m.multiplyShoup(src[k], w, ws)
                            limb[k] = Swift.min(s, s &- q)
                        }
                    }
                    // Limbs q_l, p_0 … are contiguous: bring them to coefficient form, shift by (D−1)/2.
                    let sourceLimbs = base + level * n
                    forEachIndex(sourceCount) { s in
                        let table = s == 0 ? qTables[level] : pTables[s - 1]
                        table.inverse(sourceLimbs + s * n)
                        LimbKernels.addScalarInPlace(sourceLimbs + s * n, halfSource[s], count: n, modulus: table.modulus)
                    }
                    let temp = scratch.baseAddress!
                    let overflow = temp + (sourceCount + 1) * n
                    let prepared = converter.prepare(UnsafePointer(sourceLimbs), degree: n, scratch: temp + n)
                    converter.overflowMultiples(prepared: prepared, degree: n, into: overflow)
                    forEachIndex(level) { i in
                        let temp = i == 0 ? temp : overflow + i * n
                        subtractCorrection(from: base + i * n, converter: converter, prepared: prepared, overflow: overflow,
                                           targetIndex: i, temp: temp, half: halfTarget[i], inverse: inverse[i],
                                           inverseShoup: inverseShoup[i]) { _ in }
                    }
                }
            }
        }
        x.dropLastLimbs(sourceCount)
        return x
    }

    /// The shared tail of ModDown and of the fused ModDown+rescale, for target prime `q_i`:
    /// `temp` ← the exact conversion of the prepared source limbs (shifted by (D−1)/2) to `q_i`,
    /// minus `half` = (D−1)/2 mod q_i, i.e. the centered residue of the input modulo D; then
    /// `adjust(temp)` in coefficient form; then `limb ← (limb − NTT(temp))·D^(−1) mod q_i`.
    /// Cost: one conversion, one forward NTT and 3·N word operations.
    @inlinable @inline(__always)
    func subtractCorrection(from limb: UnsafeMutablePointer<UInt64>, converter: BasisConverter, prepared: UnsafePointer<UInt64>,
                            overflow: UnsafePointer<UInt64>, targetIndex i: Int, temp: UnsafeMutablePointer<UInt64>,
                            half: UInt64, inverse w: UInt64, inverseShoup ws: UInt64,
                            adjust: (UnsafeMutablePointer<UInt64>) -> Void) {
        let n = degree
        let m = ciphertextModuli[i]
        let q = m.value
        converter.convertExact(prepared: prepared, overflow: overflow, degree: n, targetIndex: i, to: temp)
        for k in 0..<n {
            let d = temp[k] &- half
            temp[k] = Swift.min(d, d &+ q)
        }
        adjust(temp)
        // Lazy NTT output in [0, 4q): the Shoup product below takes any word.
        qTables[i].forwardLazy(temp)
        let fourQ = q &<< 2
        for k in 0..<n {
            limb[k] = m.multiplyShoup(limb[k] &+ fourQ &- temp[k], w, ws)
        }
    }

    /// Key switching of `c` (level l) under `key`: returns `(k0, k1)` with
    /// `k0 + k1·s ≈ c·s'` where `s'` is the key's source secret. Cost: one decomposition,
    /// one inner product and two ModDowns.
    package func keySwitch(_ c: RNSPolynomial<Evaluation>, key: KeySwitchingKey)
        -> (RNSPolynomial<Evaluation>, RNSPolynomial<Evaluation>)
    {
        let level = c.limbCount - 1
        let d = decompose(c)
        let (e0, e1) = innerProduct(d, key: key, permutation: nil)
        return (modDown(e0, level: level), modDown(e1, level: level))
    }
}

/// The loop of the key-switching inner product.
package enum InnerProductKernel {
    /// Coefficients per block: the four 128-bit accumulator halves of a block (16 KiB) stay in
    /// the L1 cache while each digit's three operand rows stream through it.
    @usableFromInline static let blockSize = 512

    /// `out0[k] = Σ_j x_j[k]·b_j[k] mod q`, `out1[k] = Σ_j x_j[k]·a_j[k] mod q` (in `[0, q)`), with
    /// `x_j = x + j·stride` and `b_j = b + j·keyStride` (likewise `a_j`). The 128-bit products are
    /// summed without reduction while the sum cannot overflow (`x < 4q`, key words `< q`: up to
    /// ⌊2^128/(4q²)⌋ terms, ≥ 16 for primes below 2^61), folded by a Barrett reduction otherwise.
    /// Blocked by coefficients, digit by digit inside a block: three sequential streams at a
    /// time instead of 3·digits interleaved ones, which the hardware prefetchers follow (3.4×
    /// faster at N = 16384 with 6 digits, where the key is far beyond the L2 cache).
    /// Cost per coefficient: 2·digits word products and two 128-bit reductions.
    @inlinable
    package static func sumOfProducts(_ out0: UnsafeMutablePointer<UInt64>, _ out1: UnsafeMutablePointer<UInt64>,
                              _ x: UnsafePointer<UInt64>, stride: Int,
                              _ b: UnsafePointer<UInt64>, _ a: UnsafePointer<UInt64>, keyStride: Int,
                              digits: Int, count n: Int, modulus: Modulus) {
        // Terms that fit in 128 bits: x < 4q and key word < q, so each product is below 4q².
        let q = Double(modulus.value)
        let bound = 0x1p128 / (4 * q * q)
        let chunk = bound > Double(digits + 1) ? digits : max(2, Int(bound) - 1)
        let block = blockSize
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 4 * block) { accumulators in
            let l0 = accumulators.baseAddress!, h0 = l0 + block, l1 = h0 + block, h1 = l1 + block
            var start = 0
            while start < n {
                let width = Swift.min(block, n - start)
                var pending = 0
                for j in 0..<digits {
                    let xj = x + (j &* stride &+ start)
                    let bj = b + (j &* keyStride &+ start), aj = a + (j &* keyStride &+ start)
                    if j == 0 {
                        for k in 0..<width {
                            let v = xj[k]
                            let p0 = v.multipliedFullWidth(by: bj[k])
                            let p1 = v.multipliedFullWidth(by: aj[k])
                            l0[k] = p0.low; h0[k] = p0.high
                            l1[k] = p1.low; h1[k] = p1.high
                        }
                        pending = 1
                        continue
                    }
                    if pending == chunk {
                        // Fold: the residue (< q) counts as one more term.
                        for k in 0..<width {
                            l0[k] = modulus.reduce(high: h0[k], low: l0[k]); h0[k] = 0
                            l1[k] = modulus.reduce(high: h1[k], low: l1[k]); h1[k] = 0
                        }
                        pending = 1
                    }
                    pending += 1
                    for k in 0..<width {
                        let v = xj[k]
                        let p0 = v.multipliedFullWidth(by: bj[k])
                        let (s0, c0) = l0[k].addingReportingOverflow(p0.low)
                        l0[k] = s0
                        h0[k] = h0[k] &+ p0.high &+ (c0 ? 1 : 0)
                        let p1 = v.multipliedFullWidth(by: aj[k])
                        let (s1, c1) = l1[k].addingReportingOverflow(p1.low)
                        l1[k] = s1
                        h1[k] = h1[k] &+ p1.high &+ (c1 ? 1 : 0)
                    }
                }
                for k in 0..<width {
                    out0[start &+ k] = modulus.reduce(high: h0[k], low: l0[k])
                    out1[start &+ k] = modulus.reduce(high: h1[k], low: l1[k])
                }
                start += width
            }
        }
    }
}

extension CKKSKeySwitcher {
    /// The gadget term of digit `j` added to `b` (evaluation form over the key basis):
    /// `+ P·Q̃_j·s'`, which modulo `q_i` is `P·s'` for the digit's primes and 0 elsewhere (and 0 mod P).
    /// Cost: α·N Shoup products.
    package func addGadget(digit j: Int, target: RNSPolynomial<Evaluation>, to b: inout RNSPolynomial<Evaluation>) {
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
    }

    /// A key-switching key from `target` (`s'`, evaluation form over all key primes) to `secret`:
    /// per digit `b_j = −a_j·s + e_j + P·Q̃_j·s'` with `a_j` expanded from a fresh seed.
    /// Cost per digit: AES-CTR expansion, one Gaussian sample, L+K+1 NTTs and products.
    package func makeKey(from target: RNSPolynomial<Evaluation>, secret: RNSPolynomial<Evaluation>,
                         sampler: CKKSSampler, permutation: GaloisPermutation? = nil) throws -> KeySwitchingKey {
        let seed = sampler.freshSeed()
        let digits = digitCount(level: qCount - 1)
        var bs: [UInt64] = []
        var as_: [UInt64] = []
        bs.reserveCapacity(digits * keyModuli.count * degree)
        as_.reserveCapacity(digits * keyModuli.count * degree)
        for j in 0..<digits {
            let a = try sampler.uniformKeyPolynomial(seed: seed, domain: UInt32(j))
            let e = sampler.gaussian()
            var b = sampler.smallKeyPolynomial(e)
            var product = a
            product.multiply(secret, moduli: keyModuli)
            b.subtract(product, moduli: keyModuli)
            secureZero(e)
            secureZero(product.data)
            addGadget(digit: j, target: target, to: &b)
            bs.append(contentsOf: b.data)
            as_.append(contentsOf: a.data)
        }
        return KeySwitchingKey(b: bs, a: as_, digitCount: digits, seed: seed, permutation: permutation)
    }

    /// A key-switching key from its `b_j` (validated, digit-major) and the seed of its `a_j`.
    /// Cost: AES-CTR expansion of every `a_j`, the Shoup constants, O(N) for a permutation.
    package func assembleKey(b: [UInt64], seed: [UInt8], galoisElement: Int, sampler: CKKSSampler) throws
        -> KeySwitchingKey
    {
        let digits = digitCount(level: qCount - 1)
        var a: [UInt64] = []
        a.reserveCapacity(b.count)
        for j in 0..<digits {
            a.append(contentsOf: try sampler.uniformKeyPolynomial(seed: seed, domain: UInt32(j)).data)
        }
        let permutation = galoisElement == 1 ? nil : GaloisPermutation(element: galoisElement, degree: degree)
        return KeySwitchingKey(b: b, a: a, digitCount: digits, seed: seed, permutation: permutation)
    }
}
