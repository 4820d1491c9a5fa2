/// A word-sized prime modulus `q < 2^61` with the precomputed constants that
/// make reduction cheap: the 128-bit Barrett ratio `⌊2^128 / q⌋` for products
/// of two arbitrary residues, and helpers for Shoup multiplication by a fixed
/// operand (`⌊w·2^64/q⌋`).
///
/// All operations are branch-free (conditional subtraction through `min`
/// on wrapped differences) so they run in constant time and vectorize.
/// Inputs are residues in `[0, q)` unless a method's name ends in `Lazy`,
/// which documents its own input and output ranges.
public struct Modulus: Sendable, Hashable {
    /// The modulus `q`.
    public let value: UInt64
    /// `2q`, the bound of lazy values kept in `[0, 2q)`.
    public let twiceValue: UInt64
    /// High word of `⌊2^128 / q⌋`.
    public let barrettHigh: UInt64
    /// Low word of `⌊2^128 / q⌋`.
    public let barrettLow: UInt64
    /// `⌊2^64 / q⌋`, used to reduce a single word.
    public let barrettWord: UInt64
    /// Number of significant bits of `q`.
    public let bitWidth: Int

    /// The largest supported modulus bit width (lazy values up to 4q and sums of
    /// 64 products of two residues must fit in 64 and 128 bits).
    public static let maximumBitWidth = 61

    /// Creates the constants for `value`. Cost: one 128-bit division.
    /// - Precondition: `2 ≤ value < 2^61`.
    public init(_ value: UInt64) {
        precondition(value >= 2 && value < (1 << 61), "modulus must be in [2, 2^61)")
        self.value = value
        self.twiceValue = value << 1
        // ⌊2^128 / q⌋ as two words: divide (1, 0, 0) by q in two steps.
        let (q1, r1) = value.dividingFullWidth((high: 1, low: 0))  // ⌊2^64 / q⌋ and remainder
        let (q0, _) = value.dividingFullWidth((high: r1, low: 0))
        self.barrettHigh = q1
        self.barrettLow = q0
        self.barrettWord = q1
        self.bitWidth = UInt64.bitWidth - value.leadingZeroBitCount
    }

    // MARK: - Additive operations

    /// `(a + b) mod q` for `a, b < q`.
    @inlinable @inline(__always)
    public func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let s = a &+ b
        return Swift.min(s, s &- value)
    }

    /// `(a − b) mod q` for `a, b < q`.
    @inlinable @inline(__always)
    public func subtract(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let d = a &- b
        return Swift.min(d, d &+ value)
    }

    /// `(−a) mod q` for `a < q`.
    @inlinable @inline(__always)
    public func negate(_ a: UInt64) -> UInt64 {
        let d = value &- a
        return Swift.min(d, d &- value)
    }

    /// Reduces `a < 2q` to `[0, q)`.
    @inlinable @inline(__always)
    public func reduceOnce(_ a: UInt64) -> UInt64 {
        Swift.min(a, a &- value)
    }

    /// Reduces `a < 4q` to `[0, 2q)`.
    @inlinable @inline(__always)
    public func reduceTwiceLazy(_ a: UInt64) -> UInt64 {
        Swift.min(a, a &- twiceValue)
    }

    // MARK: - Multiplicative operations

    /// Reduces any word `a` modulo `q` (Barrett with `⌊2^64/q⌋`).
    @inlinable @inline(__always)
    public func reduce(_ a: UInt64) -> UInt64 {
        let quotient = a.multipliedFullWidth(by: barrettWord).high
        let r = a &- quotient &* value
        return Swift.min(r, r &- value)
    }

    /// Reduces the 128-bit value `high·2^64 + low` modulo `q` (Barrett with `⌊2^128/q⌋`).
    /// Valid for any input below `2^128`.
    @inlinable @inline(__always)
    public func reduce(high: UInt64, low: UInt64) -> UInt64 {
        // Estimate ⌊x·ratio / 2^128⌋ from the three relevant partial products.
        let carry = low.multipliedFullWidth(by: barrettLow).high
        let lh = low.multipliedFullWidth(by: barrettHigh)
        let (mid, c1) = lh.low.addingReportingOverflow(carry)
        let midCarry = lh.high &+ (c1 ? 1 : 0)
        let hl = high.multipliedFullWidth(by: barrettLow)
        let (_, c2) = hl.low.addingReportingOverflow(mid)
        let quotient = high &* barrettHigh &+ hl.high &+ midCarry &+ (c2 ? 1 : 0)
        let r = low &- quotient &* value
        return Swift.min(r, r &- value)
    }

    /// `(a · b) mod q` for `a, b < q` (Barrett).
    @inlinable @inline(__always)
    public func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let p = a.multipliedFullWidth(by: b)
        return reduce(high: p.high, low: p.low)
    }

    /// The Shoup constant `⌊w·2^64 / q⌋` of a fixed operand `w < q`.
    @inlinable
    public func shoup(_ w: UInt64) -> UInt64 {
        value.dividingFullWidth((high: w, low: 0)).quotient
    }

    /// The Shoup constant `⌊w·2^64 / q⌋` without a division: the estimate `⌊w·⌊2^128/q⌋/2^64⌋`
    /// is exact or one short, fixed by one comparison. Cost: two products. - Precondition: `w < q`.
    @inlinable @inline(__always)
    public func shoupFast(_ w: UInt64) -> UInt64 {
        let estimate = w &* barrettHigh &+ w.multipliedFullWidth(by: barrettLow).high
        let remainder = 0 &- estimate &* value  // w·2^64 − estimate·q, in [0, 2q)
        return estimate &+ (remainder >= value ? 1 : 0)
    }

    /// `a·w mod q` in `[0, 2q)` given `w < q` and its Shoup constant; `a` may be any word.
    @inlinable @inline(__always)
    public func multiplyShoupLazy(_ a: UInt64, _ w: UInt64, _ wShoup: UInt64) -> UInt64 {
        let quotient = a.multipliedFullWidth(by: wShoup).high
        return a &* w &- quotient &* value
    }

    /// `a·w mod q` in `[0, q)` given `w < q` and its Shoup constant; `a` may be any word.
    @inlinable @inline(__always)
    public func multiplyShoup(_ a: UInt64, _ w: UInt64, _ wShoup: UInt64) -> UInt64 {
        reduceOnce(multiplyShoupLazy(a, w, wShoup))
    }

    /// `base^exponent mod q` by square-and-multiply. Cost: O(log exponent) multiplications.
    public func power(_ base: UInt64, _ exponent: UInt64) -> UInt64 {
        var result: UInt64 = 1 % value
        var b = base % value
        var e = exponent
        while e > 0 {
            if e & 1 == 1 { result = multiply(result, b) }
            b = multiply(b, b)
            e >>= 1
        }
        return result
    }

    /// The inverse of `a` modulo the prime `q` (Fermat), or nil when `a ≡ 0`.
    public func inverse(_ a: UInt64) -> UInt64? {
        let r = a % value
        if r == 0 { return nil }
        return power(r, value - 2)
    }

    /// The residue of a signed integer.
    @inlinable
    public func reduce(signed a: Int64) -> UInt64 {
        let m = a.magnitude % value
        let mask = UInt64(bitPattern: a >> 63)
        return (negate(m) & mask) | (m & ~mask)
    }

    /// Maps a residue to its centered representative in `(−q/2, q/2]`.
    @inlinable
    public func centered(_ a: UInt64) -> Int64 {
        // a − q when a > q/2, by a mask from the sign of ⌊q/2⌋ − a (no branch on a secret residue).
        let mask = UInt64(bitPattern: Int64(bitPattern: (value >> 1) &- a) >> 63)
        return Int64(bitPattern: a &- (value & mask))
    }
}
