// swift-tools-version: 6.1
// EncryptedML: machine-learning inference on CKKS-encrypted data.
// The library targets carry no unsafeFlags so the package stays usable as a
// versioned dependency; `make` passes `-Xswiftc -target-cpu -Xswiftc native`.
import PackageDescription

let package = Package(
    name: "EncryptedML",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "EncryptedML", targets: ["EncryptedML"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Plaintext", targets: ["Plaintext"]),
        .executable(name: "encml", targets: ["encml"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "Models"),
        .target(name: "Plaintext", dependencies: ["Models", "CBLAS"]),
        .target(
            name: "EncryptedML",
            dependencies: [
                "Models",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "encml",
            dependencies: [
                "Models", "Plaintext", "EncryptedML",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ModelsTests", dependencies: ["Models"]),
        .testTarget(name: "EncryptedMLTests", dependencies: ["EncryptedML", "Models", "Plaintext"]),
        .testTarget(name: "PlaintextTests", dependencies: ["Plaintext", "Models"]),
        .testTarget(name: "encmlTests", dependencies: ["encml"]),  // runs the built binary as a subprocess
        // Test targets are added with their first tests: PlaintextTests, EncryptedMLTests, encmlTests.
    ]
)
