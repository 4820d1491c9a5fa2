import Models

extension Trainer {
    /// Trains from a given standardizer and, when `warmStart` is given, from its weights (same
    /// kind and shape) instead of a fresh initialisation: one party's local step of federated
    /// training, whose standardizer comes from joint statistics rather than from its own rows.
    /// The data set's class labels fix the output width (a party may lack some classes: at
    /// least one row is enough). Cost: as `train(_:options:progress:)`.
    /// - Throws: `DataError.invalidOptions` for invalid options, an empty data set, fewer than two
    ///   class labels, or a standardizer or warm-start model of another shape.
    public static func train(_ dataset: Dataset, options: TrainingOptions, standardizer: Standardizer,
                             warmStart: TrainedModel?, progress: ((TrainingProgress) -> Void)? = nil) throws -> TrainedModel {
        try options.validate()
        BLAS.singleThreaded
        guard dataset.count >= 1, dataset.classCount >= 2 else {
            throw DataError.invalidOptions(reason: "local training needs at least one row and two class labels, found \(dataset.count) rows and \(dataset.classCount) labels")
        }
        let n = dataset.count, d = dataset.featureCount
        guard standardizer.featureCount == d else {
            throw DataError.invalidOptions(reason: "the standardizer has \(standardizer.featureCount) features, the data \(d)")
        }
        if let warmStart, warmStart.kind != options.kind || warmStart.featureCount != d || warmStart.classCount != dataset.classCount {
            throw DataError.invalidOptions(reason: "the warm-start model's kind or shape differs from the data and options")
        }
        var x = dataset.features
        standardizer.transform(rows: &x, featureCount: d)
        let link: OutputLink = dataset.classCount == 2 ? .sigmoid : .softmax
        switch options.kind {
        case .logistic:
            let layer = LogisticRegressionTrainer.fit(x: x, n: n, d: d, labels: dataset.labels, classCount: dataset.classCount,
                                                      options: options, initial: warmStart?.layers.first, progress: progress)
            return try TrainedModel(kind: .logistic, featureNames: dataset.featureNames, targetName: dataset.targetName,
                                    classLabels: dataset.classLabels, standardizer: standardizer, layers: [layer],
                                    activations: [], link: link)
        case .mlp:
            let (layers, activations) = try MLPTrainer.fit(x: x, n: n, d: d, labels: dataset.labels,
                                                           classCount: dataset.classCount, options: options,
                                                           initial: warmStart, progress: progress)
            return try TrainedModel(kind: .mlp, featureNames: dataset.featureNames, targetName: dataset.targetName,
                                    classLabels: dataset.classLabels, standardizer: standardizer, layers: layers,
                                    activations: activations, link: link)
        }
    }
}

extension Trainer {
    /// The starting model of federated training, identical at every party for the same
    /// `options.seed`: zero weights for logistic regression, the trainer's seeded Glorot
    /// initialisation for an MLP. Cost: O(parameters).
    /// - Throws: `DataError.invalidOptions` for invalid options or fewer than two class labels.
    public static func initialModel(options: TrainingOptions, featureNames: [String], targetName: String,
                                    classLabels: [String], standardizer: Standardizer) throws -> TrainedModel {
        try options.validate()
        guard classLabels.count >= 2, !featureNames.isEmpty, standardizer.featureCount == featureNames.count else {
            throw DataError.invalidOptions(reason: "a model needs features, a matching standardizer and two class labels")
        }
        let d = featureNames.count
        let width = classLabels.count == 2 ? 1 : classLabels.count
        let link: OutputLink = classLabels.count == 2 ? .sigmoid : .softmax
        switch options.kind {
        case .logistic:
            let layer = DenseLayer(inputCount: d, outputCount: width, weights: [Double](repeating: 0, count: d * width),
                                   bias: [Double](repeating: 0, count: width))
            return try TrainedModel(kind: .logistic, featureNames: featureNames, targetName: targetName,
                                    classLabels: classLabels, standardizer: standardizer, layers: [layer],
                                    activations: [], link: link)
        case .mlp:
            var rng = SeededGenerator(seed: options.seed ^ 0x5EED_0F_A11)
            var network = MLPNetwork(sizes: [d] + options.hidden + [width], activation: options.activation, capacity: 1)
            network.initialize(using: &rng)
            let (layers, activations) = network.export()
            return try TrainedModel(kind: .mlp, featureNames: featureNames, targetName: targetName,
                                    classLabels: classLabels, standardizer: standardizer, layers: layers,
                                    activations: activations, link: link)
        }
    }
}
