import ArgumentParser
import Foundation
import Models
import Plaintext

/// `encml evaluate`: accuracy of a trained model on a labelled CSV.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure a trained or converted model's accuracy on a labelled CSV file.",
        discussion: """
            Columns are matched by name; extra columns are ignored. Labels must be classes of the model. \
            A converted model (MODEL.he.json) is evaluated in plaintext with its polynomial activations, \
            which is what encrypted inference computes.
            """
    )

    @Option(help: "Model file written by `encml train` (MODEL.json) or `encml convert` (MODEL.he.json).")
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
        let loaded = try ModelFile.load(from: model)
        let dataset = try Dataset(table: CSVReader.read(path: data), featureNames: loaded.featureNames,
                                  targetName: loaded.targetName, classLabels: loaded.classLabels)
        var predictions: [String] = []
        predictions.reserveCapacity(dataset.count)
        var correct = 0
        for i in 0..<dataset.count {
            let k = loaded.predictClass(raw: dataset.row(i))
            if k == dataset.labels[i] { correct += 1 }
            predictions.append(loaded.classLabels[k])
        }
        let accuracy = Double(correct) / Double(dataset.count)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]  // accuracy, n, predictions
            let report = Report(accuracy: accuracy, n: dataset.count, predictions: predictions)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("accuracy \(String(format: "%.4f", accuracy)) (\(correct)/\(dataset.count)) of \(loaded.kindDescription) \(model) on \(data)")
        }
    }
}
