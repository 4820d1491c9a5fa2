import ArgumentParser
import Foundation
import ModelImport
import Models
import Plaintext

/// `encml import`: an ONNX export of a scikit-learn or PyTorch classifier → `MODEL.json`.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an ONNX classifier (scikit-learn via skl2onnx, PyTorch nn.Sequential MLP) as a trained model for `encml convert`.",
        discussion: """
        Supported: LogisticRegression and MLPClassifier (also after a StandardScaler in a Pipeline) exported by skl2onnx; \
        nn.Sequential MLPs (Linear with ReLU, Tanh, Sigmoid or x·x, optional final Softmax or Sigmoid) exported by torch.onnx.export. \
        Feature names come from the CSV header (every column but the target); class labels from the ONNX model when it has them, \
        else --labels, else the target's distinct values in sorted order. The model's accuracy on the CSV is reported.
        """
    )

    @Option(help: "The ONNX model file.")
    var onnx: String

    @Option(help: "Training (or any labelled) CSV: its header names the features, its target column the classes.")
    var data: String

    @Option(help: "Target column (default: the last column).")
    var target: String?

    @Option(help: "Class labels in the model's output order, comma-separated (when the ONNX model has none).")
    var labels: String?

    @Option(help: "Where to write the model (MODEL.json).")
    var out: String

    func run() throws {
        let table = try CSVReader.read(path: data)
        let targetName = target ?? table.header[table.header.count - 1]
        guard let targetIndex = table.columnIndex(targetName) else {
            throw DataError.unknownTarget(file: data, target: targetName, columns: table.header)
        }
        let featureNames = table.header.enumerated().filter { $0.offset != targetIndex }.map(\.element)
        let description = ONNXImporter.DataDescription(featureNames: featureNames, targetName: targetName,
                                                       targetValues: Set(table.rows.map { $0[targetIndex] }))
        let labelList = try labels.map { text -> [String] in
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count >= 2, parts.allSatisfy({ !$0.isEmpty }) else {
                throw CLIError.invalidValue(option: "--labels", value: text, expected: "at least two comma-separated class labels")
            }
            return parts
        }
        let model = try ONNXImporter.importModel(path: onnx, data: description, labels: labelList)
        let dataset = try Dataset(table: table, featureNames: model.featureNames, targetName: model.targetName,
                                  classLabels: model.classLabels)
        var correct = 0
        for i in 0..<dataset.count where model.predictClass(raw: dataset.row(i)) == dataset.labels[i] { correct += 1 }
        do { try model.save(to: out) } catch {
            throw CLIError.cannotWrite(path: out, reason: error.localizedDescription)
        }
        let shape = ([model.featureCount] + model.layers.map(\.outputCount)).map(String.init).joined(separator: "-")
        let activations = model.activations.map(\.kind.rawValue).joined(separator: ",")
        print("imported \(model.kind.rawValue) \(shape)\(activations.isEmpty ? "" : " (\(activations))"), \(model.link.rawValue) over \(model.classLabels.joined(separator: ",")) from \(onnx) → \(out); accuracy on \(data): "
              + String(format: "%.4f", Double(correct) / Double(max(dataset.count, 1))) + " (\(correct)/\(dataset.count))")
    }
}
