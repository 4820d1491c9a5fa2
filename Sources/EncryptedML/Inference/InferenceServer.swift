import Foundation
import Models

/// The server side of encrypted inference: evaluates a converted model on encrypted
/// queries with the client's evaluation keys only. It never holds a secret key (no type
/// here stores one), so it learns nothing about the rows or the outputs.
///
/// Loading pre-encodes, once per model, every single-query layer's pre-rotated diagonals
/// at the level and scale where they are used (`EncodedLinearLayer`) and every batch
/// layer's integer weights (`BatchLinearLayer`); `infer` then follows the plan step by
/// step: linear layers (1 level), Chebyshev activations (`⌈log2(d+1)⌉` levels; a folded
/// square 1), the
/// optional encrypted output sigmoid, landing at level 0 with scale exactly Δ.
public final class InferenceServer: Sendable {
    /// The model being served.
    public let model: EncryptedModel
    /// Its CKKS context.
    public let context: CKKSContext
    /// Single-query layers (empty when not prepared).
    public let singleLayers: [EncodedLinearLayer]
    /// Batch layers (empty when not prepared).
    public let batchLayers: [BatchLinearLayer]

    /// Loads `model` (validated first) and pre-encodes the layers of the packing `modes`; each
    /// single-query layer is checked against its packing in the plan (the keys' rotations).
    /// Cost: one encoding per non-zero diagonal of every layer (single), O(Σ m·n·ℓ) (batch).
    /// - Parameters:
    ///   - model: the converted model.
    ///   - context: its CKKS context (built when nil; must have the model's parameters).
    ///   - modes: the packings to prepare.
    /// - Throws: `ModelError.invalid` for an inconsistent model, `EncryptedMLError` for
    ///   parameters or shapes the runtime cannot use.
    public init(model: EncryptedModel, context: CKKSContext? = nil,
                modes: Set<PackingMode> = Set(PackingMode.allCases)) throws {
        let context = try model.runtimeContext(context)
        self.model = model
        self.context = context
        let scale = context.defaultScale
        let linearSteps = Self.linearSteps(of: model.plan, defaultScale: scale, prime: { Double(context.ciphertextModuli[$0].value) })
        let packing = model.plan.single
        singleLayers = try modes.contains(.single) ? linearSteps.map { step, inputScale in
            let layer = model.layers[step.layer]
            return try EncodedLinearLayer(context: context, weights: layer.weights, rows: layer.outputCount,
                                          columns: layer.inputCount, bias: layer.bias, blockSize: packing.blockSize,
                                          babySteps: packing.babySteps, level: step.inputLevel, scale: inputScale,
                                          outputScale: scale, plan: packing.layers[step.layer])
        } : []
        batchLayers = try modes.contains(.batch) ? linearSteps.map { step, inputScale in
            let layer = model.layers[step.layer]
            return try BatchLinearLayer(context: context, weights: layer.weights, rows: layer.outputCount,
                                        columns: layer.inputCount, bias: layer.bias, level: step.inputLevel,
                                        scale: inputScale, outputScale: scale)
        } : []
    }

    /// Evaluates the model on every row of `query` with the client's `evaluationKeys`.
    /// Cost per single-query row: per layer ≈ 2√D rotations (hoisted baby steps) and one
    /// rescale, per activation ≈ √(2d) + log2 d products; per batch set: m·n scalar products
    /// per layer on whole ciphertexts, per activation the same products per output ciphertext.
    /// - Throws: `EncryptedMLError.invalidOperand` when the query does not match the model
    ///   (count, level, scale, packing not prepared), `.mismatchedContext` for ciphertexts or
    ///   keys of other parameters, `.missingRotationKey` for keys without a needed rotation.
    /// - Parameters:
    ///   - query: the client's encrypted rows.
    ///   - evaluationKeys: the client's relinearization and rotation keys.
    /// - Returns: the encrypted outputs, with the query's key set.
    public func infer(_ query: EncryptedQuery, evaluationKeys: CKKSEvaluationKeys) throws -> EncryptedResult {
        try validate(query, evaluationKeys: evaluationKeys)
        switch query.mode {
        case .single:
            // Rows are independent: on every core when the context is parallel.
            let outputs = try context.concurrentMap(query.ciphertexts) { try inferSingle($0, keys: evaluationKeys) }
            return EncryptedResult(mode: .single, rowCount: query.rowCount, ciphertexts: outputs, keySet: query.keySet)
        case .batch:
            let n = model.featureCount
            let sets = (0..<(query.ciphertexts.count / n)).map { Array(query.ciphertexts[($0 * n)..<(($0 + 1) * n)]) }
            let outputs = try context.concurrentMap(sets) { try inferBatch($0, keys: evaluationKeys) }.flatMap { $0 }
            return EncryptedResult(mode: .batch, rowCount: query.rowCount, ciphertexts: outputs, keySet: query.keySet)
        }
    }

    /// Checks the query's layout, levels, scales and parameters before any work.
    func validate(_ query: EncryptedQuery, evaluationKeys: CKKSEvaluationKeys) throws {
        guard evaluationKeys.contextFingerprint == context.fingerprint else {
            throw EncryptedMLError.mismatchedContext(
                "the evaluation keys were generated for other parameters than this model's \(context.parameters); run keygen with this model")
        }
        guard query.rowCount >= 1 else {
            throw EncryptedMLError.invalidOperand("the query holds no rows; encrypt at least one row")
        }
        let expected = model.queryCiphertextCount(rows: query.rowCount, mode: query.mode)
        guard query.ciphertexts.count == expected else {
            throw EncryptedMLError.invalidOperand(
                "a \(query.mode.rawValue) query of \(query.rowCount) rows needs \(expected) ciphertexts for this model, found \(query.ciphertexts.count)")
        }
        let prepared = query.mode == .single ? !singleLayers.isEmpty : !batchLayers.isEmpty
        guard prepared else {
            throw EncryptedMLError.invalidOperand(
                "this server was loaded without \(query.mode.rawValue) packing; load it with modes containing .\(query.mode.rawValue)")
        }
        for (index, ct) in query.ciphertexts.enumerated() {
            guard ct.contextFingerprint == context.fingerprint else {
                throw EncryptedMLError.mismatchedContext(
                    "query ciphertext \(index) was encrypted under other parameters than this model's; encrypt with this model")
            }
            guard ct.level == model.plan.inputLevel, CKKSContext.scalesMatch(ct.scale, context.defaultScale) else {
                throw EncryptedMLError.invalidOperand(
                    "query ciphertext \(index) is at level \(ct.level), scale 2^\(String(format: "%.2f", log2(ct.scale))); this model needs fresh ciphertexts at level \(model.plan.inputLevel), scale 2^\(context.parameters.scaleBits)")
            }
        }
    }

    /// One row through the plan (single-query packing).
    func inferSingle(_ input: CKKSCiphertext, keys: CKKSEvaluationKeys) throws -> CKKSCiphertext {
        try Self.runSingle(input, model: model, layers: singleLayers,
                           evaluator: CKKSSlotEvaluator(context: context, keys: keys))
    }

    /// One row through the plan with any evaluator: the encrypted runtime and the
    /// no-encryption one (`PlainInference`) share this loop, the layers and the polynomial tree.
    static func runSingle<E: SlotEvaluator>(_ input: E.Operand, model: EncryptedModel,
                                            layers: [LinearLayerCircuit<E.Encoded>], evaluator: E) throws -> E.Operand {
        var x = input
        var linear = 0
        let scales = landingScales(of: model.plan, defaultScale: evaluator.defaultScale, prime: evaluator.prime(atLevel:))
        for (step, scale) in zip(model.plan.steps, scales) {
            switch step.operation {
            case .linear:
                x = try layers[linear].apply(x, evaluator: evaluator)
                linear += 1
            case .activation where InferencePlan.isFoldedSquare(step):
                x = try FoldedSquare.apply(x, evaluator: evaluator)
            case .activation, .outputSigmoid:
                x = try ChebyshevEvaluator(series(of: step, in: model)).apply(x, evaluator: evaluator)
            }
            try checkLanding(x, step, scale: scale)
        }
        return x
    }

    /// One batch set (one ciphertext per feature) through the plan.
    func inferBatch(_ inputs: [CKKSCiphertext], keys: CKKSEvaluationKeys) throws -> [CKKSCiphertext] {
        var x = inputs
        var linear = 0
        let scales = Self.landingScales(of: model.plan, defaultScale: context.defaultScale, prime: { Double(context.ciphertextModuli[$0].value) })
        for (step, scale) in zip(model.plan.steps, scales) {
            switch step.operation {
            case .linear:
                x = try batchLayers[linear].apply(x, context: context)
                linear += 1
            case .activation where InferencePlan.isFoldedSquare(step):
                let evaluator = CKKSSlotEvaluator(context: context, keys: keys)
                x = try context.concurrentMap(x) { try FoldedSquare.apply($0, evaluator: evaluator) }
            case .activation, .outputSigmoid:
                let polynomial = try ChebyshevEvaluator(Self.series(of: step, in: model))
                x = try context.concurrentMap(x) { try polynomial.apply($0, context: context, evaluationKeys: keys) }
            }
            for ct in x { try Self.checkLanding(ct, step, scale: scale) }
        }
        return x
    }

    static func series(of step: InferencePlan.Step, in model: EncryptedModel) -> ChebyshevSeries {
        step.operation == .outputSigmoid ? model.outputSigmoid!.series : model.activations[step.layer].series
    }

    /// The exact scale each step of `plan` lands on: Δ, except a folded square, which lands
    /// on `Δ²/q_ℓ` (`FoldedSquare.landingScale`). O(steps).
    static func landingScales(of plan: InferencePlan, defaultScale: Double, prime: (Int) -> Double) -> [Double] {
        plan.steps.map { step in
            InferencePlan.isFoldedSquare(step)
                ? FoldedSquare.landingScale(inputScale: defaultScale, level: step.inputLevel, prime: prime)
                : defaultScale
        }
    }

    /// The linear steps of `plan` with the exact scale of their inputs (the previous step's
    /// landing scale, Δ for the first). O(steps).
    static func linearSteps(of plan: InferencePlan, defaultScale: Double,
                            prime: (Int) -> Double) -> [(step: InferencePlan.Step, inputScale: Double)] {
        let scales = landingScales(of: plan, defaultScale: defaultScale, prime: prime)
        return plan.steps.indices.filter { plan.steps[$0].operation == .linear }.map { index in
            (plan.steps[index], index == 0 ? defaultScale : scales[index - 1])
        }
    }

    /// The plan's promise: every step lands at its output level with its planned scale
    /// (Δ; `Δ²/q_ℓ` for a folded square).
    static func checkLanding<Operand: SlotOperand>(_ ct: Operand, _ step: InferencePlan.Step, scale: Double) throws {
        guard ct.level == step.outputLevel, CKKSContext.scalesMatch(ct.scale, scale) else {
            throw EncryptedMLError.invalidOperand(
                "step \(step.operation.rawValue) \(step.layer) landed at level \(ct.level), scale 2^\(log2(ct.scale)) instead of level \(step.outputLevel), scale 2^\(log2(scale)): the model's plan is inconsistent")
        }
    }
}
