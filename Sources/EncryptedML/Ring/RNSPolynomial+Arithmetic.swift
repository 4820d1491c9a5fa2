/// Word kernels over one limb (`count` residues modulo one prime). Branch-free
/// straight-line loops over contiguous memory so LLVM vectorizes them.
public enum LimbKernels {
    /// `a[k] = (a[k] + b[k]) mod q`. Cost: N additions.
    @inlinable
    public static func addInPlace(_ a: UnsafeMutablePointer<UInt64>, _ b: UnsafePointer<UInt64>,
                                  count: Int, modulus: Modulus) {
        let q = modulus.value
        for k in 0..<count {
            let s = a[k] &+ b[k]
            a[k] = Swift.min(s, s &- q)
        }
    }

    /// `a[k] = (a[k] − b[k]) mod q`. Cost: N subtractions.
    @inlinable
    public static func subtractInPlace(_ a: UnsafeMutablePointer<UInt64>, _ b: UnsafePointer<UInt64>,
                                       count: Int, modulus: Modulus) {
        let q = modulus.value
        for k in 0..<count {
            let d = a[k] &- b[k]
            a[k] = Swift.min(d, d &+ q)
        }
    }

    /// `a[k] = (b[k] − a[k]) mod q` (reverse subtraction). Cost: N subtractions.
    @inlinable
    public static func reverseSubtractInPlace(_ a: UnsafeMutablePointer<UInt64>, _ b: UnsafePointer<UInt64>,
                                              count: Int, modulus: Modulus) {
        let q = modulus.value
        for k in 0..<count {
            let d = b[k] &- a[k]
            a[k] = Swift.min(d, d &+ q)
        }
    }

    /// `a[k] = −a[k] mod q`. Cost: N subtractions.
    @inlinable
    public static func negateInPlace(_ a: UnsafeMutablePointer<UInt64>, count: Int, modulus: Modulus) {
        let q = modulus.value
        for k in 0..<count {
            let d = q &- a[k]
            a[k] = Swift.min(d, d &- q)
        }
    }

    /// `out[k] = a[k]·b[k] mod q` (Barrett). `out` may alias `a` or `b`. Cost: N Barrett products.
    @inlinable
    public static func multiply(_ out: UnsafeMutablePointer<UInt64>, _ a: UnsafePointer<UInt64>,
                                _ b: UnsafePointer<UInt64>, count: Int, modulus: Modulus) {
        for k in 0..<count {
            out[k] = modulus.multiply(a[k], b[k])
        }
    }

    /// `out[k] = (out[k] + a[k]·b[k]) mod q`. Cost: N Barrett products.
    @inlinable
    public static func multiplyAdd(_ out: UnsafeMutablePointer<UInt64>, _ a: UnsafePointer<UInt64>,
                                   _ b: UnsafePointer<UInt64>, count: Int, modulus: Modulus) {
        let q = modulus.value
        for k in 0..<count {
            let s = out[k] &+ modulus.multiply(a[k], b[k])
            out[k] = Swift.min(s, s &- q)
        }
    }

    /// Shoup constants `⌊w[k]·2^64/q⌋` of a limb of residues. Cost: 2N products.
    @inlinable
    public static func shoupConstants(_ out: UnsafeMutablePointer<UInt64>, _ w: UnsafePointer<UInt64>, count: Int,
                                      modulus: Modulus) {
        for k in 0..<count { out[k] = modulus.shoupFast(w[k]) }
    }

    /// `a[k] = a[k]·w[k] mod q` with per-element Shoup constants of `w`. Cost: N Shoup products.
    @inlinable
    public static func multiplyShoupInPlace(_ a: UnsafeMutablePointer<UInt64>, _ w: UnsafePointer<UInt64>,
                                            _ wShoup: UnsafePointer<UInt64>, count: Int, modulus: Modulus) {
        let q = modulus.value
        for k in 0..<count {
            let v = a[k]
            let r = v &* w[k] &- v.multipliedFullWidth(by: wShoup[k]).high &* q
            a[k] = Swift.min(r, r &- q)
        }
    }

    /// `out[k] = (out[k] + a[k]·w[k]) mod q` with per-element Shoup constants of `w`. Cost: N Shoup products.
    @inlinable
    public static func multiplyAddShoup(_ out: UnsafeMutablePointer<UInt64>, _ a: UnsafePointer<UInt64>,
                                        _ w: UnsafePointer<UInt64>, _ wShoup: UnsafePointer<UInt64>, count: Int,
                                        modulus: Modulus) {
        let q = modulus.value
        let twoQ = modulus.twiceValue
        for k in 0..<count {
            let v = a[k]
            let r = v &* w[k] &- v.multipliedFullWidth(by: wShoup[k]).high &* q
            let s = out[k] &+ r
            let t = Swift.min(s, s &- twoQ)
            out[k] = Swift.min(t, t &- q)
        }
    }

    /// `a[k] = a[k]·w mod q` for a fixed `w < q` with Shoup constant `wShoup`. Cost: N Shoup products.
    @inlinable
    public static func multiplyScalarInPlace(_ a: UnsafeMutablePointer<UInt64>, _ w: UInt64, _ wShoup: UInt64,
                                             count: Int, modulus: Modulus) {
        for k in 0..<count {
            a[k] = modulus.multiplyShoup(a[k], w, wShoup)
        }
    }

    /// `a[k] = a[k] + c mod q` for `c < q`. Cost: N additions.
    @inlinable
    public static func addScalarInPlace(_ a: UnsafeMutablePointer<UInt64>, _ c: UInt64, count: Int, modulus: Modulus) {
        let q = modulus.value
        for k in 0..<count {
            let s = a[k] &+ c
            a[k] = Swift.min(s, s &- q)
        }
    }

    /// `out[k] = src[k] mod q` for arbitrary words `src[k]` (Barrett by `⌊2^64/q⌋`). Cost: N reductions.
    @inlinable
    public static func reduce(_ out: UnsafeMutablePointer<UInt64>, _ src: UnsafePointer<UInt64>,
                              count: Int, modulus: Modulus) {
        for k in 0..<count {
            out[k] = modulus.reduce(src[k])
        }
    }
}

extension RNSPolynomial {
    /// Applies `body(limb i pointer, other limb i pointer, modulus i)` for every limb.
    @inlinable
    mutating func forEachLimb(with other: RNSPolynomial<Format>, moduli: [Modulus],
                              _ body: (UnsafeMutablePointer<UInt64>, UnsafePointer<UInt64>, Modulus) -> Void) {
        let n = degree
        let limbs = limbCount
        precondition(other.limbCount >= limbs && other.degree == n && moduli.count >= limbs,
                     "operands have different limb counts or degrees")
        data.withUnsafeMutableBufferPointer { a in
            other.data.withUnsafeBufferPointer { b in
                for i in 0..<limbs {
                    body(a.baseAddress! + i * n, b.baseAddress! + i * n, moduli[i])
                }
            }
        }
    }

    /// `self += other` limb by limb (same format). Cost: limbs·N additions.
    @inlinable
    public mutating func add(_ other: RNSPolynomial<Format>, moduli: [Modulus]) {
        let n = degree
        forEachLimb(with: other, moduli: moduli) { LimbKernels.addInPlace($0, $1, count: n, modulus: $2) }
    }

    /// `self −= other` limb by limb. Cost: limbs·N subtractions.
    @inlinable
    public mutating func subtract(_ other: RNSPolynomial<Format>, moduli: [Modulus]) {
        let n = degree
        forEachLimb(with: other, moduli: moduli) { LimbKernels.subtractInPlace($0, $1, count: n, modulus: $2) }
    }

    /// `self = −self`. Cost: limbs·N subtractions.
    @inlinable
    public mutating func negate(moduli: [Modulus]) {
        let n = degree
        let limbs = limbCount
        data.withUnsafeMutableBufferPointer { a in
            for i in 0..<limbs { LimbKernels.negateInPlace(a.baseAddress! + i * n, count: n, modulus: moduli[i]) }
        }
    }

    /// Multiplies limb `i` by the residue `scalars[i]`. Cost: limbs·N Shoup products.
    @inlinable
    public mutating func multiply(byScalars scalars: [UInt64], moduli: [Modulus]) {
        let n = degree
        let limbs = limbCount
        data.withUnsafeMutableBufferPointer { a in
            for i in 0..<limbs {
                let w = scalars[i]
                LimbKernels.multiplyScalarInPlace(a.baseAddress! + i * n, w, moduli[i].shoup(w), count: n, modulus: moduli[i])
            }
        }
    }
}

extension RNSPolynomial where Format == Evaluation {
    /// The Shoup constants of every residue (for a polynomial used as a fixed multiplier:
    /// keys, plaintexts). Cost: 2·limbs·N products.
    @inlinable
    public func shoupConstants(moduli: [Modulus]) -> [UInt64] {
        let n = degree
        let limbs = limbCount
        return [UInt64](unsafeUninitializedCapacity: data.count) { out, initialized in
            data.withUnsafeBufferPointer { w in
                for i in 0..<limbs {
                    LimbKernels.shoupConstants(out.baseAddress! + i * n, w.baseAddress! + i * n, count: n, modulus: moduli[i])
                }
            }
            initialized = data.count
        }
    }

    /// `self ⊙= w` with `w`'s precomputed Shoup constants. Cost: limbs·N Shoup products.
    @inlinable
    public mutating func multiply(_ w: RNSPolynomial<Evaluation>, shoup: [UInt64], moduli: [Modulus]) {
        let n = degree
        let limbs = limbCount
        precondition(w.limbCount >= limbs && shoup.count >= limbs * n)
        data.withUnsafeMutableBufferPointer { a in
            w.data.withUnsafeBufferPointer { pw in
                shoup.withUnsafeBufferPointer { ps in
                    for i in 0..<limbs {
                        LimbKernels.multiplyShoupInPlace(a.baseAddress! + i * n, pw.baseAddress! + i * n,
                                                         ps.baseAddress! + i * n, count: n, modulus: moduli[i])
                    }
                }
            }
        }
    }

    /// `self += a ⊙ w` with `w`'s precomputed Shoup constants. Cost: limbs·N Shoup products.
    @inlinable
    public mutating func multiplyAdd(_ a: RNSPolynomial<Evaluation>, _ w: RNSPolynomial<Evaluation>, shoup: [UInt64],
                                     moduli: [Modulus]) {
        let n = degree
        let limbs = limbCount
        precondition(a.limbCount >= limbs && w.limbCount >= limbs && shoup.count >= limbs * n)
        data.withUnsafeMutableBufferPointer { o in
            a.data.withUnsafeBufferPointer { pa in
                w.data.withUnsafeBufferPointer { pw in
                    shoup.withUnsafeBufferPointer { ps in
                        for i in 0..<limbs {
                            LimbKernels.multiplyAddShoup(o.baseAddress! + i * n, pa.baseAddress! + i * n,
                                                         pw.baseAddress! + i * n, ps.baseAddress! + i * n,
                                                         count: n, modulus: moduli[i])
                        }
                    }
                }
            }
        }
    }

    /// `self ⊙= other` pointwise (a ring product in evaluation form). Cost: limbs·N Barrett products.
    @inlinable
    public mutating func multiply(_ other: RNSPolynomial<Evaluation>, moduli: [Modulus]) {
        let n = degree
        forEachLimb(with: other, moduli: moduli) { LimbKernels.multiply($0, UnsafePointer($0), $1, count: n, modulus: $2) }
    }

    /// `self += a ⊙ b` pointwise. Cost: limbs·N Barrett products.
    @inlinable
    public mutating func multiplyAdd(_ a: RNSPolynomial<Evaluation>, _ b: RNSPolynomial<Evaluation>, moduli: [Modulus]) {
        let n = degree
        let limbs = limbCount
        precondition(a.limbCount >= limbs && b.limbCount >= limbs)
        data.withUnsafeMutableBufferPointer { o in
            a.data.withUnsafeBufferPointer { pa in
                b.data.withUnsafeBufferPointer { pb in
                    for i in 0..<limbs {
                        LimbKernels.multiplyAdd(o.baseAddress! + i * n, pa.baseAddress! + i * n,
                                                pb.baseAddress! + i * n, count: n, modulus: moduli[i])
                    }
                }
            }
        }
    }
}
