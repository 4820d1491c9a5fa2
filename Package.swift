// swift-tools-version: 6.1
// EncryptedML: machine-learning inference on CKKS-encrypted data.
// The library targets carry no unsafeFlags so the package stays usable as a
// versioned dependency; `make` passes `-Xswiftc -target-cpu -Xswiftc native`.
import PackageDescription

let package = Package(
    name: "EncryptedML",
    platforms: [.macOS(.v15)],  // UInt128 (CKKS CRT decoding) and Synchronization.Mutex need macOS 15
    products: [
        .library(name: "EncryptedML", targets: ["EncryptedML"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Plaintext", targets: ["Plaintext"]),
        .library(name: "ModelImport", targets: ["ModelImport"]),
        .library(name: "EncryptedMLService", targets: ["EncryptedMLService"]),
        .library(name: "EncryptedMLServer", targets: ["EncryptedMLServer"]),
        .library(name: "EncryptedMLSQLiteStore", targets: ["EncryptedMLSQLiteStore"]),
        .library(name: "EncryptedMLPostgresStore", targets: ["EncryptedMLPostgresStore"]),
        .library(name: "EncryptedMLCollaboration", targets: ["EncryptedMLCollaboration"]),
        .library(name: "EncryptedMLClient", targets: ["EncryptedMLClient"]),
        .executable(name: "encml", targets: ["encml"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Metrics recorded through swift-metrics, exposed in Prometheus format; graceful shutdown.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // Evaluation keys in an SQLite file (SQLite compiled in: no system library needed).
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        // Evaluation keys in PostgreSQL, shared by replicas.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Documentation only: `swift package generate-documentation --target EncryptedML`.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
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
        // ONNX → TrainedModel (`encml import`). The ONNX schema's Swift code is generated once
        // with protoc + protoc-gen-swift and committed (Generated/); no plugin in the build.
        .target(
            name: "ModelImport",
            dependencies: ["Models", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .target(
            name: "EncryptedML",
            dependencies: [
                "Models",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // Server-side embedding API: model cache, key registry, limits, metrics. No HTTP.
        .target(
            name: "EncryptedMLService",
            dependencies: [
                "EncryptedML", "Models", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The SQLite key store (EvaluationKeyStore): keys that survive a restart.
        .target(
            name: "EncryptedMLSQLiteStore",
            dependencies: [
                "EncryptedMLService",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The PostgreSQL key store (EvaluationKeyStore): keys shared by several replicas.
        .target(
            name: "EncryptedMLPostgresStore",
            dependencies: [
                "EncryptedMLService",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The HTTP server (Hummingbird) over EncryptedMLService; only encml and server apps pay for it.
        .target(
            name: "EncryptedMLServer",
            dependencies: [
                "EncryptedMLService", "EncryptedML", "Models",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Several data owners: threshold-CKKS sessions, the coordinator (Hummingbird) and the party client.
        .target(
            name: "EncryptedMLCollaboration",
            dependencies: [
                "EncryptedML", "Models", "Plaintext",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The HTTP client an app (and `encml query`) uses to call an EncryptedML server.
        .target(
            name: "EncryptedMLClient",
            dependencies: ["EncryptedML", "EncryptedMLService", "Models"]
        ),
        .executableTarget(
            name: "encml",
            dependencies: [
                "Models", "Plaintext", "ModelImport", "EncryptedML", "EncryptedMLService", "EncryptedMLServer",
                "EncryptedMLSQLiteStore", "EncryptedMLPostgresStore", "EncryptedMLCollaboration", "EncryptedMLClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Shared by the test targets: seeded RNG, the bundled data's paths, precision in bits.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "TestSupport"]),
        .testTarget(name: "EncryptedMLTests", dependencies: ["EncryptedML", "Models", "Plaintext", "TestSupport"]),
        .testTarget(name: "PlaintextTests", dependencies: ["Plaintext", "Models", "TestSupport"]),
        .testTarget(
            name: "ModelImportTests",
            dependencies: ["ModelImport", "Models", "Plaintext", "EncryptedML"],
            exclude: ["Fixtures"]  // read by path (#filePath), like the CSVs
        ),
        .testTarget(name: "encmlTests", dependencies: ["encml", "TestSupport"]),  // runs the built binary as a subprocess
        .testTarget(
            name: "EncryptedMLServiceTests",
            dependencies: ["EncryptedMLService", "EncryptedML", "Models", "Plaintext"]
        ),
        .testTarget(
            name: "EncryptedMLCollaborationTests",
            dependencies: ["EncryptedMLCollaboration", "EncryptedML", "Models", "Plaintext", "TestSupport",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "EncryptedMLServerTests",
            dependencies: [
                "EncryptedMLServer", "EncryptedMLService", "EncryptedMLClient", "EncryptedML", "Models", "Plaintext",
                "EncryptedMLSQLiteStore", "EncryptedMLPostgresStore", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        // Test targets are added with their first tests: PlaintextTests, EncryptedMLTests, encmlTests.
    ]
)
