// swift-tools-version: 6.1
// Training-speed benchmarks of EncryptedML's plaintext trainers.
//   swift package -Xswiftc -target-cpu -Xswiftc native --allow-writing-to-package-directory benchmark
//       (package-benchmark suite; the global -Xswiftc reaches the plugin's build, its own --Xswiftc does not)
//   swift run -c release -Xswiftc -target-cpu -Xswiftc native train-speed   (plain JSON timing)
//   python3 peers/train_peers.py   (side by side with NumPy and scikit-learn)
import Foundation
import PackageDescription

// A path dependency's identity is its folder name (a clone may be named anything).
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "EncryptedMLBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(
            name: "TrainingWorkloads",
            dependencies: [.product(name: "Plaintext", package: root), .product(name: "Models", package: root)]
        ),
        .executableTarget(name: "train-speed", dependencies: ["TrainingWorkloads"]),
        .executableTarget(
            name: "CKKSBenchmarks",
            dependencies: [.product(name: "EncryptedML", package: root), .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/CKKSBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "TrainingBenchmarks",
            dependencies: ["TrainingWorkloads", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/TrainingBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
