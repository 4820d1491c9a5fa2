import Foundation

/// How the server's outputs become class probabilities on the client.
public enum OutputDecoding: String, Codable, Sendable {
    /// One logit; the client applies the sigmoid after decryption (exact, no level spent).
    case clientSigmoid
    /// One logit per class; the client applies softmax after decryption.
    case clientSoftmax
    /// One value, already a probability: a polynomial sigmoid was evaluated under encryption.
    case encryptedSigmoid
}

/// A trained model converted for encrypted inference, stored as `MODEL.he.json`
/// (Codable, versioned): everything the client and the server need without the
/// original model.
///
/// The layers are folded: the standardizer is inside layer 0 (the client encrypts raw
/// feature values), and each activation's interval change of variable is inside the
/// layer before it, so the runtime evaluates `activations[k].series` directly on layer
/// k's output — except for a folded square (`InferencePlan.foldedSquares`, `SquareFold`):
/// then layer k's output is squared and layer k+1 holds the series' leading coefficient
/// and constant, while `activations[k]` keeps the approximation in original units (for
/// reports and plots). `weightsFingerprint` (FNV-1a, see `WeightFingerprint`) covers everything
/// keys and ciphertexts depend on — the feature and class names, the decoding, every
/// number the server computes with and the plan — and is checked on load; keys and
/// ciphertext files carry it as their model tag.
public struct EncryptedModel: Codable, Sendable, Equatable, JSONDocument {
    /// Format identifier written into every file.
    public static let formatName = "encml.he-model"
    /// The format version this build writes and reads (2: per-layer packing in the plan,
    /// fingerprint over names and plan).
    public static let currentVersion = 2

    /// Always `encml.he-model`.
    public var format: String
    /// Format version of the file.
    public var version: Int
    /// The kind of the source model.
    public var sourceKind: ModelKind
    /// Feature columns in the order the model reads them (raw, unstandardized values).
    public var featureNames: [String]
    /// Target column name of the training CSV.
    public var targetName: String
    /// Class labels in class-index order.
    public var classLabels: [String]
    /// Folded dense layers, input to output.
    public var layers: [DenseLayer]
    /// Polynomial activation after each layer but the last (evaluated on the folded layer
    /// output, or folded to a square: see the type's notes).
    public var activations: [PolynomialApproximation]
    /// Polynomial output sigmoid evaluated under encryption, if any (folded likewise).
    public var outputSigmoid: PolynomialApproximation?
    /// How the client turns decrypted outputs into probabilities.
    public var decoding: OutputDecoding
    /// Levels, scales, packing, rotations, parameters, size estimates.
    public var plan: InferencePlan
    /// FNV-1a fingerprint (16 hex digits) of names, decoding, layers, polynomials and plan.
    public var weightsFingerprint: String

    /// Assembles a model and computes its fingerprint.
    public init(sourceKind: ModelKind, featureNames: [String], targetName: String, classLabels: [String],
                layers: [DenseLayer], activations: [PolynomialApproximation], outputSigmoid: PolynomialApproximation?,
                decoding: OutputDecoding, plan: InferencePlan) {
        format = Self.formatName
        version = Self.currentVersion
        self.sourceKind = sourceKind
        self.featureNames = featureNames
        self.targetName = targetName
        self.classLabels = classLabels
        self.layers = layers
        self.activations = activations
        self.outputSigmoid = outputSigmoid
        self.decoding = decoding
        self.plan = plan
        weightsFingerprint = ""
        weightsFingerprint = computedFingerprint()
    }

    /// Number of input features.
    public var featureCount: Int { featureNames.count }
    /// Number of classes.
    public var classCount: Int { classLabels.count }
    /// Number of values the server returns per sample.
    public var outputCount: Int { layers.last?.outputCount ?? 0 }

    /// The fingerprint of what keys and ciphertexts depend on (see `WeightFingerprint`): the
    /// feature names, target name, class labels and decoding; per layer its shape, weights and
    /// bias; each activation's and the output sigmoid's Chebyshev coefficients; then the plan
    /// (`InferencePlan.fingerprint`). A swapped label list or a hand-edited plan changes it.
    /// O(model size).
    public func computedFingerprint() -> String {
        var h = WeightFingerprint()
        h.update(strings: featureNames)
        h.update(string: targetName)
        h.update(strings: classLabels)
        h.update(string: decoding.rawValue)
        h.update(layers.count)
        for layer in layers {
            h.update(layer.inputCount)
            h.update(layer.outputCount)
            h.update(layer.weights)
            h.update(layer.bias)
        }
        for activation in activations { h.update(activation.series.coefficients) }
        h.update(outputSigmoid?.series.coefficients ?? [])
        plan.fingerprint(into: &h)
        return h.hex
    }

    // MARK: - Plaintext evaluation of the polynomial model

    /// What the server computes for one raw row, in plaintext: logits (client link) or the
    /// polynomial sigmoid's value. O(Σ layer sizes + Σ degrees · widths).
    public func outputs(raw row: [Double]) -> [Double] {
        var x = row
        let folded = plan.foldedSquares
        for (index, layer) in layers.enumerated() {
            x = layer.apply(x)
            if index < activations.count {
                if folded.contains(index) {
                    for k in x.indices { x[k] *= x[k] }
                } else {
                    let series = activations[index].series
                    for k in x.indices { x[k] = series.evaluate(x[k]) }
                }
            }
        }
        if let output = outputSigmoid {
            for k in x.indices { x[k] = output.series.evaluate(x[k]) }
        }
        return x
    }

    /// Class probabilities from (decrypted) server outputs, as the client computes them.
    public func probabilities(outputs z: [Double]) -> [Double] {
        switch decoding {
        case .clientSigmoid: return TrainedModel.probabilities(logits: z, link: .sigmoid)
        case .clientSoftmax: return TrainedModel.probabilities(logits: z, link: .softmax)
        case .encryptedSigmoid:
            let p = min(max(z[0], 0), 1)
            return [1 - p, p]
        }
    }

    /// The predicted class index from (decrypted) server outputs.
    public func predictedClass(outputs z: [Double]) -> Int {
        switch decoding {
        case .clientSigmoid: return z[0] > 0 ? 1 : 0
        case .encryptedSigmoid: return z[0] > 0.5 ? 1 : 0
        case .clientSoftmax: return TrainedModel.predictedClass(logits: z, link: .softmax)
        }
    }

    /// Class probabilities of the polynomial model for one raw row.
    public func probabilities(raw row: [Double]) -> [Double] { probabilities(outputs: outputs(raw: row)) }

    /// Predicted class of the polynomial model for one raw row.
    public func predictClass(raw row: [Double]) -> Int { predictedClass(outputs: outputs(raw: row)) }
}
