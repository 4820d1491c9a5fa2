import Models

/// The single-query inference runtime without encryption: the server's exact path —
/// pre-rotated diagonals, hoisted baby steps, giant rotations, rotate-and-sum, the Chebyshev
/// tree, every level and scale of the plan — run by `PlainSlotEvaluator` on plain slot
/// vectors. Its outputs differ from the encrypted run by the CKKS noise only, and from the
/// plaintext polynomial model (`EncryptedModel.outputs(raw:)`) by nothing but Double
/// rounding and the integer rounding of constants; use it to test or debug a model's runtime
/// without keys or noise.
public struct PlainInference: Sendable {
    /// The model being run.
    public let model: EncryptedModel
    /// The no-encryption evaluator over the model's parameters.
    public let evaluator: PlainSlotEvaluator
    /// The layers, built as the server builds them.
    let layers: [LinearLayerCircuit<PlainSlots>]

    /// Validates `model` like the server does and builds its layers. Cost: as
    /// `InferenceServer.init` without the NTTs (O(Σ D·N/2) per layer).
    /// - Throws: `ModelError.invalid` for an inconsistent model; `EncryptedMLError` for
    ///   parameters or shapes the runtime cannot use.
    public init(model: EncryptedModel, context: CKKSContext? = nil) throws {
        let context = try model.runtimeContext(context)
        let evaluator = PlainSlotEvaluator(context: context)
        self.model = model
        self.evaluator = evaluator
        let packing = model.plan.single
        layers = try model.plan.steps.filter { $0.operation == .linear }.map { step in
            let layer = model.layers[step.layer]
            return try LinearLayerCircuit<PlainSlots>(
                evaluator: evaluator, weights: layer.weights, rows: layer.outputCount, columns: layer.inputCount,
                bias: layer.bias, blockSize: packing.blockSize, babySteps: packing.babySteps,
                level: step.inputLevel, scale: evaluator.defaultScale)
        }
    }

    /// The model's outputs (logits, or the polynomial sigmoid's values) for one raw row, as
    /// the client would decrypt them from the server's result, without noise.
    /// Cost: per layer ≈ 2√D slot rotations of N/2 values, per activation ≈ √(2d) products.
    /// - Throws: `.invalidOperand` for a row of the wrong width or with a non-finite value.
    public func outputs(raw row: [Double]) throws -> [Double] {
        guard row.count == model.featureCount, row.allSatisfy(\.isFinite) else {
            throw EncryptedMLError.invalidOperand(
                "the row has \(row.count) values (or a non-finite one); the model reads \(model.featureCount) finite features")
        }
        let slots = InferenceClient.singleQuerySlots(row, blockSize: model.plan.single.blockSize,
                                                     slotCount: evaluator.slotCount)
        let input = try evaluator.encode(slots, level: model.plan.inputLevel, scale: evaluator.defaultScale)
        let output = try InferenceServer.runSingle(input, model: model, layers: layers, evaluator: evaluator)
        return Array(output.values.prefix(model.outputCount))
    }
}
