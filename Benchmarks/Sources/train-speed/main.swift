// Plain release-mode timing of the training workloads, printed as one JSON object so that
// Benchmarks/peers/train_peers.py can put it side by side with NumPy and scikit-learn.
// Usage: train-speed [repetitions]   (run from the repository or set ENCML_ROOT)
import Foundation
import TrainingWorkloads

func medianMilliseconds(_ repetitions: Int, _ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<repetitions {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    times.sort()
    return times[times.count / 2]
}

do {
    let repetitions = max(1, Int(CommandLine.arguments.dropFirst().first ?? "") ?? 7)
    let workloads = try TrainingWorkloads(root: TrainingWorkloads.findRoot())
    _ = try workloads.trainMLP(epochs: 5)  // warm-up (page in OpenBLAS)
    let mlpMs = try medianMilliseconds(repetitions) { _ = try workloads.trainMLP(epochs: 100) }
    var iterations = 0
    let lrMs = try medianMilliseconds(repetitions * 3) { iterations = try workloads.trainLogistic().iterations }
    let json = """
    {"mlp_digits_100_epochs_ms": \(mlpMs), "lr_breast_cancer_ms": \(lrMs), "lr_iterations": \(iterations), \
    "digits_rows": \(workloads.digits.count), "breast_cancer_rows": \(workloads.breastCancer.count), "repetitions": \(repetitions)}
    """
    print(json)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
