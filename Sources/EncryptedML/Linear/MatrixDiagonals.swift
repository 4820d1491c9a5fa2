/// Generalized diagonals of a dense `m×n` matrix embedded in a `D×D` block
/// (Halevi–Shoup): `diag_i[r] = W[r][(r + i) mod D]` when `r < m` and
/// `(r + i) mod D < n`, else 0, so that `W·x = Σ_i diag_i ⊙ rot(x, i)` for a vector
/// `x` zero-padded to `D` (rotations cyclic within the block).
///
/// Padding rows and columns with zeros is what lets any shape (rectangular, not a
/// power of two) use the same square block; all-zero diagonals are reported as `nil`
/// so the evaluator skips them.
public struct MatrixDiagonals: Sendable, Equatable {
    /// The block size D (≥ max(m, n)).
    public let blockSize: Int
    /// `diagonals[i]` is diagonal `i` (D values) or nil when it is all zero.
    public let diagonals: [[Double]?]

    /// Extracts the diagonals of the row-major `rows × columns` matrix `weights`. O(D²).
    /// - Precondition: `weights.count == rows·columns`, `rows, columns ≤ blockSize`.
    public init(weights: [Double], rows: Int, columns: Int, blockSize d: Int) {
        precondition(weights.count == rows * columns && rows <= d && columns <= d && rows > 0 && columns > 0)
        blockSize = d
        var result: [[Double]?] = []
        result.reserveCapacity(d)
        for i in 0..<d {
            var diagonal = [Double](repeating: 0, count: d)
            var nonZero = false
            for r in 0..<rows {
                let c = (r + i) % d
                if c < columns {
                    let w = weights[r * columns + c]
                    diagonal[r] = w
                    if w != 0 { nonZero = true }
                }
            }
            result.append(nonZero ? diagonal : nil)
        }
        diagonals = result
    }

    /// `W·x` computed the diagonal way in plain Double (for tests): `y[r] = Σ_i diag_i[r]·x[(r+i) mod D]`.
    public func apply(_ x: [Double]) -> [Double] {
        let d = blockSize
        var padded = x + [Double](repeating: 0, count: max(0, d - x.count))
        padded.removeLast(max(0, padded.count - d))
        var y = [Double](repeating: 0, count: d)
        for (i, diagonal) in diagonals.enumerated() {
            guard let diagonal else { continue }
            for r in 0..<d { y[r] += diagonal[r] * padded[(r + i) % d] }
        }
        return y
    }
}
