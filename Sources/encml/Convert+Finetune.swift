import Foundation
import Models
import Plaintext

/// What `--finetune` did.
struct FinetuneSummary {
    /// L-BFGS iterations (full passes over the calibration rows).
    var epochs: Int
    /// Training loss of the new output layer at the first and last iteration.
    var initialLoss: Double
    var finalLoss: Double
    /// Polynomial-model accuracy on the calibration rows before and after.
    var accuracyBefore: Double
    var accuracyAfter: Double
    /// Whether the re-trained output layer was kept (it is dropped if it lowers the accuracy).
    var kept: Bool
}

/// `--finetune N`: re-trains the output layer of an MLP with the hidden polynomials in place.
///
/// The hidden layers and their polynomials stay fixed; the calibration rows are pushed through
/// them (in plaintext, with the polynomials instead of relu/tanh/sigmoid) and the output layer
/// is re-fitted on those features as a logistic regression (the plaintext `Trainer`'s L-BFGS,
/// `N` iterations, warm statistics re-standardized and folded back into the layer). The
/// approximation's bias is thereby absorbed by the read-out. Re-training the hidden layers too
/// would need the trainer to warm-start from a model and to accept fixed polynomial activations.
enum Finetuner {
    /// Inverse L2 strength C of the read-out fit (scikit-learn's default; on held-out splits of the
    /// bundled data C = 1 generalized better than C = 100 or 0.1).
    static let inverseRegularization = 1.0

    static func finetune(_ model: TrainedModel, stage: ApproximationStage, calibration: CalibrationSet,
                         options: ConversionOptions, epochs: Int, seed: UInt64)
        throws -> (TrainedModel, ApproximationStage, FinetuneSummary) {
        guard model.kind == .mlp, !model.activations.isEmpty else {
            throw ConversionError.unsupportedOption(option: "--finetune", reason: "applies to MLPs; a logistic regression has no activation to approximate and converts exactly")
        }
        guard let labels = calibration.labels else {
            throw ConversionError.calibrationMismatch(source: calibration.source, reason: "--finetune needs the target column '\(model.targetName)'")
        }
        // Hidden features of the polynomial model.
        var current = calibration.rows.map(model.standardizer.transform)
        for (index, polynomial) in stage.activations.enumerated() {
            current = current.map { row in model.layers[index].apply(row).map(polynomial.value) }
        }
        let width = current.first?.count ?? 0
        let dataset = Dataset(featureNames: (0..<width).map { "h\($0)" }, targetName: model.targetName,
                              classLabels: model.classLabels, features: current.flatMap { $0 }, labels: labels)
        var losses: [Double] = []
        let readout = try Trainer.train(dataset, options: TrainingOptions(kind: .logistic, epochs: epochs, seed: seed,
                                                                          inverseRegularization: inverseRegularization)) {
            losses.append($0.loss)
        }
        var tuned = model
        tuned.layers[tuned.layers.count - 1] = readout.layers[0].foldingStandardizer(readout.standardizer)
        try tuned.validate()

        func accuracy(_ m: TrainedModel) -> Double {
            var correct = 0
            for (row, label) in zip(current, labels) where TrainedModel.predictedClass(logits: m.layers[m.layers.count - 1].apply(row), link: m.link) == label {
                correct += 1
            }
            return Double(correct) / Double(labels.count)
        }
        let before = accuracy(model), after = accuracy(tuned)
        let kept = after >= before
        let summary = FinetuneSummary(epochs: epochs, initialLoss: losses.first ?? .nan, finalLoss: losses.last ?? .nan,
                                      accuracyBefore: before, accuracyAfter: kept ? after : before, kept: kept)
        return (kept ? tuned : model, stage, summary)
    }
}
