/// What fine-tuning did to a conversion.
public struct FinetuneSummary: Sendable, Equatable {
    /// How the network was re-trained.
    public enum Method: String, Sendable, Equatable {
        /// Every layer, with each hidden activation the conversion's fixed polynomial (any degree),
        /// pre-activations kept inside the intervals by a penalty.
        case fixedPolynomials = "fixed_polynomials"
        /// Every layer, degree-2 polynomials as learnable quadratics (the result converts exactly).
        case learnableQuadratics = "learnable_quadratics"
    }

    /// How the network was re-trained.
    public var method: Method
    /// Training epochs run (full passes over the calibration rows).
    public var epochs: Int
    /// Training loss at the first epoch.
    public var initialLoss: Double
    /// Training loss at the last epoch.
    public var finalLoss: Double
    /// Polynomial-model accuracy on the calibration rows before fine-tuning.
    public var accuracyBefore: Double
    /// Polynomial-model accuracy on the calibration rows after (equal to before when dropped).
    public var accuracyAfter: Double
    /// Whether the re-trained model was kept (it is dropped if it lowers the accuracy).
    public var kept: Bool

    /// A summary of the figures above.
    public init(method: Method, epochs: Int, initialLoss: Double, finalLoss: Double, accuracyBefore: Double,
                accuracyAfter: Double, kept: Bool) {
        self.method = method
        self.epochs = epochs
        self.initialLoss = initialLoss
        self.finalLoss = finalLoss
        self.accuracyBefore = accuracyBefore
        self.accuracyAfter = accuracyAfter
        self.kept = kept
    }
}

/// A fine-tuned model with the polynomials to convert it with.
public struct FinetunedModel: Sendable {
    /// The re-trained model (the input model when fine-tuning was dropped).
    public var model: TrainedModel
    /// The polynomials `ModelConverter.assemble` converts it with.
    public var stage: ApproximationStage
    /// What was done.
    public var summary: FinetuneSummary

    /// Bundles a fine-tuning outcome.
    public init(model: TrainedModel, stage: ApproximationStage, summary: FinetuneSummary) {
        self.model = model
        self.stage = stage
        self.summary = summary
    }
}

/// Re-trains a model with a conversion's polynomials in place, so that a low-degree conversion
/// gets its accuracy back. Models knows no training: the plaintext trainer provides the
/// implementation (`PolynomialFinetuner` in Plaintext) and `ModelConverter.search` takes one to
/// try fine-tuned candidates.
public protocol ConversionFinetuning: Sendable {
    /// Fine-tunes `model` on the labelled `calibration` rows with `stage`'s polynomials (converted
    /// with `options`). Must be deterministic for the same inputs.
    func finetune(_ model: TrainedModel, stage: ApproximationStage, calibration: CalibrationSet,
                  options: ConversionOptions) throws -> FinetunedModel
}
