/// A degree-2 activation rewritten to cost one level instead of `⌈log2 3⌉ = 2`.
///
/// `p(t) = c_0 + c_1·T_1(t) + c_2·T_2(t) = α·t² + β·t + γ` with `α = 2c_2`, `β = c_1`,
/// `γ = c_0 − c_2`. Completing the square, `p(t) = α·m²·u² + (γ − α·h²)` with
/// `h = β/(2α)`, `m = |h| + 1` and `u = (t + h)/m` (so `|u| ≤ 1` on `t ∈ [−1, 1]`). The map
/// `t ↦ u` is folded into the layer before the activation (its outputs), the factor
/// `α·m²` and the constant into the layer after it (its inputs), and the runtime squares
/// one ciphertext: one relinearized product, one rescale. `m` keeps the squared values
/// below 1 whatever the shift, so the fold never grows a scale beyond the model's own
/// pre-activation magnitudes.
public struct SquareFold: Sendable, Equatable {
    /// `h = β/(2α)`: added to the layer's (unit) outputs before the square.
    public var shift: Double
    /// `m = |h| + 1`: the shifted outputs are divided by it.
    public var divisor: Double
    /// `α·m²`: multiplies the next layer's weights.
    public var leading: Double
    /// `γ − α·h²`: the constant the next layer's bias absorbs (times each row's weight sum).
    public var constant: Double

    /// The fold of a degree-2 series, or nil when `series` is not of degree 2 (a vanishing
    /// leading coefficient: the polynomial is affine) or a coefficient is not finite. O(1).
    public init?(_ series: ChebyshevSeries) {
        let c = series.coefficients
        guard c.count == 3, c.allSatisfy(\.isFinite), c[2] != 0 else { return nil }
        let alpha = 2 * c[2], beta = c[1], gamma = c[0] - c[2]
        let h = beta / (2 * alpha)
        let m = abs(h) + 1
        guard h.isFinite, (alpha * m * m).isFinite else { return nil }
        shift = h
        divisor = m
        leading = alpha * m * m
        constant = gamma - alpha * h * h
    }

    /// The value the runtime squares for the unit input `t`: `u = (t + shift)/divisor`. O(1).
    public func squared(unit t: Double) -> Double { (t + shift) / divisor }

    /// `p(t)` evaluated through the fold, `leading·((t + shift)/divisor)² + constant`. O(1).
    public func value(unit t: Double) -> Double {
        let u = squared(unit: t)
        return leading * u * u + constant
    }
}

extension PolynomialApproximation {
    /// The power-basis coefficients `[c0, c1, c2]` of `p(t(x))` in original units `x` (with
    /// `t = unitSlope·x + unitOffset`), for a polynomial of degree ≤ 2; nil above. This is the
    /// `poly` activation that computes the same function, so a degree-2 approximation can be
    /// trained further as a learnable quadratic and then converted exactly. O(1).
    public var quadraticPowerCoefficients: [Double]? {
        let c = series.coefficients + [0, 0, 0]
        guard series.degree <= 2 else { return nil }
        let alpha = 2 * c[2], beta = c[1], gamma = c[0] - c[2]
        let s = interval.unitSlope, o = interval.unitOffset
        return [alpha * o * o + beta * o + gamma, s * (2 * alpha * o + beta), alpha * s * s]
    }
}
