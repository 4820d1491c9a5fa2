/// Single-query packing: one sample's features in the slots, every linear layer a
/// matrix–vector product by the diagonal method with baby-step/giant-step.
///
/// Layout. All layer widths are padded to one power-of-two block `D ≥` every width;
/// vectors sit in slots `0..<D` and are replicated with period `D` across all `N/2`
/// slots (the client encrypts the replicated row). Because `D` divides `N/2`, a slot
/// rotation by `k` then acts as a cyclic rotation within each block, so the padded
/// product stays replicated and the next layer needs no masking: padded rows produce
/// garbage, but the next layer's padded columns are zero.
///
/// BSGS split. With `G = 2^⌈log2(D)/2⌉` baby steps and `D/G` giant steps (per layer
/// `g = min(G, span)`, see `LinearLayerPacking`), the baby rotations of `x` are computed
/// once (hoisted) and each giant block costs one rotation. The plan lists, per layer, the
/// exact steps; `rotations` is their union: the Galois keys keygen makes, no more.
public struct SingleQueryPacking: Codable, Sendable, Equatable {
    /// Block size D (power of two ≥ every layer width).
    public var blockSize: Int
    /// Slots per ciphertext, N/2.
    public var slotCount: Int
    /// Copies of the block in the slots, `slotCount / blockSize`.
    public var replicas: Int
    /// Baby steps G of a full block.
    public var babySteps: Int
    /// Giant steps D/G of a full block.
    public var giantSteps: Int
    /// Per linear layer, its span, baby steps, non-zero diagonals and rotation steps.
    public var layers: [LinearLayerPacking]
    /// Rotation amounts (slot i ← slot i + k) the Galois keys cover: the union of the
    /// layers' steps, ascending.
    public var rotations: [Int]

    /// The smallest power of two ≥ every width (at least 2).
    public static func blockSize(forWidths widths: [Int]) -> Int {
        var d = 2
        while d < (widths.max() ?? 1) { d <<= 1 }
        return d
    }

    /// The block of `layers`: the smallest power of two ≥ every layer's input and output width.
    public static func blockSize(for layers: [DenseLayer]) -> Int {
        blockSize(forWidths: layers.flatMap { [$0.outputCount, $0.inputCount] })
    }

    /// The baby-step count `2^⌈log2(D)/2⌉` for a power-of-two block D.
    public static func babySteps(blockSize d: Int) -> Int {
        var log = 0
        while (1 << log) < d { log += 1 }
        return 1 << ((log + 1) / 2)
    }

    /// Plans the packing of `layers` in `slotCount` slots. O(Σ m·n).
    /// - Throws: `ModelError.invalid` when the block does not divide the slot count.
    public init(layers: [DenseLayer], slotCount: Int) throws {
        let d = Self.blockSize(for: layers)
        guard slotCount >= d, slotCount % d == 0 else {
            throw ModelError.invalid(reason: "a block of \(d) does not divide \(slotCount) slots; use a larger ring degree")
        }
        let g = Self.babySteps(blockSize: d)
        blockSize = d
        self.slotCount = slotCount
        replicas = slotCount / d
        babySteps = g
        giantSteps = d / g
        self.layers = try layers.map { try LinearLayerPacking(layer: $0, blockSize: d, babySteps: g) }
        rotations = Array(Set(self.layers.flatMap(\.rotations))).sorted()
    }

    /// Checks that this packing is the one `layers` in `slotCount` slots get (block, split,
    /// every layer's analysis, the rotation union): the file's plan is untrusted. O(Σ m·n).
    /// - Throws: `ModelError.invalid` naming the first difference.
    public func validate(layers: [DenseLayer], slotCount: Int) throws {
        for (index, layer) in layers.enumerated() where layer.outputCount > blockSize || layer.inputCount > blockSize {
            throw ModelError.invalid(reason: "plan block size \(blockSize) is below layer \(index)'s width (\(layer.outputCount)×\(layer.inputCount)); convert the model again")
        }
        let expected = try SingleQueryPacking(layers: layers, slotCount: slotCount)
        guard blockSize == expected.blockSize, self.slotCount == slotCount, replicas == expected.replicas,
              babySteps == expected.babySteps, giantSteps == expected.giantSteps else {
            throw ModelError.invalid(reason: "plan single-query packing (block \(blockSize), \(self.slotCount) slots, BSGS \(babySteps)×\(giantSteps)) is not the one its layers get (block \(expected.blockSize), \(slotCount) slots, BSGS \(expected.babySteps)×\(expected.giantSteps)); convert the model again")
        }
        guard self.layers.count == expected.layers.count else {
            throw ModelError.invalid(reason: "plan packs \(self.layers.count) linear layers, the model has \(expected.layers.count)")
        }
        for (index, (stored, actual)) in zip(self.layers, expected.layers).enumerated() where stored != actual {
            throw ModelError.invalid(reason: "plan packing of layer \(index) (span \(stored.span), rotations \(stored.rotations)) does not match its weights (span \(actual.span), rotations \(actual.rotations)); convert the model again")
        }
        guard rotations == expected.rotations else {
            throw ModelError.invalid(reason: "plan rotation keys \(rotations) are not the layers' steps \(expected.rotations)")
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
