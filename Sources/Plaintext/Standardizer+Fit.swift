import Models

extension Standardizer {
    /// Fits per-feature means and population standard deviations (1 for a constant feature,
    /// as scikit-learn's StandardScaler) on a row-major `count × featureCount` matrix.
    /// Two passes over contiguous memory, O(count · featureCount).
    public init(fitting features: [Double], count: Int, featureCount d: Int) {
        precondition(features.count == count * d, "feature matrix size mismatch")
        var mean = [Double](repeating: 0, count: d)
        var variance = [Double](repeating: 0, count: d)
        features.withUnsafeBufferPointer { x in
            mean.withUnsafeMutableBufferPointer { m in
                for i in 0..<count { for j in 0..<d { m[j] += x[i &* d &+ j] } }
                for j in 0..<d { m[j] /= Double(max(count, 1)) }
                variance.withUnsafeMutableBufferPointer { v in
                    for i in 0..<count {
                        for j in 0..<d { let t = x[i &* d &+ j] - m[j]; v[j] += t * t }
                    }
                }
            }
        }
        let scale = variance.map { v -> Double in
            let s = (v / Double(max(count, 1))).squareRoot()
            return s > 1e-12 ? s : 1
        }
        self.init(mean: mean, scale: scale)
    }

    /// Standardizes a row-major matrix in place. O(count · featureCount).
    public func transform(rows features: inout [Double], featureCount d: Int) {
        precondition(d == featureCount && features.count % max(d, 1) == 0, "feature matrix size mismatch")
        features.withUnsafeMutableBufferPointer { x in
            mean.withUnsafeBufferPointer { m in
                scale.withUnsafeBufferPointer { s in
                    var k = 0
                    while k < x.count {
                        for j in 0..<d { x[k &+ j] = (x[k &+ j] - m[j]) / s[j] }  // divide, exactly as Standardizer.transform
                        k &+= d
                    }
                }
            }
        }
    }
}
