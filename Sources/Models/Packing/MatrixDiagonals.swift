/// Generalized ("extended") diagonals of a dense `m×n` matrix embedded in a `D×D` block.
///
/// With `span = D` these are the Halevi–Shoup diagonals `diag_i[r] = W[r][(r + i) mod D]`
/// and `W·x = Σ_i diag_i ⊙ rot(x, i)` for `x` zero-padded to D (rotations cyclic within
/// the block). For a matrix with fewer rows than the block, a smaller power-of-two
/// `span ≥ m` (Gazelle's hybrid method) needs only `span` diagonals of length D,
/// `diag_i[s] = W[s mod span][(s + i) mod D]`: then `t = Σ_{i<span} diag_i ⊙ rot(x, i)`
/// and `y[r] = Σ_j t[r + j·span]`, a rotate-and-sum by `span, 2·span, …, D/2` — far fewer
/// products and rotations for wide layers (logistic regression is `span = 1`).
///
/// Rows ≥ m and columns ≥ n are zero (padding): any shape fits. All-zero diagonals are
/// reported as `nil` so the evaluator skips them.
public struct MatrixDiagonals: Sendable, Equatable {
    /// The block size D (≥ max(m, n)).
    public let blockSize: Int
    /// The number of diagonals (a power of two ≥ m dividing D).
    public let span: Int
    /// `diagonals[i]` is diagonal `i` (D values) or nil when it is all zero.
    public let diagonals: [[Double]?]

    /// The smallest power of two ≥ `rows`, at most `blockSize`: the hybrid method's span.
    public static func span(rows: Int, blockSize d: Int) -> Int {
        var s = 1
        while s < rows && s < d { s <<= 1 }
        return s
    }

    /// Extracts the `span` diagonals of the row-major `rows × columns` matrix `weights`
    /// (`span` defaults to the hybrid span for `rows`). O(span·D).
    /// - Precondition: `weights.count == rows·columns`, `rows, columns ≤ blockSize`,
    ///   `span` a power of two in `rows…blockSize`.
    public init(weights: [Double], rows: Int, columns: Int, blockSize d: Int, span: Int? = nil) {
        let span = span ?? Self.span(rows: rows, blockSize: d)
        precondition(weights.count == rows * columns && rows <= d && columns <= d && rows > 0 && columns > 0)
        precondition(span >= rows && span <= d && d % span == 0)
        blockSize = d
        self.span = span
        var result: [[Double]?] = []
        result.reserveCapacity(span)
        for i in 0..<span {
            var diagonal = [Double](repeating: 0, count: d)
            var nonZero = false
            for s in 0..<d {
                let r = s % span
                let c = (s + i) % d
                if r < rows && c < columns {
                    let w = weights[r * columns + c]
                    diagonal[s] = w
                    if w != 0 { nonZero = true }
                }
            }
            result.append(nonZero ? diagonal : nil)
        }
        diagonals = result
    }

    /// `W·x` computed the diagonal way in plain Double (for tests): `t = Σ_i diag_i ⊙ rot(x, i)`,
    /// then `y[r] = Σ_j t[r + j·span]`; returns the first `span` outputs.
    public func apply(_ x: [Double]) -> [Double] {
        let d = blockSize
        var padded = [Double](repeating: 0, count: d)
        for (i, v) in x.prefix(d).enumerated() { padded[i] = v }
        var t = [Double](repeating: 0, count: d)
        for (i, diagonal) in diagonals.enumerated() {
            guard let diagonal else { continue }
            for s in 0..<d { t[s] += diagonal[s] * padded[(s + i) % d] }
        }
        return (0..<span).map { r in stride(from: r, to: d, by: span).reduce(0.0) { $0 + t[$1] } }
    }
}
