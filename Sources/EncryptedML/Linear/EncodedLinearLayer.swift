import Foundation
import Models

/// A dense layer `y = W·x + b` ready for single-query encrypted evaluation: the input
/// vector sits in slots `0..<D`, replicated with period D across all N/2 slots, and the
/// output comes back replicated with period `span` (so also D): padded rows hold garbage
/// that the next layer's zero columns ignore.
///
/// Method: the `span` extended diagonals of `MatrixDiagonals` (Halevi–Shoup for a square
/// block, Gazelle's hybrid for fewer rows than D: `span` = the power of two ≥ m) with
/// baby-step/giant-step. With `g = min(plan baby steps, span)` baby steps,
/// `t = Σ_j rot(Σ_k rot(diag_{jg+k}, −jg) ⊙ rot(x, k), jg)`: the `g − 1` baby rotations of
/// `x` share one key-switch decomposition (hoisting), each giant block with a non-zero
/// diagonal costs one rotation of its inner sum; then, after the single rescale, the
/// rotate-and-sum `t += rot(t, s)` for `s = span, 2·span, …, D/2` folds the block. A layer
/// costs `(g − 1) + (span/g − 1) + log2(D/span)` rotations (a D×D layer ≈ 2√D; logistic
/// regression, span 1: log2 D), all inside the plan's key set `{1…g−1} ∪ {g, 2g, …}`.
/// The diagonals are pre-rotated by `−jg`, replicated, and encoded ONCE here, at the input
/// level ℓ with scale `q_ℓ`, so the products — summed without rescale as one 128-bit lazy
/// multiply–accumulate and rescaled once — land exactly on the input scale.
///
/// The layer is generic over the encoded form of its diagonals so that the same code runs
/// encrypted (`EncodedLinearLayer`, CKKS plaintexts) and without encryption
/// (`LinearLayerCircuit<PlainSlots>` with `PlainSlotEvaluator`).
public struct LinearLayerCircuit<Encoded: Sendable>: Sendable {
    /// Output width m.
    public let rows: Int
    /// Input width n.
    public let columns: Int
    /// Block size D.
    public let blockSize: Int
    /// Number of extended diagonals (power of two ≥ m, dividing D).
    public let span: Int
    /// Baby steps g (≤ span).
    public let babySteps: Int
    /// Level of the input ciphertext; the output is one level lower.
    public let inputLevel: Int
    /// Scale of the input ciphertext.
    public let scale: Double
    /// Scale of the output, exactly (the input scale unless a folded square came before).
    public let outputScale: Double
    /// Rotation steps `apply` uses (a subset of the plan's keys), ascending.
    public let rotations: [Int]

    let blocks: [GiantBlock]
    let sumSteps: [Int]
    let bias: Encoded?
    let scalarBias: Double

    struct GiantBlock: Sendable {
        /// Giant rotation `j·g`.
        let giant: Int
        /// Baby rotation k of each term.
        let babies: [Int]
        /// `rot(diag_{jg+k}, −jg)` replicated, encoded at the input level, scale `q_ℓ`.
        let plaintexts: [Encoded]
    }

    /// Pre-encodes the layer (`weights` row-major `rows × columns`, one bias per row) for
    /// inputs at `level` and `scale` with `encode`, in slots of `slotCount` (a multiple of
    /// `blockSize`) and levels up to `maxLevel`; `prime(ℓ)` is `q_ℓ`. The output lands at
    /// `outputScale` (default: `scale`): the diagonals are encoded at `q_ℓ·outputScale/scale`.
    /// Cost: one encoding per
    /// non-zero diagonal. When `plan` is given (the layer's `LinearLayerPacking` from the
    /// model's plan, worked out at conversion), what is built here — span, baby steps,
    /// non-zero diagonals, rotation steps — must match it: keys were generated from the plan.
    init(slotCount: Int, maxLevel: Int, prime: (Int) -> Double,
         encode: ([Double], Int, Double) throws -> Encoded, weights: [Double], rows: Int, columns: Int,
         bias: [Double], blockSize d: Int, babySteps planBabySteps: Int, level: Int, scale: Double,
         outputScale: Double?, plan: LinearLayerPacking?) throws {
        guard rows > 0, columns > 0, weights.count == rows * columns, bias.count == rows else {
            throw EncryptedMLError.invalidOperand(
                "layer of \(rows)×\(columns) needs \(rows * columns) weights and \(rows) biases, got \(weights.count) and \(bias.count)")
        }
        guard d >= 2, d & (d - 1) == 0, rows <= d, columns <= d, slotCount % d == 0,
              planBabySteps >= 1, planBabySteps <= d, d % planBabySteps == 0 else {
            throw EncryptedMLError.invalidOperand(
                "block size \(d) with \(planBabySteps) baby steps cannot hold a \(rows)×\(columns) layer in \(slotCount) slots; use a power-of-two block ≥ both widths dividing the slot count")
        }
        guard level >= 1, level <= maxLevel else {
            throw EncryptedMLError.levelExhausted(
                "a linear layer needs an input level in 1…\(maxLevel) to rescale, got \(level)")
        }
        guard weights.allSatisfy(\.isFinite), bias.allSatisfy(\.isFinite) else {
            throw EncryptedMLError.invalidOperand("layer of \(rows)×\(columns) has a non-finite weight or bias")
        }
        let diagonals = MatrixDiagonals(weights: weights, rows: rows, columns: columns, blockSize: d)
        let span = diagonals.span
        let g = min(planBabySteps, span)
        self.rows = rows
        self.columns = columns
        self.blockSize = d
        self.span = span
        self.babySteps = g
        self.inputLevel = level
        self.scale = scale
        let outputScale = outputScale ?? scale
        guard scale > 0, scale.isFinite, outputScale > 0, outputScale.isFinite else {
            throw EncryptedMLError.scaleOverflow("linear layer scales \(scale) → \(outputScale) must be finite and positive")
        }
        self.outputScale = outputScale
        let slots = slotCount
        let primeScale = prime(level) * (outputScale / scale)
        func replicated(_ block: [Double], shift: Int) -> [Double] {
            // value at slot s = block[(s − shift) mod D]: the block rotated right by `shift`
            (0..<slots).map { s in block[(((s - shift) % d) + d) % d] }
        }
        var blocks: [GiantBlock] = []
        for j in 0..<(span / g) {
            var babies: [Int] = []
            var plaintexts: [Encoded] = []
            for k in 0..<g {
                guard let diagonal = diagonals.diagonals[j * g + k] else { continue }
                babies.append(k)
                plaintexts.append(try encode(replicated(diagonal, shift: j * g), level, primeScale))
            }
            if !babies.isEmpty { blocks.append(GiantBlock(giant: j * g, babies: babies, plaintexts: plaintexts)) }
        }
        self.blocks = blocks
        var steps: [Int] = []
        var s = span
        while s < d { steps.append(s); s <<= 1 }
        sumSteps = steps
        // The steps `apply` performs, read off what was built: hoisted babies, giants, sums.
        let performed = Set(blocks.flatMap(\.babies)).subtracting([0])
            .union(blocks.map(\.giant).filter { $0 != 0 }).union(steps)
        self.rotations = performed.sorted()
        if let plan {
            let built = blocks.flatMap { block in block.babies.map { block.giant + $0 } }
            guard plan.rows == rows, plan.columns == columns, plan.span == span, plan.babySteps == g,
                  plan.nonZeroDiagonals == built, plan.rotations == rotations else {
                throw EncryptedMLError.invalidOperand(
                    "the \(rows)×\(columns) layer builds span \(span), \(g) baby steps, rotations \(rotations), but the plan says span \(plan.span), \(plan.babySteps) baby steps, rotations \(plan.rotations); convert the model again")
            }
        }
        if span == 1 {
            self.bias = nil
            scalarBias = bias[0]
        } else {
            let pattern = (0..<d).map { s in s % span < rows ? bias[s % span] : 0 }
            self.bias = try encode(replicated(pattern, shift: 0), level - 1, outputScale)
            scalarBias = 0
        }
    }

    /// Number of rotations one `apply` performs (hoisted baby steps included).
    public var rotationCount: Int { rotations.count }

    /// `W·x + b` for `x` at `inputLevel` (a higher level is dropped first) and `scale` with any
    /// `SlotEvaluator` whose encoded form is this layer's: the result is at `inputLevel − 1`
    /// with scale exactly `outputScale`, output r in slot r.
    /// - Throws: `.levelExhausted` for an input below `inputLevel`, `.invalidOperand` for a
    ///   different scale, `.missingRotationKey` when the keys lack a rotation of `rotations`.
    public func apply<E: SlotEvaluator>(_ input: E.Operand, evaluator: E) throws -> E.Operand where E.Encoded == Encoded {
        try evaluator.check(input, "linear layer")
        guard input.level >= inputLevel else {
            throw EncryptedMLError.levelExhausted(
                "linear layer expects its input at level \(inputLevel), got level \(input.level); the ciphertext does not follow the model's plan")
        }
        guard CKKSContext.scalesMatch(input.scale, scale) else {
            throw EncryptedMLError.invalidOperand(
                "linear layer expects input scale 2^\(String(format: "%.3f", log2(scale))), got 2^\(String(format: "%.3f", log2(input.scale))); encrypt at the plan's scale")
        }
        let x = try evaluator.dropLevel(input, to: inputLevel)
        let babySet = Set(blocks.flatMap(\.babies)).subtracting([0]).sorted()
        var byStep = [0: x]
        if !babySet.isEmpty {
            for (k, ct) in zip(babySet, try evaluator.rotateHoisted(x, by: babySet)) { byStep[k] = ct }
        }
        let productScale = outputScale * evaluator.prime(atLevel: inputLevel)
        // Σ_k rot(x, k) ⊙ pt_k for each giant block, without rescale (scale `productScale`),
        // rotated by its giant step: the blocks are independent (several cores where possible).
        let rotatedBlocks = try evaluator.concurrentMap(blocks) { block in
            let inner = try evaluator.dotProduct(block.babies.map { byStep[$0]! }, block.plaintexts,
                                                 level: inputLevel, scale: productScale)
            return block.giant == 0 ? inner : try evaluator.rotate(inner, by: block.giant)
        }
        var result: E.Operand?
        for inner in rotatedBlocks {
            if result == nil { result = inner } else { try evaluator.add(&result!, inner) }
        }
        var y: E.Operand
        if let result {
            y = result
        } else {  // an all-zero matrix
            y = try evaluator.multiply(x, byInteger: 0)
            evaluator.setScale(&y, productScale)
        }
        try evaluator.rescale(&y)
        evaluator.setScale(&y, outputScale)
        for s in sumSteps {
            try evaluator.add(&y, evaluator.rotate(y, by: s))
        }
        if let bias { try evaluator.add(&y, encoded: bias) } else { try evaluator.add(&y, constant: scalarBias) }
        return y
    }
}

/// The encrypted linear layer: diagonals encoded as CKKS plaintexts.
public typealias EncodedLinearLayer = LinearLayerCircuit<CKKSPlaintext>

extension LinearLayerCircuit where Encoded == CKKSPlaintext {
    /// Pre-encodes the layer (`weights` row-major `rows × columns`, one bias per row) for
    /// inputs at `level` and `scale` (output at `outputScale`, default `scale`) in a context
    /// whose slot count is a multiple of `blockSize`. When `plan` is given (the layer's `LinearLayerPacking` from the model's
    /// plan), what is built must match it: keys were generated from the plan.
    /// Cost: one encoding (special FFT + (ℓ+1) NTTs) per non-zero diagonal.
    /// - Throws: `EncryptedMLError.invalidOperand` for inconsistent shapes or a build that
    ///   differs from `plan`, `.levelExhausted` at level 0.
    public init(context: CKKSContext, weights: [Double], rows: Int, columns: Int, bias: [Double],
                blockSize d: Int, babySteps planBabySteps: Int, level: Int, scale: Double,
                outputScale: Double? = nil, plan: LinearLayerPacking? = nil) throws {
        try self.init(slotCount: context.slotCount, maxLevel: context.maxLevel,
                      prime: { Double(context.ciphertextModuli[$0].value) },
                      encode: { try context.encode($0, level: $1, scale: $2) },
                      weights: weights, rows: rows, columns: columns, bias: bias, blockSize: d,
                      babySteps: planBabySteps, level: level, scale: scale, outputScale: outputScale, plan: plan)
    }

    /// `W·x + b` for an encrypted `x` (see `apply(_:evaluator:)`). Cost: `rotationCount`
    /// rotations (baby steps hoisted), one multiply–accumulate per non-zero diagonal, one rescale.
    public func apply(_ input: CKKSCiphertext, context: CKKSContext,
                      evaluationKeys keys: CKKSEvaluationKeys) throws -> CKKSCiphertext {
        try apply(input, evaluator: CKKSSlotEvaluator(context: context, keys: keys))
    }
}

extension LinearLayerCircuit where Encoded == PlainSlots {
    /// The same layer for the no-encryption evaluator (diagonals as plain slot vectors).
    public init(evaluator: PlainSlotEvaluator, weights: [Double], rows: Int, columns: Int, bias: [Double],
                blockSize d: Int, babySteps planBabySteps: Int, level: Int, scale: Double,
                outputScale: Double? = nil, plan: LinearLayerPacking? = nil) throws {
        try self.init(slotCount: evaluator.slotCount, maxLevel: evaluator.maxLevel,
                      prime: { evaluator.prime(atLevel: $0) },
                      encode: { try evaluator.encode($0, level: $1, scale: $2) },
                      weights: weights, rows: rows, columns: columns, bias: bias, blockSize: d,
                      babySteps: planBabySteps, level: level, scale: scale, outputScale: outputScale, plan: plan)
    }
}

/// Calls `body` with stable base pointers of every array (nested `withUnsafeBufferPointer`).
@usableFromInline
func withPointers<R>(_ arrays: [[UInt64]], _ body: ([UnsafePointer<UInt64>]) throws -> R) rethrows -> R {
    func recurse(_ index: Int, _ acc: inout [UnsafePointer<UInt64>]) throws -> R {
        if index == arrays.count { return try body(acc) }
        return try arrays[index].withUnsafeBufferPointer { buffer in
            acc.append(buffer.baseAddress!)
            defer { acc.removeLast() }
            return try recurse(index + 1, &acc)
        }
    }
    var acc: [UnsafePointer<UInt64>] = []
    acc.reserveCapacity(arrays.count)
    return try recurse(0, &acc)
}
