/// A ternary secret key `s ∈ {−1, 0, 1}^N`, held in evaluation form over every prime of
/// `Q·P`. Never leaves the client. Its material lives in storage that is zeroed when the
/// last copy of the key is released, and its `description`, `debugDescription` and mirror
/// (`dump`) show only the parameters' fingerprint, never a coefficient.
public struct CKKSSecretKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The zeroed-on-release material.
    let storage: SecretKeyStorage
    /// Fingerprint of the parameters.
    public let contextFingerprint: UInt64

    init(poly: RNSPolynomial<Evaluation>, shoup: [UInt64], coefficients: [Int8], contextFingerprint: UInt64) {
        storage = SecretKeyStorage(poly: poly, shoup: shoup, coefficients: coefficients)
        self.contextFingerprint = contextFingerprint
    }

    /// `s` in evaluation form, limbs `q_0 … q_L, p_0 … p_{K−1}` (secret; for protocols and tests).
    package var poly: RNSPolynomial<Evaluation> { storage.poly }
    /// Shoup constants of `poly` (decryption multiplies by `s` with Shoup products).
    var shoup: [UInt64] { storage.shoup }
    /// The signed coefficients of `s` (for serialization and tests; secret).
    package var coefficients: [Int8] { storage.coefficients }

    /// `CKKSSecretKey(N = …, parameters 0x…, redacted)`: never the key material.
    public var description: String {
        "CKKSSecretKey(N = \(storage.poly.degree), parameters 0x\(String(contextFingerprint, radix: 16)), redacted)"
    }
    /// Same as `description`.
    public var debugDescription: String { description }
    /// A mirror without the key material (what `dump` and the debugger show).
    public var customMirror: Mirror {
        Mirror(self, children: ["contextFingerprint": contextFingerprint, "material": "redacted"], displayStyle: .struct)
    }
}

/// A public key `(b, a) = (−a·s + e, a)` over all primes of `Q·P`, evaluation form.
/// `a` is expanded from `seed`.
public struct CKKSPublicKey: Sendable {
    /// `−a·s + e`.
    package let b: RNSPolynomial<Evaluation>
    /// The uniform polynomial.
    package let a: RNSPolynomial<Evaluation>
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
/// (`s' = σ_{−1}(s)`) keys are all of this kind. A Galois key's words are stored permuted by
/// σ^(−1) (slot `source[k]` holds slot `k`; see `permutation`), which makes its inner product
/// vectorizable; a serializer that stores the seed must re-apply that scatter after expanding `a`.
public struct KeySwitchingKey: Sendable {
    /// `b_j` for each digit, evaluation form over all Q and P primes, contiguous
    /// (`(j·(L+K+1) + i)·N + k`); for a Galois key scattered by σ^(−1) (see `init`).
    let storedB: [UInt64]
    /// `a_j` for each digit, same layout.
    let storedA: [UInt64]
    /// Number of digits.
    public let digitCount: Int
    /// The 32-byte seed the `a_j` were expanded from.
    public let seed: [UInt8]
    /// For a Galois key: its automorphism as a slot permutation (precomputed once).
    public let permutation: GaloisPermutation?

    /// Creates a key from its words in canonical slot order (as generated, or as read back from
    /// a file with `a` re-expanded from the seed). No Shoup constants are kept: the inner product
    /// sums full 128-bit products and reduces once, so a key costs 2·digits·(L+K+1)·N words. A Galois key is
    /// stored scattered by σ^(−1) (`stored[source[k]] = canonical[k]`), so that the inner product
    /// `Σ_j σ(d_j)·K_j = σ(Σ_j d_j·K'_j)` runs unpermuted and vectorized, with a single gather of
    /// each output limb. Cost: one scatter pass over the key for a Galois key.
    package init(b: [UInt64], a: [UInt64], digitCount: Int, seed: [UInt8], permutation: GaloisPermutation?) {
        if let permutation {
            storedB = KeySwitchingKey.scatter(b, permutation)
            storedA = KeySwitchingKey.scatter(a, permutation)
        } else {
            storedB = b
            storedA = a
        }
        self.digitCount = digitCount
        self.seed = seed
        self.permutation = permutation
    }

    /// The `b_j` words in canonical slot order (what a serializer stores).
    package var b: [UInt64] { permutation.map { KeySwitchingKey.gather(storedB, $0) } ?? storedB }
    /// The `a_j` words in canonical slot order.
    package var a: [UInt64] { permutation.map { KeySwitchingKey.gather(storedA, $0) } ?? storedA }

    /// `out[source[k]] = words[k]` in every N-word limb.
    static func scatter(_ words: [UInt64], _ permutation: GaloisPermutation) -> [UInt64] {
        let n = permutation.degree
        return [UInt64](unsafeUninitializedCapacity: words.count) { out, initialized in
            permutation.source.withUnsafeBufferPointer { s in
                for base in stride(from: 0, to: words.count, by: n) {
                    for k in 0..<n { out[base + Int(s[k])] = words[base + k] }
                }
            }
            initialized = words.count
        }
    }

    /// `out[k] = words[source[k]]` in every N-word limb (inverse of `scatter`).
    static func gather(_ words: [UInt64], _ permutation: GaloisPermutation) -> [UInt64] {
        let n = permutation.degree
        return [UInt64](unsafeUninitializedCapacity: words.count) { out, initialized in
            permutation.source.withUnsafeBufferPointer { s in
                for base in stride(from: 0, to: words.count, by: n) {
                    for k in 0..<n { out[base + k] = words[base + Int(s[k])] }
                }
            }
            initialized = words.count
        }
    }
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

    /// Assembles evaluation keys (key generation, deserialization).
    package init(relinearization: KeySwitchingKey, galois: [Int: KeySwitchingKey], rotationSteps: [Int],
                 contextFingerprint: UInt64) {
        self.relinearization = relinearization
        self.galois = galois
        self.rotationSteps = rotationSteps
        self.contextFingerprint = contextFingerprint
    }

    /// Whether a rotation by `steps` slots (any sign) has a key. Cost: O(k) for the element.
    public func hasRotation(_ steps: Int, degree: Int) -> Bool {
        let g = GaloisPermutation.rotationElement(steps: steps, degree: degree)
        return g == 1 || galois[g] != nil
    }
}
