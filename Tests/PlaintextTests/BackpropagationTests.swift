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

@Test(arguments: [(ModelKind.logistic, "breast_cancer"), (.logistic, "iris"), (.mlp, "iris")])
func summedLossAndGradientIsTheRowCountTimesTheMeanOneWithoutL2(_ kind: ModelKind, _ name: String) throws {
    let (train, _) = try Fixtures.split(name)
    let data = train.subset(Array(0..<40))
    let model = try Trainer.train(data, kind: kind, hidden: [5], activation: .tanh, epochs: 3, seed: 9)
    var x = data.features
    model.standardizer.transform(rows: &x, featureCount: data.featureCount)
    let (loss, gradient) = try Trainer.summedLossAndGradient(of: model, standardizedRows: x, labels: data.labels)
    let n = Double(data.count)
    #expect(abs(loss - n * plainLoss(model, x, data.labels, alpha: 0)) < 1e-9 * n)
    let h = 1e-6
    var worst = 0.0
    for k in gradient.indices {
        let numeric = n * (plainLoss(perturbed(model, k, by: h), x, data.labels, alpha: 0)
                         - plainLoss(perturbed(model, k, by: -h), x, data.labels, alpha: 0)) / (2 * h)
        worst = max(worst, abs(numeric - gradient[k]) / max(1, abs(numeric)))
    }
    #expect(worst < 1e-6, "worst relative gradient error \(worst)")
}

@Test func summedLossAndGradientOverMoreThanOneBlockAddsTheBlocks() throws {
    // 9 copies of 569 rows: 5121 rows, two blocks of at most 4096.
    let data = try Dataset.load(csv: Fixtures.csv("breast_cancer"))
    let model = try Trainer.train(data, kind: .logistic, epochs: 5)
    var x = data.features
    model.standardizer.transform(rows: &x, featureCount: data.featureCount)
    let once = try Trainer.summedLossAndGradient(of: model, standardizedRows: x, labels: data.labels)
    let copies = 9
    let many = try Trainer.summedLossAndGradient(of: model, standardizedRows: Array([[Double]](repeating: x, count: copies).joined()),
                                                 labels: Array([[Int]](repeating: data.labels, count: copies).joined()))
    #expect(abs(many.loss - Double(copies) * once.loss) <= 1e-9 * abs(many.loss))
    for (a, b) in zip(many.gradient, once.gradient) { #expect(abs(a - Double(copies) * b) <= 1e-9 * max(1, abs(a))) }
}

@Test func lbfgsInReverseCommunicationMinimisesRosenbrockAndStopsAtItsBudget() {
    // f(x, y) = (1 − x)² + 100 (y − x²)², minimum 0 at (1, 1).
    func evaluate(_ p: [Double]) -> (Double, [Double]) {
        let (x, y) = (p[0], p[1])
        return ((1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x), [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
    }
    var solver = LBFGS(start: [-1.2, 1], gradientTolerance: 1e-9, maxIterations: 1000)
    var evaluations = 0
    while let p = solver.point {
        let (f, g) = evaluate(p)
        solver.observe(value: f, gradient: g)
        evaluations += 1
    }
    #expect(abs(solver.x[0] - 1) < 1e-6 && abs(solver.x[1] - 1) < 1e-6, "minimum at \(solver.x)")
    #expect(solver.value < 1e-12 && evaluations < 200, "f \(solver.value) after \(evaluations) evaluations")
    // An iteration budget: the last accepted iterate, with its value.
    var short = LBFGS(start: [-1.2, 1], maxIterations: 5)
    while let p = short.point { let (f, g) = evaluate(p); short.observe(value: f, gradient: g) }
    #expect(short.iterations == 5 && short.value == evaluate(short.x).0 && short.value < evaluate([-1.2, 1]).0)
}

/// Fixed polynomial activations (fine-tuning): the loss with each hidden activation a fixed
/// Chebyshev polynomial on an interval, plus `λ·e²` per pre-activation `e` outside it (unit
/// coordinates), and its gradient against finite differences of the same loss computed in
/// plain Double arithmetic (`PolynomialApproximation.value`). The intervals are half the
/// calibrated range so that many pre-activations fall outside and the penalty is exercised.
@Test(arguments: [(ActivationKind.relu, "iris", 3), (.tanh, "breast_cancer", 7), (.relu, "breast_cancer", 2)])
func fixedPolynomialBackpropagationMatchesFiniteDifferences(_ kind: ActivationKind, _ name: String, _ degree: Int) throws {
    let (train, _) = try Fixtures.split(name)
    let data = train.subset(Array(0..<40))
    let model = try Trainer.train(data, kind: .mlp, hidden: [5, 4], activation: kind, epochs: 3, seed: 9)
    var x = data.features
    model.standardizer.transform(rows: &x, featureCount: data.featureCount)
    let d = data.featureCount, n = data.count
    let rows = (0..<n).map { Array(x[$0 * d ..< ($0 + 1) * d]) }
    // Intervals: the middle half of each hidden layer's range on these rows.
    var polynomials: [PolynomialApproximation] = []
    var current = rows
    for l in 0..<2 {
        let z = current.map(model.layers[l].apply)
        let values = z.flatMap { $0 }
        let (lo, hi) = (values.min()!, values.max()!)
        let interval = Interval(lo + (hi - lo) / 4, hi - (hi - lo) / 4)
        let p = try PolynomialApproximation.fit(ApproximatedFunction(kind), on: interval, degree: .fixed(degree))
        polynomials.append(p)
        current = z.map { $0.map(p.value) }
    }
    let lambda = 0.7, alpha = 0.01
    func plain(_ m: TrainedModel) -> Double {
        var loss = 0.0
        for (row, label) in zip(rows, data.labels) {
            var a = row
            for l in m.layers.indices {
                a = m.layers[l].apply(a)
                if l < polynomials.count {
                    for z in a {
                        let e = max(0, abs(polynomials[l].interval.unit(z)) - 1)
                        loss += lambda * e * e
                    }
                    a = a.map(polynomials[l].value)
                }
            }
            if a.count == 1 {  // −log σ(±z) = softplus(∓z), stable for large |z|
                let v = label == 1 ? -a[0] : a[0]
                loss += max(v, 0) + log1p(exp(-abs(v)))
            } else {
                let top = a.max()!
                let sum = a.map { exp($0 - top) }.reduce(0, +)
                loss -= a[label] - top - log(sum)
            }
        }
        let l2 = m.layers.map { $0.weights.map { $0 * $0 }.reduce(0, +) }.reduce(0, +)
        return loss / Double(n) + 0.5 * alpha * l2 / Double(n)
    }
    let (loss, gradient) = try #require(MLPTrainer.lossAndGradient(of: model, standardizedRows: x, labels: data.labels, alpha: alpha,
                                                                   polynomials: polynomials, intervalPenalty: lambda))
    let unpenalized = try #require(MLPTrainer.lossAndGradient(of: model, standardizedRows: x, labels: data.labels, alpha: alpha,
                                                              polynomials: polynomials, intervalPenalty: 0))
    #expect(loss > unpenalized.loss + 1e-3, "the penalty is active: pre-activations fall outside the intervals")
    #expect(abs(loss - plain(model)) < 1e-9 * max(1, abs(loss)), "\(loss) vs \(plain(model))")
    let h = 1e-6
    var worst = 0.0
    for k in gradient.indices {
        let numeric = (plain(perturbed(model, k, by: h)) - plain(perturbed(model, k, by: -h))) / (2 * h)
        worst = max(worst, abs(numeric - gradient[k]) / max(1, abs(numeric)))
    }
    #expect(worst < 1e-6, "worst relative gradient error \(worst)")
}
