/// How to evaluate a converted model under encryption: parameters, level and scale of
/// every step, packing layouts and the rotations the Galois keys must cover.
///
/// Levels are counted as in SEAL/Lattigo: a ciphertext at level ℓ has ℓ + 1 primes;
/// fresh inputs start at level `depth` and each rescale drops one. A linear layer costs
/// one level (plaintext multiply, then rescale) in both packings; a polynomial of degree
/// `d` costs `⌈log2(d + 1)⌉`, except a *folded square*: a hidden degree-2 activation whose
/// leading coefficient and constant were folded into the next layer (`SquareFold`) is one
/// ciphertext square and costs one level; its step says so with degree 2 and depth 1.
/// Fresh inputs start at `inputLevel` (= depth, plus one when the parameters add a second
/// output prime) and the result arrives at `resultLevel` (0, or 1 with the second output
/// prime), where the output primes hold it. The scale is kept at `2^scaleBits` after every
/// step (scale primes are chosen close to Δ and the polynomial evaluator matches scales), so
/// each step records the nominal scale; a folded square lands at `Δ²/q_ℓ` (its input
/// level's prime), which the next layer's diagonals absorb. Diagonals and coefficients are
/// encoded at the step's input level.
public struct InferencePlan: Codable, Sendable, Equatable {
    /// What a step does.
    public enum Operation: String, Codable, Sendable {
        /// Dense layer `W·x + b` (with folded affine maps).
        case linear
        /// Polynomial activation, element-wise.
        case activation
        /// Polynomial output sigmoid, element-wise (`--encrypted-sigmoid`).
        case outputSigmoid
    }

    /// One step of the evaluation with its level budget.
    public struct Step: Codable, Sendable, Equatable {
        /// The operation.
        public var operation: Operation
        /// Index of the layer (linear) or of the activation after that layer.
        public var layer: Int
        /// Polynomial degree (0 for linear steps).
        public var degree: Int
        /// Levels consumed.
        public var depth: Int
        /// Level of the input ciphertext.
        public var inputLevel: Int
        /// Level of the output ciphertext.
        public var outputLevel: Int
        /// log2 of the output scale.
        public var scaleBits: Int
    }

    /// Total multiplicative depth (levels consumed from fresh input to result).
    public var depth: Int
    /// The CKKS parameters.
    public var parameters: ParameterChoice
    /// The steps in evaluation order.
    public var steps: [Step]
    /// Single-query layout and rotations.
    public var single: SingleQueryPacking
    /// Batch layout.
    public var batch: BatchPacking
    /// Size estimates.
    public var sizes: SizeEstimate

    /// Packing modes the plan supports (both).
    public static let packingModes = PackingMode.allCases

    /// The level of fresh query ciphertexts: the top of the chain. O(1).
    public var inputLevel: Int { parameters.levels }

    /// The level results arrive at (`ParameterChoice.outputLevel`). O(1).
    public var resultLevel: Int { parameters.outputLevel }

    /// The number of Galois keys single-query inference needs.
    public var rotationCount: Int { single.rotations.count }

    /// The hidden activations evaluated as one folded square (degree 2, depth 1). O(steps).
    public var foldedSquares: Set<Int> {
        Set(steps.filter { $0.operation == .activation && Self.isFoldedSquare($0) }.map(\.layer))
    }

    /// Whether `step` is a folded square: an activation of degree 2 costing one level.
    public static func isFoldedSquare(_ step: Step) -> Bool {
        step.operation == .activation && step.degree == 2 && step.depth == 1
    }

    /// The operation, layer, degree and depth of every step, in evaluation order, for dense
    /// layers `0..<layerCount` with a polynomial of `activationDegrees[k]` after layer k and
    /// an optional output polynomial: `linear 0, activation 0, linear 1, …, linear L−1
    /// [, outputSigmoid]`. A linear step costs one level, a polynomial of degree d
    /// `⌈log2(d+1)⌉`, an activation in `foldedSquares` (degree 2) one. The one derivation
    /// that `make` builds and `EncryptedModel.validate` checks against. O(layers).
    public static func stepSequence(layerCount: Int, activationDegrees: [Int], outputDegree: Int?,
                                    foldedSquares: Set<Int> = [])
        -> [(operation: Operation, layer: Int, degree: Int, depth: Int)] {
        var steps: [(operation: Operation, layer: Int, degree: Int, depth: Int)] = []
        for index in 0..<layerCount {
            steps.append((.linear, index, 0, 1))
            if index < activationDegrees.count {
                let d = activationDegrees[index]
                let depth = d == 2 && foldedSquares.contains(index) ? 1 : ChebyshevSeries.depth(forDegree: d)
                steps.append((.activation, index, d, depth))
            }
        }
        if let d = outputDegree {
            steps.append((.outputSigmoid, layerCount - 1, d, ChebyshevSeries.depth(forDegree: d)))
        }
        return steps
    }

    /// Plans a model with dense `layers`, activation polynomial `activationDegrees` after every
    /// layer but the last (those in `foldedSquares` folded to one square each), and an
    /// optional output polynomial, the scale sized by `noise` (`ParameterChoice.choose`).
    /// O(Σ m·n) for the packing analysis.
    ///
    /// - Throws: `ConversionError.impossiblePrecision` when no 128-bit parameters fit.
    public static func make(layers: [DenseLayer], activationDegrees: [Int], outputDegree: Int?,
                            foldedSquares: Set<Int> = [], precisionBits: Int, outputMagnitude: Double,
                            noise: NoiseEstimate) throws -> InferencePlan {
        precondition(activationDegrees.count == layers.count - 1)
        let sequence = stepSequence(layerCount: layers.count, activationDegrees: activationDegrees,
                                    outputDegree: outputDegree, foldedSquares: foldedSquares)
        let depth = sequence.reduce(0) { $0 + $1.depth }
        let block = SingleQueryPacking.blockSize(for: layers)
        let parameters = try ParameterChoice.choose(depth: depth, precisionBits: precisionBits,
                                                    outputMagnitude: outputMagnitude, minimumSlots: block, noise: noise)
        var level = parameters.levels
        let steps = sequence.map { op, layer, degree, stepDepth in
            defer { level -= stepDepth }
            return Step(operation: op, layer: layer, degree: degree, depth: stepDepth, inputLevel: level,
                        outputLevel: level - stepDepth, scaleBits: parameters.scaleBits)
        }
        let slots = parameters.polyDegree / 2
        let single = try SingleQueryPacking(layers: layers, slotCount: slots)
        let batch = BatchPacking(samplesPerCiphertext: slots, inputCiphertexts: layers[0].inputCount,
                                 outputCiphertexts: layers[layers.count - 1].outputCount)
        return InferencePlan(depth: depth, parameters: parameters, steps: steps, single: single, batch: batch,
                             sizes: SizeEstimate(parameters: parameters, rotationCount: single.rotations.count,
                                                 featureCount: layers[0].inputCount))
    }

    /// Checks the plan's internal consistency: parameters within the 128-bit table,
    /// as many levels as the steps consume, levels chained down to 0, rotations inside
    /// the block. Throws `ModelError.invalid`.
    public func validate() throws {
        try parameters.validate()
        guard parameters.levels == depth + resultLevel, steps.reduce(0, { $0 + $1.depth }) == depth else {
            throw ModelError.invalid(reason: "plan depth \(depth) does not match its \(parameters.levels) levels or its steps")
        }
        var level = inputLevel
        for step in steps {
            guard step.inputLevel == level, step.outputLevel == level - step.depth, step.outputLevel >= 0 else {
                throw ModelError.invalid(reason: "plan step \(step.operation.rawValue) \(step.layer) has inconsistent levels")
            }
            level = step.outputLevel
        }
        guard level == resultLevel else {
            throw ModelError.invalid(reason: "plan ends at level \(level), expected \(resultLevel)")
        }
        let b = single.blockSize
        guard b >= 2, b & (b - 1) == 0, single.slotCount == parameters.polyDegree / 2, single.slotCount % b == 0,
              single.rotations.allSatisfy({ $0 > 0 && $0 < b }), single.babySteps * single.giantSteps == b else {
            throw ModelError.invalid(reason: "plan single-query packing is inconsistent (block \(b), \(single.slotCount) slots)")
        }
        guard batch.samplesPerCiphertext == parameters.polyDegree / 2 else {
            throw ModelError.invalid(reason: "plan batch packing holds \(batch.samplesPerCiphertext) samples per ciphertext, its parameters give \(parameters.polyDegree / 2)")
        }
        guard sizes == SizeEstimate(parameters: parameters, rotationCount: single.rotations.count,
                                    featureCount: batch.inputCiphertexts) else {
            throw ModelError.invalid(reason: "plan size estimates do not match its parameters and rotations")
        }
    }

    /// Checks the plan against the model it belongs to: the steps are exactly
    /// `stepSequence` of these layers and degrees (levels chained by `validate()`), the
    /// batch layout has one input per feature and one output per model output, and the
    /// single-query packing is the one these weights get (`SingleQueryPacking.validate`).
    /// O(Σ m·n). - Throws: `ModelError.invalid` naming the first mismatch.
    public func validate(layers: [DenseLayer], activationDegrees: [Int], outputDegree: Int?) throws {
        try single.validate(layers: layers, slotCount: parameters.polyDegree / 2)  // first: names a too-small block
        try validate()
        let expected = Self.stepSequence(layerCount: layers.count, activationDegrees: activationDegrees,
                                         outputDegree: outputDegree, foldedSquares: foldedSquares)
        guard steps.count == expected.count else {
            throw ModelError.invalid(reason: "the plan has \(steps.count) steps, the layers and polynomials need \(expected.count); convert the model again")
        }
        for (step, e) in zip(steps, expected) {
            guard step.operation == e.operation, step.layer == e.layer, step.degree == e.degree, step.depth == e.depth else {
                throw ModelError.invalid(reason: "plan step \(step.operation.rawValue) \(step.layer) (degree \(step.degree), depth \(step.depth)) should be \(e.operation.rawValue) \(e.layer) (degree \(e.degree), depth \(e.depth)); convert the model again")
            }
        }
        guard let first = layers.first, let last = layers.last, batch.inputCiphertexts == first.inputCount,
              batch.outputCiphertexts == last.outputCount else {
            throw ModelError.invalid(reason: "plan batch packing (\(batch.inputCiphertexts) inputs, \(batch.outputCiphertexts) outputs) does not match the layers")
        }
    }
}

/// How queries are packed into ciphertexts.
public enum PackingMode: String, Codable, Sendable, CaseIterable {
    /// One sample per ciphertext, features in the slots (diagonal method, rotations).
    case single
    /// One ciphertext per feature, samples in the slots (no rotations).
    case batch
}

extension InferencePlan {
    /// Feeds everything the runtime, the keys and the ciphertexts depend on: depth, the
    /// parameters, every step, both packings with each layer's analysis. The size estimates
    /// follow from these and are left out. O(steps + Σ diagonals).
    public func fingerprint(into h: inout WeightFingerprint) {
        h.update(depth)
        h.update(parameters.polyDegree)
        h.update(ints: parameters.ciphertextModulusBits)
        h.update(ints: parameters.specialModulusBits)
        h.update(ints: [parameters.scaleBits, parameters.logQP, parameters.maxLogQP, parameters.securityBits,
                        parameters.precisionBits])
        h.update(steps.count)
        for step in steps {
            h.update(string: step.operation.rawValue)
            h.update(ints: [step.layer, step.degree, step.depth, step.inputLevel, step.outputLevel, step.scaleBits])
        }
        h.update(ints: [single.blockSize, single.slotCount, single.replicas, single.babySteps, single.giantSteps])
        h.update(single.layers.count)
        for layer in single.layers {
            h.update(ints: [layer.rows, layer.columns, layer.span, layer.babySteps])
            h.update(ints: layer.nonZeroDiagonals)
            h.update(ints: layer.rotations)
        }
        h.update(ints: single.rotations)
        h.update(ints: [batch.samplesPerCiphertext, batch.inputCiphertexts, batch.outputCiphertexts])
    }
}
