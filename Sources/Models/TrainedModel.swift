import Foundation

/// The kind of a trained classifier.
public enum ModelKind: String, Codable, Sendable, CaseIterable {
    /// Logistic regression: a single dense layer (binary: one logit and sigmoid; multiclass: softmax).
    case logistic
    /// Multi-layer perceptron: 1–3 hidden dense layers with activations, then a dense output layer.
    case mlp
}

/// How the output layer's logits become class probabilities.
public enum OutputLink: String, Codable, Sendable {
    /// One logit `z`; `P(class 1) = σ(z)`. Used for two classes.
    case sigmoid
    /// One logit per class; probabilities by softmax.
    case softmax
}

/// A trained plaintext classifier as stored in `MODEL.json` (versioned Codable JSON).
///
/// Logistic regression and MLPs share one representation: standardization,
/// a chain of dense layers with an activation between consecutive layers, and
/// an output link. `activations.count == layers.count - 1`.
public struct TrainedModel: Codable, Sendable, Equatable, JSONDocument {
    /// Format identifier written into every file.
    public static let formatName = "encml.model"
    /// The format version this build writes and reads.
    public static let currentVersion = 1

    /// Always `encml.model`.
    public var format: String
    /// Format version of the file.
    public var version: Int
    /// Logistic regression or MLP.
    public var kind: ModelKind
    /// Names of the feature columns, in the order the model reads them.
    public var featureNames: [String]
    /// Name of the target column in the training CSV.
    public var targetName: String
    /// Class labels in class-index order, as they appeared in the training CSV.
    public var classLabels: [String]
    /// Standardization applied to raw feature rows before the first layer.
    public var standardizer: Standardizer
    /// Dense layers, input to output.
    public var layers: [DenseLayer]
    /// Activations after each layer but the last.
    public var activations: [Activation]
    /// Output link applied to the last layer's logits.
    public var link: OutputLink

    /// Creates a model and validates its shapes.
    public init(kind: ModelKind, featureNames: [String], targetName: String, classLabels: [String],
                standardizer: Standardizer, layers: [DenseLayer], activations: [Activation],
                link: OutputLink) throws {
        self.format = Self.formatName
        self.version = Self.currentVersion
        self.kind = kind
        self.featureNames = featureNames
        self.targetName = targetName
        self.classLabels = classLabels
        self.standardizer = standardizer
        self.layers = layers
        self.activations = activations
        self.link = link
        try validate()
    }

    /// Number of input features.
    public var featureCount: Int { featureNames.count }
    /// Number of classes.
    public var classCount: Int { classLabels.count }

    /// Checks every shape, count and value; throws `ModelError.invalid` on the first problem.
    public func validate() throws {
        guard format == Self.formatName else {
            throw ModelError.invalid(reason: "format is \"\(format)\", expected \"\(Self.formatName)\"")
        }
        guard classLabels.count >= 2 else { throw ModelError.invalid(reason: "fewer than two classes") }
        guard !layers.isEmpty else { throw ModelError.invalid(reason: "no layers") }
        guard activations.count == layers.count - 1 else {
            throw ModelError.invalid(reason: "\(layers.count) layers need \(layers.count - 1) activations, found \(activations.count)")
        }
        guard standardizer.mean.count == featureCount, standardizer.scale.count == featureCount,
              standardizer.scale.allSatisfy({ $0.isFinite && $0 > 0 }), standardizer.mean.allSatisfy(\.isFinite) else {
            throw ModelError.invalid(reason: "standardizer does not match \(featureCount) features")
        }
        var width = featureCount
        for (index, layer) in layers.enumerated() {
            try layer.validate(name: "layer \(index)")
            guard layer.inputCount == width else {
                throw ModelError.invalid(reason: "layer \(index) reads \(layer.inputCount) inputs but receives \(width)")
            }
            width = layer.outputCount
        }
        let expectedOutputs = link == .sigmoid ? 1 : classCount
        guard width == expectedOutputs else {
            throw ModelError.invalid(reason: "output layer has \(width) outputs; \(link.rawValue) over \(classCount) classes needs \(expectedOutputs)")
        }
        if kind == .logistic && layers.count != 1 {
            throw ModelError.invalid(reason: "logistic regression must have exactly one layer")
        }
        for (index, activation) in activations.enumerated() where activation.kind == .poly {
            let count = activation.coefficients.count
            guard count >= 1 else { throw ModelError.invalid(reason: "poly activation \(index) has no coefficients") }
            guard count <= EncryptedModel.maxDegree + 1 else {
                throw ModelError.invalid(reason: "poly activation \(index) has \(count) coefficients; at most \(EncryptedModel.maxDegree + 1) (degree \(EncryptedModel.maxDegree)) can be evaluated under encryption")
            }
            guard activation.coefficients.allSatisfy(\.isFinite) else {
                throw ModelError.invalid(reason: "poly activation \(index) has a non-finite coefficient")
            }
        }
    }

    /// Output-layer logits for one raw (unstandardized) row. O(Σ layer sizes).
    public func logits(raw row: [Double]) -> [Double] {
        var x = standardizer.transform(row)
        for (index, layer) in layers.enumerated() {
            x = layer.apply(x)
            if index < activations.count {
                let f = activations[index]
                for k in x.indices { x[k] = f.apply(x[k]) }
            }
        }
        return x
    }

    /// Class probabilities for one raw row (length `classCount`).
    public func probabilities(raw row: [Double]) -> [Double] {
        Self.probabilities(logits: logits(raw: row), link: link)
    }

    /// Index of the most probable class for one raw row.
    public func predictClass(raw row: [Double]) -> Int {
        Self.predictedClass(logits: logits(raw: row), link: link)
    }

    /// Applies the output link to logits: sigmoid gives `[1 − p, p]`, softmax a stable softmax.
    public static func probabilities(logits z: [Double], link: OutputLink) -> [Double] {
        switch link {
        case .sigmoid:
            let p = 1 / (1 + exp(-z[0]))
            return [1 - p, p]
        case .softmax:
            let m = z.max() ?? 0
            let e = z.map { exp($0 - m) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        }
    }

    /// The predicted class index from logits (ties go to the lower index).
    public static func predictedClass(logits z: [Double], link: OutputLink) -> Int {
        switch link {
        case .sigmoid: return z[0] > 0 ? 1 : 0
        case .softmax:
            var best = 0
            for k in z.indices where z[k] > z[best] { best = k }
            return best
        }
    }

    // MARK: - Files

    /// Reads and validates a model file (at most 512 MiB). Throws `ModelError` naming the file on any problem.
    public static func load(from path: String) throws -> TrainedModel {
        try decode(JSONDocumentReader.read(path: path), file: path)
    }

    /// Decodes and validates model JSON; `file` names the source in errors.
    public static func decode(_ data: Data, file: String) throws -> TrainedModel {
        let model = try JSONDocumentReader.decode(TrainedModel.self, from: data, file: file,
                                                  format: formatName, version: currentVersion)
        try model.validate()
        return model
    }
}
