import Foundation
import Models
import Testing

/// Max |f − p| on a grid ten times denser than the one the fit used, plus random points.
private func independentMaxError(_ approx: PolynomialApproximation) -> Double {
    var worst = 0.0
    let n = 200_001
    for i in 0..<n {
        let x = approx.interval.lower + approx.interval.width * Double(i) / Double(n - 1)
        worst = max(worst, abs(approx.exactValue(x) - approx.value(x)))
    }
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<10_000 {
        let x = Double.random(in: approx.interval.lower...approx.interval.upper, using: &rng)
        worst = max(worst, abs(approx.exactValue(x) - approx.value(x)))
    }
    return worst
}

@Test(arguments: [
    (ApproximatedFunction.sigmoid, Interval(-8, 8)), (.sigmoid, Interval(-5, 12)), (.sigmoid, Interval(-20, 20)),
    (.tanh, Interval(-4, 4)), (.tanh, Interval(-3, 9)),
    (.relu, Interval(-6, 6)), (.relu, Interval(-2, 14)),
    (.softplus, Interval(-6, 6)), (.gelu, Interval(-5, 5)),
])
func automaticDegreeMeetsTheDefaultTargetOnADenseGrid(function: ApproximatedFunction, interval: Interval) throws {
    let approx = try PolynomialApproximation.fit(function, on: interval)
    let target = try #require(approx.targetError)
    #expect(target == function.defaultTargetError(on: interval))
    #expect(approx.maxError <= target)
    let dense = independentMaxError(approx)
    // The stated error is measured on 20,001 points; a 10x denser grid agrees within 1 %.
    #expect(dense <= approx.maxError * 1.01 + 1e-12)
    #expect(dense <= target)
    #expect(approx.degree == (1 << approx.depth) - 1, "automatic degrees use the whole depth")
}

@Test func sigmoidTargetsOfOneThousandthNeedModestDegrees() throws {
    let approx = try PolynomialApproximation.fit(.sigmoid, on: Interval(-6, 6))
    #expect(approx.degree == 15)
    #expect(approx.depth == 4)
    let wide = try PolynomialApproximation.fit(.sigmoid, on: Interval(-8, 8))
    #expect(wide.degree == 31, "degree 15 leaves 1.4e-3 on [-8, 8]")
    let tight = try PolynomialApproximation.fit(.sigmoid, on: Interval(-8, 8), degree: .automatic(maxError: 1e-6, maxDegree: 127))
    #expect(tight.maxError <= 1e-6)
    #expect(independentMaxError(tight) <= 1e-6)
}

@Test func fixedDegreeIsHonouredAndItsErrorStated() throws {
    let approx = try PolynomialApproximation.fit(.tanh, on: Interval(-3, 3), degree: .fixed(9))
    #expect(approx.degree == 9)
    #expect(approx.targetError == nil)
    #expect(abs(independentMaxError(approx) - approx.maxError) <= approx.maxError * 0.01)
}

@Test func polynomialsAreReproducedExactly() throws {
    let square = try PolynomialApproximation.fit(.square, on: Interval(-7, 3), degree: .fixed(31))
    #expect(square.isExact && square.degree == 2)
    #expect(square.maxError < 1e-12)
    let poly = try PolynomialApproximation.fit(.poly, sourceCoefficients: [0.1, 0.5, 0.25, -0.01], on: Interval(-4, 5))
    #expect(poly.isExact && poly.degree == 3)
    for x in stride(from: -10.0, through: 10.0, by: 0.25) {  // exact even outside the interval
        #expect(abs(poly.value(x) - (0.1 + 0.5 * x + 0.25 * x * x - 0.01 * x * x * x)) < 1e-11)
    }
}

@Test func clenshawAgreesWithThePowerBasis() {
    let series = ChebyshevSeries(coefficients: [0.5, -1, 0.25, 2, 0.125])
    let power = series.powerCoefficients()
    for t in stride(from: -1.0, through: 1.0, by: 0.1) {
        var horner = 0.0
        for c in power.reversed() { horner = horner * t + c }
        // T0..T4 explicitly
        let t2 = t * t, t3 = t2 * t, t4 = t2 * t2
        let explicit = 0.5 - t + 0.25 * (2 * t2 - 1) + 2 * (4 * t3 - 3 * t) + 0.125 * (8 * t4 - 8 * t2 + 1)
        #expect(abs(series.evaluate(t) - explicit) < 1e-13)
        #expect(abs(horner - explicit) < 1e-13)
    }
}

@Test func derivativeSeriesMatchesFiniteDifferences() throws {
    let approx = try PolynomialApproximation.fit(.sigmoid, on: Interval(-6, 6), degree: .fixed(15))
    let derivative = approx.series.derivative()
    #expect(derivative.degree == 14)
    for t in stride(from: -0.95, through: 0.95, by: 0.05) {
        let numeric = (approx.series.evaluate(t + 1e-6) - approx.series.evaluate(t - 1e-6)) / 2e-6
        #expect(abs(numeric - derivative.evaluate(t)) < 1e-6)
    }
}

@Test func depthIsTheCeilingOfLog2OfDegreePlusOne() {
    #expect(ChebyshevSeries.depth(forDegree: 0) == 0)
    #expect(ChebyshevSeries.depth(forDegree: 1) == 1)
    #expect(ChebyshevSeries.depth(forDegree: 2) == 2)
    #expect(ChebyshevSeries.depth(forDegree: 3) == 2)
    #expect(ChebyshevSeries.depth(forDegree: 4) == 3)
    #expect(ChebyshevSeries.depth(forDegree: 31) == 5)
    #expect(ChebyshevSeries.depth(forDegree: 32) == 6)
}

@Test func unreachableTargetsAndBadIntervalsAreClearErrors() {
    #expect(throws: ConversionError.self) {
        try PolynomialApproximation.fit(.relu, on: Interval(-10, 10), degree: .automatic(maxError: 1e-9, maxDegree: 127))
    }
    do {
        _ = try PolynomialApproximation.fit(.relu, on: Interval(-10, 10), degree: .automatic(maxError: 1e-9, maxDegree: 127))
    } catch {
        #expect("\(error)".contains("cannot be approximated within 1e-09"))
    }
    #expect(throws: ConversionError.self) { try PolynomialApproximation.fit(.sigmoid, on: Interval(3, 3)) }
    #expect(throws: ConversionError.self) { try PolynomialApproximation.fit(.sigmoid, on: Interval(-.infinity, 3)) }
    #expect(throws: ConversionError.invalidDegree(0)) { try PolynomialApproximation.fit(.sigmoid, on: Interval(-1, 1), degree: .fixed(0)) }
}

/// Known answers from NumPy's `numpy.polynomial.chebyshev.chebinterpolate` (first-kind nodes, as ours):
/// `chebinterpolate(lambda t: 1/(1+exp(-8t)), 15)` and `chebinterpolate(lambda t: tanh(3t), 9)`.
@Test func interpolationCoefficientsMatchNumPy() throws {
    let sigmoid = try PolynomialApproximation.fit(.sigmoid, on: Interval(-8, 8), degree: .fixed(15)).series.coefficients
    let sigmoidReference = [0.49999999999999994, 0.6190578498598347, 0, -0.16827151151145264, 0, 0.07088285198346841]
    for (a, b) in zip(sigmoid, sigmoidReference) { #expect(abs(a - b) < 1e-14) }
    let tanh = try PolynomialApproximation.fit(.tanh, on: Interval(-3, 3), degree: .fixed(9)).series.coefficients
    let tanhReference = [0.0, 1.2074392912077934, 0, -0.28423852339530076, 0, 0.09814169583217541, 0,
                         -0.03697479809779323, 0, 0.017584641576217763]
    #expect(tanh.count == tanhReference.count)
    for (a, b) in zip(tanh, tanhReference) { #expect(abs(a - b) < 1e-14) }
}
