import Foundation

/// Shared by every test target: a seeded generator, the bundled data sets' paths and the
/// precision measure, so that no target keeps its own copy.

/// A deterministic generator (SplitMix64) for reproducible test inputs. Not for secrets.
public struct TestRNG: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
    /// A standard normal sample (Box–Muller).
    public mutating func gaussian() -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &self), v = Double.random(in: 0..<1, using: &self)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

/// `count` uniform values in `range` from seed `seed`.
public func randomVector(_ count: Int, seed: UInt64, range: ClosedRange<Double> = -1...1) -> [Double] {
    var rng = TestRNG(seed: seed)
    return (0..<count).map { _ in Double.random(in: range, using: &rng) }
}

/// Precision in bits: `−log2(max |actual − expected|)` over the compared slots (64 when equal).
public func precisionBits(_ actual: [Double], _ expected: [Double]) -> Double {
    var worst = 0.0
    for (a, e) in zip(actual, expected) { worst = max(worst, abs(a - e)) }
    return worst == 0 ? 64 : -log2(worst)
}

/// The repository's bundled data (`notebooks-data/`), found relative to this file.
public enum TestData {
    /// The package root.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Path of `notebooks-data/NAME.csv`.
    public static func csv(_ name: String) -> String {
        root.appendingPathComponent("notebooks-data/\(name).csv").path
    }
}
