/// Single-query packing: one sample's features in the slots, every linear layer a
/// matrix–vector product by the diagonal method with baby-step/giant-step.
///
/// Layout. All layer widths are padded to one power-of-two block `D ≥` every width;
/// vectors sit in slots `0..<D` and are replicated with period `D` across all `N/2`
/// slots (the client encrypts the replicated row). Because `D` divides `N/2`, a slot
/// rotation by `k` then acts as a cyclic rotation within each block, so the padded
/// `D×D` product `y = Σ_i diag_i ⊙ rot(x, i)` stays replicated and the next layer
/// needs no masking: padded rows produce garbage, but the next layer's padded columns
/// are zero.
///
/// BSGS split. With `g = 2^⌈log2(D)/2⌉` baby steps and `h = D/g` giant steps,
/// `y = Σ_j rot(Σ_i rot(diag_{jg+i}, −jg) ⊙ rot(x, i), jg)`: the `g − 1` baby rotations
/// of `x` are computed once (hoisted), each giant block costs one rotation, so a layer
/// needs `(g − 1) + (h − 1) ≈ 2√D` rotations and keys for `{1…g−1} ∪ {g, 2g, …, (h−1)g}`.
/// Diagonals are pre-rotated and encoded once per model.
public struct SingleQueryPacking: Codable, Sendable, Equatable {
    /// Block size D (power of two ≥ every layer width).
    public var blockSize: Int
    /// Slots per ciphertext, N/2.
    public var slotCount: Int
    /// Copies of the block in the slots, `slotCount / blockSize`.
    public var replicas: Int
    /// Baby steps g.
    public var babySteps: Int
    /// Giant steps h = D/g.
    public var giantSteps: Int
    /// Rotation amounts (slot i ← slot i + k) the Galois keys must cover, ascending.
    public var rotations: [Int]
    /// Per layer, the number of non-zero generalized diagonals of its padded D×D matrix.
    public var nonZeroDiagonals: [Int]

    /// The smallest power of two ≥ every width (at least 2).
    public static func blockSize(forWidths widths: [Int]) -> Int {
        var d = 2
        while d < (widths.max() ?? 1) { d <<= 1 }
        return d
    }

    /// The baby-step count `2^⌈log2(D)/2⌉` for a power-of-two block D.
    public static func babySteps(blockSize d: Int) -> Int {
        var log = 0
        while (1 << log) < d { log += 1 }
        return 1 << ((log + 1) / 2)
    }

    /// Plans the packing of layers with the given `(outputCount, inputCount)` shapes in
    /// `slotCount` slots. O(layers · D²) to count non-zero diagonals.
    public init(shapes: [(outputs: Int, inputs: Int)], slotCount: Int) {
        let d = Self.blockSize(forWidths: shapes.flatMap { [$0.outputs, $0.inputs] })
        precondition(slotCount % d == 0, "the block must divide the slot count")
        let g = Self.babySteps(blockSize: d)
        let h = d / g
        blockSize = d
        self.slotCount = slotCount
        replicas = slotCount / d
        babySteps = g
        giantSteps = h
        rotations = Array(1..<g) + (1..<h).map { $0 * g }
        nonZeroDiagonals = shapes.map { shape in
            (0..<d).filter { i in (0..<min(shape.outputs, d)).contains { r in (r + i) % d < shape.inputs } }.count
        }
    }
}

/// Batch packing: one ciphertext per feature with one sample per slot, so linear
/// layers are plaintext-scalar multiply–accumulates and need no rotation.
public struct BatchPacking: Codable, Sendable, Equatable {
    /// Samples per ciphertext set (N/2).
    public var samplesPerCiphertext: Int
    /// Input ciphertexts per set (one per feature).
    public var inputCiphertexts: Int
    /// Output ciphertexts per set (one per model output).
    public var outputCiphertexts: Int

    /// Creates the batch layout.
    public init(samplesPerCiphertext: Int, inputCiphertexts: Int, outputCiphertexts: Int) {
        self.samplesPerCiphertext = samplesPerCiphertext
        self.inputCiphertexts = inputCiphertexts
        self.outputCiphertexts = outputCiphertexts
    }
}
