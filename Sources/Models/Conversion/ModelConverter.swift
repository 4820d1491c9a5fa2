/// The hidden-layer polynomials of a conversion, with the calibration they came from.
public struct ApproximationStage: Sendable, Equatable {
    /// One polynomial per hidden activation, in original (unfolded) units.
    public var activations: [PolynomialApproximation]
    /// The calibration of each hidden layer's pre-activations.
    public var calibrations: [LayerCalibration]

    /// The class the polynomial model — `model`'s weights and standardizer with these
    /// polynomials as hidden activations, unfolded — predicts for a raw row: what the encrypted
    /// model computes, without noise. O(Σ layer sizes + hidden units · degree).
    public func predictClass(_ model: TrainedModel, raw row: [Double]) -> Int {
        var x = model.standardizer.transform(row)
        for (index, layer) in model.layers.enumerated() {
            x = layer.apply(x)
            if index < activations.count { x = x.map(activations[index].value) }
        }
        return TrainedModel.predictedClass(logits: x, link: model.link)
    }
}

/// A converted model and its report.
public struct Conversion: Sendable {
    /// The model for encrypted inference.
    public var model: EncryptedModel
    /// The summary (`--json` output).
    public var report: ConversionReport
    /// Calibration of each hidden layer (with the final weights), then of the output layer.
    public var calibrations: [LayerCalibration]
    /// The noise estimate the parameters were sized with.
    public var noise: NoiseEstimate
}

/// Converts a `TrainedModel` to an `EncryptedModel`: calibration, polynomial
/// approximation, folding, plan and parameters.
///
/// Two stages so that fine-tuning can sit in between: `approximate` calibrates each hidden
/// layer in turn on the calibration rows — layer k sees the outputs of the *polynomial*
/// activations before it, so the ranges are those the encrypted model will meet — and fits
/// its polynomial; `assemble` folds the standardizer and the intervals into the weights,
/// fits the optional output sigmoid, plans the evaluation and measures both accuracies.
public enum ModelConverter {
    /// Converts `model`. With `options.degree == .searched` (the default) this is the plan search
    /// (`search(_:calibration:options:budget:finetuner:)`, its chosen conversion, the report
    /// carrying the alternatives and the choice): on labelled calibration rows the fastest plan
    /// within `budget`, fine-tuned candidates included when a `finetuner` is given (Plaintext's
    /// `PolynomialFinetuner`); otherwise the default error targets. With a fixed or automatic
    /// degree, both stages once with that choice.
    ///
    /// Cost: one approximation and assembly, O(rows · Σ layer sizes · degree) plus the fits; the
    /// search about 14 of them (plus fine-tuning, when tried).
    public static func convert(_ model: TrainedModel, calibration: CalibrationSet,
                               options: ConversionOptions = ConversionOptions(), budget: SearchBudget = SearchBudget(),
                               finetuner: (any ConversionFinetuning)? = nil) throws -> Conversion {
        if options.degree == .searched {
            return try search(model, calibration: calibration, options: options, budget: budget, finetuner: finetuner).conversion
        }
        let stage = try approximate(model, calibration: calibration, options: options)
        return try assemble(model, stage: stage, calibration: calibration, options: options)
    }

    /// Calibrates every hidden layer and fits its polynomial (exact for square/poly).
    ///
    /// - Throws: `ConversionError` for bad options or calibration data, an unreachable error
    ///   target, or an unusable range; `ModelError.invalid` for an inconsistent model.
    public static func approximate(_ model: TrainedModel, calibration: CalibrationSet,
                                   options: ConversionOptions) throws -> ApproximationStage {
        try model.validate()
        try options.validate()
        try calibration.validate(featureCount: model.featureCount, classCount: model.classCount)
        var current = calibration.rows.map(model.standardizer.transform)
        var activations: [PolynomialApproximation] = []
        var calibrations: [LayerCalibration] = []
        for index in 0..<(model.layers.count - 1) {
            let layer = model.layers[index]
            let z = current.map(layer.apply)
            let values = z.flatMap { $0 }
            let calibrated = LayerCalibration(layer: index, values: values, margin: options.margin, coverage: options.coverage)
            let source = model.activations[index]
            let approximation = try PolynomialApproximation.fit(
                ApproximatedFunction(source.kind), sourceCoefficients: source.kind == .poly ? source.coefficients : [],
                on: calibrated.interval, degree: options.degree, context: "layer \(index) \(source.kind.rawValue) activation")
            activations.append(approximation)
            calibrations.append(calibrated)
            current = z.map { row in row.map(approximation.value) }
        }
        return ApproximationStage(activations: activations, calibrations: calibrations)
    }

    /// Folds, plans and reports, keeping `stage`'s polynomials fixed (their ranges and outside
    /// shares are measured again with `model`'s weights, which fine-tuning may have changed).
    /// `original` (default: `model`) is the model whose accuracy the report calls original, the
    /// one before fine-tuning.
    public static func assemble(_ model: TrainedModel, stage: ApproximationStage, calibration: CalibrationSet,
                                options: ConversionOptions, original: TrainedModel? = nil) throws -> Conversion {
        try model.validate()
        try options.validate()
        try calibration.validate(featureCount: model.featureCount, classCount: model.classCount)
        guard stage.activations.count == model.activations.count else {
            throw ModelError.invalid(reason: "\(stage.activations.count) polynomials for \(model.activations.count) activations")
        }
        if options.encryptedSigmoid && model.link != .sigmoid {
            throw ConversionError.unsupportedOption(
                option: "--encrypted-sigmoid",
                reason: "needs a two-class model with a sigmoid output; this model has \(model.classCount) classes and a softmax output, which the client applies after decryption")
        }

        // Folding: standardizer into layer 0, each interval into the layer before its activation.
        var folded = model.layers
        folded[0] = folded[0].foldingStandardizer(model.standardizer)
        for (index, polynomial) in stage.activations.enumerated() {
            folded[index] = folded[index].foldingUnitMap(of: polynomial.interval)
        }
        // Degree-2 activations: one square each, the rest into the neighbouring layers (`SquareFold`).
        var foldedSquares: Set<Int> = []
        if options.foldSquares {
            for (index, polynomial) in stage.activations.enumerated() {
                guard let fold = SquareFold(polynomial.series) else { continue }
                folded[index] = folded[index].foldingOutputMap(slope: 1 / fold.divisor, offset: fold.shift / fold.divisor)
                folded[index + 1] = folded[index + 1].foldingInputMap(scale: fold.leading, shift: fold.constant)
                foldedSquares.insert(index)
            }
        }

        // Re-measure the ranges through the polynomial model (unfolded path).
        var current = calibration.rows.map(model.standardizer.transform)
        var calibrations: [LayerCalibration] = []
        for (index, polynomial) in stage.activations.enumerated() {
            let z = current.map(model.layers[index].apply)
            let values = z.flatMap { $0 }
            var measured = LayerCalibration(layer: index, values: values, margin: options.margin, coverage: options.coverage)
            measured.interval = polynomial.interval
            measured.outsideFraction = LayerCalibration.outsideFraction(of: values, in: polynomial.interval)
            calibrations.append(measured)
            current = z.map { row in row.map(polynomial.value) }
        }
        let logits = current.map(model.layers[model.layers.count - 1].apply).flatMap { $0 }
        let outputCalibration = LayerCalibration(layer: model.layers.count - 1, values: logits,
                                                 margin: options.margin, coverage: options.coverage)

        var outputSigmoid: PolynomialApproximation?
        var decoding: OutputDecoding = model.link == .sigmoid ? .clientSigmoid : .clientSoftmax
        var outputMagnitude = outputCalibration.interval.magnitude
        let outputs = calibrations + [outputCalibration]
        if options.encryptedSigmoid {
            let sigmoid = try PolynomialApproximation.fit(.sigmoid, on: outputCalibration.interval, degree: options.degree,
                                                          context: "output sigmoid")
            let last = folded.count - 1
            folded[last] = folded[last].foldingUnitMap(of: sigmoid.interval)
            outputSigmoid = sigmoid
            decoding = .encryptedSigmoid
            outputMagnitude = 1 + sigmoid.maxError
        }

        let inputMagnitudes = (0..<model.featureCount).map { j in calibration.rows.reduce(0.0) { max($0, abs($1[j])) } }
        /// The calibrated range of a polynomial's unit input, within [-1, 1].
        func unitRange(_ observed: Interval, _ interval: Interval) -> ClosedRange<Double> {
            let a = min(max(interval.unit(observed.lower), -1), 1), b = min(max(interval.unit(observed.upper), -1), 1)
            return min(a, b)...max(a, b)
        }
        let activations = stage.activations.enumerated().map { index, polynomial -> NoiseEstimate.Activation in
            let range = unitRange(calibrations[index].observed, polynomial.interval)
            guard foldedSquares.contains(index), let fold = SquareFold(polynomial.series) else {
                return .polynomial(polynomial.series, range: range)
            }
            return .square(range: fold.squared(unit: range.lowerBound)...fold.squared(unit: range.upperBound))
        }
        let noise = NoiseEstimate(
            layers: folded, activations: activations,
            output: outputSigmoid.map { .polynomial($0.series, range: unitRange(outputCalibration.observed, $0.interval)) },
            inputMagnitudes: inputMagnitudes)
        let plan = try InferencePlan.make(layers: folded, activationDegrees: stage.activations.map(\.degree),
                                          outputDegree: outputSigmoid?.degree, foldedSquares: foldedSquares,
                                          precisionBits: options.precisionBits, outputMagnitude: outputMagnitude,
                                          noise: noise)
        let encrypted = EncryptedModel(sourceKind: model.kind, featureNames: model.featureNames, targetName: model.targetName,
                                       classLabels: model.classLabels, layers: folded, activations: stage.activations,
                                       outputSigmoid: outputSigmoid, decoding: decoding, plan: plan)
        try encrypted.validate()

        var originalAccuracy: Double?
        var polynomialAccuracy: Double?
        if let labels = calibration.labels {
            var originalCorrect = 0, polynomial = 0
            for (row, label) in zip(calibration.rows, labels) {
                if (original ?? model).predictClass(raw: row) == label { originalCorrect += 1 }
                if encrypted.predictClass(raw: row) == label { polynomial += 1 }
            }
            originalAccuracy = Double(originalCorrect) / Double(labels.count)
            polynomialAccuracy = Double(polynomial) / Double(labels.count)
        }
        var summaries = zip(stage.activations, calibrations).map { polynomial, calibrated in
            ConversionReport.ActivationSummary(function: polynomial.function.rawValue,
                                               interval: [polynomial.interval.lower, polynomial.interval.upper],
                                               degree: polynomial.degree, maxError: polynomial.maxError,
                                               outsideFraction: calibrated.outsideFraction)
        }
        if let sigmoid = outputSigmoid {
            summaries.append(.init(function: "sigmoid", interval: [sigmoid.interval.lower, sigmoid.interval.upper],
                                   degree: sigmoid.degree, maxError: sigmoid.maxError,
                                   outsideFraction: outputCalibration.outsideFraction))
        }
        let report = ConversionReport(
            originalAccuracy: originalAccuracy, polynomialAccuracy: polynomialAccuracy, depth: plan.depth,
            parameters: .init(polyDegree: plan.parameters.polyDegree, logQP: plan.parameters.logQP,
                              securityBits: plan.parameters.securityBits, scaleBits: plan.parameters.scaleBits,
                              noiseBits: noise.noiseBits(plan.parameters)),
            rotations: plan.rotationCount, activations: summaries, sizes: .init(plan.sizes),
            predictedLatency: LatencyModel.standard.predict(plan))
        return Conversion(model: encrypted, report: report, calibrations: outputs, noise: noise)
    }
}
