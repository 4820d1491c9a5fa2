import Models

extension Trainer {
    /// Re-trains every layer of an MLP with each hidden activation replaced by a fixed polynomial
    /// (`polynomials[l]`, a conversion's Chebyshev approximation on its calibrated interval),
    /// starting from `model`'s weights and standardizer: mini-batch Adam as `train`, on every row
    /// of `dataset` (no validation split; the training-loss stopping rule with `options.patience`),
    /// `options.effectiveEpochs()` at most, batches shuffled from `options.seed` (deterministic).
    /// The loss adds `intervalPenalty · e²` per hidden pre-activation, `e` its distance outside the
    /// interval in unit coordinates, so that the encrypted model — which evaluates the polynomial
    /// unclipped — meets the values the polynomial was fitted for (`FixedPolynomialActivation`).
    /// The result keeps `model`'s activation kinds; its weights are meant for the polynomials.
    ///
    /// Cost: O(epochs · rows · (Σ fan_in·fan_out + hidden units · degree)) flops.
    /// - Throws: `DataError.invalidOptions` when the model is not an MLP with one non-polynomial
    ///   activation kind, the polynomials do not match its hidden layers, or the data's columns or
    ///   classes differ from the model's; `DataError.diverged` when the loss stops being finite.
    public static func finetune(_ model: TrainedModel, polynomials: [PolynomialApproximation], on dataset: Dataset,
                                options: TrainingOptions, intervalPenalty: Double = 1,
                                progress: ((TrainingProgress) -> Void)? = nil) throws -> TrainedModel {
        let kind = model.activations.first?.kind ?? .poly
        guard model.kind == .mlp, model.activations.allSatisfy({ $0.kind == kind }), kind != .poly,
              polynomials.count == model.activations.count, polynomials.allSatisfy({ $0.interval.isValid }) else {
            throw DataError.invalidOptions(reason: "fine-tuning with fixed polynomials needs an MLP with one relu, tanh, sigmoid or square activation kind and one polynomial per hidden layer (\(model.activations.count) layers, \(polynomials.count) polynomials)")
        }
        guard dataset.featureNames == model.featureNames, dataset.classCount == model.classCount, dataset.count >= 1 else {
            throw DataError.invalidOptions(reason: "the fine-tuning rows must have the model's \(model.featureCount) features and \(model.classCount) classes")
        }
        guard intervalPenalty >= 0, intervalPenalty.isFinite else {
            throw DataError.invalidOptions(reason: "the interval penalty must be a non-negative number, got \(intervalPenalty)")
        }
        var options = options
        options.kind = .mlp
        options.hidden = model.layers.dropLast().map(\.outputCount)
        options.activation = kind
        options.earlyStopping = false
        try options.validate()
        BLAS.singleThreaded
        let n = dataset.count, d = dataset.featureCount
        var x = dataset.features
        model.standardizer.transform(rows: &x, featureCount: d)
        let (layers, activations) = try MLPTrainer.fit(x: x, n: n, d: d, labels: dataset.labels, classCount: dataset.classCount,
                                                       options: options, initial: model, polynomials: polynomials,
                                                       intervalPenalty: intervalPenalty, progress: progress)
        return try TrainedModel(kind: .mlp, featureNames: model.featureNames, targetName: model.targetName,
                                classLabels: model.classLabels, standardizer: model.standardizer, layers: layers,
                                activations: activations, link: model.link)
    }
}
