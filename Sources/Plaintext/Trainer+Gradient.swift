import Models

extension Trainer {
    /// The summed cross-entropy of `model` over standardized rows and its gradient with respect
    /// to the model's flat parameters (`W_0, b_0, W_1, b_1, …`, then the `poly` coefficients of
    /// each hidden layer), without any L2 term: one party's share of a full-batch objective whose
    /// sums are aggregated over several parties. Logistic regression is the network without
    /// hidden layers, so this is the gradient `Trainer.train` minimises, up to the L2 term
    /// (`l2Strength`) and the division by the row count.
    ///
    /// Cost: one forward and one backward pass, O(rows · Σ fan_in·fan_out) flops, in blocks of at
    /// most 4096 rows (memory O(4096 · widest layer)).
    /// - Throws: `DataError.invalidOptions` when `x` does not hold `labels.count` rows of the
    ///   model's features, a label is outside its classes, or its hidden activations differ.
    public static func summedLossAndGradient(of model: TrainedModel, standardizedRows x: [Double],
                                             labels: [Int]) throws -> (loss: Double, gradient: [Double]) {
        let n = labels.count, d = model.featureCount
        guard n >= 1, x.count == n * d, labels.allSatisfy({ (0..<model.classCount).contains($0) }) else {
            throw DataError.invalidOptions(reason: "the gradient needs \(n) rows of \(d) standardized features and labels below \(model.classCount), got \(x.count) values")
        }
        let block = min(n, 4096)
        guard var network = MLPNetwork(model: model, capacity: block) else {
            throw DataError.invalidOptions(reason: "the model's hidden activations must be one kind for every layer")
        }
        BLAS.singleThreaded
        var loss = 0.0
        var gradient = [Double](repeating: 0, count: network.parameterCount)
        var start = 0
        while start < n {
            let rows = min(block, n - start)
            network.load(rows: Array(start ..< start + rows)[...], from: x, labels: labels)
            loss += network.lossAndGradient(rows: rows, alpha: 0)
            // lossAndGradient returns the batch's summed loss and the gradient of its mean.
            let weight = Double(rows)
            for i in gradient.indices { gradient[i] += weight * network.gradient[i] }
            start += rows
        }
        return (loss, gradient)
    }

    /// The strength λ of the L2 term `λ/2 · Σ‖W_l‖²` (weights only: no biases, no `poly`
    /// coefficients) that `train` adds to the summed cross-entropy: `1/C` for logistic
    /// regression, `alpha` for an MLP (over the whole training set, where the mini-batch trainer
    /// spreads it over the batches). O(1).
    public static func l2Strength(_ options: TrainingOptions) -> Double {
        options.kind == .logistic ? 1 / options.inverseRegularization : options.alpha
    }
}
