/// A CKKS ciphertext `(c0, c1)` in evaluation (NTT) form with `level + 1` limbs,
/// decrypting to `c0 + c1·s ≈ Δ·m`. Carries its level and its exact scale Δ as a Double.
public struct CKKSCiphertext: Sendable {
    /// First component.
    public internal(set) var c0: RNSPolynomial<Evaluation>
    /// Second component (the one multiplied by the secret).
    public internal(set) var c1: RNSPolynomial<Evaluation>
    /// The exact scale Δ of the encoded values.
    public internal(set) var scale: Double
    /// Fingerprint of the parameters (degree and primes) the ciphertext belongs to.
    public let contextFingerprint: UInt64
    /// For a fresh secret-key encryption: the 32-byte seed `c1` was expanded from
    /// (serializers may store it instead of `c1`). Nil once `c1` changed.
    public internal(set) var seed: [UInt8]?

    /// The level: number of ciphertext primes still in the modulus, minus one.
    public var level: Int { c0.limbCount - 1 }
    /// Ring degree N.
    public var degree: Int { c0.degree }

    init(c0: RNSPolynomial<Evaluation>, c1: RNSPolynomial<Evaluation>, scale: Double, contextFingerprint: UInt64,
         seed: [UInt8]? = nil) {
        precondition(c0.limbCount == c1.limbCount)
        self.c0 = c0
        self.c1 = c1
        self.scale = scale
        self.contextFingerprint = contextFingerprint
        self.seed = seed
    }
}

/// An encoded CKKS plaintext: a polynomial in evaluation form at a given level and scale,
/// with the Shoup constants of its residues. Encode once (e.g. a weight diagonal) and reuse it
/// in many products. Memory: 2·(level+1)·N words.
public struct CKKSPlaintext: Sendable {
    /// The encoded polynomial, `level + 1` limbs, evaluation form.
    public let poly: RNSPolynomial<Evaluation>
    /// Shoup constants of every residue, so products with ciphertexts need no Barrett reduction.
    let shoup: [UInt64]
    /// The scale the values were encoded at.
    public let scale: Double
    /// Fingerprint of the parameters the plaintext belongs to.
    public let contextFingerprint: UInt64
    /// The level (limbs − 1).
    public var level: Int { poly.limbCount - 1 }

    init(poly: RNSPolynomial<Evaluation>, scale: Double, contextFingerprint: UInt64, moduli: [Modulus]) {
        self.poly = poly
        self.shoup = poly.shoupConstants(moduli: moduli)
        self.scale = scale
        self.contextFingerprint = contextFingerprint
    }
}

/// A complex slot value (the real API is a convenience over it).
public struct CKKSComplex: Sendable, Hashable {
    /// Real part.
    public var real: Double
    /// Imaginary part.
    public var imaginary: Double
    /// Creates `real + i·imaginary`.
    public init(_ real: Double, _ imaginary: Double = 0) {
        self.real = real
        self.imaginary = imaginary
    }
}
