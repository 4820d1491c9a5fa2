import Foundation
import Models
import Testing

@Test func latencyModelReproducesItsCalibrationPoints() {
    let model = LatencyModel.standard
    for point in LatencyModel.measured {
        for op in LatencyModel.Operation.allCases {
            let predicted = model.cost(op, polyDegree: point.polyDegree, limbs: point.limbs)
            let measured = point.costs[op]!
            // Key switching is fitted exactly through both points; the linear operations by their mean.
            let tolerance = op.switchesKeys ? 1e-9 : 0.5
            #expect(abs(predicted - measured) <= tolerance * measured, "\(op) at N=\(point.polyDegree): \(predicted) vs \(measured)")
        }
    }
}

@Test func predictedCostsGrowWithPrimesAndRingDegree() {
    let model = LatencyModel.standard
    for op in LatencyModel.Operation.allCases {
        for n in [4096, 8192, 16384, 32768] {
            for limbs in 1..<12 {
                #expect(model.cost(op, polyDegree: n, limbs: limbs + 1) > model.cost(op, polyDegree: n, limbs: limbs))
                #expect(model.cost(op, polyDegree: 2 * n, limbs: limbs) > 1.9 * model.cost(op, polyDegree: n, limbs: limbs))
            }
        }
    }
}

/// The prediction of a logistic-regression plan, counted by hand: one plaintext product
/// (span 1: one diagonal), one rescale, log2(D) rotate-and-sum rotations, the additions.
@Test func logisticRegressionPredictionIsTheSumOfItsOperations() throws {
    let model = try Synthetic.model(widths: [30, 1], activation: Activation(.relu), classes: 2, seed: 5)
    let conversion = try ModelConverter.convert(model, calibration: Synthetic.calibration(for: model, rows: 100, seed: 6))
    let plan = conversion.model.plan
    let n = plan.parameters.polyDegree, d = plan.single.blockSize
    let sums = Int(log2(Double(d)))
    let latency = LatencyModel.standard
    let expected = latency.cost(.multiplyPlain, polyDegree: n, limbs: 2) + latency.cost(.rescale, polyDegree: n, limbs: 2)
        + Double(sums) * latency.cost(.rotate, polyDegree: n, limbs: 1) + Double(sums + 2) * latency.cost(.add, polyDegree: n, limbs: 2)
    let prediction = latency.predict(plan)
    #expect(abs(prediction.singleQueryMs - expected) <= 1e-9 * expected)
    #expect(conversion.report.predictedLatency == prediction)
    // A batch set: 30 scalar products and one rescale on whole ciphertexts, N/2 rows.
    let batch = 30 * latency.cost(.multiplyPlain, polyDegree: n, limbs: 2) + latency.cost(.rescale, polyDegree: n, limbs: 2)
    #expect(abs(prediction.batchSetMs - batch) <= 1e-9 * batch)
    #expect(prediction.batchRows == n / 2)
}

@Test func foldedSquaresArePredictedFasterThanTheirChebyshevEvaluation() throws {
    let model = try Synthetic.model(widths: [64, 32, 10], activation: Activation(.square), classes: 10, seed: 21)
    let calibration = Synthetic.calibration(for: model, rows: 200, seed: 22)
    var options = ConversionOptions()
    let folded = try ModelConverter.convert(model, calibration: calibration, options: options)
    options.foldSquares = false
    let chebyshev = try ModelConverter.convert(model, calibration: calibration, options: options)
    #expect(folded.report.predictedLatency.singleQueryMs < chebyshev.report.predictedLatency.singleQueryMs)
    #expect(folded.report.predictedLatency.batchSetMs < chebyshev.report.predictedLatency.batchSetMs)
}

@Test func chebyshevProductCountFollowsTheSquareRootLaw() {
    #expect(ChebyshevSeries.productCount(forDegree: 1) == 0)
    #expect(ChebyshevSeries.productCount(forDegree: 2) == 1)
    var previous = 0
    for d in 2...255 {
        let count = ChebyshevSeries.productCount(forDegree: d)
        let depth = ChebyshevSeries.depth(forDegree: d)
        #expect(count >= depth - 1, "at least one product per level but the last (constants)")
        #expect(Double(count) <= 3 * (2 * Double(d)).squareRoot() + Double(depth), "degree \(d): \(count) products")
        if d & (d + 1) == 0 { #expect(count >= previous) ; previous = count }  // degrees 2^k − 1 grow
    }
}
