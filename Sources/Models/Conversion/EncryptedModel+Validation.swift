import Foundation

extension EncryptedModel {
    /// Largest polynomial degree a file may carry.
    public static let maxDegree = 1023
    /// Largest layer width a file may carry.
    public static let maxWidth = 65_536

    /// Checks every shape, count, value, the plan (its steps, levels, parameters and the
    /// packing these weights get, `InferencePlan.validate(layers:…)`) and the fingerprint;
    /// throws `ModelError.invalid` on the first problem. Sizes are checked before any work
    /// that depends on them. O(model size).
    public func validate() throws {
        guard format == Self.formatName else {
            throw ModelError.invalid(reason: "format is \"\(format)\", expected \"\(Self.formatName)\"")
        }
        guard classLabels.count >= 2, !featureNames.isEmpty else {
            throw ModelError.invalid(reason: "needs at least one feature and two classes")
        }
        guard !layers.isEmpty, activations.count == layers.count - 1 else {
            throw ModelError.invalid(reason: "\(layers.count) layers need \(max(layers.count - 1, 0)) activations, found \(activations.count)")
        }
        var width = featureCount
        for (index, layer) in layers.enumerated() {
            guard layer.inputCount <= Self.maxWidth, layer.outputCount <= Self.maxWidth else {
                throw ModelError.invalid(reason: "layer \(index) is wider than \(Self.maxWidth)")
            }
            try layer.validate(name: "layer \(index)")
            guard layer.inputCount == width else {
                throw ModelError.invalid(reason: "layer \(index) reads \(layer.inputCount) inputs but receives \(width)")
            }
            width = layer.outputCount
        }
        let expected = decoding == .clientSoftmax ? classCount : 1
        guard width == expected else {
            throw ModelError.invalid(reason: "output layer has \(width) outputs; \(decoding.rawValue) over \(classCount) classes needs \(expected)")
        }
        guard (decoding == .encryptedSigmoid) == (outputSigmoid != nil) else {
            throw ModelError.invalid(reason: "decoding \(decoding.rawValue) does not match the presence of an output sigmoid")
        }
        for (index, polynomial) in (activations + (outputSigmoid.map { [$0] } ?? [])).enumerated() {
            let c = polynomial.series.coefficients
            guard !c.isEmpty, c.count <= Self.maxDegree + 1, c.allSatisfy(\.isFinite), polynomial.interval.isValid else {
                throw ModelError.invalid(reason: "polynomial \(index) has no, too many or non-finite coefficients, or an empty interval")
            }
        }
        try plan.validate(layers: layers, activationDegrees: activations.map(\.degree),
                          outputDegree: outputSigmoid?.degree)
        let fingerprint = computedFingerprint()
        guard fingerprint == weightsFingerprint else {
            throw ModelError.invalid(reason: "fingerprint \(fingerprint) differs from the recorded \(weightsFingerprint): the file's names, weights or plan were modified or corrupted; convert the model again")
        }
    }

    // MARK: - Files

    /// Largest `MODEL.he.json` accepted (bytes), checked before reading.
    public static let maxFileBytes = JSONDocumentReader.maxFileBytes

    /// Reads and validates `MODEL.he.json`. Throws `ModelError` naming the file.
    public static func load(from path: String) throws -> EncryptedModel {
        try decode(JSONDocumentReader.read(path: path), file: path)
    }

    /// Decodes and validates converted-model JSON; `file` names the source in errors.
    public static func decode(_ data: Data, file: String) throws -> EncryptedModel {
        let model = try JSONDocumentReader.decode(
            EncryptedModel.self, from: data, file: file, format: formatName, version: currentVersion,
            hint: { $0 == TrainedModel.formatName ? " (this is a trained model: run `encml convert` on it first)" : "" })
        do { try model.validate() } catch let ModelError.invalid(reason) {
            throw ModelError.malformed(file: file, reason: reason)
        }
        return model
    }
}
