import Foundation

extension CKKSContext {
    /// Encodes up to N/2 real values (the rest of the slots are zero) at `level` (default: top)
    /// and `scale` (default: Δ) into a reusable plaintext in evaluation form.
    /// Cost: one special FFT of N/2 points and `level + 1` NTTs.
    /// - Throws: `.invalidOperand` for too many or non-finite values, `.scaleOverflow` when the
    ///   scaled values do not fit the modulus, `.levelExhausted` for a level outside 0…L.
    public func encode(_ values: [Double], level: Int? = nil, scale: Double? = nil) throws -> CKKSPlaintext {
        try encode(real: values, imaginary: nil, level: level, scale: scale)
    }

    /// Encodes complex slot values; see `encode(_:level:scale:)`.
    public func encode(_ values: [CKKSComplex], level: Int? = nil, scale: Double? = nil) throws -> CKKSPlaintext {
        try encode(real: values.map(\.real), imaginary: values.map(\.imaginary), level: level, scale: scale)
    }

    func encode(real: [Double], imaginary: [Double]?, level: Int?, scale: Double?) throws -> CKKSPlaintext {
        let scale = scale ?? defaultScale
        let l = try encoder.resolveEncoding(count: max(real.count, imaginary?.count ?? 0), level: level, scale: scale)
        let poly = try encoder.encodePolynomial(real: real, imaginary: imaginary, level: l, scale: scale)
        return CKKSPlaintext(poly: poly, scale: scale, contextFingerprint: fingerprint, moduli: ciphertextModuli)
    }

    /// Decodes a plaintext to its N/2 real slot values (imaginary parts dropped).
    /// Cost: `level + 1` inverse NTTs, an exact CRT composition per coefficient, one special FFT.
    public func decode(_ plaintext: CKKSPlaintext) throws -> [Double] {
        try check(plaintext, "decode")
        return encoder.decodeComplexParts(plaintext.poly, scale: plaintext.scale).real
    }

    /// Decodes a plaintext to its N/2 complex slot values.
    public func decodeComplex(_ plaintext: CKKSPlaintext) throws -> [CKKSComplex] {
        try check(plaintext, "decode")
        let (re, im) = encoder.decodeComplexParts(plaintext.poly, scale: plaintext.scale)
        return zip(re, im).map { CKKSComplex($0, $1) }
    }
}
