/// A ternary secret key `s ∈ {−1, 0, 1}^N`, held in evaluation form over every prime of
/// `Q·P`. Never leaves the client.
public struct CKKSSecretKey: Sendable {
    /// `s` in evaluation form, limbs `q_0 … q_L, p_0 … p_{K−1}`.
    let poly: RNSPolynomial<Evaluation>
    /// Shoup constants of `poly` (decryption multiplies by `s` with Shoup products).
    let shoup: [UInt64]
    /// The signed coefficients of `s` (for serialization and tests).
    public let coefficients: [Int8]
    /// Fingerprint of the parameters.
    public let contextFingerprint: UInt64
}

/// A public key `(b, a) = (−a·s + e, a)` over all primes of `Q·P`, evaluation form.
/// `a` is expanded from `seed`.
public struct CKKSPublicKey: Sendable {
    /// `−a·s + e`.
    let b: RNSPolynomial<Evaluation>
    /// The uniform polynomial.
    let a: RNSPolynomial<Evaluation>
    /// Shoup constants of `b` and `a` (encryption multiplies them by `u`).
    let bShoup: [UInt64]
    let aShoup: [UInt64]
    /// The 32-byte seed `a` was expanded from.
    public let seed: [UInt8]
    /// Fingerprint of the parameters.
    public let contextFingerprint: UInt64
}

/// A key-switching key from a secret `s'` to `s` over `Q·P`, one pair per digit `j` of the
/// hybrid decomposition: `b_j = −a_j·s + e_j + P·Q̃_j·s'` (mod every prime), `a_j` expanded
/// from `seed`. Relinearization (`s' = s²`), rotation (`s' = σ_{5^k}(s)`) and conjugation
/// (`s' = σ_{−1}(s)`) keys are all of this kind.
public struct KeySwitchingKey: Sendable {
    /// `b_j` for each digit, evaluation form over all Q and P primes, contiguous:
    /// `b[(j·(L+K+1) + i)·N + k]`.
    let b: [UInt64]
    /// `a_j` for each digit, same layout.
    let a: [UInt64]
    /// Shoup constants `⌊b·2^64/q⌋` and `⌊a·2^64/q⌋` of every word (keys are fixed operands, so
    /// the inner product of key switching uses Shoup products instead of Barrett reductions).
    let bShoup: [UInt64]
    let aShoup: [UInt64]
    /// Number of digits.
    public let digitCount: Int
    /// The 32-byte seed the `a_j` were expanded from.
    public let seed: [UInt8]
    /// For a Galois key: its automorphism as a slot permutation (precomputed once).
    public let permutation: GaloisPermutation?
}

/// The server's evaluation keys: relinearization and the Galois keys of the requested
/// rotations (and conjugation). Safe to share: they reveal nothing about the secret under RLWE.
public struct CKKSEvaluationKeys: Sendable {
    /// Key switching from `s²` to `s`.
    public let relinearization: KeySwitchingKey
    /// Galois keys by Galois element (`5^k mod 2N`, conjugation `2N − 1`).
    public let galois: [Int: KeySwitchingKey]
    /// The rotation steps the keys were requested for (normalized to `0 ..< N/2`).
    public let rotationSteps: [Int]
    /// Fingerprint of the parameters.
    public let contextFingerprint: UInt64

    /// Whether a rotation by `steps` slots (any sign) has a key. Cost: O(k) for the element.
    public func hasRotation(_ steps: Int, degree: Int) -> Bool {
        let g = GaloisPermutation.rotationElement(steps: steps, degree: degree)
        return g == 1 || galois[g] != nil
    }
}
