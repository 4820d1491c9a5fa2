import Foundation
import Models

/// Mini-batch Adam training of a fully connected network with 1–3 hidden layers, a
/// sigmoid (two classes) or softmax output and cross-entropy loss, following
/// scikit-learn's MLPClassifier (Glorot-uniform initialisation, L2 `alpha/(2·batch)·‖W‖²`,
/// Adam with bias correction). Forward and backward passes are dgemm calls over the whole
/// batch; a step costs O(batch · Σ fan_in·fan_out) flops plus O(parameters) for Adam.
enum MLPTrainer {
    /// Where one layer's parameters live in the flat parameter vector.
    struct LayerSlot { var inputs: Int; var outputs: Int; var weights: Int; var bias: Int }

    static func fit(x: [Double], n: Int, d: Int, labels: [Int], classCount: Int, options: TrainingOptions,
                    progress: ((TrainingProgress) -> Void)?) throws -> (layers: [DenseLayer], activations: [Activation]) {
        let width = classCount == 2 ? 1 : classCount
        let sizes = [d] + options.hidden + [width]
        let hiddenCount = options.hidden.count
        let kind = options.activation
        var rng = SeededGenerator(seed: options.seed ^ 0x5EED_0F_A11)

        // Training / validation rows.
        var trainRows = Array(0..<n), validationRows: [Int] = []
        if options.earlyStopping {
            let classLabels = (0..<classCount).map(String.init)
            if let split = try? Dataset.stratifiedSplitIndices(labels: labels, classLabels: classLabels,
                                                                testFraction: options.validationFraction, seed: options.seed) {
                trainRows = split.train
                validationRows = split.test
            }
        }

        // Parameter layout: W_0, b_0, W_1, b_1, …, then 3 poly coefficients per hidden layer.
        var slots: [LayerSlot] = []
        var offset = 0
        for l in 0..<(sizes.count - 1) {
            slots.append(LayerSlot(inputs: sizes[l], outputs: sizes[l + 1], weights: offset, bias: offset + sizes[l] * sizes[l + 1]))
            offset += sizes[l] * sizes[l + 1] + sizes[l + 1]
        }
        let coefficientOffset = offset
        let parameterCount = offset + (kind == .poly ? 3 * hiddenCount : 0)
        var params = [Double](repeating: 0, count: parameterCount)
        for (l, slot) in slots.enumerated() {
            let factor = (l < hiddenCount && kind == .sigmoid) ? 2.0 : 6.0
            let bound = (factor / Double(slot.inputs + slot.outputs)).squareRoot()
            for j in 0..<(slot.inputs * slot.outputs + slot.outputs) {
                params[slot.weights + j] = (2 * rng.nextUnit() - 1) * bound
            }
        }
        let defaultPoly = Activation(.poly).coefficients
        if kind == .poly { for l in 0..<hiddenCount { for k in 0..<3 { params[coefficientOffset + 3 * l + k] = defaultPoly[k] } } }

        var grads = [Double](repeating: 0, count: parameterCount)
        var m = grads, v = grads
        let batch = min(options.batchSize, trainRows.count)
        let rowsCapacity = max(batch, validationRows.count)
        // Buffers: pre[l] and act[l] per layer boundary, each rowsCapacity × sizes[l].
        var pre = sizes.map { [Double](repeating: 0, count: rowsCapacity * $0) }
        var act = sizes.map { [Double](repeating: 0, count: rowsCapacity * $0) }
        var delta = [Double](repeating: 0, count: rowsCapacity * (sizes.max() ?? 1))
        var deltaNext = delta
        let ones = [Double](repeating: 1, count: rowsCapacity)
        var batchLabels = [Int](repeating: 0, count: rowsCapacity)
        let validationX = validationRows.flatMap { x[$0 * d ..< ($0 + 1) * d] }
        let validationY = validationRows.map { labels[$0] }

        /// Forward pass of `rows` rows already in act[0]; logits end in pre[last].
        func forward(rows: Int) {
            params.withUnsafeBufferPointer { p in
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
                    if l < hiddenCount {
                        let c = P + coefficientOffset + 3 * l
                        pre[l + 1].withUnsafeBufferPointer { zp in
                            act[l + 1].withUnsafeMutableBufferPointer { ap in
                                ActivationKernel.forward(kind, coefficients: kind == .poly ? c : P, pre: zp.baseAddress!,
                                                         act: ap.baseAddress!, count: rows * slot.outputs)
                            }
                        }
                    }
                }
            }
        }

        /// One Adam step on the batch in act[0]/batchLabels; returns the batch's summed loss.
        func step(rows: Int, t: Int) -> Double {
            forward(rows: rows)
            let invB = 1 / Double(rows)
            let last = slots.count
            var loss = pre[last].withUnsafeMutableBufferPointer { zp in
                batchLabels.withUnsafeBufferPointer { CrossEntropy.residual(zp.baseAddress!, rows: rows, width: width, labels: $0.baseAddress!) }
            }
            for i in 0..<parameterCount { grads[i] = 0 }
            // delta ← residual / B
            pre[last].withUnsafeBufferPointer { zp in
                delta.withUnsafeMutableBufferPointer { dp in
                    for i in 0..<(rows * width) { dp[i] = zp[i] * invB }
                }
            }
            var l2 = 0.0
            params.withUnsafeBufferPointer { p in
                grads.withUnsafeMutableBufferPointer { g in
                    let P = p.baseAddress!, G = g.baseAddress!
                    for l in stride(from: slots.count - 1, through: 0, by: -1) {
                        let slot = slots[l]
                        let wCount = slot.inputs * slot.outputs
                        l2 += BLAS.dot(wCount, P + slot.weights, P + slot.weights)
                        // gW = δᵀ·A + (alpha/B)·W ;  gb = δᵀ·1
                        for j in 0..<wCount { G[slot.weights + j] = options.alpha * invB * P[slot.weights + j] }
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
                        // δ_prev = (δ·W) ⊙ f'(pre_l)
                        delta.withUnsafeBufferPointer { dp in
                            deltaNext.withUnsafeMutableBufferPointer { np in
                                BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: slot.inputs, k: slot.outputs,
                                          alpha: 1, dp.baseAddress!, lda: slot.outputs, P + slot.weights, ldb: slot.inputs,
                                          beta: 0, np.baseAddress!, ldc: slot.inputs)
                                pre[l].withUnsafeBufferPointer { zp in
                                    act[l].withUnsafeBufferPointer { ap in
                                        let c = kind == .poly ? coefficientOffset + 3 * (l - 1) : 0
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
            loss += 0.5 * options.alpha * l2
            // Adam with bias correction folded into the step size (Kingma & Ba, section 2).
            let beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
            let stepSize = options.learningRate * (1 - pow(beta2, Double(t))).squareRoot() / (1 - pow(beta1, Double(t)))
            params.withUnsafeMutableBufferPointer { p in
                grads.withUnsafeBufferPointer { g in
                    m.withUnsafeMutableBufferPointer { mp in
                        v.withUnsafeMutableBufferPointer { vp in
                            for i in 0..<parameterCount {
                                let gi = g[i]
                                mp[i] = beta1 * mp[i] + (1 - beta1) * gi
                                vp[i] = beta2 * vp[i] + (1 - beta2) * gi * gi
                                p[i] -= stepSize * mp[i] / (vp[i].squareRoot() + epsilon)
                            }
                        }
                    }
                }
            }
            return loss
        }

        func validationLoss() -> Double {
            let rows = validationRows.count
            act[0].withUnsafeMutableBufferPointer { ap in
                validationX.withUnsafeBufferPointer { ap.baseAddress!.update(from: $0.baseAddress!, count: rows * d) }
            }
            forward(rows: rows)
            return pre[slots.count].withUnsafeBufferPointer { zp in
                validationY.withUnsafeBufferPointer { CrossEntropy.loss(zp.baseAddress!, rows: rows, width: width, labels: $0.baseAddress!) }
            } / Double(rows)
        }

        let epochs = options.effectiveEpochs(rows: trainRows.count)
        var order = trainRows
        var t = 0
        var best = Double.infinity, bestParams = params, stale = 0
        for epoch in 1...epochs {
            rng.shuffle(&order)
            var total = 0.0
            var start = 0
            while start < order.count {
                let rows = min(batch, order.count - start)
                act[0].withUnsafeMutableBufferPointer { ap in
                    x.withUnsafeBufferPointer { xp in
                        for r in 0..<rows {
                            let i = order[start + r]
                            (ap.baseAddress! + r &* d).update(from: xp.baseAddress! + i &* d, count: d)
                            batchLabels[r] = labels[i]
                        }
                    }
                }
                t += 1
                total += step(rows: rows, t: t)
                start += rows
            }
            let loss = total / Double(order.count)
            guard loss.isFinite else { throw DataError.diverged(epoch: epoch) }
            var validation: Double?
            if !validationRows.isEmpty {
                let value = validationLoss()
                validation = value
                if value < best - 1e-4 {
                    best = value; bestParams = params; stale = 0
                } else {
                    stale += 1
                }
            }
            progress?(TrainingProgress(epoch: epoch, totalEpochs: epochs, loss: loss, validationLoss: validation))
            if !validationRows.isEmpty && stale >= options.patience { break }
        }
        if !validationRows.isEmpty && best.isFinite { params = bestParams }

        var layers: [DenseLayer] = []
        for slot in slots {
            layers.append(DenseLayer(inputCount: slot.inputs, outputCount: slot.outputs,
                                     weights: Array(params[slot.weights ..< slot.weights + slot.inputs * slot.outputs]),
                                     bias: Array(params[slot.bias ..< slot.bias + slot.outputs])))
        }
        let activations = (0..<hiddenCount).map { l in
            kind == .poly ? Activation(.poly, coefficients: Array(params[coefficientOffset + 3 * l ..< coefficientOffset + 3 * l + 3]))
                          : Activation(kind)
        }
        return (layers, activations)
    }
}
