import Models

/// Trains plaintext classifiers on OpenBLAS and returns them as `TrainedModel`s.
///
/// Features are standardized with statistics of the training rows (stored in the model);
/// logistic regression uses full-batch L-BFGS, MLPs mini-batch Adam (see `TrainingOptions`).
/// OpenBLAS is switched to a single thread on first use (see `BLAS.singleThreaded`).
public enum Trainer {
    /// Trains a model of `kind` on `dataset`. `epochs` nil means the default budget.
    /// Cost: logistic O(iterations · n·d·K); MLP O(epochs · n · Σ layer sizes).
    public static func train(_ dataset: Dataset, kind: ModelKind, hidden: [Int] = [32],
                             activation: ActivationKind = .relu, epochs: Int? = nil, seed: UInt64 = 0,
                             progress: ((TrainingProgress) -> Void)? = nil) throws -> TrainedModel {
        try train(dataset, options: TrainingOptions(kind: kind, hidden: hidden, activation: activation,
                                                    epochs: epochs, seed: seed), progress: progress)
    }

    /// Trains a model with full control over the hyper-parameters. Throws `DataError` for
    /// invalid options or a data set with fewer than two classes.
    public static func train(_ dataset: Dataset, options: TrainingOptions,
                             progress: ((TrainingProgress) -> Void)? = nil) throws -> TrainedModel {
        try options.validate()
        BLAS.singleThreaded
        let classesPresent = Set(dataset.labels).count
        guard dataset.classCount >= 2, classesPresent >= 2 else {
            throw DataError.invalidOptions(reason: "the training data needs rows of at least two classes, found \(classesPresent)")
        }
        let n = dataset.count, d = dataset.featureCount
        let standardizer = Standardizer(fitting: dataset.features, count: n, featureCount: d)
        var x = dataset.features
        standardizer.transform(rows: &x, featureCount: d)
        let link: OutputLink = dataset.classCount == 2 ? .sigmoid : .softmax

        switch options.kind {
        case .logistic:
            let layer = LogisticRegressionTrainer.fit(x: x, n: n, d: d, labels: dataset.labels,
                                                      classCount: dataset.classCount, options: options, progress: progress)
            return try TrainedModel(kind: .logistic, featureNames: dataset.featureNames, targetName: dataset.targetName,
                                    classLabels: dataset.classLabels, standardizer: standardizer, layers: [layer],
                                    activations: [], link: link)
        case .mlp:
            let (layers, activations) = try MLPTrainer.fit(x: x, n: n, d: d, labels: dataset.labels,
                                                           classCount: dataset.classCount, options: options, progress: progress)
            return try TrainedModel(kind: .mlp, featureNames: dataset.featureNames, targetName: dataset.targetName,
                                    classLabels: dataset.classLabels, standardizer: standardizer, layers: layers,
                                    activations: activations, link: link)
        }
    }
}
