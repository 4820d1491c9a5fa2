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
    /// Degrees of the fine-tuned candidates (tried with a fine-tuner, see `ModelConverter.search`).
    public var finetuneDegrees: [Int] = [2, 3, 5, 7]
    /// The plan size the issue targets: a plain plan larger than this, or deeper than
    /// `targetDepth`, makes the search try fine-tuned candidates.
    public var targetPolyDegree = 16384
    /// See `targetPolyDegree`.
    public var targetDepth = 6

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
        guard !degrees.isEmpty, (degrees + finetuneDegrees).allSatisfy({ (1...1023).contains($0) }), !coverages.isEmpty else {
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
    /// Epochs of fine-tuning every layer with the polynomials in place (nil: not fine-tuned);
    /// `calibrationAccuracy` is then the fine-tuned model's.
    public var finetuneEpochs: Int? = nil

    enum CodingKeys: String, CodingKey {
        case degree, coverage, polyDegree = "poly_degree", depth, calibrationAccuracy = "calibration_accuracy"
        case predictedSingleQueryMs = "predicted_single_query_ms", predictedBatchMs = "predicted_batch_ms", chosen
        case finetuneEpochs = "finetune_epochs"
    }

    /// Encodes nil values as JSON null (`finetune_epochs: null` says: not fine-tuned).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(degree, forKey: .degree)
        try c.encode(coverage, forKey: .coverage)
        try c.encode(polyDegree, forKey: .polyDegree)
        try c.encode(depth, forKey: .depth)
        try c.encode(calibrationAccuracy, forKey: .calibrationAccuracy)
        try c.encode(predictedSingleQueryMs, forKey: .predictedSingleQueryMs)
        try c.encode(predictedBatchMs, forKey: .predictedBatchMs)
        try c.encode(chosen, forKey: .chosen)
        try c.encode(finetuneEpochs, forKey: .finetuneEpochs)
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
    /// The model the chosen conversion converts: the input model, or its fine-tuned version.
    public var model: TrainedModel
    /// What fine-tuning did, when the chosen plan is a fine-tuned candidate.
    public var finetune: FinetuneSummary?
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
    /// Fine-tuned candidates: with a `finetuner`, labelled rows and an MLP with approximated
    /// activations, when no plain plan within `budget.targetPolyDegree` and `targetDepth` meets
    /// the accuracy budget, or the fastest that does loses more than half the budget (and more
    /// than one row) on the calibration rows, the search also fine-tunes the model (every layer,
    /// the polynomials in place) at each of `budget.finetuneDegrees` no slower than that plan, on
    /// the trimmed intervals (the lowest coverage), and lets those candidates compete. Since the
    /// calibration rows are usually the training rows, which fine-tuning has seen too, a loss
    /// there understates the loss on new rows (digits relu: 0.48 point at degree 2 on its
    /// training rows, 1.7 held out): then the fastest small plan that loses nothing on the
    /// calibration rows is preferred to a faster lossy one; without such a plan, the fastest
    /// within the budget. Their alternatives carry `finetuneEpochs`.
    ///
    /// Cost: one `convert` per (degree, coverage) pair — polynomial fits, one pass over the
    /// calibration rows, the packing analysis — milliseconds to a second for the bundled sets;
    /// plus one fine-tuning per fine-tuned candidate (`finetuner`'s cost, about a second for
    /// digits at 100 epochs).
    /// - Throws: as `convert`, when no candidate converts at all.
    public static func search(_ model: TrainedModel, calibration: CalibrationSet, options base: ConversionOptions = ConversionOptions(),
                              budget: SearchBudget = SearchBudget(), latency: LatencyModel = .standard,
                              finetuner: (any ConversionFinetuning)? = nil) throws -> SearchResult {
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
        var tried: [Candidate] = []
        var firstError: Error?
        for options in candidates {
            do {
                let stage = try approximate(model, calibration: calibration, options: options)
                let conversion = try assemble(model, stage: stage, calibration: calibration, options: options)
                tried.append(Candidate(options: options, stage: stage, model: model, conversion: conversion,
                                       alternative: alternative(conversion, options: options, approximated: approximated, latency: latency)))
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        guard !tried.isEmpty else { throw firstError ?? ConversionError.unsupportedOption(option: "search", reason: "no candidate plan") }

        let original = tried[0].conversion.report.originalAccuracy
        let floor = (original ?? 0) - budget.maxAccuracyLoss / 100 - 1e-12
        func isSmall(_ candidate: Candidate) -> Bool {
            candidate.alternative.polyDegree <= budget.targetPolyDegree && candidate.alternative.depth <= budget.targetDepth
        }
        if let finetuner, let original, approximated, model.kind == .mlp,
           model.activations.contains(where: { !ApproximatedFunction($0.kind).isPolynomial }) {
            let small = tried.filter { isSmall($0) && ($0.alternative.calibrationAccuracy ?? 0) >= floor }
            let fastestSmall = small.min { $0.alternative.predictedSingleQueryMs < $1.alternative.predictedSingleQueryMs }
            // Rows the fastest small plan loses on the calibration rows, and what is tolerated
            // without trying fine-tuned candidates: half the budget, or one row (on small sets
            // one row is more than half the budget, and a one-row difference is noise).
            let rows = Double(calibration.rows.count)
            let lostRows = fastestSmall.map { (original - ($0.alternative.calibrationAccuracy ?? 0)) * rows } ?? .infinity
            if lostRows > max(1, rows * budget.maxAccuracyLoss / 200) + 1e-9 {
                let limitMs = fastestSmall?.alternative.predictedSingleQueryMs ?? .infinity
                // The trimmed intervals: the penalty pulls the few outlying pre-activations inside,
                // and a narrower interval fits a low degree closer where the values are.
                let coverage = budget.coverages.min() ?? base.coverage
                for degree in budget.finetuneDegrees {
                    guard let twin = tried.first(where: { $0.options.degree == .fixed(degree) && $0.options.coverage == coverage }),
                          twin.alternative.predictedSingleQueryMs <= limitMs else { continue }
                    do {
                        let tuned = try finetuner.finetune(model, stage: twin.stage, calibration: calibration, options: twin.options)
                        guard tuned.summary.kept else { continue }
                        let conversion = try assemble(tuned.model, stage: tuned.stage, calibration: calibration,
                                                      options: twin.options, original: model)
                        var alternative = alternative(conversion, options: twin.options, approximated: true, latency: latency)
                        alternative.finetuneEpochs = tuned.summary.epochs
                        tried.append(Candidate(options: twin.options, stage: tuned.stage, model: tuned.model, conversion: conversion,
                                               alternative: alternative, finetune: tuned.summary))
                    } catch {
                        continue  // a candidate that cannot be fine-tuned is not one
                    }
                }
            }
        }

        func accuracy(_ i: Int) -> Double { tried[i].alternative.calibrationAccuracy ?? 0 }
        func ms(_ i: Int) -> Double { tried[i].alternative.predictedSingleQueryMs }
        let fastest: (Int, Int) -> Bool = { ms($0) != ms($1) ? ms($0) < ms($1) : accuracy($0) > accuracy($1) }
        let mostAccurate: (Int, Int) -> Bool = { accuracy($0) != accuracy($1) ? accuracy($0) > accuracy($1) : ms($0) < ms($1) }
        /// The best index by `order` among those `within`, else the best by `fallback` of all.
        func pick(within: (Int) -> Bool, by order: (Int, Int) -> Bool, fallback: (Int, Int) -> Bool,
                  reason: String, otherwise: String) -> (Int, String) {
            if let best = tried.indices.filter(within).min(by: order) { return (best, reason) }
            return (tried.indices.min(by: fallback)!, otherwise)
        }
        var (chosen, reason): (Int, String)
        if let budgetMs = budget.latencyBudgetMs {
            (chosen, reason) = pick(within: { ms($0) <= budgetMs }, by: mostAccurate, fallback: fastest,
                                    reason: "the most accurate plan predicted within \(format(budgetMs)) ms",
                                    otherwise: "no plan is predicted within \(format(budgetMs)) ms; the fastest one")
        } else if let original {
            let points = format(budget.maxAccuracyLoss)
            (chosen, reason) = pick(within: { accuracy($0) >= floor }, by: fastest, fallback: mostAccurate,
                                    reason: "the fastest plan within \(points) point(s) of the original accuracy on the calibration rows",
                                    otherwise: "no plan is within \(points) point(s) of the original accuracy; the most accurate one")
            // With fine-tuned candidates, a loss on the calibration rows — usually the training rows,
            // which the fine-tuned ones have also seen — understates the loss on new rows: a small
            // plan that loses nothing there is preferred to a faster one that loses some.
            if tried.contains(where: { $0.finetune != nil }), accuracy(chosen) < original,
               let lossless = tried.indices.filter({ isSmall(tried[$0]) && accuracy($0) >= original }).min(by: fastest) {
                chosen = lossless
                reason = "the fastest plan within N ≤ \(budget.targetPolyDegree) and depth ≤ \(budget.targetDepth) that loses no accuracy on the calibration rows (faster plans within \(points) point(s) lose some there, more on new rows)"
            }
        } else {
            (chosen, reason) = (0, "the calibration rows have no labels: default error targets")
        }
        if let epochs = tried[chosen].alternative.finetuneEpochs {
            reason += " (every layer fine-tuned with its polynomials in place, \(epochs) epochs)"
        }
        var alternatives = tried.map(\.alternative)
        alternatives[chosen].chosen = true
        var conversion = tried[chosen].conversion
        conversion.report.alternatives = alternatives
        conversion.report.choice = reason
        return SearchResult(conversion: conversion, options: tried[chosen].options, stage: tried[chosen].stage,
                            model: tried[chosen].model, finetune: tried[chosen].finetune,
                            alternatives: alternatives, reason: reason)
    }

    /// One evaluated plan of the search.
    private struct Candidate {
        var options: ConversionOptions
        var stage: ApproximationStage
        var model: TrainedModel
        var conversion: Conversion
        var alternative: PlanAlternative
        var finetune: FinetuneSummary? = nil
    }

    private static func alternative(_ conversion: Conversion, options: ConversionOptions, approximated: Bool,
                                    latency: LatencyModel) -> PlanAlternative {
        let plan = conversion.model.plan
        let prediction = latency.predict(plan)
        var degree: Int?
        if case let .fixed(d) = options.degree { degree = d }
        return PlanAlternative(
            degree: approximated ? degree : nil, coverage: options.coverage, polyDegree: plan.parameters.polyDegree,
            depth: plan.depth, calibrationAccuracy: conversion.report.polynomialAccuracy,
            predictedSingleQueryMs: prediction.singleQueryMs, predictedBatchMs: prediction.batchSetMs, chosen: false)
    }

    private static func format(_ x: Double) -> String { String(format: "%g", x) }
}
