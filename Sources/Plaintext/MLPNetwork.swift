import Foundation
import Models

/// A fully connected network's parameters in one flat vector plus the batch buffers of its
/// forward and backward passes, sized once for `capacity` rows (no allocation per step).
///
/// Layout of `parameters`: `W_0, b_0, W_1, b_1, …` (each `W_l` row-major `outputs × inputs`),
/// then `[c0, c1, c2]` per hidden layer when the activation is `poly`.
/// Forward: per layer one dgemm `Z = A·Wᵀ + b` and an element-wise activation.
/// Backward: per layer one dgemm for `∂W = δᵀ·A`, one dgemv for `∂b = δᵀ·1`, one dgemm for
/// `δ·W`. Cost O(rows · Σ inputs·outputs) flops per pass.
struct MLPNetwork {
    struct Slot { var inputs: Int; var outputs: Int; var weights: Int; var bias: Int }

    let sizes: [Int]
    let activation: ActivationKind
    let slots: [Slot]
    let coefficientOffset: Int
    let capacity: Int
    var parameters: [Double]
    var gradient: [Double]
    /// Pre-activations (`pre[l]` is layer l−1's output) and activations (`act[0]` is the input batch).
    var pre: [[Double]]
    var act: [[Double]]
    var delta: [Double]
    var deltaNext: [Double]
    let ones: [Double]
    var batchLabels: [Int]
    /// Fixed polynomial activations, one per hidden layer, in place of `activation` (empty:
    /// `activation` everywhere). Set by fine-tuning (`Trainer.finetune`).
    var polynomials: [FixedPolynomialActivation] = []
    /// Strength λ of the penalty `λ·e²` on pre-activations outside the polynomials' intervals.
    var intervalPenalty = 0.0

    var hiddenCount: Int { sizes.count - 2 }
    var outputWidth: Int { sizes[sizes.count - 1] }
    var parameterCount: Int { parameters.count }

    init(sizes: [Int], activation: ActivationKind, capacity: Int) {
        self.sizes = sizes
        self.activation = activation
        var slots: [Slot] = []
        var offset = 0
        for l in 0..<(sizes.count - 1) {
            slots.append(Slot(inputs: sizes[l], outputs: sizes[l + 1], weights: offset, bias: offset + sizes[l] * sizes[l + 1]))
            offset += sizes[l] * sizes[l + 1] + sizes[l + 1]
        }
        self.slots = slots
        coefficientOffset = offset
        let count = offset + (activation == .poly ? 3 * (sizes.count - 2) : 0)
        self.capacity = capacity
        parameters = [Double](repeating: 0, count: count)
        gradient = parameters
        pre = sizes.map { [Double](repeating: 0, count: capacity * $0) }
        act = pre
        delta = [Double](repeating: 0, count: capacity * (sizes.max() ?? 1))
        deltaNext = delta
        ones = [Double](repeating: 1, count: capacity)
        batchLabels = [Int](repeating: 0, count: capacity)
    }

    /// Glorot-uniform weights and biases (scikit-learn's rule: bound √(6/(fan_in+fan_out)),
    /// √(2/…) before a sigmoid), and the default `poly` coefficients.
    mutating func initialize(using rng: inout SeededGenerator) {
        for (l, slot) in slots.enumerated() {
            let factor = (l < hiddenCount && activation == .sigmoid) ? 2.0 : 6.0
            let bound = (factor / Double(slot.inputs + slot.outputs)).squareRoot()
            for j in 0..<(slot.inputs * slot.outputs + slot.outputs) {
                parameters[slot.weights + j] = (2 * rng.nextUnit() - 1) * bound
            }
        }
        if activation == .poly {
            let c = Activation(.poly).coefficients
            for l in 0..<hiddenCount { for k in 0..<3 { parameters[coefficientOffset + 3 * l + k] = c[k] } }
        }
    }

    /// Copies rows `indices` of the row-major matrix `x` (and their labels) into the input batch.
    mutating func load(rows indices: ArraySlice<Int>, from x: [Double], labels: [Int]) {
        let d = sizes[0]
        var r = 0
        act[0].withUnsafeMutableBufferPointer { ap in
            x.withUnsafeBufferPointer { xp in
                for i in indices {
                    (ap.baseAddress! + r &* d).update(from: xp.baseAddress! + i &* d, count: d)
                    batchLabels[r] = labels[i]
                    r += 1
                }
            }
        }
    }

    /// Forward pass over the first `rows` rows of `act[0]`; the logits end in `pre[last]`.
    mutating func forward(rows: Int) {
        let kind = activation, hidden = hiddenCount, cOffset = coefficientOffset, fixed = polynomials
        parameters.withUnsafeBufferPointer { p in
            let P = p.baseAddress!
            for (l, slot) in slots.enumerated() {
                pre[l + 1].withUnsafeMutableBufferPointer { zp in
                    act[l].withUnsafeBufferPointer { ap in
                        let Z = zp.baseAddress!
                        for i in 0..<rows { (Z + i &* slot.outputs).update(from: P + slot.bias, count: slot.outputs) }
                        BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: slot.outputs, k: slot.inputs, alpha: 1,
                                  ap.baseAddress!, lda: slot.inputs, P + slot.weights, ldb: slot.inputs,
                                  beta: 1, Z, ldc: slot.outputs)
                    }
                }
                if l < hidden {
                    pre[l + 1].withUnsafeBufferPointer { zp in
                        act[l + 1].withUnsafeMutableBufferPointer { ap in
                            if !fixed.isEmpty {
                                ActivationKernel.forward(fixed[l], pre: zp.baseAddress!, act: ap.baseAddress!,
                                                         count: rows * slot.outputs)
                                return
                            }
                            ActivationKernel.forward(kind, coefficients: P + (kind == .poly ? cOffset + 3 * l : 0),
                                                     pre: zp.baseAddress!, act: ap.baseAddress!, count: rows * slot.outputs)
                        }
                    }
                }
            }
        }
    }

    /// Forward and backward pass on the loaded batch of `rows` rows: fills `gradient` with the
    /// gradient of `mean cross-entropy + alpha/(2·rows)·Σ‖W‖²` (plus the mean interval penalty
    /// with fixed polynomials) and returns that loss times `rows`.
    mutating func lossAndGradient(rows: Int, alpha: Double) -> Double {
        forward(rows: rows)
        let invB = 1 / Double(rows)
        let last = slots.count, width = outputWidth
        var loss = pre[last].withUnsafeMutableBufferPointer { zp in
            batchLabels.withUnsafeBufferPointer { CrossEntropy.residual(zp.baseAddress!, rows: rows, width: width, labels: $0.baseAddress!) }
        }
        pre[last].withUnsafeBufferPointer { zp in
            delta.withUnsafeMutableBufferPointer { dp in for i in 0..<(rows * width) { dp[i] = zp[i] * invB } }
        }
        let kind = activation, cOffset = coefficientOffset, fixed = polynomials, lambda = intervalPenalty
        var l2 = 0.0
        var penalty = 0.0
        parameters.withUnsafeBufferPointer { p in
            gradient.withUnsafeMutableBufferPointer { g in
                let P = p.baseAddress!, G = g.baseAddress!
                for i in 0..<g.count { G[i] = 0 }
                for l in stride(from: slots.count - 1, through: 0, by: -1) {
                    let slot = slots[l]
                    let wCount = slot.inputs * slot.outputs
                    l2 += BLAS.dot(wCount, P + slot.weights, P + slot.weights)
                    // ∂W = δᵀ·A + (alpha/B)·W ;  ∂b = δᵀ·1
                    let decay = alpha * invB
                    for j in 0..<wCount { G[slot.weights &+ j] = decay * P[slot.weights &+ j] }
                    delta.withUnsafeBufferPointer { dp in
                        act[l].withUnsafeBufferPointer { ap in
                            ones.withUnsafeBufferPointer { op in
                                BLAS.gemm(transposeA: true, transposeB: false, m: slot.outputs, n: slot.inputs, k: rows,
                                          alpha: 1, dp.baseAddress!, lda: slot.outputs, ap.baseAddress!, ldb: slot.inputs,
                                          beta: 1, G + slot.weights, ldc: slot.inputs)
                                BLAS.gemv(transpose: true, m: rows, n: slot.outputs, alpha: 1, dp.baseAddress!, lda: slot.outputs,
                                          op.baseAddress!, beta: 0, G + slot.bias)
                            }
                        }
                    }
                    guard l > 0 else { break }
                    // δ_{l−1} = (δ·W) ⊙ f′(pre_l)  (and ∂c for poly)
                    delta.withUnsafeBufferPointer { dp in
                        deltaNext.withUnsafeMutableBufferPointer { np in
                            BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: slot.inputs, k: slot.outputs,
                                      alpha: 1, dp.baseAddress!, lda: slot.outputs, P + slot.weights, ldb: slot.inputs,
                                      beta: 0, np.baseAddress!, ldc: slot.inputs)
                            pre[l].withUnsafeBufferPointer { zp in
                                if !fixed.isEmpty {
                                    penalty += ActivationKernel.backward(fixed[l - 1], pre: zp.baseAddress!, grad: np.baseAddress!,
                                                                         count: rows * slot.inputs, penalty: lambda,
                                                                         meanFactor: invB)
                                    return
                                }
                                act[l].withUnsafeBufferPointer { ap in
                                    let c = kind == .poly ? cOffset + 3 * (l - 1) : 0
                                    ActivationKernel.backward(kind, coefficients: P + c, pre: zp.baseAddress!,
                                                              act: ap.baseAddress!, grad: np.baseAddress!,
                                                              count: rows * slot.inputs, coefficientGradient: G + c)
                                }
                            }
                        }
                    }
                    swap(&delta, &deltaNext)
                }
            }
        }
        loss += 0.5 * alpha * l2 + penalty
        return loss
    }

    /// Summed cross-entropy (no L2) of `rows` rows of `x` given in one block. `rows ≤ capacity`.
    mutating func loss(of x: [Double], labels: [Int], rows: Int) -> Double {
        act[0].withUnsafeMutableBufferPointer { ap in
            x.withUnsafeBufferPointer { ap.baseAddress!.update(from: $0.baseAddress!, count: rows * sizes[0]) }
        }
        forward(rows: rows)
        let width = outputWidth
        return pre[slots.count].withUnsafeBufferPointer { zp in
            labels.withUnsafeBufferPointer { CrossEntropy.loss(zp.baseAddress!, rows: rows, width: width, labels: $0.baseAddress!) }
        }
    }

    /// The parameters as model layers and activations.
    func export() -> (layers: [DenseLayer], activations: [Activation]) {
        let layers = slots.map { slot in
            DenseLayer(inputCount: slot.inputs, outputCount: slot.outputs,
                       weights: Array(parameters[slot.weights ..< slot.weights + slot.inputs * slot.outputs]),
                       bias: Array(parameters[slot.bias ..< slot.bias + slot.outputs]))
        }
        let activations = (0..<hiddenCount).map { l in
            activation == .poly
                ? Activation(.poly, coefficients: Array(parameters[coefficientOffset + 3 * l ..< coefficientOffset + 3 * l + 3]))
                : Activation(activation)
        }
        return (layers, activations)
    }

    /// A network holding `model`'s parameters (the inverse of `export`); a logistic regression is
    /// the network without hidden layers. nil when the model's hidden activations differ from
    /// layer to layer, do not match its layers, or a poly activation is not quadratic.
    init?(model: TrainedModel, capacity: Int) {
        guard model.activations.count == model.layers.count - 1,
              model.activations.allSatisfy({ $0.kind == model.activations.first?.kind }) else { return nil }
        let kind = model.activations.first?.kind ?? .relu  // no hidden layer: never applied
        self.init(sizes: [model.featureCount] + model.layers.map(\.outputCount), activation: kind, capacity: capacity)
        for (slot, layer) in zip(slots, model.layers) {
            parameters.replaceSubrange(slot.weights ..< slot.weights + layer.weights.count, with: layer.weights)
            parameters.replaceSubrange(slot.bias ..< slot.bias + layer.bias.count, with: layer.bias)
        }
        if kind == .poly {
            for (l, a) in model.activations.enumerated() {
                guard a.coefficients.count == 3 else { return nil }
                parameters.replaceSubrange(coefficientOffset + 3 * l ..< coefficientOffset + 3 * l + 3, with: a.coefficients)
            }
        }
    }
}

extension MLPTrainer {
    /// Gradient of `mean cross-entropy + alpha/(2n)·Σ‖W‖²` of an MLP model over standardized rows
    /// (row-major `x`), with the parameters flattened as `W_0, b_0, W_1, b_1, …, poly coefficients`.
    /// Exposed to the package's tests to check back-propagation against finite differences.
    /// `polynomials` (one per hidden layer) replace the activations, with the interval penalty.
    package static func lossAndGradient(of model: TrainedModel, standardizedRows x: [Double], labels: [Int],
                                        alpha: Double, polynomials: [PolynomialApproximation] = [],
                                        intervalPenalty: Double = 0) -> (loss: Double, gradient: [Double])? {
        guard var network = MLPNetwork(model: model, capacity: labels.count) else { return nil }
        network.polynomials = polynomials.map(FixedPolynomialActivation.init)
        network.intervalPenalty = intervalPenalty
        network.load(rows: Array(labels.indices)[...], from: x, labels: labels)
        let loss = network.lossAndGradient(rows: labels.count, alpha: alpha) / Double(labels.count)
        return (loss, network.gradient)
    }
}
