import Models

/// Hyper-parameters of `Trainer.train`. Defaults follow scikit-learn's
/// `LogisticRegression(C=1)` and `MLPClassifier` so results are comparable.
public struct TrainingOptions: Sendable, Equatable {
    /// Logistic regression or MLP.
    public var kind: ModelKind
    /// Hidden layer widths of an MLP (1–3 layers); ignored for logistic regression.
    public var hidden: [Int]
    /// Hidden activation of an MLP; ignored for logistic regression.
    public var activation: ActivationKind
    /// Logistic regression: maximum L-BFGS iterations. MLP: maximum epochs.
    /// nil: 1000 iterations; for an MLP, 200 epochs (scikit-learn's `max_iter`), with the
    /// stopping rule ending it sooner.
    public var epochs: Int?
    /// Seed for the validation split, initialisation and batch shuffling.
    public var seed: UInt64
    /// Logistic regression: inverse L2 strength C; the objective is
    /// `Σ log-loss + ‖W‖² / (2C)` (intercepts not penalised), as scikit-learn.
    public var inverseRegularization: Double
    /// L-BFGS stops when the largest gradient entry of the mean objective falls below this.
    public var tolerance: Double
    /// MLP: L2 penalty `alpha`; the batch loss gets `alpha/(2·batch) · ‖W‖²` (scikit-learn's rule).
    public var alpha: Double
    /// MLP: Adam step size.
    public var learningRate: Double
    /// MLP: mini-batch size (capped at the training-set size).
    public var batchSize: Int
    /// MLP: validation-based early stopping. true: hold out `validationFraction` of the rows
    /// (stratified), stop when the validation loss has not improved by `lossTolerance` for
    /// `patience` epochs and keep the best weights. false: train on every row and stop when the
    /// *training* loss has not improved by `lossTolerance` for more than `patience` epochs
    /// (scikit-learn's default, `n_iter_no_change = 10`, `tol = 1e-4`), keeping the last
    /// weights. nil (default): validation only when the held-out part would have at least
    /// `minimumValidationRows` rows — on small data a 10 % hold-out costs more accuracy than
    /// it saves (iris: 11 rows).
    public var earlyStopping: Bool?
    /// MLP: fraction of the training rows held out (stratified) for early stopping.
    public var validationFraction: Double
    /// MLP: epochs without an improvement of at least `lossTolerance` before stopping.
    public var patience: Int
    /// MLP: the improvement of the (training or validation) loss that counts, scikit-learn's `tol`.
    public var lossTolerance: Double

    /// Held-out rows from which automatic early stopping uses validation.
    public static let minimumValidationRows = 1000

    /// Whether an MLP on `rows` training rows holds out a validation split.
    public func usesValidation(rows: Int) -> Bool {
        earlyStopping ?? (Double(rows) * validationFraction >= Double(Self.minimumValidationRows))
    }

    /// Options with the defaults above for `kind`.
    public init(kind: ModelKind, hidden: [Int] = [32], activation: ActivationKind = .relu, epochs: Int? = nil,
                seed: UInt64 = 0, inverseRegularization: Double = 1, tolerance: Double = 1e-6, alpha: Double = 1e-4,
                learningRate: Double = 1e-3, batchSize: Int = 200, earlyStopping: Bool? = nil,
                validationFraction: Double = 0.1, patience: Int = 10, lossTolerance: Double = 1e-4) {
        self.kind = kind
        self.hidden = hidden
        self.activation = activation
        self.epochs = epochs
        self.seed = seed
        self.inverseRegularization = inverseRegularization
        self.tolerance = tolerance
        self.alpha = alpha
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.earlyStopping = earlyStopping
        self.validationFraction = validationFraction
        self.patience = patience
        self.lossTolerance = lossTolerance
    }

    /// The epoch/iteration budget for `rows` training rows.
    public func effectiveEpochs(rows: Int = 0) -> Int {
        if let epochs { return epochs }
        return kind == .logistic ? 1000 : 200
    }

    /// Throws `DataError.invalidOptions` when a value is out of range.
    public func validate() throws {
        func fail(_ reason: String) -> DataError { .invalidOptions(reason: reason) }
        if let epochs, epochs < 1 || epochs > 1_000_000 { throw fail("epochs must be between 1 and 1000000, got \(epochs)") }
        if kind == .mlp {
            if hidden.isEmpty || hidden.count > 3 { throw fail("an MLP needs 1 to 3 hidden layers, got \(hidden.count)") }
            if let bad = hidden.first(where: { $0 < 1 || $0 > 4096 }) { throw fail("hidden layer width \(bad) is outside 1…4096") }
            if !(learningRate > 0 && learningRate.isFinite) { throw fail("learning rate must be positive") }
            if batchSize < 1 { throw fail("batch size must be at least 1") }
            if !(alpha >= 0 && alpha.isFinite) { throw fail("alpha must be non-negative") }
            if earlyStopping != false && !(validationFraction > 0 && validationFraction < 0.5) {
                throw fail("validation fraction must be in (0, 0.5)")
            }
            if patience < 1 { throw fail("patience must be at least 1 epoch") }
            if !(lossTolerance >= 0 && lossTolerance.isFinite) { throw fail("loss tolerance must be non-negative") }
        } else if !(inverseRegularization > 0 && inverseRegularization.isFinite) {
            throw fail("C must be positive")
        }
    }
}

/// One progress report from a trainer: after each L-BFGS iteration or MLP epoch.
public struct TrainingProgress: Sendable {
    /// 1-based iteration or epoch.
    public var epoch: Int
    /// The budget of iterations or epochs.
    public var totalEpochs: Int
    /// Mean training loss (with the L2 term).
    public var loss: Double
    /// Mean validation cross-entropy (MLP with early stopping only).
    public var validationLoss: Double?
}
