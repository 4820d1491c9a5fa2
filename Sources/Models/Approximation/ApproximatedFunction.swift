import Foundation

/// A scalar function that conversion replaces by a Chebyshev polynomial.
///
/// `square` and `poly` are polynomials already: they convert exactly. The others
/// are approximated on a calibrated interval; the default error target depends on
/// whether the function is bounded (see `defaultTargetError(on:)`).
public enum ApproximatedFunction: String, Codable, Sendable, CaseIterable {
    /// `max(x, 0)`; kinked at 0, so Chebyshev errors fall only like `O(R/d)`.
    case relu
    /// Hyperbolic tangent.
    case tanh
    /// Logistic function `1/(1 + e^−x)`.
    case sigmoid
    /// `log(1 + e^x)`, a smooth relu.
    case softplus
    /// `x·Φ(x)` (exact, with erf).
    case gelu
    /// `x²` (exact conversion).
    case square
    /// A power-basis polynomial with given coefficients (exact conversion).
    case poly

    /// The function for a hidden-layer activation of a trained model.
    public init(_ kind: ActivationKind) {
        switch kind {
        case .relu: self = .relu
        case .tanh: self = .tanh
        case .sigmoid: self = .sigmoid
        case .square: self = .square
        case .poly: self = .poly
        }
    }

    /// Whether the function is a polynomial (conversion is exact).
    public var isPolynomial: Bool { self == .square || self == .poly }

    /// The polynomial degree for `square`/`poly` (highest non-zero power), nil otherwise.
    public func polynomialDegree(coefficients: [Double]) -> Int? {
        switch self {
        case .square: return 2
        case .poly: return coefficients.lastIndex { $0 != 0 } ?? 0
        default: return nil
        }
    }

    /// `f(x)`; `coefficients` are the ascending power coefficients of `poly` (ignored otherwise). O(1).
    @inlinable
    public func value(_ x: Double, coefficients: [Double] = []) -> Double {
        switch self {
        case .relu: return x > 0 ? x : 0
        case .tanh: return Foundation.tanh(x)
        case .sigmoid: return 1 / (1 + Foundation.exp(-x))
        case .softplus: return x > 30 ? x : Foundation.log1p(Foundation.exp(x))
        case .gelu: return 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot()))
        case .square: return x * x
        case .poly:
            var acc = 0.0
            for c in coefficients.reversed() { acc = acc * x + c }
            return acc
        }
    }

    /// The default maximum error on `interval` when the degree is chosen automatically.
    ///
    /// - sigmoid, tanh (bounded, smooth): `1e-3` absolute.
    /// - relu, softplus, gelu (unbounded): `0.02 × max(|a|, |b|)`, 2 % of the largest input
    ///   magnitude. relu has a kink at 0, so Chebyshev interpolation converges only like
    ///   `O(R/d)`: an absolute 1e-3 would need degrees in the thousands. A degree-31 fit on
    ///   a symmetric interval reaches about 1.6 % of R; the accuracy effect is what matters,
    ///   and `--finetune` recovers it.
    /// - square, poly: exact (0).
    public func defaultTargetError(on interval: Interval) -> Double {
        switch self {
        case .sigmoid, .tanh: return 1e-3
        case .relu, .softplus, .gelu: return 0.02 * interval.magnitude
        case .square, .poly: return 0
        }
    }
}
