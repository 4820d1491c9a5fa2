import Foundation
import Models
import Testing

private let activations: [Activation] = [Activation(.relu), Activation(.tanh), Activation(.sigmoid)]

@Test(arguments: activations)
func foldingTheStandardizerAndIntervalsLeavesPredictionsUnchanged(activation: Activation) throws {
    for (widths, classes) in [([6, 8, 1], 2), ([5, 16, 8, 3], 3)] {
        let model = try Synthetic.model(widths: widths, activation: activation, classes: classes, seed: 7)
        let calibration = Synthetic.calibration(for: model, rows: 300, seed: 11)
        let conversion = try ModelConverter.convert(model, calibration: calibration)
        let folded = conversion.model
        let held = Synthetic.calibration(for: model, rows: 200, seed: 99)
        for row in held.rows {
            let unfolded = Synthetic.unfoldedOutputs(model, folded.activations, output: nil, raw: row)
            let outputs = folded.outputs(raw: row)
            for (a, b) in zip(unfolded, outputs) { #expect(abs(a - b) <= 1e-9 * max(1, abs(a)), "\(a) vs \(b)") }
        }
    }
}

@Test func foldingTheOutputSigmoidLeavesProbabilitiesUnchanged() throws {
    let model = try Synthetic.model(widths: [6, 8, 1], activation: Activation(.tanh), classes: 2, seed: 3)
    let calibration = Synthetic.calibration(for: model, rows: 300, seed: 4)
    var options = ConversionOptions()
    options.encryptedSigmoid = true
    let conversion = try ModelConverter.convert(model, calibration: calibration, options: options)
    let folded = conversion.model
    let sigmoid = try #require(folded.outputSigmoid)
    #expect(folded.decoding == .encryptedSigmoid)
    for row in calibration.rows {
        let unfolded = Synthetic.unfoldedOutputs(model, folded.activations, output: sigmoid, raw: row)
        #expect(abs(unfolded[0] - folded.outputs(raw: row)[0]) <= 1e-9)
        // The polynomial sigmoid is within its stated error of the exact one on the logit.
        let logit = Synthetic.unfoldedOutputs(model, folded.activations, output: nil, raw: row)[0]
        #expect(abs(folded.probabilities(raw: row)[1] - 1 / (1 + exp(-logit))) <= sigmoid.maxError + 1e-12)
    }
    #expect(conversion.report.activations.last?.function == "sigmoid")
    #expect(folded.plan.steps.last?.operation == .outputSigmoid)
}

@Test(arguments: [Activation(.square), Activation(.poly, coefficients: [0.1, 0.5, 0.25]), Activation(.poly, coefficients: [-0.3, 1.2, 0.05])])
func polynomialActivationsConvertExactly(activation: Activation) throws {
    for (widths, classes) in [([6, 8, 1], 2), ([64, 32, 10], 10), ([5, 12, 6, 3], 3)] {
        let model = try Synthetic.model(widths: widths, activation: activation, classes: classes, seed: 21)
        let calibration = Synthetic.calibration(for: model, rows: 200, seed: 22)
        let conversion = try ModelConverter.convert(model, calibration: calibration)
        #expect(conversion.model.activations.allSatisfy { $0.isExact && $0.degree == 2 && $0.maxError < 1e-9 })
        let held = Synthetic.calibration(for: model, rows: 200, seed: 23)
        for row in held.rows + calibration.rows.prefix(50) {
            let exact = model.logits(raw: row), converted = conversion.model.outputs(raw: row)
            for (a, b) in zip(exact, converted) { #expect(abs(a - b) <= 1e-9 * max(1, abs(a)), "\(a) vs \(b)") }
            #expect(model.predictClass(raw: row) == conversion.model.predictClass(raw: row))
        }
        #expect(conversion.report.polynomialAccuracy == conversion.report.originalAccuracy)
    }
}

@Test func logisticRegressionConvertsWithOneLevelAndNoPolynomial() throws {
    let model = try Synthetic.model(widths: [30, 1], activation: Activation(.relu), classes: 2, seed: 5)
    let calibration = Synthetic.calibration(for: model, rows: 100, seed: 6)
    let conversion = try ModelConverter.convert(model, calibration: calibration)
    #expect(conversion.model.activations.isEmpty)
    #expect(conversion.report.depth == 1)
    #expect(conversion.report.originalAccuracy == 1 && conversion.report.polynomialAccuracy == 1)
    for row in calibration.rows {
        #expect(abs(model.logits(raw: row)[0] - conversion.model.outputs(raw: row)[0]) <= 1e-9 * max(1, abs(model.logits(raw: row)[0])))
    }
    #expect(conversion.model.plan.single.blockSize == 32)
    #expect(conversion.model.plan.parameters.polyDegree == 8192)
}

@Test func calibrationRecordsRangeMarginAndOutsideShare() {
    let values = (0..<1000).map { Double($0) / 999 * 10 - 2 }  // -2 … 8
    let full = LayerCalibration(layer: 0, values: values, margin: 0.1, coverage: 1)
    #expect(full.observed == Interval(-2, 8))
    #expect(abs(full.interval.lower + 3) < 1e-12 && abs(full.interval.upper - 9) < 1e-12)
    #expect(full.outsideFraction == 0)
    let trimmed = LayerCalibration(layer: 0, values: values, margin: 0, coverage: 0.9)
    #expect(abs(trimmed.outsideFraction - 0.1) < 0.003)
    let constant = LayerCalibration(layer: 0, values: [3, 3, 3], margin: 0.1, coverage: 1)
    #expect(constant.interval == Interval(2, 4))
}

@Test func sequentialCalibrationSeesThePolynomialOutputs() throws {
    let model = try Synthetic.model(widths: [5, 16, 8, 3], activation: Activation(.tanh), classes: 3, seed: 31)
    let calibration = Synthetic.calibration(for: model, rows: 300, seed: 32)
    let conversion = try ModelConverter.convert(model, calibration: calibration)
    // Every calibration pre-activation lies inside its interval (full coverage), measured through the polynomials.
    #expect(conversion.calibrations.allSatisfy { $0.outsideFraction == 0 })
    #expect(conversion.calibrations.count == 3)
    for (calibrated, polynomial) in zip(conversion.calibrations, conversion.model.activations) {
        #expect(calibrated.interval == polynomial.interval)
        #expect(polynomial.interval.lower < calibrated.observed.lower && polynomial.interval.upper > calibrated.observed.upper)
    }
}

@Test func badCalibrationAndOptionsAreClearErrors() throws {
    let model = try Synthetic.model(widths: [4, 8, 3], activation: Activation(.relu), classes: 3, seed: 1)
    let good = Synthetic.calibration(for: model, rows: 20, seed: 2)
    var short = good
    short.rows[4] = [1, 2, 3]
    #expect(throws: ConversionError.calibrationMismatch(source: "synthetic", reason: "row 5 has 3 features, the model expects 4")) {
        try ModelConverter.convert(model, calibration: short)
    }
    #expect(throws: ConversionError.self) { try ModelConverter.convert(model, calibration: CalibrationSet(rows: [], labels: nil, source: "empty.csv")) }
    var nan = good
    nan.rows[0][2] = .nan
    #expect(throws: ConversionError.self) { try ModelConverter.convert(model, calibration: nan) }
    var badLabel = good
    badLabel.labels![3] = 7
    #expect(throws: ConversionError.self) { try ModelConverter.convert(model, calibration: badLabel) }
    var options = ConversionOptions()
    options.encryptedSigmoid = true
    #expect(throws: ConversionError.self) { try ModelConverter.convert(model, calibration: good, options: options) }
    options = ConversionOptions()
    options.precisionBits = 45
    #expect(throws: ConversionError.self) { try ModelConverter.convert(model, calibration: good, options: options) }
    options = ConversionOptions()
    options.degree = .automatic(maxError: 1e-10, maxDegree: 255)
    do {
        _ = try ModelConverter.convert(model, calibration: good, options: options)
        Issue.record("an unreachable error target must throw")
    } catch let error as ConversionError {
        #expect("\(error)".contains("layer 0 relu activation"))
    }
}

@Test func calibrationWithoutLabelsConvertsWithoutAccuracies() throws {
    let model = try Synthetic.model(widths: [4, 8, 3], activation: Activation(.sigmoid), classes: 3, seed: 1)
    var calibration = Synthetic.calibration(for: model, rows: 50, seed: 2)
    calibration.labels = nil
    let conversion = try ModelConverter.convert(model, calibration: calibration)
    #expect(conversion.report.originalAccuracy == nil && conversion.report.polynomialAccuracy == nil)
    let json = String(decoding: try JSONEncoder().encode(conversion.report), as: UTF8.self)
    #expect(json.contains("\"original_accuracy\":null"))
}

/// A degree-2 activation folded into its neighbours costs one level and computes the same
/// function: square, degree-2 poly, and relu/tanh fitted at degree 2, one and two hidden layers.
@Test(arguments: [Activation(.square), Activation(.poly, coefficients: [-0.3, 1.2, 0.05]), Activation(.relu), Activation(.tanh)])
func degreeTwoActivationsFoldToOneSquareAtOneLevel(activation: Activation) throws {
    for (widths, classes) in [([64, 32, 10], 10), ([5, 12, 6, 3], 3)] {
        let model = try Synthetic.model(widths: widths, activation: activation, classes: classes, seed: 31)
        let calibration = Synthetic.calibration(for: model, rows: 200, seed: 32)
        var options = ConversionOptions()
        options.degree = .fixed(2)
        let folded = try ModelConverter.convert(model, calibration: calibration, options: options)
        options.foldSquares = false
        let chebyshev = try ModelConverter.convert(model, calibration: calibration, options: options)
        let hidden = widths.count - 2
        #expect(folded.model.plan.foldedSquares == Set(0..<hidden))
        #expect(folded.report.depth == widths.count - 1 + hidden, "one level per layer and per square")
        #expect(chebyshev.report.depth == widths.count - 1 + 2 * hidden)
        #expect(chebyshev.model.plan.foldedSquares.isEmpty)
        for row in calibration.rows.prefix(100) {
            let a = folded.model.outputs(raw: row), b = chebyshev.model.outputs(raw: row)
            for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-9 * max(1, abs(y)), "\(x) vs \(y)") }
        }
        #expect(folded.report.polynomialAccuracy == chebyshev.report.polynomialAccuracy)
        try folded.model.validate()
    }
}

@Test func squareFoldReproducesTheSeriesAndKeepsTheSquaredValueBelowOne() throws {
    for c in [[0.5, 0, 0.5], [0.2, -1.7, 0.01], [3, 0.4, -2], [-1, 25, 0.3]] {
        let series = ChebyshevSeries(coefficients: c)
        let fold = try #require(SquareFold(series))
        for t in stride(from: -1.0, through: 1.0, by: 0.01) {
            #expect(abs(fold.value(unit: t) - series.evaluate(t)) <= 1e-12 * max(1, abs(series.evaluate(t))))
            #expect(abs((t + fold.shift) / fold.divisor) <= 1)
        }
    }
    #expect(SquareFold(ChebyshevSeries(coefficients: [1, 2, 0])) == nil, "an affine series has no square")
    #expect(SquareFold(ChebyshevSeries(coefficients: [1, 2, 3, 4])) == nil)
}
