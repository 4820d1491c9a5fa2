import Foundation
import Models
import Testing

/// A logistic-regression-like estimate: one linear layer of unit row norm over unit inputs.
private let lightNoise = NoiseEstimate(stages: [.linear(maxRowSquareNorm: 1, inputSquareSum: 1, folds: 1, rotatedInputs: false)])
/// A model whose weights amplify noise by 2^10 and whose polynomial doubles it.
private let heavyNoise = NoiseEstimate(stages: [.linear(maxRowSquareNorm: 1, inputSquareSum: 100, folds: 8, rotatedInputs: true),
                                                .polynomial(slope: 2, roundingGain: 4, depth: 2),
                                                .linear(maxRowSquareNorm: 0x1p20, inputSquareSum: 64, folds: 4, rotatedInputs: true)])

/// The smallest scale at ring degree `n` that holds `precision` bits above `noise`, with the
/// chain the rule builds for it (nil when none is at most 60 bits).
private func ruleChain(n: Int, depth: Int, precision: Int, magnitude: Double, noise: NoiseEstimate) -> [Int]? {
    let magnitudeBits = magnitude > 1 ? Int(ceil(log2(magnitude))) : 0
    for scale in max(precision + 1, 20)...59 {
        let outputBits = scale + magnitudeBits + 1, headroom = ParameterChoice.outputHeadroomBits
        let output = outputBits + headroom <= 60 ? [outputBits + headroom]
            : outputBits + 1 <= 60 ? [60] : [60, max(30, outputBits + headroom - 60)]
        if output.count == 2 && output[1] == scale { continue }
        let chain = output + Array(repeating: scale, count: depth)
        if Double(scale) >= Double(precision) + noise.noiseBits(polyDegree: n, ciphertextModulusBits: chain, specialBits: chain.max()!) {
            return chain
        }
    }
    return nil
}

@Test func chosenParametersAreTheSmallestThatHoldThePrecisionAboveTheEstimatedNoise() throws {
    var checked = 0, withOutputPrime = 0
    for noise in [lightNoise, heavyNoise] {
        for depth in 0...40 {
            for precision in [10, 16, 20, 24, 30, 36] {
                for magnitude in [1.0, 100, 1e4] {
                    let p: ParameterChoice
                    do {
                        p = try ParameterChoice.choose(depth: depth, precisionBits: precision, outputMagnitude: magnitude,
                                                       minimumSlots: 64, noise: noise)
                    } catch let error as ConversionError {
                        guard case .impossiblePrecision = error else { throw error }
                        // Impossible only when even N = 65536 cannot hold it.
                        if let chain = ruleChain(n: 65536, depth: depth, precision: precision, magnitude: magnitude, noise: noise) {
                            #expect(chain.reduce(0, +) + chain.max()! > 1772)
                        }
                        continue
                    }
                    let bound = try #require(SecurityTable.maxLogQP(polyDegree: p.polyDegree))
                    #expect(p.logQP <= bound)
                    #expect(p.specialModulusBits == [p.ciphertextModulusBits.max()!], "P is the largest prime")
                    #expect(p.logQP == p.ciphertextModulusBits.reduce(0, +) + p.specialModulusBits.reduce(0, +))
                    #expect(p.levels == depth + p.outputLevel, "one scale prime per rescale, plus the output prime if any")
                    #expect(Double(p.scaleBits) >= Double(precision) + noise.noiseBits(p), "the scale holds the precision above the noise")
                    #expect(p.ciphertextModulusBits == ruleChain(n: p.polyDegree, depth: depth, precision: precision,
                                                                 magnitude: magnitude, noise: noise), "the smallest such scale")
                    let outputBits = p.ciphertextModulusBits.prefix(p.outputLevel + 1).reduce(0, +)
                    #expect(Double(outputBits - p.scaleBits - 2) >= log2(max(magnitude, 1)),
                            "the output level holds the outputs, their sign and at least one bit of headroom")
                    #expect(p.securityBits == 128)
                    // Smallest: the next smaller ring degree would not fit.
                    if let smaller = SecurityTable.maxLogQP128.last(where: { $0.polyDegree < p.polyDegree && $0.polyDegree >= 4096 }),
                       smaller.polyDegree / 2 >= 64,
                       let chain = ruleChain(n: smaller.polyDegree, depth: depth, precision: precision, magnitude: magnitude, noise: noise) {
                        #expect(chain.reduce(0, +) + chain.max()! > smaller.maxLogQP)
                    }
                    try p.validate()
                    checked += 1
                    withOutputPrime += p.outputLevel
                }
            }
        }
    }
    #expect(checked > 600)
    #expect(withOutputPrime > 10, "wide scales with large outputs get a second output prime")
}

@Test func noisierModelsGetWiderScales() throws {
    let light = try ParameterChoice.choose(depth: 3, precisionBits: 20, outputMagnitude: 10, minimumSlots: 64, noise: lightNoise)
    let heavy = try ParameterChoice.choose(depth: 3, precisionBits: 20, outputMagnitude: 10, minimumSlots: 64, noise: heavyNoise)
    #expect(heavy.scaleBits > light.scaleBits)
    // The light model's noise at N = 8192 is a fresh encryption, one key switch and a rescale: about 13 bits.
    let bits = lightNoise.noiseBits(polyDegree: 8192, ciphertextModulusBits: [45, 40, 40, 40], specialBits: 45)
    #expect(bits > 11 && bits < 16)
    // Depth 3 at 20 bits fits N = 8192 with a first and special prime far below 60 bits.
    #expect(light.polyDegree == 8192 && light.ciphertextModulusBits[0] < 50 && light.logQP <= 218)
}

/// A `convert --shared-results` case: 40 bits of precision and logits up to about 62 need
/// more than one 60-bit prime at the output level.
@Test func outputsThatDoNotFitOnePrimeGetASecondOutputPrime() throws {
    let p = try ParameterChoice.choose(depth: 1, precisionBits: 40, outputMagnitude: 61.9, minimumSlots: 32, noise: lightNoise)
    #expect(p.ciphertextModulusBits.count == 3 && p.ciphertextModulusBits[0] == 60 && p.ciphertextModulusBits[1] >= 30)
    #expect(p.outputLevel == 1 && p.levels == 2)
    try p.validate()
    let narrow = try ParameterChoice.choose(depth: 1, precisionBits: 20, outputMagnitude: 61.9, minimumSlots: 32, noise: lightNoise)
    #expect(narrow.ciphertextModulusBits == [narrow.scaleBits + 6 + 1 + ParameterChoice.outputHeadroomBits, narrow.scaleBits])
    #expect(narrow.outputLevel == 0)
}

@Test func impossiblePlansAreRefusedWithTheReason() {
    for precision in [50, 58, 59, 60, 62] {  // up to the 62 bits ConversionOptions admits: an error, never a trap
        #expect(throws: ConversionError.self) {
            try ParameterChoice.choose(depth: 3, precisionBits: precision, outputMagnitude: 1, minimumSlots: 8, noise: lightNoise)
        }
    }
    do {
        _ = try ParameterChoice.choose(depth: 60, precisionBits: 20, outputMagnitude: 1, minimumSlots: 8, noise: lightNoise)
        Issue.record("depth 60 cannot fit")
    } catch {
        #expect("\(error)".contains("above 1772"))
    }
}

/// Simulates the single-query hybrid BSGS diagonal method (what `EncodedLinearLayer` runs)
/// in plain Double arithmetic on a replicated slot vector, performing only rotations that
/// the layer's packing in the plan lists, and compares with W·x + b.
private func bsgsMatVec(_ layer: DenseLayer, _ slots: [Double], packing: LinearLayerPacking, blockSize d: Int) -> [Double] {
    let n = slots.count, g = packing.babySteps, span = packing.span
    let allowed = Set(packing.rotations)
    func rotate(_ v: [Double], _ k: Int) -> [Double] {
        if k == 0 { return v }
        precondition(allowed.contains(k), "rotation \(k) is not in the plan's set for this layer")
        return (0..<n).map { v[($0 + k) % n] }
    }
    let diagonals = MatrixDiagonals(weights: layer.weights, rows: layer.outputCount, columns: layer.inputCount,
                                    blockSize: d, span: span)
    #expect(diagonals.diagonals.indices.filter { diagonals.diagonals[$0] != nil } == packing.nonZeroDiagonals)
    var result = [Double](repeating: 0, count: n)
    for j in 0..<(span / g) {
        var inner = [Double](repeating: 0, count: n)
        for k in 0..<g {
            guard let diagonal = diagonals.diagonals[j * g + k] else { continue }
            let x = rotate(slots, k)  // hoisted baby step
            // rot(diag_{jg+k}, −jg), replicated: pre-rotated once per model, in plaintext.
            for s in 0..<n { inner[s] += diagonal[((s - j * g) % d + d) % d] * x[s] }
        }
        let outer = rotate(inner, j * g)
        for s in 0..<n { result[s] += outer[s] }
    }
    for step in packing.sumSteps(blockSize: d) {
        let r = rotate(result, step)
        for s in 0..<n { result[s] += r[s] }
    }
    return (0..<n).map { s in result[s] + (s % span < layer.outputCount ? layer.bias[s % span] : 0) }
}

@Test func planRotationsSufficeForTheHybridBSGSMethodOnEveryLayer() throws {
    var rng = TestRNG(seed: 5)
    for shapes in [[(32, 64), (10, 32)], [(64, 64), (64, 64)], [(32, 30), (1, 32)], [(3, 4)], [(7, 5), (3, 7)], [(16, 100), (10, 16)]] {
        let layers = shapes.map { m, n in
            DenseLayer(inputCount: n, outputCount: m, weights: (0..<(m * n)).map { _ in rng.gaussian() },
                       bias: (0..<m).map { _ in rng.gaussian() })
        }
        let block = SingleQueryPacking.blockSize(forWidths: shapes.flatMap { [$0.0, $0.1] })
        let packing = try SingleQueryPacking(layers: layers, slotCount: 4 * block)
        #expect(packing.babySteps * packing.giantSteps == block)
        #expect(packing.rotations == Array(Set(packing.layers.flatMap(\.rotations))).sorted())
        for layer in packing.layers {
            let g = layer.babySteps, span = layer.span
            #expect(layer.rotations.count <= (g - 1) + (span / g - 1) + (block / span).trailingZeroBitCount)
        }
        // Chain the layers on a replicated input (what the client encrypts).
        let input = (0..<layers[0].inputCount).map { _ in rng.gaussian() }
        var slots = (0..<packing.slotCount).map { $0 % block < input.count ? input[$0 % block] : 0 }
        var expected = input
        for (layer, layerPacking) in zip(layers, packing.layers) {
            slots = bsgsMatVec(layer, slots, packing: layerPacking, blockSize: block)
            expected = layer.apply(expected)
            for (k, value) in expected.enumerated() {
                for copy in 0..<packing.replicas { #expect(abs(slots[copy * block + k] - value) < 1e-9) }
            }
            // The output is replicated with period span; zero the padding to feed the next layer.
            slots = slots.enumerated().map { $0.offset % block < layer.outputCount ? $0.element : 0 }
        }
    }
}

@Test func zeroWeightsDropTheirDiagonalsAndRotations() throws {
    // A 4×8 layer whose only non-zero weights lie on diagonal (c − r) mod 4 = 0: no baby step.
    var weights = [Double](repeating: 0, count: 32)
    for r in 0..<4 { weights[r * 8 + r] = 1; weights[r * 8 + r + 4] = 2 }
    let layer = DenseLayer(inputCount: 8, outputCount: 4, weights: weights, bias: [0, 0, 0, 0])
    let packing = try LinearLayerPacking(layer: layer, blockSize: 8, babySteps: 4)
    #expect(packing.span == 4 && packing.babySteps == 4)
    #expect(packing.nonZeroDiagonals == [0])
    #expect(packing.rotations == [4], "only the rotate-and-sum step remains")
    let lr = DenseLayer(inputCount: 30, outputCount: 1, weights: (0..<30).map(Double.init), bias: [0])
    #expect(try LinearLayerPacking(layer: lr, blockSize: 32, babySteps: 8).rotations == [1, 2, 4, 8, 16],
            "logistic regression: span 1, a rotate-and-sum of log2 D steps")
}

@Test func planLevelsChainFromTheTopToZero() throws {
    let model = try Synthetic.model(widths: [64, 32, 16, 10], activation: Activation(.tanh), classes: 10, seed: 2)
    let conversion = try ModelConverter.convert(model, calibration: Synthetic.calibration(for: model, rows: 200, seed: 3))
    let plan = conversion.model.plan
    try plan.validate()
    #expect(plan.steps.first?.inputLevel == plan.depth)
    #expect(plan.steps.last?.outputLevel == 0)
    #expect(plan.depth == 3 + conversion.model.activations.reduce(0) { $0 + $1.depth })
    #expect(plan.parameters.levels == plan.depth)
    // 64→32 (span 32: babies 1…7, giants 8, 16, 24, sum 32), 32→16 and 16→10 (span 16:
    // babies 1…7, giant 8, sums 16, 32): the union, not the full BSGS set of a 64-block.
    #expect(plan.single.layers.map(\.span) == [32, 16, 16])
    #expect(plan.single.rotations == [1, 2, 3, 4, 5, 6, 7, 8, 16, 24, 32])
    #expect(plan.batch.inputCiphertexts == 64 && plan.batch.outputCiphertexts == 10)
    #expect(plan.batch.samplesPerCiphertext == plan.parameters.polyDegree / 2)
    #expect(conversion.report.rotations == 11)
    let n = plan.parameters.polyDegree
    let bits = plan.parameters.ciphertextModulusBits, special = plan.parameters.specialModulusBits
    let keyBytes = 40 + bits.count * (bits + special).reduce(0) { $0 + n * $1 / 8 }
    #expect(plan.sizes.galoisKeyBytes == keyBytes)
    #expect(plan.sizes.singleQueryEvaluationKeyBytes == 8 + 4 * 11 + 12 * keyBytes)
    #expect(plan.sizes.queryCiphertextBytes == 12 + bits.reduce(0) { $0 + n * $1 / 8 } + 32)
    #expect(conversion.report.sizes.evaluationKeyBytes == plan.sizes.singleQueryEvaluationKeyBytes)
}
