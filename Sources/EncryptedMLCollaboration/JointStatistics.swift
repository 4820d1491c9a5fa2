import Foundation
import Models

/// Per-feature count, mean and (population) standard deviation and per-class counts over the
/// union of the parties' rows, in two passes of encrypted summation and collective decryption:
/// the sum of the parties' local vectors `[n_i, Σx (d values), Σx² (d values), class counts (K values)]`
/// gives coarse statistics (the smudging noise leaves about 2^−20 of absolute error, too much
/// for features of small variance), then the sum of `[Σz, Σz²]` with `z = (x − μ̂)/ŝ` refines
/// mean and deviation to full relative precision.
public struct JointStatistics: Sendable, Equatable {
    /// Joint row count (rounded from the decrypted sum).
    public var rows: Int
    /// Feature names.
    public var features: [String]
    /// Per-feature means.
    public var mean: [Double]
    /// Per-feature population standard deviations.
    public var std: [Double]
    /// Class labels.
    public var labels: [String]
    /// Per-class row counts (rounded).
    public var classCounts: [Int]

    /// The local vector of one party: `[n, Σx_j, Σx_j², count_k]`, length `1 + 2d + K`.
    /// Cost: O(n·d).
    public static func localVector(features x: [Double], rows n: Int, featureCount d: Int, labels: [Int],
                                   classCount k: Int) -> [Double] {
        var v = [Double](repeating: 0, count: 1 + 2 * d + k)
        v[0] = Double(n)
        for i in 0..<n {
            for j in 0..<d {
                let value = x[i * d + j]
                v[1 + j] += value
                v[1 + d + j] += value * value
            }
        }
        for label in labels { v[1 + 2 * d + label] += 1 }
        return v
    }

    /// Decodes a joint vector. `announcedRows` is the sum of the rows the parties announced.
    /// - Throws: `.rowCountMismatch` when the joint count is not that sum (within ½), `.invalid`
    ///   for a vector of the wrong length.
    public init(jointVector v: [Double], features: [String], labels: [String], announcedRows: Int) throws {
        let d = features.count, k = labels.count
        guard v.count >= 1 + 2 * d + k else {
            throw CollaborationError.invalid("the joint statistics vector has \(v.count) values, expected \(1 + 2 * d + k)")
        }
        guard abs(v[0] - Double(announcedRows)) < 0.5, announcedRows > 0 else {
            throw CollaborationError.rowCountMismatch(joint: v[0], announced: announcedRows)
        }
        let n = Double(announcedRows)
        rows = announcedRows
        self.features = features
        self.labels = labels
        mean = (0..<d).map { v[1 + $0] / n }
        std = (0..<d).map { j in
            let m = v[1 + j] / n
            return max(v[1 + d + j] / n - m * m, 0).squareRoot()
        }
        classCounts = (0..<k).map { Int(v[1 + 2 * d + $0].rounded()) }
    }

    /// A party's second-pass vector `[Σ z_j, Σ z_j²]` (length 2d) with `z = (x − μ̂)/ŝ` from the
    /// first-pass (coarse) statistics: values of order n whatever the feature's magnitude, so the
    /// smudging noise's absolute error becomes a negligible relative one. Cost: O(n·d).
    public func refinementVector(features x: [Double], rows n: Int) -> [Double] {
        let d = features.count
        let s = standardizer
        var v = [Double](repeating: 0, count: 2 * d)
        for i in 0..<n {
            for j in 0..<d {
                let z = (x[i * d + j] - s.mean[j]) / s.scale[j]
                v[j] += z
                v[d + j] += z * z
            }
        }
        return v
    }

    /// The statistics refined by the joint second-pass vector: `mean = μ̂ + ŝ·Σz/n`,
    /// `std = ŝ·√(Σz²/n − (Σz/n)²)`.
    /// - Throws: `.invalid` for a vector of the wrong length.
    public func refined(by v: [Double]) throws -> JointStatistics {
        let d = features.count
        guard v.count >= 2 * d else {
            throw CollaborationError.invalid("the refinement vector has \(v.count) values, expected \(2 * d)")
        }
        let s = standardizer
        let n = Double(rows)
        var out = self
        for j in 0..<d {
            let zMean = v[j] / n
            out.mean[j] = s.mean[j] + s.scale[j] * zMean
            out.std[j] = s.scale[j] * max(v[d + j] / n - zMean * zMean, 0).squareRoot()
        }
        return out
    }

    /// The joint standardizer (scale 1 for a constant feature, as `Standardizer(fitting:)`).
    public var standardizer: Standardizer {
        Standardizer(mean: mean, scale: std.map { $0 > 1e-12 ? $0 : 1 })
    }

    /// `{"rows": n, "features": {"NAME": {"mean": …, "std": …}}, "classes": {"LABEL": count}}`.
    public var jsonObject: [String: Any] {
        var featureObject: [String: Any] = [:]
        for (j, name) in features.enumerated() { featureObject[name] = ["mean": mean[j], "std": std[j]] }
        var classObject: [String: Any] = [:]
        for (k, label) in labels.enumerated() { classObject[label] = classCounts[k] }
        return ["rows": rows, "features": featureObject, "classes": classObject]
    }
}
