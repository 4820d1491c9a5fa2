import ArgumentParser
import Foundation
import Models
import Plaintext

/// `encml train`: fit a logistic regression or MLP on a CSV and write MODEL.json.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a logistic-regression or MLP classifier on a CSV file (OpenBLAS).",
        discussion: """
        Features are every column but the target (default: the last column); labels may be \
        strings or numbers. Inputs are standardized with training statistics stored in the model. \
        Logistic regression: L2 (C=1), L-BFGS. MLP: Adam, mini-batches of 200, early stopping on a \
        10% validation split.
        """
    )

    @Option(help: "Training data (CSV with a header row).")
    var data: String

    @Option(help: "Target column name (default: the last column).")
    var target: String?

    @Option(help: "Model kind.")
    var model: ModelKind

    @Option(help: "MLP hidden layer widths, comma-separated (1 to 3 layers).")
    var hidden: String = "32"

    @Option(help: "MLP hidden activation (poly: learned a·x²+b·x+c).")
    var activation: ActivationKind = .relu

    @Option(help: "Maximum epochs (MLP) or L-BFGS iterations (logistic). Default: 200 epochs / 1000 iterations.")
    var epochs: Int?

    @Option(help: "Random seed for the validation split, initialisation and shuffling.")
    var seed: UInt64 = 0

    @Flag(name: .customLong("early-stopping"), help: "MLP: hold out 10 % of the rows and stop on the validation loss (default: only from 10000 rows on; otherwise stop when the training loss stalls, as scikit-learn).")
    var earlyStopping = false

    @Option(help: "Where to write the model (JSON).")
    var out: String

    func run() throws {
        let kind = model, activationKind = activation
        let widths = try parseHidden(hidden)
        let dataset = try Dataset.load(csv: data, target: target)
        let bar = ProgressBar(label: kind == .logistic ? "iteration" : "epoch")
        let start = Date()
        final class LastReport: @unchecked Sendable { var value: TrainingProgress? }
        let last = LastReport()
        let trained = try Trainer.train(
            dataset, options: TrainingOptions(kind: kind, hidden: widths, activation: activationKind,
                                              epochs: epochs, seed: seed, earlyStopping: earlyStopping ? true : nil)
        ) {
            last.value = $0
            bar.update(step: $0.epoch, total: $0.totalEpochs, loss: $0.loss, validationLoss: $0.validationLoss)
        }
        bar.finish()
        let seconds = Date().timeIntervalSince(start)
        do { try trained.save(to: out) } catch {
            throw CLIError.cannotWrite(path: out, reason: error.localizedDescription)
        }
        var correct = 0
        for i in 0..<dataset.count where trained.predictClass(raw: dataset.row(i)) == dataset.labels[i] { correct += 1 }
        let shape = ([trained.featureCount] + trained.layers.map(\.outputCount)).map(String.init).joined(separator: "-")
        let activationText = trained.activations.first.map { " \($0.kind.rawValue)" } ?? ""
        let steps = last.value.map { "\($0.epoch) \(kind == .logistic ? "iterations" : "epochs"), loss "
            + String(format: "%.4f", $0.loss) + ", " } ?? ""
        print("trained \(kind.rawValue) \(shape)\(activationText) on \(dataset.count) rows, \(dataset.classCount) classes: "
              + steps + String(format: "%.2f s", seconds) + "; training accuracy "
              + String(format: "%.4f", Double(correct) / Double(dataset.count)) + "; wrote \(out)")
    }
}
