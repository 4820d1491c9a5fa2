import Foundation

/// A polynomial `p(t) = Σ_k c_k T_k(t)` in the Chebyshev basis of the first kind,
/// meant to be evaluated on `t ∈ [-1, 1]`.
///
/// The Chebyshev basis keeps coefficients small and well conditioned where the
/// power basis would need huge, cancelling coefficients (a degree-63 fit of a
/// sigmoid has power coefficients near 2^60); it is also the basis in which the
/// encrypted runtime evaluates polynomials (baby-step/giant-step, depth
/// `⌈log2(d + 1)⌉`).
public struct ChebyshevSeries: Codable, Sendable, Equatable {
    /// `c_0 … c_d`, so that `p(t) = Σ c_k T_k(t)`.
    public var coefficients: [Double]

    /// Creates a series from its Chebyshev coefficients (lowest first).
    public init(coefficients: [Double]) {
        self.coefficients = coefficients
    }

    /// The degree `d` (`coefficients.count − 1`; 0 for an empty series).
    public var degree: Int { Swift.max(coefficients.count - 1, 0) }

    /// Multiplicative depth of the baby-step/giant-step evaluation: `⌈log2(d + 1)⌉`.
    public var depth: Int { Self.depth(forDegree: degree) }

    /// `⌈log2(d + 1)⌉`, the depth of evaluating a degree-`d` polynomial (0 for constants).
    public static func depth(forDegree d: Int) -> Int {
        var depth = 0
        while (1 << depth) < d + 1 { depth += 1 }
        return depth
    }

    /// `p(t)` by Clenshaw's recurrence: O(d), backward stable.
    @inlinable
    public func evaluate(_ t: Double) -> Double {
        coefficients.withUnsafeBufferPointer { Self.evaluate($0, at: t) }
    }

    /// `Σ c[k] T_k(t)` by Clenshaw's recurrence over a coefficient buffer (0 when empty), for
    /// loops that evaluate many points without touching an array per point. O(c.count).
    @inlinable
    public static func evaluate(_ c: UnsafeBufferPointer<Double>, at t: Double) -> Double {
        guard let last = c.indices.last else { return 0 }
        var b1 = 0.0, b2 = 0.0
        let twoT = 2 * t
        var k = last
        while k >= 1 {
            let b0 = c[k] + twoT * b1 - b2
            b2 = b1
            b1 = b0
            k -= 1
        }
        return c[0] + t * b1 - b2
    }

    /// `p′(t)` from the derivative series (O(d)); used to back-propagate through a
    /// polynomial activation while fine-tuning.
    public func derivative() -> ChebyshevSeries {
        let d = degree
        guard d >= 1 else { return ChebyshevSeries(coefficients: [0]) }
        // c'_{k-1} = c'_{k+1} + 2k c_k, with c'_d = c'_{d+1} = 0; c'_0 halved.
        var out = [Double](repeating: 0, count: d + 1)
        for k in stride(from: d, through: 1, by: -1) {
            out[k - 1] = (k + 1 <= d ? out[k + 1] : 0) + 2 * Double(k) * coefficients[k]
        }
        out[0] /= 2
        out.removeLast()
        return ChebyshevSeries(coefficients: out)
    }

    /// Interpolates `f` on `[-1, 1]` at the `d + 1` Chebyshev nodes of the first kind
    /// `t_j = cos((j + ½)π/(d + 1))`. Exact for polynomials of degree ≤ d (up to rounding);
    /// near-minimax for smooth functions. O(d²) evaluations of a cosine, d + 1 of `f`.
    public static func interpolating(degree d: Int, _ f: (Double) -> Double) -> ChebyshevSeries {
        precondition(d >= 0, "degree must be non-negative")
        let n = d + 1
        var values = [Double](repeating: 0, count: n)
        for j in 0..<n {
            values[j] = f(cos((Double(j) + 0.5) * Double.pi / Double(n)))
        }
        var coefficients = [Double](repeating: 0, count: n)
        for k in 0..<n {
            var sum = 0.0
            for j in 0..<n {
                sum += values[j] * cos(Double(k) * (Double(j) + 0.5) * Double.pi / Double(n))
            }
            coefficients[k] = 2 * sum / Double(n)
        }
        coefficients[0] /= 2
        return ChebyshevSeries(coefficients: coefficients)
    }

    /// The same polynomial in the power basis, `p(t) = Σ a_k t^k` (lowest first). O(d²).
    /// Ill-conditioned for high degrees: for tests and small exact polynomials only.
    public func powerCoefficients() -> [Double] {
        let n = coefficients.count
        guard n > 0 else { return [] }
        var result = [Double](repeating: 0, count: n)
        var previous = [Double](repeating: 0, count: n)  // T_{k-1}
        var current = [Double](repeating: 0, count: n)   // T_k
        current[0] = 1
        for k in 0..<n {
            for i in 0..<n { result[i] += coefficients[k] * current[i] }
            // T_{k+1} = 2t·T_k − T_{k−1}
            var next = [Double](repeating: 0, count: n)
            for i in 0..<(n - 1) { next[i + 1] = 2 * current[i] }
            if k == 0 { next = [Double](repeating: 0, count: n); if n > 1 { next[1] = 1 } }
            else { for i in 0..<n { next[i] -= previous[i] } }
            previous = current
            current = next
        }
        return result
    }
}
