import Foundation
import Plaintext

/// Paths of the committed data sets, found relative to this file.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func csv(_ name: String) -> String {
        root.appendingPathComponent("notebooks-data/\(name).csv").path
    }

    /// The 70/30 stratified split (seed 42) that Benchmarks/peers/sklearn_reference.py also uses.
    static func split(_ name: String) throws -> (train: Dataset, test: Dataset) {
        try Dataset.load(csv: csv(name)).stratifiedSplit(testFraction: 0.3, seed: 42)
    }
}
