/// Per-feature affine standardization `(x − mean) / scale`, fitted on training data.
public struct Standardizer: Codable, Sendable, Equatable {
    /// Per-feature mean.
    public var mean: [Double]
    /// Per-feature scale (standard deviation; 1 where a feature is constant).
    public var scale: [Double]

    /// Creates a standardizer from explicit means and scales.
    public init(mean: [Double], scale: [Double]) {
        self.mean = mean
        self.scale = scale
    }

    /// Fits means and population standard deviations on row-major rows. O(n·d).
    public init(fitting rows: [[Double]]) {
        let d = rows.first?.count ?? 0
        var mean = [Double](repeating: 0, count: d)
        var m2 = [Double](repeating: 0, count: d)
        var count = 0.0
        for row in rows {  // Welford, numerically stable
            count += 1
            for j in 0..<d {
                let delta = row[j] - mean[j]
                mean[j] += delta / count
                m2[j] += delta * (row[j] - mean[j])
            }
        }
        self.mean = mean
        self.scale = m2.map { v in
            let s = (v / Swift.max(count, 1)).squareRoot()
            return s > 1e-12 ? s : 1
        }
    }

    /// Number of features.
    public var featureCount: Int { mean.count }

    /// Standardizes one row. O(d).
    public func transform(_ row: [Double]) -> [Double] {
        var out = row
        for j in 0..<Swift.min(row.count, mean.count) { out[j] = (row[j] - mean[j]) / scale[j] }
        return out
    }
}
