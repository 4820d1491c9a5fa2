/// Negacyclic NTTs in double precision for primes below 2^47: the residues are held as exact
/// integers in Doubles (signed, not reduced between stages) and each twiddle product is
/// reduced with fused multiply–adds, which the compiler vectorizes (four lanes with AVX2+FMA,
/// eight with AVX-512) where the 64-bit integer products of `forwardLazyInteger` stay scalar.
///
/// The product of `v` (|v| < 2^48) and a twiddle `w` (0 ≤ w < q) modulo q, `mulmod(v, w)`:
/// - `h = RN(v·w)` and `l = v·w − h` (exact, one FMA): the product as an unevaluated sum;
/// - `c = round(h·(1/q))` by adding and subtracting 1.5·2^52; `h·(1/q)` is within
///   3·2^−53·|v| < 0.1 of `v·w/q`, so `r = v·w − c·q` satisfies |r| < 0.6·q;
/// - `r = fma(−c, q, h) + l`: both steps act on integers below 2^53, hence exactly.
/// Nothing here depends on the size of q beyond |v| < 2^48. A forward butterfly
/// `(u, v) ↦ (u + r, u − r)` widens the bound on the values by 0.6·q per stage: from inputs
/// below 4q, they stay below (4 + 0.6·log2 N)·q < 14.2·q < 2^48 for q < 2^44 and N ≤ 2^17,
/// so those transforms never reduce between stages. For 2^44 ≤ q < 2^47 the forward transform
/// reduces every value (to |x| < 0.6·q) before a stage whose inputs could reach 2^48: once for
/// a 45-bit prime at N = 2^14, every third stage for a 47-bit one.
/// The inverse butterflies reduce the sum each stage, so its values stay below 2q + 0.6q; its
/// first differences are below 2q < 2^48.
/// Every value is an integer of at most 53 bits throughout: the result equals the integer
/// transforms' residue for residue (tested against them).
///
/// The limb is reinterpreted in place (the same 8 bytes per coefficient): a residue `x < 2^52`
/// becomes the Double `bits(x | 0x4330…) − 2^52` and back, without a conversion instruction.
extension NTTTables {
    /// Largest prime (exclusive) and ring degree (inclusive) of the floating-point transforms.
    public static let floatingPointModulusBound: UInt64 = 1 << 47
    public static let floatingPointMaxDegree = 1 << 17

    /// Whether `q` and `N` are within the floating-point transforms' error analysis.
    @inlinable
    public static func floatingPointEligible(modulus q: UInt64, degree n: Int) -> Bool {
        q < floatingPointModulusBound && n <= floatingPointMaxDegree
    }

    /// Whether this build's floating-point butterflies beat its integer ones, measured once per
    /// process (the best of 7 forward transforms of each kind, N = 4096, a 40-bit prime: about
    /// 1 ms). They are twice as fast when the compiler may use FMA and 256-bit vectors
    /// (`-target-cpu native` on an AVX2 machine) and several times slower when each fused
    /// multiply–add is a library call (a baseline x86-64 build), so the choice follows the build,
    /// not the machine alone. Either choice gives the same residues.
    public static let floatingPointIsFaster: Bool = {
        let n = 4096
        guard let q = try? Modulus.nttPrimes(bitSizes: [40], polyDegree: n)[0],
              let floating = try? NTTTables(modulus: Modulus(q), degree: n, floatingPoint: true) else { return false }
        let clock = ContinuousClock()
        var words = (0..<n).map { UInt64($0) &* 0x9E37_79B9 % q }
        var best = (floating: Duration.seconds(1), integer: Duration.seconds(1))
        words.withUnsafeMutableBufferPointer { buffer in
            let limb = buffer.baseAddress!
            for _ in 0..<7 {
                best.floating = Swift.min(best.floating, clock.measure { floating.forwardFloating(limb) })
                best.integer = Swift.min(best.integer, clock.measure { floating.forwardLazyInteger(limb) })
                for k in 0..<n { limb[k] %= q }
            }
        }
        return best.floating < best.integer
    }()

    /// 1.5·2^52: `(y + magic) − magic` rounds |y| < 2^51 to the nearest integer.
    @usableFromInline static let roundingMagic = 0x1.8p52

    /// `v·w mod q` as a signed integer Double in (−0.6·q, 0.6·q), for |v| < 2^48 and
    /// 0 ≤ w < q < 2^47. Cost: two multiplies, two FMAs, three additions.
    @inlinable @inline(__always)
    static func multiplyModFloating(_ v: Double, _ w: Double, q: Double, qInverse: Double) -> Double {
        let h = v * w
        let l = (-h).addingProduct(v, w)
        let c = (h * qInverse + roundingMagic) - roundingMagic
        return h.addingProduct(-c, q) + l
    }

    /// `v mod q` as a signed integer Double in (−0.6·q, 0.6·q), for |v| < 2^48.
    @inlinable @inline(__always)
    static func reduceFloating(_ v: Double, q: Double, qInverse: Double) -> Double {
        v.addingProduct(-((v * qInverse + roundingMagic) - roundingMagic), q)
    }

    /// The residue in `[0, q)` of a signed integer Double in (−q, q), as its UInt64 bit pattern
    /// stored in a Double slot.
    @inlinable @inline(__always)
    static func wordFloating(_ r: Double, q: Double) -> Double {
        let nonNegative = r < 0 ? r + q : r
        return Double(bitPattern: (nonNegative + 0x1p52).bitPattern & 0x000F_FFFF_FFFF_FFFF)
    }

    /// A UInt64 residue below 2^52, read from its Double slot, as an exact Double.
    @inlinable @inline(__always)
    static func valueFloating(_ word: Double) -> Double {
        Double(bitPattern: word.bitPattern | 0x4330_0000_0000_0000) - 0x1p52
    }

    /// Forward negacyclic NTT in place in double precision (`usesFloatingPoint` tables only).
    /// Input in `[0, 4q)`; output in `[0, q)`, equal to `forward`'s.
    /// Cost: (N/2)·log N butterflies of 2 multiplies, 2 FMAs and 5 additions, vectorized;
    /// two conversion passes, and for primes of 2^44 or more a reduction pass before a stage
    /// whose inputs could reach 2^48.
    @inlinable
    public func forwardFloating(_ a: UnsafeMutablePointer<UInt64>) {
        let n = degree
        withFloatingResidues(a, roots: forwardRootsFloating) { d, roots, q, qInverse in
            var m = 1
            var t = n >> 1
            var bound = 4 * q  // every |value| is below it
            while m < n {
                if bound >= 0x1p48 {
                    for j in 0..<n { d[j] = NTTTables.reduceFloating(d[j], q: q, qInverse: qInverse) }
                    bound = 0.6 * q
                }
                bound += 0.6 * q
                if t == 1 {
                    for i in 0..<m {
                        let u = d[2 * i]
                        let p = NTTTables.multiplyModFloating(d[2 * i + 1], roots[m + i], q: q, qInverse: qInverse)
                        d[2 * i] = u + p
                        d[2 * i + 1] = u - p
                    }
                } else if t == 2 {
                    for i in 0..<m {
                        let w = roots[m + i]
                        let x = d + 4 * i
                        let u0 = x[0], u1 = x[1]
                        let p0 = NTTTables.multiplyModFloating(x[2], w, q: q, qInverse: qInverse)
                        let p1 = NTTTables.multiplyModFloating(x[3], w, q: q, qInverse: qInverse)
                        x[0] = u0 + p0
                        x[1] = u1 + p1
                        x[2] = u0 - p0
                        x[3] = u1 - p1
                    }
                } else {
                    var x = d
                    for i in 0..<m {
                        let w = roots[m + i]
                        let y = x + t
                        for j in 0..<t {
                            let u = x[j]
                            let p = NTTTables.multiplyModFloating(y[j], w, q: q, qInverse: qInverse)
                            x[j] = u + p
                            y[j] = u - p
                        }
                        x += 2 * t
                    }
                }
                m <<= 1
                t >>= 1
            }
            for j in 0..<n {
                d[j] = NTTTables.wordFloating(NTTTables.reduceFloating(d[j], q: q, qInverse: qInverse), q: q)
            }
        }
    }

    /// Inverse negacyclic NTT in place in double precision (`usesFloatingPoint` tables only),
    /// including the `N^(−1)` factor. Input in `[0, 2q)`; output in `[0, q)`, equal to `inverse`'s.
    /// Cost: (N/2)·log N butterflies of 3 multiplies, 3 FMAs and 7 additions, vectorized;
    /// two conversion passes.
    @inlinable
    public func inverseFloating(_ a: UnsafeMutablePointer<UInt64>) {
        let n = degree
        withFloatingResidues(a, roots: inverseRootsFloating) { d, roots, q, qInverse in
            var m = n >> 1
            var t = 1
            while m > 1 {
                if t == 1 {
                    for i in 0..<m {
                        let u = d[2 * i], v = d[2 * i + 1]
                        d[2 * i] = NTTTables.reduceFloating(u + v, q: q, qInverse: qInverse)
                        d[2 * i + 1] = NTTTables.multiplyModFloating(u - v, roots[m + i], q: q, qInverse: qInverse)
                    }
                } else {
                    var x = d
                    for i in 0..<m {
                        let w = roots[m + i]
                        let y = x + t
                        for j in 0..<t {
                            let u = x[j], v = y[j]
                            x[j] = NTTTables.reduceFloating(u + v, q: q, qInverse: qInverse)
                            y[j] = NTTTables.multiplyModFloating(u - v, w, q: q, qInverse: qInverse)
                        }
                        x += 2 * t
                    }
                }
                m >>= 1
                t <<= 1
            }
            // Last stage (m = 1) merged with the N^(−1) scaling.
            let half = n >> 1
            let nInverse = degreeInverseFloating
            let w = lastInverseRootFloating
            let y = d + half
            for j in 0..<half {
                let u = d[j], v = y[j]
                d[j] = NTTTables.wordFloating(NTTTables.multiplyModFloating(u + v, nInverse, q: q, qInverse: qInverse), q: q)
                y[j] = NTTTables.wordFloating(NTTTables.multiplyModFloating(u - v, w, q: q, qInverse: qInverse), q: q)
            }
        }
    }

    /// Runs `body(residues, roots, q, 1/q)` on the limb `a` reinterpreted in place as exact
    /// Doubles (`valueFloating` of every word); `body` leaves every slot as a word again
    /// (`wordFloating`). Cost: one pass over the limb.
    @inlinable @inline(__always)
    func withFloatingResidues(_ a: UnsafeMutablePointer<UInt64>, roots: [Double],
                              _ body: (UnsafeMutablePointer<Double>, UnsafePointer<Double>, Double, Double) -> Void) {
        precondition(usesFloatingPoint, "the floating-point transforms need a prime below 2^47")
        let n = degree
        let q = Double(modulus.value)
        a.withMemoryRebound(to: Double.self, capacity: n) { d in
            for j in 0..<n { d[j] = NTTTables.valueFloating(d[j]) }
            roots.withUnsafeBufferPointer { body(d, $0.baseAddress!, q, 1 / q) }
        }
    }
}
