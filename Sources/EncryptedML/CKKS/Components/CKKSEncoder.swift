import Foundation

/// The CKKS encoder: slot values ↔ scaled integer polynomials through the canonical
/// embedding (the special FFT over the powers of 5 mod 2N), with exact CRT decoding at every
/// level. Holds the FFT twiddles and reads the level chain's CRT tables; one job, no keys.
/// New protocols reach it as `context.encoder` (package access).
package struct CKKSEncoder: Sendable {
    /// Ring degree N.
    package let degree: Int
    /// The level chain (primes, NTT tables, CRT tables).
    package let chain: CKKSLevelChain
    /// Twiddles, stage by stage: the stage with half-length h uses entries [h−1, 2h−1).
    @usableFromInline let fftTwiddleReal: [Double]
    @usableFromInline let fftTwiddleImaginary: [Double]

    /// Precomputes the twiddles. Cost: O(N) cosines.
    init(degree n: Int, chain: CKKSLevelChain) {
        self.degree = n
        self.chain = chain
        let slots = n / 2
        let m = 2 * n
        var rotGroup = [Int](repeating: 1, count: slots)
        for j in 1..<max(slots, 1) { rotGroup[j] = (rotGroup[j - 1] * 5) % m }
        var twRe = [Double](repeating: 0, count: max(slots - 1, 1))
        var twIm = [Double](repeating: 0, count: max(slots - 1, 1))
        var length = 2
        while length <= slots {
            let half = length >> 1
            let quarterInverse = length << 2
            let gap = m / quarterInverse
            for j in 0..<half {
                let idx = (rotGroup[j] % quarterInverse) * gap
                let angle = 2.0 * Double.pi * Double(idx) / Double(m)
                twRe[half - 1 + j] = cos(angle)
                twIm[half - 1 + j] = sin(angle)
            }
            length <<= 1
        }
        fftTwiddleReal = twRe
        fftTwiddleImaginary = twIm
    }

    /// Number of slots N/2.
    package var slotCount: Int { degree / 2 }
    /// Highest level L.
    package var maxLevel: Int { chain.maxLevel }
    /// `log2` of the modulus at `level`.
    package func logModulus(atLevel level: Int) -> Double { chain[level].logModulus }
    /// The primes `q_0 … q_level` (no allocation).
    package func moduli(level: Int) -> [Modulus] { chain[level].moduli }

    // MARK: - Special FFT (canonical embedding over the powers of 5 mod 2N)

    /// Slots → coefficient vector (the inverse canonical embedding), in place on `n` complex
    /// values, including the 1/n factor. Cost: (n/2)·log n complex butterflies.
    @usableFromInline
    func specialInverseFFT(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, count n: Int) {
        fftTwiddleReal.withUnsafeBufferPointer { twRe in
            fftTwiddleImaginary.withUnsafeBufferPointer { twIm in
                var length = n
                while length >= 2 {
                    let half = length >> 1
                    var start = 0
                    while start < n {
                        for j in 0..<half {
                            let a = start + j
                            let b = a + half
                            let ur = re[a] + re[b], ui = im[a] + im[b]
                            let vr = re[a] - re[b], vi = im[a] - im[b]
                            // Multiply by the conjugate twiddle.
                            let wr = twRe[half - 1 + j], wi = -twIm[half - 1 + j]
                            re[a] = ur
                            im[a] = ui
                            re[b] = vr * wr - vi * wi
                            im[b] = vr * wi + vi * wr
                        }
                        start += length
                    }
                    length >>= 1
                }
            }
        }
        bitReversePermute(re, im, count: n)
        let inverse = 1.0 / Double(n)
        for k in 0..<n {
            re[k] *= inverse
            im[k] *= inverse
        }
    }

    /// Coefficient vector → slots (the canonical embedding), in place. Cost: (n/2)·log n butterflies.
    @usableFromInline
    func specialFFT(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, count n: Int) {
        bitReversePermute(re, im, count: n)
        fftTwiddleReal.withUnsafeBufferPointer { twRe in
            fftTwiddleImaginary.withUnsafeBufferPointer { twIm in
                var length = 2
                while length <= n {
                    let half = length >> 1
                    var start = 0
                    while start < n {
                        for j in 0..<half {
                            let a = start + j
                            let b = a + half
                            let wr = twRe[half - 1 + j], wi = twIm[half - 1 + j]
                            let vr = re[b] * wr - im[b] * wi
                            let vi = re[b] * wi + im[b] * wr
                            let ur = re[a], ui = im[a]
                            re[a] = ur + vr
                            im[a] = ui + vi
                            re[b] = ur - vr
                            im[b] = ui - vi
                        }
                        start += length
                    }
                    length <<= 1
                }
            }
        }
    }

    @usableFromInline
    func bitReversePermute(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, count n: Int) {
        let bits = n.trailingZeroBitCount
        for i in 0..<n {
            let j = NTTTables.bitReverse(i, bits: bits)
            if i < j {
                swap(&re[i], &re[j])
                swap(&im[i], &im[j])
            }
        }
    }

    // MARK: - Encoding

    /// Checks an encoding target and returns the level to use.
    package func resolveEncoding(count: Int, level: Int?, scale: Double) throws -> Int {
        guard count <= slotCount else {
            throw EncryptedMLError.invalidOperand(
                "\(count) values do not fit in \(slotCount) slots (N = \(degree)); split the vector or use a larger polyDegree")
        }
        let l = level ?? maxLevel
        guard l >= 0, l <= maxLevel else {
            throw EncryptedMLError.levelExhausted("encoding level \(l) is outside 0…\(maxLevel)")
        }
        guard scale.isFinite, scale >= 1 else {
            throw EncryptedMLError.scaleOverflow("encoding scale \(scale) must be a finite number ≥ 1")
        }
        guard log2(scale) < logModulus(atLevel: l) - 1 else {
            throw EncryptedMLError.scaleOverflow(
                "scale 2^\(String(format: "%.1f", log2(scale))) does not fit under the \(String(format: "%.1f", logModulus(atLevel: l)))-bit modulus of level \(l); use a smaller scale or a higher level")
        }
        return l
    }

    /// Rounds `Δ·(inverse embedding of the slots)` into the limbs `0…level` at `out`
    /// (coefficient form), adding `noise` coefficients when given.
    package func writeEncodedCoefficients(real: [Double], imaginary: [Double]?, scale: Double, level: Int,
                                  noise: [Int8]? = nil, to out: UnsafeMutablePointer<UInt64>) throws {
        let n = degree
        let slots = slotCount
        var re = [Double](repeating: 0, count: slots)
        var im = [Double](repeating: 0, count: slots)
        for (k, v) in real.enumerated() {
            guard v.isFinite else {
                throw EncryptedMLError.invalidOperand("slot \(k) holds \(v); only finite values can be encoded")
            }
            re[k] = v
        }
        if let imaginary {
            for (k, v) in imaginary.enumerated() {
                guard v.isFinite else {
                    throw EncryptedMLError.invalidOperand("slot \(k) imaginary part is \(v); only finite values can be encoded")
                }
                im[k] = v
            }
        }
        re.withUnsafeMutableBufferPointer { r in
            im.withUnsafeMutableBufferPointer { i in
                specialInverseFFT(r.baseAddress!, i.baseAddress!, count: slots)
            }
        }
        // Coefficient k = Re(v_k)·Δ, coefficient k + N/2 = Im(v_k)·Δ.
        var maxMagnitude = 0.0
        var coefficients = [Double](repeating: 0, count: n)
        for k in 0..<slots {
            let a = (re[k] * scale).rounded()
            let b = (im[k] * scale).rounded()
            coefficients[k] = a
            coefficients[k + slots] = b
            maxMagnitude = max(maxMagnitude, abs(a), abs(b))
        }
        guard maxMagnitude == 0 || log2(maxMagnitude) < logModulus(atLevel: level) - 1 else {
            throw EncryptedMLError.scaleOverflow(
                "values × scale reach 2^\(String(format: "%.1f", log2(maxMagnitude))), beyond the \(String(format: "%.1f", logModulus(atLevel: level)))-bit modulus of level \(level); use a smaller scale or smaller values")
        }
        let moduli = self.moduli(level: level)
        if maxMagnitude < 0x1p62 {
            // Fast path: every coefficient fits in an Int64.
            for (i, m) in moduli.enumerated() {
                let limb = out + i * n
                let q = m.value
                for k in 0..<n {
                    var v = Int64(coefficients[k])
                    if let noise { v += Int64(noise[k]) }
                    let r = m.reduce(v.magnitude)
                    // −r mod q when v < 0, by a mask (the value holds secret noise: no branch).
                    let negated = Swift.min(q &- r, (q &- r) &- q)
                    let mask = UInt64(bitPattern: v >> 63)
                    limb[k] = (negated & mask) | (r & ~mask)
                }
            }
        } else {
            // Large coefficients: c = mantissa · 2^exponent with an exact 53-bit mantissa.
            for (i, m) in moduli.enumerated() {
                let limb = out + i * n
                for k in 0..<n {
                    let c = coefficients[k]
                    var residue: UInt64
                    if abs(c) < 0x1p62 {
                        residue = m.reduce(signed: Int64(c))
                    } else {
                        let exponent = c.exponent - 52
                        let mantissa = Int64(c.significand * 0x1p52) * (c < 0 ? -1 : 1)
                        residue = m.multiply(m.reduce(signed: mantissa), m.power(2, UInt64(exponent)))
                    }
                    if let noise { residue = m.add(residue, m.reduce(signed: Int64(noise[k]))) }
                    limb[k] = residue
                }
            }
        }
    }

    /// Evaluation-form polynomial → slot values (real and imaginary parts).
    package func decodeComplexParts(_ poly: RNSPolynomial<Evaluation>, scale: Double) -> (real: [Double], imaginary: [Double]) {
        let n = degree
        let slots = slotCount
        let level = poly.limbCount - 1
        let coefficientForm = poly.inverseNTT(chain.tables)
        var values = [Double](repeating: 0, count: n)
        coefficientForm.data.withUnsafeBufferPointer { c in
            values.withUnsafeMutableBufferPointer { v in
                composeCentered(c.baseAddress!, level: level, into: v.baseAddress!)
            }
        }
        let inverseScale = 1.0 / scale
        var re = [Double](repeating: 0, count: slots)
        var im = [Double](repeating: 0, count: slots)
        for k in 0..<slots {
            re[k] = values[k] * inverseScale
            im[k] = values[k + slots] * inverseScale
        }
        re.withUnsafeMutableBufferPointer { r in
            im.withUnsafeMutableBufferPointer { i in
                specialFFT(r.baseAddress!, i.baseAddress!, count: slots)
            }
        }
        return (re, im)
    }

    /// Composes residues modulo `q_0 … q_level` (coefficient form, limb-major at `c`) into the
    /// centered integers in `(−Q/2, Q/2]`, as Doubles.
    ///
    /// Exact: `x = Σ y_i·(Q/q_i) − v·Q` with `y_i = [c_i·(Q/q_i)^(−1)]_{q_i}` and
    /// `v = round(Σ y_i/q_i)`; the sum is evaluated modulo 2^128, which is the exact centered
    /// value whenever `|x| < 2^126` (any meaningful plaintext). Cost per coefficient:
    /// `level + 1` Shoup products and 128-bit multiply-adds.
    package func composeCentered(_ c: UnsafePointer<UInt64>, level: Int, into out: UnsafeMutablePointer<Double>) {
        let n = degree
        if level == 0 {
            let q = chain[0].moduli[0]
            for k in 0..<n { out[k] = Double(q.centered(c[k])) }
            return
        }
        let t = chain[level]
        let moduli = t.moduli
        var y = [UInt64](repeating: 0, count: level + 1)
        for k in 0..<n {
            var fraction = 0.0
            for i in 0...level {
                let yi = moduli[i].multiplyShoup(c[i * n + k], t.hatInverse[i], t.hatInverseShoup[i])
                y[i] = yi
                fraction += Double(yi) * t.primeInverse[i]
            }
            let v = fraction.rounded()
            var x: UInt128 = 0
            for i in 0...level { x = x &+ UInt128(y[i]) &* t.hatLow[i] }
            x = x &- UInt128(UInt64(v)) &* t.modulusLow
            // Signed 128-bit → Double without the generic conversion: sign · (high·2^64 + low)
            // of the magnitude (no cancellation).
            // Branch-free on the (secret) decrypted value: conditional negation by a mask, sign bit set
            // on the Double's bit pattern.
            let sign = UInt64(truncatingIfNeeded: x >> 127)
            let mask = UInt128(0) &- UInt128(sign)
            let magnitude = (x ^ mask) &+ UInt128(sign)
            let value = Double(UInt64(truncatingIfNeeded: magnitude >> 64)) * 0x1p64
                + Double(UInt64(truncatingIfNeeded: magnitude))
            out[k] = Double(bitPattern: value.bitPattern | (sign << 63))
        }
    }

    /// Encodes real (and optionally imaginary) slot values at `level` and `scale` into an
    /// evaluation-form polynomial over `q_0 … q_level`, adding `noise` coefficients when given.
    /// Cost: one special FFT of N/2 points and `level + 1` NTTs.
    package func encodePolynomial(real: [Double], imaginary: [Double]?, level: Int, scale: Double,
                                  noise: [Int8]? = nil) throws -> RNSPolynomial<Evaluation> {
        try RNSPolynomial<Coefficient>(degree: degree, limbCount: level + 1) { out in
            try writeEncodedCoefficients(real: real, imaginary: imaginary, scale: scale, level: level, noise: noise, to: out)
        }.forwardNTT(chain.tables)
    }
}
