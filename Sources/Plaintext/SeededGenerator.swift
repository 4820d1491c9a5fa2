/// SplitMix64: a small, fast, seedable pseudo-random generator (Steele, Lea, Flood 2014).
///
/// Used for reproducible splits, shuffles and weight initialisation; not for anything
/// secret. `Benchmarks/peers/split.py` implements the same sequence so that Python
/// peers see identical train/test splits. O(1) per value.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    /// A generator whose sequence is fully determined by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A Double uniform in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Fisher–Yates shuffle whose swaps use `next() % (i + 1)`, the exact rule the
    /// Python mirror uses (the tiny modulo bias is irrelevant here). O(count).
    public mutating func shuffle(_ values: inout [Int]) {
        var i = values.count - 1
        while i > 0 {
            let j = Int(next() % UInt64(i + 1))
            values.swapAt(i, j)
            i -= 1
        }
    }
}
