import Foundation

/// A dense layer `y = W·x + b` for batch packing: one ciphertext per input feature, one
/// sample per slot, so the layer is a plaintext-scalar multiply–accumulate with no
/// rotation. Each output ciphertext is `Σ_i w_oi·x_i + b_o` computed as one 128-bit lazy
/// sum per word (weights as integers `round(w·q_ℓ)`), the bias added at the product
/// scale, and ONE rescale — instead of a rescale after every product.
///
/// The weights are converted to residues once here. Cost of `apply`: m·n·2(ℓ+1)·N word
/// products and m rescales.
public struct BatchLinearLayer: Sendable {
    /// Output width m.
    public let rows: Int
    /// Input width n.
    public let columns: Int
    /// Level of the input ciphertexts; outputs are one level lower.
    public let inputLevel: Int
    /// Scale of the inputs.
    public let scale: Double
    /// Scale of the outputs, exactly (the input scale unless a folded square came before).
    public let outputScale: Double
    /// `weightResidues[(o·(ℓ+1) + i)·n + t]`: weight (o, t) modulo prime i.
    @usableFromInline let weightResidues: [UInt64]
    /// `biasResidues[o·(ℓ+1) + i]`: `round(b_o·outputScale·q_ℓ)` modulo prime i.
    @usableFromInline let biasResidues: [UInt64]

    /// Prepares the layer for inputs at `level` and `scale`, outputs at `outputScale` (default
    /// `scale`; the weights become `round(w·q_ℓ·outputScale/scale)`). Cost: O(m·n·ℓ).
    /// - Throws: `.invalidOperand` for inconsistent shapes, `.levelExhausted` at level 0,
    ///   `.scaleOverflow` when a weight or bias does not fit the modulus.
    public init(context: CKKSContext, weights: [Double], rows: Int, columns: Int, bias: [Double],
                level: Int, scale: Double, outputScale: Double? = nil) throws {
        guard rows > 0, columns > 0, weights.count == rows * columns, bias.count == rows else {
            throw EncryptedMLError.invalidOperand(
                "layer of \(rows)×\(columns) needs \(rows * columns) weights and \(rows) biases, got \(weights.count) and \(bias.count)")
        }
        guard level >= 1, level <= context.maxLevel else {
            throw EncryptedMLError.levelExhausted(
                "a linear layer needs an input level in 1…\(context.maxLevel) to rescale, got \(level)")
        }
        self.rows = rows
        self.columns = columns
        self.inputLevel = level
        self.scale = scale
        let outputScale = outputScale ?? scale
        guard scale > 0, scale.isFinite, outputScale > 0, outputScale.isFinite else {
            throw EncryptedMLError.scaleOverflow("batch layer scales \(scale) → \(outputScale) must be finite and positive")
        }
        self.outputScale = outputScale
        let limbs = level + 1
        let prime = Double(context.ciphertextModuli[level].value)
        let weightScale = prime * (outputScale / scale)
        var w = [UInt64](repeating: 0, count: rows * limbs * columns)
        var b = [UInt64](repeating: 0, count: rows * limbs)
        for o in 0..<rows {
            for t in 0..<columns {
                let residues = try context.integerResidues(weights[o * columns + t] * weightScale, level: level)
                for i in 0..<limbs { w[(o * limbs + i) * columns + t] = residues[i] }
            }
            let residues = try context.integerResidues(bias[o] * outputScale * prime, level: level)
            for i in 0..<limbs { b[o * limbs + i] = residues[i] }
        }
        weightResidues = w
        biasResidues = b
    }

    /// `W·x + b` over `inputs` (n ciphertexts at `inputLevel` or above, at `scale`): m
    /// ciphertexts at `inputLevel − 1` with scale exactly `outputScale`.
    /// - Throws: `.invalidOperand` for a wrong count or scale, `.levelExhausted` for a low input.
    public func apply(_ inputs: [CKKSCiphertext], context: CKKSContext) throws -> [CKKSCiphertext] {
        guard inputs.count == columns else {
            throw EncryptedMLError.invalidOperand(
                "batch layer expects \(columns) input ciphertexts (one per feature), got \(inputs.count)")
        }
        var x: [CKKSCiphertext] = []
        x.reserveCapacity(columns)
        for ct in inputs {
            try context.check(ct, "batch linear layer")
            guard ct.level >= inputLevel else {
                throw EncryptedMLError.levelExhausted(
                    "batch layer expects inputs at level \(inputLevel), got level \(ct.level); the ciphertexts do not follow the model's plan")
            }
            guard CKKSContext.scalesMatch(ct.scale, scale) else {
                throw EncryptedMLError.invalidOperand(
                    "batch layer expects input scale 2^\(String(format: "%.3f", log2(scale))), got 2^\(String(format: "%.3f", log2(ct.scale)))")
            }
            x.append(ct.level == inputLevel ? ct : try context.dropLevel(ct, to: inputLevel))
        }
        let n = context.degree
        let limbs = inputLevel + 1
        let productScale = outputScale * Double(context.ciphertextModuli[inputLevel].value)
        // Loop order: limb → block of 512 words → output → input. The inputs' block (n × 4 KB)
        // stays in L2 while every output is accumulated from it, so the inputs stream from
        // memory once per layer instead of once per output.
        let block = 512
        let components = [x.map(\.c0.data), x.map(\.c1.data)]
        var results = [[UInt64]]()
        for (componentIndex, component) in components.enumerated() {
            var out = [UInt64](repeating: 0, count: rows * limbs * n)
            withPointers(component) { bases in
                out.withUnsafeMutableBufferPointer { out in
                    weightResidues.withUnsafeBufferPointer { w in
                        // Limbs are independent: on every core when the context is parallel.
                        context.forEachIndex(limbs) { i in
                            var limbPointers = [UnsafePointer<UInt64>](repeating: bases[0], count: columns)
                            let modulus = context.ciphertextModuli[i]
                            let split = LinearKernels.splitChunk(bitWidth: modulus.bitWidth) >= 4
                            for base in stride(from: 0, to: n, by: block) {
                                let width = min(block, n - base)
                                for t in 0..<columns { limbPointers[t] = bases[t] + i * n + base }
                                limbPointers.withUnsafeBufferPointer { xp in
                                    for o in 0..<rows {
                                        let weights = UnsafeBufferPointer(rebasing: w[((o * limbs + i) * columns)..<((o * limbs + i + 1) * columns)])
                                        let bias = componentIndex == 0 ? biasResidues[o * limbs + i] : 0
                                        let target = out.baseAddress! + (o * limbs + i) * n + base
                                        if split {
                                            LinearKernels.scalarDotProductSplit(target, xp, weights, bias: bias,
                                                                                count: width, modulus: modulus)
                                        } else {
                                            LinearKernels.scalarDotProduct(target, xp, weights, bias: bias,
                                                                           count: width, modulus: modulus)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            results.append(out)
        }
        let size = limbs * n
        return try context.concurrentMap(Array(0..<rows)) { o in
            let c0 = RNSPolynomial<Evaluation>(degree: n, data: Array(results[0][(o * size)..<((o + 1) * size)]))
            let c1 = RNSPolynomial<Evaluation>(degree: n, data: Array(results[1][(o * size)..<((o + 1) * size)]))
            var y = CKKSCiphertext(c0: c0, c1: c1, scale: productScale, contextFingerprint: context.fingerprint)
            try context.rescaleInPlace(&y)
            y.scale = outputScale
            return y
        }
    }
}
