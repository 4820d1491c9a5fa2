import Foundation
import Models

/// Mini-batch Adam training of a fully connected network with 1–3 hidden layers, a sigmoid
/// (two classes) or softmax output and cross-entropy loss, following scikit-learn's
/// MLPClassifier (Glorot-uniform initialisation, L2 `alpha/(2·batch)·‖W‖²`, Adam with bias
/// correction, reshuffling every epoch). Forward and backward passes are dgemm calls over the
/// whole batch (see `MLPNetwork`); a step costs O(batch · Σ fan_in·fan_out) flops plus
/// O(parameters) for Adam. Stopping as scikit-learn: on the training loss with patience by
/// default, on a validation split (keeping the best weights) when asked or when the split is
/// large enough (`TrainingOptions.usesValidation`).
package enum MLPTrainer {
    /// `initial` (a model of the same shape) warm-starts the network instead of Glorot initialisation.
    /// `polynomials` (one per hidden layer) replace the hidden activations by fixed polynomials,
    /// with the penalty `intervalPenalty·e²` on pre-activations outside their intervals
    /// (`FixedPolynomialActivation`).
    static func fit(x: [Double], n: Int, d: Int, labels: [Int], classCount: Int, options: TrainingOptions,
                    initial: TrainedModel? = nil, polynomials: [PolynomialApproximation] = [], intervalPenalty: Double = 0,
                    progress: ((TrainingProgress) -> Void)?) throws -> (layers: [DenseLayer], activations: [Activation]) {
        let width = classCount == 2 ? 1 : classCount
        var rng = SeededGenerator(seed: options.seed ^ 0x5EED_0F_A11)

        var trainRows = Array(0..<n), validationRows: [Int] = []
        if options.usesValidation(rows: n) {
            let classLabels = (0..<classCount).map(String.init)
            if let split = try? Dataset.stratifiedSplitIndices(labels: labels, classLabels: classLabels,
                                                                testFraction: options.validationFraction, seed: options.seed) {
                trainRows = split.train
                validationRows = split.test
            }
        }
        let batch = min(options.batchSize, trainRows.count)
        var network = MLPNetwork(sizes: [d] + options.hidden + [width], activation: options.activation,
                                 capacity: max(batch, validationRows.count))
        network.initialize(using: &rng)
        if let initial, let warm = MLPNetwork(model: initial, capacity: max(batch, validationRows.count)),
           warm.parameterCount == network.parameterCount {
            network = warm
        }
        network.polynomials = polynomials.map(FixedPolynomialActivation.init)
        network.intervalPenalty = intervalPenalty
        let validationX = validationRows.flatMap { x[$0 * d ..< ($0 + 1) * d] }
        let validationY = validationRows.map { labels[$0] }

        let count = network.parameterCount
        var m = [Double](repeating: 0, count: count), v = m
        let beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
        let epochs = options.effectiveEpochs(rows: trainRows.count)
        var order = trainRows
        var t = 0
        var best = Double.infinity, bestParameters = network.parameters, stale = 0
        var bestTraining = Double.infinity, trainingStale = 0
        for epoch in 1...epochs {
            rng.shuffle(&order)
            var total = 0.0
            var start = 0
            while start < order.count {
                let rows = min(batch, order.count - start)
                network.load(rows: order[start ..< start + rows], from: x, labels: labels)
                total += network.lossAndGradient(rows: rows, alpha: options.alpha)
                start += rows
                // Adam with the bias correction folded into the step size (Kingma & Ba, section 2).
                t += 1
                let step = options.learningRate * (1 - pow(beta2, Double(t))).squareRoot() / (1 - pow(beta1, Double(t)))
                network.parameters.withUnsafeMutableBufferPointer { p in
                    network.gradient.withUnsafeBufferPointer { g in
                        m.withUnsafeMutableBufferPointer { mp in
                            v.withUnsafeMutableBufferPointer { vp in
                                for i in 0..<count {
                                    let gi = g[i]
                                    mp[i] = beta1 * mp[i] + (1 - beta1) * gi
                                    vp[i] = beta2 * vp[i] + (1 - beta2) * gi * gi
                                    p[i] -= step * mp[i] / (vp[i].squareRoot() + epsilon)
                                }
                            }
                        }
                    }
                }
            }
            let loss = total / Double(order.count)
            guard loss.isFinite else { throw DataError.diverged(epoch: epoch) }
            var validation: Double?
            if !validationRows.isEmpty {
                let value = network.loss(of: validationX, labels: validationY, rows: validationRows.count) / Double(validationRows.count)
                validation = value
                if value < best - options.lossTolerance {
                    best = value; bestParameters = network.parameters; stale = 0
                } else {
                    stale += 1
                }
            } else {
                // scikit-learn's `_update_no_improvement_count` on the training loss.
                trainingStale = loss > bestTraining - options.lossTolerance ? trainingStale + 1 : 0
                bestTraining = min(bestTraining, loss)
            }
            progress?(TrainingProgress(epoch: epoch, totalEpochs: epochs, loss: loss, validationLoss: validation))
            if !validationRows.isEmpty && stale >= options.patience { break }
            if validationRows.isEmpty && trainingStale > options.patience { break }
        }
        if !validationRows.isEmpty && best.isFinite { network.parameters = bestParameters }
        return network.export()
    }
}
