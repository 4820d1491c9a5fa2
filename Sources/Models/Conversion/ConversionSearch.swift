import Foundation

/// What the plan search may trade: accuracy on the calibration rows against predicted latency.
public struct SearchBudget: Sendable, Equatable {
    /// Largest accuracy loss on the calibration rows, in points (percent), against the
    /// original model (`--max-accuracy-loss`, default 0.5).
    public var maxAccuracyLoss: Double = 0.5
    /// When set, the most accurate plan whose predicted single-query latency (ms) is within it
    /// (`--latency-budget`), instead of the fastest plan within the accuracy loss.
    public var latencyBudgetMs: Double?
    /// Degrees tried for every approximated polynomial (the same degree for all of them).
    public var degrees: [Int] = [2, 3, 5, 7, 15, 31, 63]
    /// Calibration coverages tried for the intervals (1 = min…max; lower trims outliers,
    /// which a low degree fits better).
    public var coverages: [Double] = [1.0, 0.99]

    /// The default budget: at most 0.5 point below the original model, fastest plan.
    public init() {}

    /// Checks value ranges; throws `ConversionError.unsupportedOption`.
    public func validate() throws {
        guard maxAccuracyLoss >= 0, maxAccuracyLoss <= 100, maxAccuracyLoss.isFinite else {
            throw ConversionError.unsupportedOption(option: "--max-accuracy-loss", reason: "\(maxAccuracyLoss) must be between 0 and 100 points")
        }
        if let budget = latencyBudgetMs, !(budget > 0 && budget.isFinite) {
            throw ConversionError.unsupportedOption(option: "--latency-budget", reason: "\(budget) must be a positive number of milliseconds")
        }
        guard !degrees.isEmpty, degrees.allSatisfy({ (1...1023).contains($0) }), !coverages.isEmpty else {
            throw ConversionError.unsupportedOption(option: "search", reason: "needs degrees in 1…1023 and at least one coverage")
        }
    }
}

/// One plan the search evaluated.
public struct PlanAlternative: Sendable, Equatable, Codable {
    /// Degree of the approximated polynomials (nil when the model has none to approximate).
    public var degree: Int?
    /// Calibration coverage of the intervals.
    public var coverage: Double
    /// Ring degree N.
    public var polyDegree: Int
    /// Multiplicative depth.
    public var depth: Int
    /// Accuracy of the polynomial model on the calibration rows (nil without labels).
    public var calibrationAccuracy: Double?
    /// Predicted server time of one single-query row (ms).
    public var predictedSingleQueryMs: Double
    /// Predicted server time of one batch set of N/2 rows (ms).
    public var predictedBatchMs: Double
    /// Whether the search chose it.
    public var chosen: Bool

    enum CodingKeys: String, CodingKey {
        case degree, coverage, polyDegree = "poly_degree", depth, calibrationAccuracy = "calibration_accuracy"
        case predictedSingleQueryMs = "predicted_single_query_ms", predictedBatchMs = "predicted_batch_ms", chosen
    }
}

/// The search's outcome: the chosen conversion, its options and every alternative tried.
public struct SearchResult: Sendable {
    /// The chosen conversion.
    public var conversion: Conversion
    /// The options that produced it (fixed degree and coverage), for fine-tuning and re-assembly.
    public var options: ConversionOptions
    /// The chosen conversion's polynomials, before assembly.
    public var stage: ApproximationStage
    /// Every plan evaluated, in the order tried; exactly one is `chosen`.
    public var alternatives: [PlanAlternative]
    /// Why the chosen plan was chosen (one sentence).
    public var reason: String
}

extension ModelConverter {
    /// Chooses the degree and interval coverage of every approximated polynomial (hidden
    /// relu/tanh/sigmoid activations, the encrypted output sigmoid) and thereby the depth and
    /// CKKS parameters, by minimizing the predicted single-query latency (`LatencyModel`)
    /// subject to `budget` on the calibration rows, measured with the plaintext polynomial
    /// model (the encrypted circuit's function, without noise). With a latency budget the
    /// most accurate plan within it wins instead. When no plan meets the accuracy budget, the
    /// most accurate one is chosen and `reason` says so; without labels on the calibration
    /// rows the fastest plan whose polynomials meet the default error targets is chosen.
    ///
    /// Cost: one `convert` per (degree, coverage) pair — polynomial fits, one pass over the
    /// calibration rows, the packing analysis — milliseconds to a second for the bundled sets.
    /// - Throws: as `convert`, when no candidate converts at all.
    public static func search(_ model: TrainedModel, calibration: CalibrationSet, options base: ConversionOptions = ConversionOptions(),
                              budget: SearchBudget = SearchBudget(), latency: LatencyModel = .standard) throws -> SearchResult {
        try budget.validate()
        let approximated = model.activations.contains { !ApproximatedFunction($0.kind).isPolynomial } || base.encryptedSigmoid
        let labelled = calibration.labels != nil
        var candidates: [ConversionOptions] = []
        if approximated && labelled {
            for coverage in budget.coverages {
                for degree in budget.degrees {
                    var options = base
                    options.degree = .fixed(degree)
                    options.coverage = coverage
                    candidates.append(options)
                }
            }
        } else {
            candidates = [base]
        }
        var tried: [(options: ConversionOptions, stage: ApproximationStage, conversion: Conversion, alternative: PlanAlternative)] = []
        var firstError: Error?
        for options in candidates {
            do {
                let stage = try approximate(model, calibration: calibration, options: options)
                let conversion = try assemble(model, stage: stage, calibration: calibration, options: options)
                let plan = conversion.model.plan
                let prediction = latency.predict(plan)
                var degree: Int?
                if case let .fixed(d) = options.degree { degree = d }
                let alternative = PlanAlternative(
                    degree: approximated ? degree : nil, coverage: options.coverage, polyDegree: plan.parameters.polyDegree,
                    depth: plan.depth, calibrationAccuracy: conversion.report.polynomialAccuracy,
                    predictedSingleQueryMs: prediction.singleQueryMs, predictedBatchMs: prediction.batchSetMs, chosen: false)
                tried.append((options, stage, conversion, alternative))
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        guard !tried.isEmpty else { throw firstError ?? ConversionError.unsupportedOption(option: "search", reason: "no candidate plan") }

        let original = tried[0].conversion.report.originalAccuracy
        func accuracy(_ i: Int) -> Double { tried[i].alternative.calibrationAccuracy ?? 0 }
        func ms(_ i: Int) -> Double { tried[i].alternative.predictedSingleQueryMs }
        let indices = Array(tried.indices)
        let fastest: (Int, Int) -> Bool = { ms($0) != ms($1) ? ms($0) < ms($1) : accuracy($0) > accuracy($1) }
        let mostAccurate: (Int, Int) -> Bool = { accuracy($0) != accuracy($1) ? accuracy($0) > accuracy($1) : ms($0) < ms($1) }
        var chosen: Int
        var reason: String
        if let budgetMs = budget.latencyBudgetMs {
            let within = indices.filter { ms($0) <= budgetMs }
            if let best = within.min(by: mostAccurate) {
                chosen = best
                reason = "the most accurate plan predicted within \(format(budgetMs)) ms"
            } else {
                chosen = indices.min(by: fastest)!
                reason = "no plan is predicted within \(format(budgetMs)) ms; the fastest one"
            }
        } else if let original {
            let floor = original - budget.maxAccuracyLoss / 100 - 1e-12
            let within = indices.filter { accuracy($0) >= floor }
            if let best = within.min(by: fastest) {
                chosen = best
                reason = "the fastest plan within \(format(budget.maxAccuracyLoss)) point(s) of the original accuracy on the calibration rows"
            } else {
                chosen = indices.min(by: mostAccurate)!
                reason = "no plan is within \(format(budget.maxAccuracyLoss)) point(s) of the original accuracy; the most accurate one"
            }
        } else {
            chosen = 0
            reason = "the calibration rows have no labels: default error targets"
        }
        var alternatives = tried.map { $0.alternative }
        alternatives[chosen].chosen = true
        var conversion = tried[chosen].conversion
        conversion.report.alternatives = alternatives
        conversion.report.choice = reason
        return SearchResult(conversion: conversion, options: tried[chosen].options, stage: tried[chosen].stage,
                            alternatives: alternatives, reason: reason)
    }

    private static func format(_ x: Double) -> String { String(format: "%g", x) }
}
