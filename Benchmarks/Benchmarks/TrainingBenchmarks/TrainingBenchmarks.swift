// package-benchmark suite for plaintext training speed.
// Run from Benchmarks/:
//   swift package -Xswiftc -target-cpu -Xswiftc native --allow-writing-to-package-directory benchmark
import Benchmark
import TrainingWorkloads

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
                                           maxDuration: .seconds(5), maxIterations: 50)
    let workloads = try! TrainingWorkloads(root: TrainingWorkloads.findRoot())

    Benchmark("MLP 64-32-10 digits, 100 epochs, batch 200") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try workloads.trainMLP(epochs: 100))
        }
    }

    Benchmark("Logistic regression breast_cancer, L-BFGS to 1e-4") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try workloads.trainLogistic())
        }
    }
}
