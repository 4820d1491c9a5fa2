import Models

/// A model's trainable parameters as one flat vector (each layer's weights then bias, then the
/// coefficients of learnable polynomial activations), the unit of federated averaging.
enum ModelVector {
    /// The flat parameters of `model`. O(parameters).
    static func flatten(_ model: TrainedModel) -> [Double] {
        var v: [Double] = []
        for layer in model.layers {
            v.append(contentsOf: layer.weights)
            v.append(contentsOf: layer.bias)
        }
        if model.activations.contains(where: { $0.kind == .poly }) {
            for a in model.activations { v.append(contentsOf: a.coefficients) }
        }
        return v
    }

    /// `template` with its parameters replaced by `v` (same layout). O(parameters).
    static func unflatten(_ v: [Double], template: TrainedModel) throws -> TrainedModel {
        guard v.count == flatten(template).count, v.allSatisfy(\.isFinite) else {
            throw CollaborationError.invalid("the joint parameter vector has \(v.count) values (or non-finite ones); expected \(flatten(template).count)")
        }
        var model = template
        var offset = 0
        for l in model.layers.indices {
            let w = model.layers[l].weights.count, b = model.layers[l].bias.count
            model.layers[l].weights = Array(v[offset ..< offset + w])
            model.layers[l].bias = Array(v[offset + w ..< offset + w + b])
            offset += w + b
        }
        if model.activations.contains(where: { $0.kind == .poly }) {
            for l in model.activations.indices {
                let c = model.activations[l].coefficients.count
                model.activations[l].coefficients = Array(v[offset ..< offset + c])
                offset += c
            }
        }
        try model.validate()
        return model
    }
}

extension ModelVector {
    /// The positions of the weight matrices in the flat vector (not the biases, not the `poly`
    /// coefficients): where the trainers' L2 term applies. O(layers).
    static func weightRanges(_ model: TrainedModel) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var offset = 0
        for layer in model.layers {
            ranges.append(offset ..< offset + layer.weights.count)
            offset += layer.weights.count + layer.bias.count
        }
        return ranges
    }
}
