import Models

/// Fine-tunes a converted MLP: every layer re-trained on the labelled calibration rows with the
/// conversion's polynomials in place (`Trainer.finetune`), from the model's weights, so that a
/// relu or tanh network converted at a low degree gets its accuracy back. `encml convert
/// --finetune N` and the plan search (`ModelConverter.search(…, finetuner:)`) use it.
///
/// Two methods. By default each hidden activation is its fixed polynomial, any degree, with the
/// interval penalty (`intervalPenalty`) keeping the pre-activations inside the calibrated
/// intervals; the polynomials stay those of the stage. (Tried and dropped, worse held out on
/// digits and breast_cancer: matching the original model's logits instead of the labels, and
/// stopping on a validation share of the calibration rows.) With `learnableQuadratics` and every hidden polynomial
/// of degree 2, the activations become learnable quadratics (`poly`, the same function in
/// original units) trained with the weights on the labels; the result converts exactly (one
/// folded square per layer, no interval to stay in). Either way the re-trained model is kept only if it does not lower the polynomial
/// model's accuracy on the calibration rows. Deterministic for a given `seed`.
public struct PolynomialFinetuner: ConversionFinetuning {
    /// Largest number of Adam epochs (the training-loss stopping rule may end sooner).
    public var epochs: Int
    /// Seed of the batch shuffling.
    public var seed: UInt64
    /// Strength λ of the penalty `λ·e²` on hidden pre-activations outside their intervals.
    public var intervalPenalty: Double
    /// Adam step size (scikit-learn's default; the weights start near a minimum).
    public var learningRate: Double
    /// Degree-2 polynomials become learnable quadratics trained on the labels (`encml convert
    /// --finetune`), instead of fixed polynomials.
    public var learnableQuadratics: Bool

    /// A fine-tuner of at most `epochs` epochs.
    public init(epochs: Int = 100, seed: UInt64 = 0, intervalPenalty: Double = 1, learningRate: Double = 1e-3,
                learnableQuadratics: Bool = false) {
        self.epochs = epochs
        self.seed = seed
        self.intervalPenalty = intervalPenalty
        self.learningRate = learningRate
        self.learnableQuadratics = learnableQuadratics
    }

    /// Re-trains every layer (see the type's description). Cost: `Trainer.finetune` plus two
    /// passes of the polynomial model over the calibration rows.
    /// - Throws: `ConversionError.unsupportedOption` for a logistic regression,
    ///   `ConversionError.calibrationMismatch` without labels, `DataError` from training.
    public func finetune(_ model: TrainedModel, stage: ApproximationStage, calibration: CalibrationSet,
                         options: ConversionOptions) throws -> FinetunedModel {
        guard model.kind == .mlp, !model.activations.isEmpty else {
            throw ConversionError.unsupportedOption(option: "--finetune", reason: "applies to MLPs; a logistic regression has no activation to approximate and converts exactly")
        }
        guard let labels = calibration.labels else {
            throw ConversionError.calibrationMismatch(source: calibration.source, reason: "--finetune needs the target column '\(model.targetName)'")
        }
        let dataset = Dataset(featureNames: model.featureNames, targetName: model.targetName, classLabels: model.classLabels,
                              features: calibration.rows.flatMap { $0 }, labels: labels)
        let training = TrainingOptions(kind: .mlp, hidden: model.layers.dropLast().map(\.outputCount), activation: .poly,
                                       epochs: epochs, seed: seed, learningRate: learningRate, earlyStopping: false)
        var losses: [Double] = []
        func accuracy(_ predict: ([Double]) -> Int) -> Double {
            Double(zip(calibration.rows, labels).filter { predict($0) == $1 }.count) / Double(labels.count)
        }
        let quadratics = quadraticsWanted(stage)
        if quadratics {
            var warm = model
            warm.activations = stage.activations.map { Activation(.poly, coefficients: $0.quadraticPowerCoefficients!) }
            let tuned = try Trainer.train(dataset, options: training, standardizer: model.standardizer, warmStart: warm) {
                losses.append($0.loss)
            }
            let before = accuracy(warm.predictClass), after = accuracy(tuned.predictClass)
            let summary = summary(.learnableQuadratics, losses: losses, before: before, after: after)
            guard summary.kept else { return FinetunedModel(model: model, stage: stage, summary: summary) }
            let exact = try ModelConverter.approximate(tuned, calibration: calibration, options: options)
            return FinetunedModel(model: tuned, stage: exact, summary: summary)
        }
        let tuned = try Trainer.finetune(model, polynomials: stage.activations, on: dataset, options: training,
                                         intervalPenalty: intervalPenalty) { losses.append($0.loss) }
        let before = accuracy { stage.predictClass(model, raw: $0) }, after = accuracy { stage.predictClass(tuned, raw: $0) }
        let summary = summary(.fixedPolynomials, losses: losses, before: before, after: after)
        return FinetunedModel(model: summary.kept ? tuned : model, stage: stage, summary: summary)
    }

    /// Whether the learnable-quadratic method applies to `stage`.
    private func quadraticsWanted(_ stage: ApproximationStage) -> Bool {
        learnableQuadratics && stage.activations.allSatisfy { $0.degree == 2 && $0.quadraticPowerCoefficients != nil }
    }

    private func summary(_ method: FinetuneSummary.Method, losses: [Double], before: Double, after: Double) -> FinetuneSummary {
        let kept = after >= before
        return FinetuneSummary(method: method, epochs: losses.count, initialLoss: losses.first ?? .nan,
                               finalLoss: losses.last ?? .nan, accuracyBefore: before, accuracyAfter: kept ? after : before,
                               kept: kept)
    }
}
