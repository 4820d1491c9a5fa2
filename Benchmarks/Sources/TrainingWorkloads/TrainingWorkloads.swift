import Foundation
import Models
import Plaintext

/// The training workloads measured by the benchmarks and compared with scikit-learn by
/// `Benchmarks/peers/train_peers.py`: the same data, split, algorithm, epochs and batch size.
public struct TrainingWorkloads: Sendable {
    /// digits, 70/30 stratified split (seed 42), training part: 1258 × 64, 10 classes.
    public let digits: Dataset
    /// breast_cancer, 70/30 stratified split (seed 42), training part: 398 × 30, 2 classes.
    public let breastCancer: Dataset

    /// Loads both data sets from `notebooks-data/` under `root` (the repository).
    public init(root: String) throws {
        digits = try Dataset.load(csv: root + "/notebooks-data/digits.csv").stratifiedSplit(testFraction: 0.3, seed: 42).train
        breastCancer = try Dataset.load(csv: root + "/notebooks-data/breast_cancer.csv").stratifiedSplit(testFraction: 0.3, seed: 42).train
    }

    /// The repository root: `ENCML_ROOT` or the first ancestor of the working folder holding notebooks-data/.
    public static func findRoot() -> String {
        if let root = ProcessInfo.processInfo.environment["ENCML_ROOT"] { return root }
        var url = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        for _ in 0..<4 {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("notebooks-data/digits.csv").path) { return url.path }
            url.deleteLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath
    }

    /// MLP 64-32-10, relu, Adam (lr 1e-3), batch 200, alpha 1e-4, exactly `epochs` epochs (no early stopping),
    /// as scikit-learn's MLPClassifier((32,), max_iter=epochs, n_iter_no_change=epochs).
    public static func mlpOptions(epochs: Int) -> TrainingOptions {
        var options = TrainingOptions(kind: .mlp, hidden: [32], activation: .relu, epochs: epochs, seed: 0)
        options.earlyStopping = false
        return options
    }

    /// Logistic regression, L2 with C = 1, L-BFGS stopping at max |mean gradient| ≤ 1e-4,
    /// as scikit-learn's LogisticRegression(C=1, tol=1e-4, solver="lbfgs").
    public static let logisticOptions: TrainingOptions = {
        var options = TrainingOptions(kind: .logistic, seed: 0)
        options.tolerance = 1e-4
        return options
    }()

    /// Trains the digits MLP for `epochs` epochs.
    public func trainMLP(epochs: Int = 100) throws -> TrainedModel {
        try Trainer.train(digits, options: Self.mlpOptions(epochs: epochs))
    }

    /// Trains the breast_cancer logistic regression; also returns the L-BFGS iterations used.
    public func trainLogistic() throws -> (model: TrainedModel, iterations: Int) {
        final class Counter: @unchecked Sendable { var value = 0 }
        let counter = Counter()
        let model = try Trainer.train(breastCancer, options: Self.logisticOptions) { counter.value = $0.epoch }
        return (model, counter.value)
    }
}
