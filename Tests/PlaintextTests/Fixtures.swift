import Foundation
import Plaintext
import TestSupport

/// The committed data sets (paths from the shared `TestData`).
enum Fixtures {
    static func csv(_ name: String) -> String { TestData.csv(name) }

    /// The 70/30 stratified split (seed 42) that Benchmarks/peers/sklearn_reference.py also uses.
    static func split(_ name: String) throws -> (train: Dataset, test: Dataset) {
        try Dataset.load(csv: csv(name)).stratifiedSplit(testFraction: 0.3, seed: 42)
    }
}
