// swift-tools-version: 6.1
// libFuzzer targets for every reader of untrusted input: the binary key and ciphertext
// readers, the two model JSON readers and the CSV reader. Built and run by `Fuzz/run.sh`
// (`make fuzz`): `swift build -Xswiftc -sanitize=fuzzer` instruments every module.
// Each target defines `LLVMFuzzerTestOneInput`; libFuzzer provides `main`.
import PackageDescription

let fuzzers = ["secret-key", "public-key", "evaluation-keys", "ciphertexts", "trained-model-json", "converted-model-json", "csv"]

let package = Package(
    name: "EncryptedMLFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "EncryptedML", path: "..")],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [.product(name: "EncryptedML", package: "EncryptedML"), .product(name: "Models", package: "EncryptedML")],
            path: "Sources/FuzzSupport"
        ),
    ] + fuzzers.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: [
                "FuzzSupport",
                .product(name: "EncryptedML", package: "EncryptedML"),
                .product(name: "Models", package: "EncryptedML"),
                .product(name: "Plaintext", package: "EncryptedML"),
            ],
            path: "Sources/fuzz-\(name)",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    }
)
