import Foundation
import Models
import SwiftProtobuf

/// Imports an ONNX export of a scikit-learn or PyTorch classifier as a `TrainedModel`
/// (`MODEL.json`), ready for `encml convert`.
///
/// Supported: scikit-learn `LogisticRegression` and `MLPClassifier` exported by skl2onnx,
/// also after a `StandardScaler` in a `Pipeline`; PyTorch `nn.Sequential` MLPs (Linear with
/// ReLU, Tanh, Sigmoid or x·x, optional final Softmax or Sigmoid) exported by
/// `torch.onnx.export`. The graph must be one feed-forward chain; post-processing (ArgMax,
/// ZipMap, Cast, Identity, skl2onnx's label lookup) is understood and dropped. Weights are
/// read from float32 (or double) tensors into Doubles. A two-class softmax becomes one
/// logit with a sigmoid link (`z₁ − z₀`), exactly.
///
/// Class labels: the model's own (skl2onnx `classlabels_*` or its `classes` tensor), else
/// `labels`, else the data set's distinct target values in sorted order (numerically when
/// all are numbers), as scikit-learn and PyTorch users encode them.
///
/// The ONNX schema's Swift types (`Generated/onnx-ml.pb.swift`, internal) were generated
/// once from `onnx-ml.proto` of the `onnx` 1.23.2 pip package with protoc 3.21.12 and
/// protoc-gen-swift 1.39.0: `protoc --swift_opt=Visibility=Internal --swift_out=Generated
/// onnx-ml.proto`. Regenerate the same way for a newer schema; the build needs no plugin.
public enum ONNXImporter {
    /// Largest ONNX file read (64 MiB), checked before reading.
    public static let maxFileBytes = 64 << 20

    /// The data-set side of an import: the CSV's feature columns (in order), target column,
    /// and its distinct target values.
    public struct DataDescription: Sendable {
        /// Feature column names, in the order the model reads them.
        public var featureNames: [String]
        /// Target column name.
        public var targetName: String
        /// The distinct values of the target column.
        public var targetValues: Set<String>

        /// Creates the description.
        public init(featureNames: [String], targetName: String, targetValues: Set<String>) {
            self.featureNames = featureNames
            self.targetName = targetName
            self.targetValues = targetValues
        }
    }

    /// Reads and imports `path`. O(file size). - Throws: `ImportError`.
    public static func importModel(path: String, data: DataDescription, labels: [String]? = nil) throws -> TrainedModel {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        guard let size else { throw ImportError.unreadable(file: path, reason: "no such file or not readable") }
        guard size <= maxFileBytes else {
            throw ImportError.unreadable(file: path, reason: "\(size) bytes is above the \(maxFileBytes)-byte limit for a model")
        }
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw ImportError.unreadable(file: path, reason: "cannot read the file")
        }
        return try importModel(bytes, file: path, data: data, labels: labels)
    }

    /// Imports serialized ONNX `bytes`; `file` names them in errors. O(size). - Throws: `ImportError`.
    public static func importModel(_ bytes: Data, file: String, data: DataDescription,
                                   labels: [String]? = nil) throws -> TrainedModel {
        guard bytes.count <= maxFileBytes else {
            throw ImportError.unreadable(file: file, reason: "\(bytes.count) bytes is above the \(maxFileBytes)-byte limit for a model")
        }
        let model: Onnx_ModelProto
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            model = try Onnx_ModelProto(serializedBytes: bytes, options: options)
        } catch {
            throw ImportError.malformed(file: file, reason: "protobuf decoding failed: \(error)")
        }
        guard model.hasGraph, !model.graph.node.isEmpty else {
            throw ImportError.malformed(file: file, reason: "no graph or an empty graph")
        }
        var network = try ONNXGraphReader(model: model, file: file).read()
        network.producer = "\(model.producerName) \(model.producerVersion)"
        return try assemble(network, file: file, data: data, labels: labels)
    }

    /// Attaches names and labels, folds the scaler into a standardizer and a two-class
    /// softmax into one sigmoid logit, and validates. - Throws: `ImportError.dataMismatch`.
    static func assemble(_ network: ONNXNetwork, file: String, data: DataDescription, labels: [String]?) throws -> TrainedModel {
        var network = network
        let n = network.layers[0].inputCount
        guard data.featureNames.count == n else {
            throw ImportError.dataMismatch(file: file, reason: "the model reads \(n) features but the data set has \(data.featureNames.count) feature columns besides '\(data.targetName)'; pass --target or drop the extra columns")
        }
        let classLabels: [String]
        if let own = network.classLabels {
            classLabels = own
            if let labels, labels != own {
                throw ImportError.dataMismatch(file: file, reason: "--labels \(labels.joined(separator: ",")) differ from the labels the model carries (\(own.joined(separator: ","))); drop --labels")
            }
        } else if let labels {
            classLabels = labels
        } else {
            classLabels = sortedLabels(data.targetValues)
        }
        guard Set(classLabels).count == classLabels.count, classLabels.count >= 2 else {
            throw ImportError.dataMismatch(file: file, reason: "class labels \(classLabels) must be at least two distinct values")
        }
        let unknown = data.targetValues.subtracting(classLabels)
        guard unknown.isEmpty else {
            throw ImportError.dataMismatch(file: file, reason: "the data set's target '\(data.targetName)' holds \(unknown.sorted().prefix(3).joined(separator: ", ")), which the model's labels \(classLabels.joined(separator: ",")) lack; pass --labels in the model's class order")
        }
        // Output width, link and class count must agree.
        let last = network.layers.count - 1
        let outputs = network.layers[last].outputCount
        var link = network.link ?? (outputs == 1 ? .sigmoid : .softmax)
        if link == .sigmoid && outputs != 1 {
            throw ImportError.dataMismatch(file: file, reason: "a sigmoid output needs one value per row, the model gives \(outputs)")
        }
        if link == .softmax && outputs == 2 && classLabels.count == 2 {
            // softmax(z₀, z₁)₁ = σ(z₁ − z₀): one logit, exactly.
            let layer = network.layers[last], m = layer.inputCount
            let w = (0..<m).map { layer.weights[m + $0] - layer.weights[$0] }
            network.layers[last] = DenseLayer(inputCount: m, outputCount: 1, weights: w, bias: [layer.bias[1] - layer.bias[0]])
            link = .sigmoid
        }
        let expected = link == .sigmoid ? 2 : network.layers[last].outputCount
        guard classLabels.count == expected else {
            throw ImportError.dataMismatch(file: file, reason: "the model has \(network.layers[last].outputCount) outputs (\(link.rawValue)) but \(classLabels.count) class labels (\(classLabels.joined(separator: ","))); pass --labels with \(expected) labels")
        }
        var standardizer = Standardizer(mean: [Double](repeating: 0, count: n), scale: [Double](repeating: 1, count: n))
        if let scaler = network.scaler {
            func expand(_ v: [Double], _ fill: Double, _ what: String) throws -> [Double] {
                if v.isEmpty { return [Double](repeating: fill, count: n) }
                if v.count == 1 { return [Double](repeating: v[0], count: n) }
                guard v.count == n else {
                    throw ImportError.dataMismatch(file: file, reason: "the Scaler has \(v.count) \(what) values for \(n) features")
                }
                return v
            }
            standardizer = Standardizer(mean: try expand(scaler.offset, 0, "offset"),
                                        scale: try expand(scaler.scale, 1, "scale").map { 1 / $0 })
        }
        do {
            return try TrainedModel(kind: network.layers.count == 1 ? .logistic : .mlp, featureNames: data.featureNames,
                                    targetName: data.targetName, classLabels: classLabels, standardizer: standardizer,
                                    layers: network.layers, activations: network.activations, link: link)
        } catch {
            throw ImportError.dataMismatch(file: file, reason: "the imported network is not a valid model: \(error)")
        }
    }

    /// Distinct values sorted numerically when all are numbers, else as strings.
    public static func sortedLabels(_ values: Set<String>) -> [String] {
        let numbers = values.compactMap(Double.init)
        if numbers.count == values.count {
            return values.sorted { Double($0)! < Double($1)! }
        }
        return values.sorted()
    }
}
