/// How one dense layer is evaluated in single-query packing, worked out once at conversion
/// and stored in the plan: the number of extended diagonals (`span`, Gazelle's hybrid
/// layout), the baby steps, the non-zero diagonals and the exact rotation steps the runtime
/// performs. Keygen, the size estimate, the `convert` report and the server's model
/// description read these; the runtime (`EncodedLinearLayer`) checks that what it builds
/// matches them.
///
/// Layout (see `MatrixDiagonals`): the `m×n` matrix sits in a `D×D` block; its `span` (the
/// power of two ≥ m, at most D) diagonals `diag_i[s] = W[s mod span][(s + i) mod D]` give
/// `t = Σ_{i<span} diag_i ⊙ rot(x, i)`, then `y[r] = Σ_j t[r + j·span]` by rotate-and-sum.
/// Weight `W[r][c]` lies on diagonal `(c − r) mod span` only, so the non-zero diagonals
/// follow from the non-zero weights in O(m·n).
///
/// BSGS: with `g = min(G, span)` baby steps (G the plan's `2^⌈log2(D)/2⌉`), diagonal
/// `i = j·g + k` needs baby rotation `k` (hoisted, when `k ≠ 0`) and giant rotation `j·g`
/// (when `j ≠ 0`); the rotate-and-sum needs `span, 2·span, …, D/2`. Only steps of non-zero
/// diagonals are listed, so a layer costs `(g − 1) + (span/g − 1) + log2(D/span)`
/// rotations at most (a D×D layer ≈ 2√D; logistic regression, span 1: log2 D).
public struct LinearLayerPacking: Codable, Sendable, Equatable {
    /// Output width m.
    public var rows: Int
    /// Input width n.
    public var columns: Int
    /// Number of extended diagonals: the power of two ≥ m, at most D.
    public var span: Int
    /// Baby steps g = min(plan baby steps, span).
    public var babySteps: Int
    /// Indices (ascending, `< span`) of the diagonals holding a non-zero weight.
    public var nonZeroDiagonals: [Int]
    /// Rotation steps (slot i ← slot i + k) the layer performs, ascending.
    public var rotations: [Int]

    /// Analyses `layer` in a block of `blockSize` with the plan's `planBabySteps`.
    /// O(m·n + span).
    /// - Throws: `ModelError.invalid` when the block is not a power of two ≥ both widths or
    ///   the baby steps do not divide it.
    public init(layer: DenseLayer, blockSize d: Int, babySteps planBabySteps: Int) throws {
        let m = layer.outputCount, n = layer.inputCount
        guard d >= 2, d & (d - 1) == 0, m >= 1, n >= 1, m <= d, n <= d else {
            throw ModelError.invalid(reason: "a block of \(d) slots cannot hold a \(m)×\(n) layer; the block must be a power of two ≥ both widths")
        }
        guard planBabySteps >= 1, planBabySteps <= d, d % planBabySteps == 0 else {
            throw ModelError.invalid(reason: "\(planBabySteps) baby steps do not divide the block of \(d)")
        }
        guard layer.weights.count == m * n else {
            throw ModelError.invalid(reason: "a \(m)×\(n) layer needs \(m * n) weights, found \(layer.weights.count)")
        }
        let span = MatrixDiagonals.span(rows: m, blockSize: d)
        var used = [Bool](repeating: false, count: span)
        for r in 0..<m {
            for c in 0..<n where layer.weights[r * n + c] != 0 {
                used[((c - r) % span + span) % span] = true
            }
        }
        rows = m
        columns = n
        self.span = span
        babySteps = min(planBabySteps, span)
        nonZeroDiagonals = used.indices.filter { used[$0] }
        rotations = Self.rotationSteps(nonZeroDiagonals: nonZeroDiagonals, span: span, babySteps: babySteps, blockSize: d)
    }

    /// The steps of a layer whose non-zero diagonals are `diagonals`: baby `i mod g` and giant
    /// `⌊i/g⌋·g` of each (zero steps omitted), then `span, 2·span, …, D/2`. O(span·log span).
    public static func rotationSteps(nonZeroDiagonals diagonals: [Int], span: Int, babySteps g: Int,
                                     blockSize d: Int) -> [Int] {
        var steps = Set<Int>()
        for i in diagonals {
            if i % g != 0 { steps.insert(i % g) }
            if i >= g { steps.insert(i / g * g) }
        }
        var s = span
        while s < d { steps.insert(s); s <<= 1 }
        return steps.sorted()
    }

    /// The rotate-and-sum steps `span, 2·span, …, D/2` that fold the block.
    public func sumSteps(blockSize d: Int) -> [Int] {
        var steps: [Int] = []
        var s = span
        while s < d { steps.append(s); s <<= 1 }
        return steps
    }
}
