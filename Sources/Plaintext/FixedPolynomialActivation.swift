import Foundation
import Models

/// A hidden activation held fixed while training: the polynomial `p(t) = Σ c_k T_k(t)` of a
/// conversion, `t = (z − center)·inverseHalfWidth` the pre-activation mapped from the calibrated
/// interval `[a, b]` onto `[-1, 1]`, with its derivative series for back-propagation and a
/// penalty on the part of `t` outside `[-1, 1]` (see `IntervalPenalty`).
///
/// Outside its interval a Chebyshev polynomial departs fast from the function it replaced (a
/// degree-7 relu fit at t = 1.5 is off by several units), and the encrypted runtime evaluates it
/// there unclipped. So training uses the polynomial unclipped too — what it learns is what the
/// encrypted model computes — and a penalty `λ·e²`, `e = max(0, |t| − 1)`, pulls the
/// pre-activations back inside. Clipping was rejected: it would train a function the encrypted
/// model does not compute (flat outside, where the runtime is not) and its zero gradient outside
/// gives no push back into the interval.
struct FixedPolynomialActivation: Sendable {
    /// Chebyshev coefficients of `p`, lowest first.
    let coefficients: [Double]
    /// Chebyshev coefficients of `dp/dz = p′(t) · inverseHalfWidth`.
    let derivative: [Double]
    /// Midpoint `(a + b)/2` of the interval.
    let center: Double
    /// `2/(b − a)`.
    let inverseHalfWidth: Double

    /// The polynomial of `approximation` on its interval. O(degree).
    init(_ approximation: PolynomialApproximation) {
        coefficients = approximation.series.coefficients
        let slope = approximation.interval.unitSlope
        derivative = approximation.series.derivative().coefficients.map { $0 * slope }
        center = (approximation.interval.lower + approximation.interval.upper) / 2
        inverseHalfWidth = slope
    }
}

extension ActivationKernel {
    /// `act[i] = p(t(pre[i]))`, unclipped. O(count · degree).
    static func forward(_ p: FixedPolynomialActivation, pre: UnsafePointer<Double>, act: UnsafeMutablePointer<Double>, count: Int) {
        let center = p.center, scale = p.inverseHalfWidth
        p.coefficients.withUnsafeBufferPointer { c in
            for i in 0..<count { act[i] = ChebyshevSeries.evaluate(c, at: (pre[i] - center) * scale) }
        }
    }

    /// Given `grad = ∂L/∂act` (of the batch mean), replaces it by `∂L/∂pre = grad · p′(pre)`
    /// plus the gradient of the interval penalty `λ·e²` (per entry, `e = max(0, |t| − 1)`) of the
    /// batch mean (`meanFactor = 1/rows`); returns the penalty summed over the entries. O(count · degree).
    static func backward(_ p: FixedPolynomialActivation, pre: UnsafePointer<Double>, grad: UnsafeMutablePointer<Double>,
                         count: Int, penalty lambda: Double, meanFactor: Double) -> Double {
        let center = p.center, scale = p.inverseHalfWidth
        let penaltySlope = 2 * lambda * meanFactor * scale
        var total = 0.0
        p.derivative.withUnsafeBufferPointer { c in
            for i in 0..<count {
                let t = (pre[i] - center) * scale
                var g = grad[i] * ChebyshevSeries.evaluate(c, at: t)
                let e = Swift.max(0, Swift.abs(t) - 1)
                total += e * e
                g += penaltySlope * (t < 0 ? -e : e)
                grad[i] = g
            }
        }
        return lambda * total
    }
}
