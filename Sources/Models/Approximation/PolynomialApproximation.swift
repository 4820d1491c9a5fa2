import Foundation

/// A function replaced by a Chebyshev polynomial on an interval `[a, b]`:
/// `f(x) ≈ p((2x − a − b)/(b − a))` with `p` a `ChebyshevSeries`.
///
/// This is what the encrypted runtime evaluates in place of an activation (or of
/// the output sigmoid). The interval's change of variable is folded into the
/// preceding layer's weights by the converter, so the runtime evaluates `series`
/// directly on the layer's output.
public struct PolynomialApproximation: Codable, Sendable, Equatable {
    /// The function approximated.
    public var function: ApproximatedFunction
    /// Ascending power coefficients of the source polynomial (`poly` only; empty otherwise).
    public var sourceCoefficients: [Double]
    /// The approximation interval `[a, b]`.
    public var interval: Interval
    /// The polynomial in the unit variable `t ∈ [-1, 1]`.
    public var series: ChebyshevSeries
    /// Max `|f(x) − p(t(x))|` measured on `errorGridPoints` equally spaced points of `[a, b]`.
    public var maxError: Double
    /// The error target the degree was chosen for (nil for a fixed degree or an exact conversion).
    public var targetError: Double?
    /// Whether the function is a polynomial reproduced exactly (square, poly).
    public var isExact: Bool

    /// Number of points of the dense grid on which `maxError` is measured.
    public static let errorGridPoints = 20_001

    /// Polynomial degree.
    public var degree: Int { series.degree }
    /// Multiplicative depth of evaluating it under encryption, `⌈log2(d + 1)⌉`.
    public var depth: Int { series.depth }

    /// `p(t(x))` for a point `x` in original units. O(d).
    @inlinable
    public func value(_ x: Double) -> Double { series.evaluate(interval.unit(x)) }

    /// The exact function value `f(x)`. O(1).
    @inlinable
    public func exactValue(_ x: Double) -> Double { function.value(x, coefficients: sourceCoefficients) }

    /// Max `|f − p|` over `points` equally spaced points of the interval. O(points · d).
    public func measuredMaxError(points: Int = PolynomialApproximation.errorGridPoints) -> Double {
        Self.maxError(function: function, coefficients: sourceCoefficients, interval: interval, series: series, points: points)
    }

    /// Fits `function` on `interval`.
    ///
    /// Polynomials (`square`, `poly`) are interpolated at `degree + 1` Chebyshev nodes, which
    /// reproduces them exactly whatever `choice` says. Other functions are interpolated at the
    /// degree `choice` gives. Cost: O(d²) per tried degree plus O(grid · d) to measure the error.
    ///
    /// - Throws: `ConversionError.invalidInterval` for an empty or non-finite interval,
    ///   `ConversionError.invalidDegree` for a fixed degree outside 1…1023 or a polynomial
    ///   (`poly`) of degree above 1023 (refused before any fit),
    ///   `ConversionError.unreachableError` when no degree ≤ `maxDegree` meets the target.
    public static func fit(_ function: ApproximatedFunction, sourceCoefficients: [Double] = [],
                           on interval: Interval, degree choice: DegreeChoice = .standard,
                           context: String = "activation") throws -> PolynomialApproximation {
        guard interval.isValid else { throw ConversionError.invalidInterval(context: context, lower: interval.lower, upper: interval.upper) }
        let f: (Double) -> Double = { t in function.value(interval.point(unit: t), coefficients: sourceCoefficients) }

        if let exactDegree = function.polynomialDegree(coefficients: sourceCoefficients) {
            // Checked before the O(d²) interpolation: a huge coefficient list is refused at once.
            guard exactDegree <= 1023 else { throw ConversionError.invalidDegree(exactDegree) }
            let series = ChebyshevSeries.interpolating(degree: exactDegree, f)
            let error = maxError(function: function, coefficients: sourceCoefficients, interval: interval, series: series, points: errorGridPoints)
            return PolynomialApproximation(function: function, sourceCoefficients: sourceCoefficients, interval: interval,
                                           series: series, maxError: error, targetError: nil, isExact: true)
        }

        let requested: Double?, maxDegree: Int
        switch choice {
        case let .fixed(d):
            guard (1...1023).contains(d) else { throw ConversionError.invalidDegree(d) }
            let series = ChebyshevSeries.interpolating(degree: d, f)
            let error = maxError(function: function, coefficients: [], interval: interval, series: series, points: errorGridPoints)
            return PolynomialApproximation(function: function, sourceCoefficients: [], interval: interval,
                                           series: series, maxError: error, targetError: nil, isExact: false)
        case let .automatic(target, limit):
            (requested, maxDegree) = (target, limit)
        case .searched:  // no search here: the standard automatic choice
            (requested, maxDegree) = (nil, DegreeChoice.standardMaxDegree)
        }
        let target = requested ?? function.defaultTargetError(on: interval)
        guard target > 0, target.isFinite else {
            throw ConversionError.unreachableError(context: context, function: function.rawValue, target: target,
                                                   best: .infinity, maxDegree: maxDegree, interval: interval)
        }
        var best = (error: Double.infinity, series: ChebyshevSeries(coefficients: [0]))
        var depth = 1
        while (1 << depth) - 1 <= max(maxDegree, 1) {
            let d = (1 << depth) - 1
            let series = ChebyshevSeries.interpolating(degree: d, f)
            let error = maxError(function: function, coefficients: [], interval: interval, series: series, points: errorGridPoints)
            if error < best.error { best = (error, series) }
            if error <= target {
                return PolynomialApproximation(function: function, sourceCoefficients: [], interval: interval,
                                               series: series, maxError: error, targetError: target, isExact: false)
            }
            depth += 1
        }
        throw ConversionError.unreachableError(context: context, function: function.rawValue, target: target,
                                               best: best.error, maxDegree: maxDegree, interval: interval)
    }

    /// Max `|f(x) − p(t(x))|` over `points` equally spaced points of `[a, b]`, ends included.
    static func maxError(function: ApproximatedFunction, coefficients: [Double], interval: Interval,
                         series: ChebyshevSeries, points: Int) -> Double {
        var worst = 0.0
        let n = max(points, 2)
        for i in 0..<n {
            let t = -1 + 2 * Double(i) / Double(n - 1)
            let x = interval.point(unit: t)
            let e = abs(function.value(x, coefficients: coefficients) - series.evaluate(t))
            if !(e <= worst) { worst = e }  // also catches NaN
        }
        return worst
    }
}
