import ArgumentParser
import Foundation
import Models
import Plaintext

/// `encml evaluate`: accuracy of a trained model on a labelled CSV.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure a trained model's accuracy on a labelled CSV file.",
        discussion: "Columns are matched by name; extra columns are ignored. Labels must be classes of the model."
    )

    @Option(help: "Model file written by `encml train`.")
    var model: String

    @Option(help: "Test data (CSV with the model's feature columns and target column).")
    var data: String

    @Flag(help: "Print one JSON object {\"accuracy\", \"n\", \"predictions\"} on stdout.")
    var json = false

    /// The `--json` output.
    struct Report: Encodable {
        var accuracy: Double
        var n: Int
        var predictions: [String]
    }

    func run() throws {
        try reportingErrors {
            let trained = try TrainedModel.load(from: model)
            let dataset = try Dataset.load(csv: data, for: trained)
            var predictions: [String] = []
            predictions.reserveCapacity(dataset.count)
            var correct = 0
            for i in 0..<dataset.count {
                let k = trained.predictClass(raw: dataset.row(i))
                if k == dataset.labels[i] { correct += 1 }
                predictions.append(trained.classLabels[k])
            }
            let accuracy = Double(correct) / Double(dataset.count)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]  // accuracy, n, predictions
                let report = Report(accuracy: accuracy, n: dataset.count, predictions: predictions)
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print("accuracy \(String(format: "%.4f", accuracy)) (\(correct)/\(dataset.count)) of \(trained.kind.rawValue) \(model) on \(data)")
            }
        }
    }
}
