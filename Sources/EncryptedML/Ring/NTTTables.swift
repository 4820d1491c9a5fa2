/// Precomputed tables for the negacyclic number-theoretic transform modulo one
/// prime `q ≡ 1 (mod 2N)`: powers of a primitive 2N-th root ψ in bit-reversed
/// order (ψ merged into the butterflies, so no pre/post twist), their inverses,
/// and the Shoup constants of all of them.
///
/// After `forward`, slot `k` holds `a(ψ^(2·bitrev(k)+1))`; `evaluationExponent(at:)`
/// gives that odd exponent, which Galois automorphisms use.
public struct NTTTables: Sendable {
    /// The prime modulus.
    public let modulus: Modulus
    /// Ring degree N.
    public let degree: Int
    /// log2 N.
    public let logDegree: Int
    /// The primitive 2N-th root of unity ψ used.
    public let psi: UInt64
    /// `ψ^bitrev(i)` for i in 0..<N.
    @usableFromInline let forwardRoots: [UInt64]
    @usableFromInline let forwardRootsShoup: [UInt64]
    /// `ψ^(−bitrev(i))` for i in 0..<N.
    @usableFromInline let inverseRoots: [UInt64]
    @usableFromInline let inverseRootsShoup: [UInt64]
    /// `N^(−1) mod q` and its Shoup constant.
    @usableFromInline let degreeInverse: UInt64
    @usableFromInline let degreeInverseShoup: UInt64
    /// Whether the transforms take the floating-point butterflies (`q < 2^47`, N ≤ 2^17, and
    /// faster in this build: see `floatingPointIsFaster` and `forwardFloating`).
    public let usesFloatingPoint: Bool
    /// The roots as Doubles for the floating-point butterflies (empty when not used), and the
    /// last inverse stage's constants `N^(−1)` and `ψ^(−bitrev(1))·N^(−1)`.
    @usableFromInline let forwardRootsFloating: [Double]
    @usableFromInline let inverseRootsFloating: [Double]
    @usableFromInline let degreeInverseFloating: Double
    @usableFromInline let lastInverseRootFloating: Double

    /// Builds the tables; the transforms take the floating-point butterflies when the prime is
    /// below 2^47 and they are faster in this build (`floatingPointIsFaster`), the integer
    /// ones otherwise. Both give the same residues. Cost: O(N) modular multiplications.
    /// - Throws: `EncryptedMLError.invalidParameters` when `q ≢ 1 (mod 2N)`.
    public init(modulus: Modulus, degree: Int) throws {
        let floating = NTTTables.floatingPointEligible(modulus: modulus.value, degree: degree)
            && NTTTables.floatingPointIsFaster
        try self.init(modulus: modulus, degree: degree, floatingPoint: floating)
    }

    /// Builds the tables with the butterflies chosen by `floatingPoint` (to compare the two
    /// paths). Cost: O(N) modular multiplications.
    /// - Throws: `EncryptedMLError.invalidParameters` when `q ≢ 1 (mod 2N)`, or when
    ///   `floatingPoint` is asked for a prime of 2^47 or more or N above 2^17.
    public init(modulus: Modulus, degree: Int, floatingPoint: Bool) throws {
        if floatingPoint && !NTTTables.floatingPointEligible(modulus: modulus.value, degree: degree) {
            throw EncryptedMLError.invalidParameters(
                "the floating-point NTT needs a prime below 2^47 and N ≤ 2^17, not q = \(modulus.value), N = \(degree); use the integer transforms")
        }
        guard degree >= 2, degree & (degree - 1) == 0 else {
            throw EncryptedMLError.invalidParameters("NTT degree \(degree) is not a power of two")
        }
        guard let psi = modulus.primitiveRoot(order: UInt64(2 * degree)) else {
            throw EncryptedMLError.invalidParameters(
                "modulus \(modulus.value) is not ≡ 1 mod \(2 * degree); generate it with Modulus.nttPrimes")
        }
        self.modulus = modulus
        self.degree = degree
        self.logDegree = degree.trailingZeroBitCount
        self.psi = psi
        let psiInverse = modulus.inverse(psi)!
        var powers = [UInt64](repeating: 1, count: degree)
        var inversePowers = [UInt64](repeating: 1, count: degree)
        for i in 1..<degree {
            powers[i] = modulus.multiply(powers[i - 1], psi)
            inversePowers[i] = modulus.multiply(inversePowers[i - 1], psiInverse)
        }
        var fwd = [UInt64](repeating: 0, count: degree)
        var inv = [UInt64](repeating: 0, count: degree)
        for i in 0..<degree {
            let r = NTTTables.bitReverse(i, bits: logDegree)
            fwd[i] = powers[r]
            inv[i] = inversePowers[r]
        }
        self.forwardRoots = fwd
        self.forwardRootsShoup = fwd.map { modulus.shoup($0) }
        self.inverseRoots = inv
        self.inverseRootsShoup = inv.map { modulus.shoup($0) }
        let nInv = modulus.inverse(UInt64(degree))!
        self.degreeInverse = nInv
        self.degreeInverseShoup = modulus.shoup(nInv)
        usesFloatingPoint = floatingPoint
        forwardRootsFloating = usesFloatingPoint ? fwd.map { Double($0) } : []
        inverseRootsFloating = usesFloatingPoint ? inv.map { Double($0) } : []
        degreeInverseFloating = Double(nInv)
        lastInverseRootFloating = Double(modulus.multiply(inv[1], nInv))
    }

    /// Reverses the low `bits` bits of `x` (swap-mask method, branch-free). Cost: ~12 operations.
    @inlinable @inline(__always)
    public static func bitReverse(_ x: Int, bits: Int) -> Int {
        guard bits > 0 else { return 0 }
        var v = UInt64(truncatingIfNeeded: x)
        v = ((v >> 1) & 0x5555_5555_5555_5555) | ((v & 0x5555_5555_5555_5555) << 1)
        v = ((v >> 2) & 0x3333_3333_3333_3333) | ((v & 0x3333_3333_3333_3333) << 2)
        v = ((v >> 4) & 0x0F0F_0F0F_0F0F_0F0F) | ((v & 0x0F0F_0F0F_0F0F_0F0F) << 4)
        v = v.byteSwapped
        return Int(truncatingIfNeeded: v >> UInt64(64 - bits))
    }

    /// The odd exponent `e` such that NTT slot `k` holds `a(ψ^e)`.
    @inlinable
    public func evaluationExponent(at k: Int) -> Int {
        2 * NTTTables.bitReverse(k, bits: logDegree) + 1
    }
}

