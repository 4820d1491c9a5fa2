import Foundation
import Models
import Testing

@Test func chosenParametersAreWithinThe128BitTableAndHaveEnoughLevels() throws {
    var checked = 0
    for depth in 0...40 {
        for precision in [10, 16, 20, 24, 30, 36] {
            for magnitude in [1.0, 100, 1e4] {
                let p: ParameterChoice
                do {
                    p = try ParameterChoice.choose(depth: depth, precisionBits: precision, outputMagnitude: magnitude, minimumSlots: 64)
                } catch let error as ConversionError {
                    guard case .impossiblePrecision = error else { throw error }
                    // Impossible only when even N = 65536 cannot hold it.
                    let scale = precision + ParameterChoice.noiseBits(polyDegree: 65536)
                    #expect(scale > 60 || 120 + depth * scale > 1772 || 60 - scale < Int(ceil(log2(max(magnitude, 1)))) + 1)
                    continue
                }
                let bound = try #require(SecurityTable.maxLogQP(polyDegree: p.polyDegree))
                #expect(p.logQP <= bound)
                #expect(p.logQP == p.ciphertextModulusBits.reduce(0, +) + p.specialModulusBits.reduce(0, +))
                #expect(p.levels == depth, "one scale prime per rescale")
                #expect(p.scaleBits >= precision + ParameterChoice.noiseBits(polyDegree: p.polyDegree))
                #expect(Double(p.ciphertextModulusBits[0] - p.scaleBits) > log2(max(magnitude, 1)))
                #expect(p.securityBits == 128)
                // Smallest: the next smaller ring degree would not fit.
                if let smaller = SecurityTable.maxLogQP128.last(where: { $0.polyDegree < p.polyDegree && $0.polyDegree >= 4096 }) {
                    let s = precision + ParameterChoice.noiseBits(polyDegree: smaller.polyDegree)
                    #expect(120 + depth * s > smaller.maxLogQP || s > 60 || 60 - s < Int(ceil(log2(max(magnitude, 1)))) + 1)
                }
                try p.validate()
                checked += 1
            }
        }
    }
    #expect(checked > 300)
}

@Test func classicSetIsChosenForShallowPlans() throws {
    // SEAL's classic 60+40+40 (+60) set: 17 bits of precision at N = 8192.
    let p = try ParameterChoice.choose(depth: 2, precisionBits: 17, outputMagnitude: 10, minimumSlots: 32)
    #expect(p.polyDegree == 8192)
    #expect(p.ciphertextModulusBits == [60, 40, 40])
    #expect(p.specialModulusBits == [60])
    #expect(p.logQP == 200)
    let twenty = try ParameterChoice.choose(depth: 2, precisionBits: 20, outputMagnitude: 10, minimumSlots: 32)
    #expect(twenty.scaleBits == 43 && twenty.polyDegree == 8192 && twenty.logQP == 206)
}

@Test func impossiblePlansAreRefusedWithTheReason() {
    #expect(throws: ConversionError.self) { try ParameterChoice.choose(depth: 3, precisionBits: 50, outputMagnitude: 1, minimumSlots: 8) }
    do {
        _ = try ParameterChoice.choose(depth: 60, precisionBits: 20, outputMagnitude: 1, minimumSlots: 8)
        Issue.record("depth 60 cannot fit")
    } catch {
        #expect("\(error)".contains("above 1772"))
    }
}

/// Simulates the single-query BSGS diagonal method in plain Double arithmetic on a replicated
/// slot vector, using only rotations from the plan's set, and compares with W·x + b.
private func bsgsMatVec(_ layer: DenseLayer, _ slots: [Double], packing: SingleQueryPacking) -> [Double] {
    let d = packing.blockSize, n = packing.slotCount, g = packing.babySteps, h = packing.giantSteps
    let allowed = Set(packing.rotations)
    func rotate(_ v: [Double], _ k: Int) -> [Double] {
        if k == 0 { return v }
        precondition(allowed.contains(k), "rotation \(k) is not in the plan's set")
        return (0..<n).map { v[($0 + k) % n] }
    }
    // Generalized diagonal i of the padded D×D matrix, replicated over all slots.
    func diagonal(_ i: Int) -> [Double] {
        (0..<n).map { slot in
            let r = slot % d, c = (r + i) % d
            return r < layer.outputCount && c < layer.inputCount ? layer.weight(output: r, input: c) : 0
        }
    }
    let baby = (0..<g).map { rotate(slots, $0) }  // hoisted baby steps
    var result = [Double](repeating: 0, count: n)
    for j in 0..<h {
        var inner = [Double](repeating: 0, count: n)
        for i in 0..<g {
            // rot(diag_{jg+i}, −jg): pre-rotated once per model, in plaintext.
            let diag = diagonal(j * g + i)
            let pre = (0..<n).map { diag[(($0 - j * g) % n + n) % n] }
            for s in 0..<n { inner[s] += pre[s] * baby[i][s] }
        }
        let outer = rotate(inner, j * g)
        for s in 0..<n { result[s] += outer[s] }
    }
    let bias = (0..<n).map { slot in slot % d < layer.outputCount ? layer.bias[slot % d] : 0 }
    return zip(result, bias).map(+)
}

@Test func rotationSetSufficesForTheBSGSDiagonalMethodOnEveryLayer() throws {
    var rng = TestRNG(seed: 5)
    for shapes in [[(32, 64), (10, 32)], [(64, 64), (64, 64)], [(32, 30), (1, 32)], [(3, 4)], [(7, 5), (3, 7)], [(16, 100), (10, 16)]] {
        let layers = shapes.map { m, n in
            DenseLayer(inputCount: n, outputCount: m, weights: (0..<(m * n)).map { _ in rng.gaussian() },
                       bias: (0..<m).map { _ in rng.gaussian() })
        }
        let block = SingleQueryPacking.blockSize(forWidths: shapes.flatMap { [$0.0, $0.1] })
        let packing = SingleQueryPacking(shapes: shapes.map { (outputs: $0.0, inputs: $0.1) }, slotCount: 4 * block)
        #expect(packing.babySteps * packing.giantSteps == block)
        #expect(packing.rotations.count == packing.babySteps + packing.giantSteps - 2)
        #expect(Double(packing.rotations.count) <= 2 * Double(block).squareRoot() + 1)
        // Chain the layers on a replicated input (what the client encrypts).
        let input = (0..<layers[0].inputCount).map { _ in rng.gaussian() }
        var slots = (0..<packing.slotCount).map { $0 % block < input.count ? input[$0 % block] : 0 }
        var expected = input
        for layer in layers {
            slots = bsgsMatVec(layer, slots, packing: packing)
            expected = layer.apply(expected)
            for (k, value) in expected.enumerated() {
                for copy in 0..<packing.replicas { #expect(abs(slots[copy * block + k] - value) < 1e-9) }
            }
            // Garbage in padded rows is harmless: the next layer's padded columns are zero,
            // but zero it here to keep the comparison on the real outputs only.
            slots = slots.enumerated().map { $0.offset % block < layer.outputCount ? $0.element : 0 }
        }
    }
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
    #expect(plan.single.rotations == [1, 2, 3, 4, 5, 6, 7, 8, 16, 24, 32, 40, 48, 56])
    #expect(plan.batch.inputCiphertexts == 64 && plan.batch.outputCiphertexts == 10)
    #expect(plan.batch.samplesPerCiphertext == plan.parameters.polyDegree / 2)
    #expect(conversion.report.rotations == 14)
    let n = plan.parameters.polyDegree, k = plan.depth + 1
    #expect(plan.sizes.galoisKeyBytes == 8 * k * n * (k + 1) + 32)
    #expect(plan.sizes.singleQueryEvaluationKeyBytes == 15 * plan.sizes.galoisKeyBytes)
    #expect(plan.sizes.queryCiphertextBytes == 8 * n * k + 32)
}
