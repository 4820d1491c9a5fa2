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
    /// Whether the re-trained model was kept (it is dropped if it lowers the accuracy).
    var kept: Bool
    /// Whether every layer was trained (degree-2 polynomials as learnable quadratics), not
    /// only the output layer.
    var allLayers = false
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
        if stage.activations.allSatisfy({ $0.degree == 2 }) {
            return try finetuneAllLayers(model, stage: stage, calibration: calibration, labels: labels,
                                         options: options, epochs: epochs, seed: seed)
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

    /// Every layer, when every hidden polynomial has degree 2: the network is rebuilt with
    /// `poly` activations equal to the polynomials (`quadraticPowerCoefficients`, the same
    /// function in original units) and trained from there with the plaintext trainer (Adam,
    /// warm start, `epochs` at most, the trainer's stopping rule), weights and quadratic
    /// coefficients together. The result converts exactly (a folded square per layer, no
    /// interval to stay in), so its accuracy is the encrypted model's. Kept only if it does
    /// not lower the accuracy on the calibration rows.
    static func finetuneAllLayers(_ model: TrainedModel, stage: ApproximationStage, calibration: CalibrationSet,
                                  labels: [Int], options: ConversionOptions, epochs: Int, seed: UInt64)
        throws -> (TrainedModel, ApproximationStage, FinetuneSummary) {
        var warm = model
        warm.activations = stage.activations.map { Activation(.poly, coefficients: $0.quadraticPowerCoefficients!) }
        let dataset = Dataset(featureNames: model.featureNames, targetName: model.targetName, classLabels: model.classLabels,
                              features: calibration.rows.flatMap { $0 }, labels: labels)
        let training = TrainingOptions(kind: .mlp, hidden: model.layers.dropLast().map(\.outputCount), activation: .poly,
                                       epochs: epochs, seed: seed, earlyStopping: false)
        var losses: [Double] = []
        let tuned = try Trainer.train(dataset, options: training, standardizer: model.standardizer, warmStart: warm) {
            losses.append($0.loss)
        }
        func accuracy(_ m: TrainedModel) -> Double {
            let correct = zip(calibration.rows, labels).filter { m.predictClass(raw: $0) == $1 }.count
            return Double(correct) / Double(labels.count)
        }
        let before = accuracy(warm), after = accuracy(tuned)
        let kept = after >= before
        let summary = FinetuneSummary(epochs: losses.count, initialLoss: losses.first ?? .nan, finalLoss: losses.last ?? .nan,
                                      accuracyBefore: before, accuracyAfter: kept ? after : before, kept: kept, allLayers: true)
        guard kept else { return (model, stage, summary) }
        let exact = try ModelConverter.approximate(tuned, calibration: calibration, options: options)
        return (tuned, exact, summary)
    }
}
