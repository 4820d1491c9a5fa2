/// How to evaluate a converted model under encryption: parameters, level and scale of
/// every step, packing layouts and the rotations the Galois keys must cover.
///
/// Levels are counted as in SEAL/Lattigo: a ciphertext at level ℓ has ℓ + 1 primes;
/// fresh inputs start at level `depth` and each rescale drops one. A linear layer costs
/// one level (plaintext multiply, then rescale) in both packings; a polynomial of degree
/// `d` costs `⌈log2(d + 1)⌉`. The result arrives at level 0, where the 60-bit first prime
/// holds it. The scale is kept at `2^scaleBits` after every step (scale primes are chosen
/// close to Δ and the polynomial evaluator matches scales), so each step records the
/// nominal scale; diagonals and coefficients are encoded at the step's input level.
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

    /// The number of Galois keys single-query inference needs.
    public var rotationCount: Int { single.rotations.count }

    /// Plans a model with dense `layers`, activation polynomial `activationDegrees` after every
    /// layer but the last, and an optional output polynomial.
    ///
    /// - Throws: `ConversionError.impossiblePrecision` when no 128-bit parameters fit.
    public static func make(layers: [DenseLayer], activationDegrees: [Int], outputDegree: Int?,
                            precisionBits: Int, outputMagnitude: Double) throws -> InferencePlan {
        precondition(activationDegrees.count == layers.count - 1)
        var stepsWithoutLevels: [(Operation, Int, Int, Int)] = []  // op, layer, degree, depth
        for (index, _) in layers.enumerated() {
            stepsWithoutLevels.append((.linear, index, 0, 1))
            if index < activationDegrees.count {
                let d = activationDegrees[index]
                stepsWithoutLevels.append((.activation, index, d, ChebyshevSeries.depth(forDegree: d)))
            }
        }
        if let d = outputDegree {
            stepsWithoutLevels.append((.outputSigmoid, layers.count - 1, d, ChebyshevSeries.depth(forDegree: d)))
        }
        let depth = stepsWithoutLevels.reduce(0) { $0 + $1.3 }
        let shapes = layers.map { (outputs: $0.outputCount, inputs: $0.inputCount) }
        let block = SingleQueryPacking.blockSize(forWidths: shapes.flatMap { [$0.outputs, $0.inputs] })
        let parameters = try ParameterChoice.choose(depth: depth, precisionBits: precisionBits,
                                                    outputMagnitude: outputMagnitude, minimumSlots: block)
        var level = depth
        let steps = stepsWithoutLevels.map { op, layer, degree, stepDepth in
            defer { level -= stepDepth }
            return Step(operation: op, layer: layer, degree: degree, depth: stepDepth, inputLevel: level,
                        outputLevel: level - stepDepth, scaleBits: parameters.scaleBits)
        }
        let slots = parameters.polyDegree / 2
        let single = SingleQueryPacking(shapes: shapes, slotCount: slots)
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
        guard parameters.levels == depth, steps.reduce(0, { $0 + $1.depth }) == depth else {
            throw ModelError.invalid(reason: "plan depth \(depth) does not match its \(parameters.levels) levels or its steps")
        }
        var level = depth
        for step in steps {
            guard step.inputLevel == level, step.outputLevel == level - step.depth, step.outputLevel >= 0 else {
                throw ModelError.invalid(reason: "plan step \(step.operation.rawValue) \(step.layer) has inconsistent levels")
            }
            level = step.outputLevel
        }
        guard level == 0 else { throw ModelError.invalid(reason: "plan ends at level \(level), expected 0") }
        let b = single.blockSize
        guard b >= 2, b & (b - 1) == 0, single.slotCount == parameters.polyDegree / 2, single.slotCount % b == 0,
              single.rotations.allSatisfy({ $0 > 0 && $0 < b }), single.babySteps * single.giantSteps == b else {
            throw ModelError.invalid(reason: "plan single-query packing is inconsistent (block \(b), \(single.slotCount) slots)")
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
