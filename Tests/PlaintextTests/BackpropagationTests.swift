import Foundation
import Models
import Plaintext
import Testing

/// Mean cross-entropy + alpha/(2n)·Σ‖W‖² of `model` on standardized rows, in plain Double
/// arithmetic through the Models forward pass (no BLAS, no trainer code).
private func plainLoss(_ model: TrainedModel, _ x: [Double], _ labels: [Int], alpha: Double) -> Double {
    let d = model.featureCount, n = labels.count
    var identity = model
    identity.standardizer = Standardizer(mean: .init(repeating: 0, count: d), scale: .init(repeating: 1, count: d))
    var loss = 0.0
    for i in 0..<n {
        let p = identity.probabilities(raw: Array(x[i * d ..< (i + 1) * d]))
        loss -= log(p[labels[i]])
    }
    let l2 = model.layers.map { $0.weights.map { $0 * $0 }.reduce(0, +) }.reduce(0, +)
    return loss / Double(n) + 0.5 * alpha * l2 / Double(n)
}

/// Sets flat parameter `k` (layout W_0, b_0, W_1, b_1, …, poly coefficients) of `model`.
private func perturbed(_ model: TrainedModel, _ k: Int, by h: Double) -> TrainedModel {
    var m = model
    var index = k
    for l in m.layers.indices {
        if index < m.layers[l].weights.count { m.layers[l].weights[index] += h; return m }
        index -= m.layers[l].weights.count
        if index < m.layers[l].bias.count { m.layers[l].bias[index] += h; return m }
        index -= m.layers[l].bias.count
    }
    m.activations[index / 3].coefficients[index % 3] += h
    return m
}

@Test(arguments: [(ActivationKind.relu, "iris"), (.tanh, "iris"), (.sigmoid, "breast_cancer"),
                  (.square, "iris"), (.poly, "iris"), (.poly, "breast_cancer")])
func backpropagationMatchesFiniteDifferences(_ kind: ActivationKind, _ name: String) throws {
    let (train, _) = try Fixtures.split(name)
    let data = train.subset(Array(0..<40))
    let model = try Trainer.train(data, kind: .mlp, hidden: [5, 4], activation: kind, epochs: 3, seed: 9)
    var x = data.features
    model.standardizer.transform(rows: &x, featureCount: data.featureCount)
    let alpha = 0.01
    let (loss, gradient) = try #require(MLPTrainer.lossAndGradient(of: model, standardizedRows: x, labels: data.labels, alpha: alpha))
    #expect(abs(loss - plainLoss(model, x, data.labels, alpha: alpha)) < 1e-10)
    let h = 1e-6
    var worst = 0.0
    for k in gradient.indices {
        let numeric = (plainLoss(perturbed(model, k, by: h), x, data.labels, alpha: alpha)
                     - plainLoss(perturbed(model, k, by: -h), x, data.labels, alpha: alpha)) / (2 * h)
        worst = max(worst, abs(numeric - gradient[k]) / max(1, abs(numeric)))
    }
    #expect(worst < 1e-6, "worst relative gradient error \(worst)")
}
