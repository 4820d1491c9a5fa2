import Foundation

/// Cross-entropy of a sigmoid (width 1) or softmax (width ≥ 2) output layer.
@usableFromInline
enum CrossEntropy {
    /// Turns logits into the residual `p − onehot(y)` in place and returns the summed loss.
    /// `z` is row-major `rows × width`; width 1 means a single sigmoid logit with class 1
    /// positive. Numerically stable (log-sum-exp with the row maximum). O(rows · width).
    @inlinable
    static func residual(_ z: UnsafeMutablePointer<Double>, rows: Int, width: Int, labels: UnsafePointer<Int>) -> Double {
        var loss = 0.0
        if width == 1 {
            for i in 0..<rows {
                let v = z[i], y = Double(labels[i])
                loss += max(v, 0) + log1p(exp(-abs(v))) - y * v
                z[i] = 1 / (1 + exp(-v)) - y
            }
            return loss
        }
        for i in 0..<rows {
            let row = z + i &* width
            var m = row[0]
            for k in 1..<width where row[k] > m { m = row[k] }
            var sum = 0.0
            for k in 0..<width { let e = exp(row[k] - m); row[k] = e; sum += e }
            let y = labels[i]
            let inv = 1 / sum
            // loss = log Σ e^(z_k) − z_y = log(sum) − log(e_y)
            loss -= log(max(row[y] * inv, 1e-300))
            for k in 0..<width { row[k] *= inv }
            row[y] -= 1
        }
        return loss
    }

    /// Summed loss without touching the logits (for validation). O(rows · width).
    static func loss(_ z: UnsafePointer<Double>, rows: Int, width: Int, labels: UnsafePointer<Int>) -> Double {
        var loss = 0.0
        for i in 0..<rows {
            if width == 1 {
                let v = z[i]
                loss += max(v, 0) + log1p(exp(-abs(v))) - Double(labels[i]) * v
            } else {
                let row = z + i &* width
                var m = row[0]
                for k in 1..<width where row[k] > m { m = row[k] }
                var sum = 0.0
                for k in 0..<width { sum += exp(row[k] - m) }
                loss += log(sum) + m - row[labels[i]]
            }
        }
        return loss
    }
}
