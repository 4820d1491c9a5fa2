/// A closed interval `[lower, upper]` on which a polynomial approximates a function,
/// with the affine change of variable to and from the Chebyshev unit interval `[-1, 1]`.
public struct Interval: Codable, Sendable, Equatable, CustomStringConvertible {
    /// Left end.
    public var lower: Double
    /// Right end (strictly greater than `lower` for a valid interval).
    public var upper: Double

    /// Creates `[lower, upper]`; `isValid` tells whether it is usable.
    public init(_ lower: Double, _ upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    /// Whether both ends are finite and `lower < upper`.
    public var isValid: Bool { lower.isFinite && upper.isFinite && lower < upper }

    /// `upper − lower`.
    public var width: Double { upper - lower }

    /// The largest magnitude in the interval, `max(|lower|, |upper|)`.
    public var magnitude: Double { Swift.max(Swift.abs(lower), Swift.abs(upper)) }

    /// Whether `x` lies in the interval (ends included).
    @inlinable
    public func contains(_ x: Double) -> Bool { x >= lower && x <= upper }

    /// The slope `2 / (b − a)` of the map `x ↦ t = (2x − a − b)/(b − a)`.
    @inlinable
    public var unitSlope: Double { 2 / (upper - lower) }

    /// The offset `−(a + b)/(b − a)` of the map `x ↦ t`, so that `t = unitSlope·x + unitOffset`.
    @inlinable
    public var unitOffset: Double { -(lower + upper) / (upper - lower) }

    /// Maps `x ∈ [a, b]` to `t = (2x − a − b)/(b − a) ∈ [-1, 1]`. O(1).
    @inlinable
    public func unit(_ x: Double) -> Double { (2 * x - lower - upper) / (upper - lower) }

    /// Maps `t ∈ [-1, 1]` back to `x = ((b − a)·t + a + b)/2`. O(1).
    @inlinable
    public func point(unit t: Double) -> Double { ((upper - lower) * t + lower + upper) / 2 }

    /// `[a, b]` widened by `fraction × (b − a)` on each side. O(1).
    public func widened(by fraction: Double) -> Interval {
        let pad = fraction * width
        return Interval(lower - pad, upper + pad)
    }

    /// `[a, b]` as text.
    public var description: String { "[\(lower), \(upper)]" }
}
