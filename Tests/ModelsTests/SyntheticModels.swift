import Foundation
import Models
@_exported import TestSupport

enum Synthetic {
    /// A model with random weights on `widths` (input first), raw features with non-trivial means/scales.
    static func model(widths: [Int], activation: Activation, classes: Int, seed: UInt64) throws -> TrainedModel {
        var rng = TestRNG(seed: seed)
        var layers: [DenseLayer] = []
        for l in 0..<(widths.count - 1) {
            let n = widths[l], m = widths[l + 1]
            let bound = (6 / Double(n + m)).squareRoot()
            layers.append(DenseLayer(inputCount: n, outputCount: m,
                                     weights: (0..<(n * m)).map { _ in Double.random(in: -bound...bound, using: &rng) * 2 },
                                     bias: (0..<m).map { _ in Double.random(in: -0.5...0.5, using: &rng) }))
        }
        let d = widths[0]
        let standardizer = Standardizer(mean: (0..<d).map { _ in Double.random(in: -50...50, using: &rng) },
                                        scale: (0..<d).map { _ in Double.random(in: 0.5...20, using: &rng) })
        let kind: ModelKind = widths.count == 2 ? .logistic : .mlp
        return try TrainedModel(kind: kind, featureNames: (0..<d).map { "f\($0)" }, targetName: "y",
                                classLabels: (0..<classes).map { "c\($0)" }, standardizer: standardizer, layers: layers,
                                activations: Array(repeating: activation, count: widths.count - 2),
                                link: classes == 2 ? .sigmoid : .softmax)
    }

    /// Raw rows drawn around the model's standardizer (so standardized features are ~N(0, 1)),
    /// labelled by the model itself.
    static func calibration(for model: TrainedModel, rows: Int, seed: UInt64) -> CalibrationSet {
        var rng = TestRNG(seed: seed)
        let s = model.standardizer
        let data = (0..<rows).map { _ in (0..<model.featureCount).map { j in s.mean[j] + s.scale[j] * rng.gaussian() } }
        return CalibrationSet(rows: data, labels: data.map(model.predictClass), source: "synthetic")
    }

    /// The polynomial model evaluated without folding: standardize, layer, p(t(z)).
    static func unfoldedOutputs(_ model: TrainedModel, _ stage: [PolynomialApproximation], output: PolynomialApproximation?,
                                raw row: [Double]) -> [Double] {
        var x = model.standardizer.transform(row)
        for (index, layer) in model.layers.enumerated() {
            x = layer.apply(x)
            if index < stage.count { x = x.map(stage[index].value) }
        }
        if let output { x = x.map(output.value) }
        return x
    }
}
