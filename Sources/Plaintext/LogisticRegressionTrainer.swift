import Models

/// Full-batch L2-regularised logistic regression (binary sigmoid or multinomial softmax)
/// minimised by L-BFGS. Each objective evaluation is two dgemm calls (logits and weight
/// gradient) and one dgemv (intercept gradient): O(n·d·K) flops.
enum LogisticRegressionTrainer {
    /// Fits weights on a standardized row-major `n × d` matrix and returns the output layer
    /// (1 output for two classes, `classCount` outputs otherwise).
    /// `initial` (same shape) warm-starts the solver instead of zero weights.
    static func fit(x: [Double], n: Int, d: Int, labels: [Int], classCount: Int, options: TrainingOptions,
                    initial: DenseLayer? = nil, progress: ((TrainingProgress) -> Void)?) -> DenseLayer {
        let width = classCount == 2 ? 1 : classCount
        let weightCount = width * d
        let inverseC = 1 / options.inverseRegularization
        let invN = 1 / Double(n)
        var z = [Double](repeating: 0, count: n * width)
        let ones = [Double](repeating: 1, count: n)
        var theta = [Double](repeating: 0, count: weightCount + width)
        if let initial, initial.weights.count == weightCount, initial.bias.count == width {
            theta = initial.weights + initial.bias
        }
        let budget = options.effectiveEpochs()

        let objective: LBFGS.Objective = { theta, gradient in
            x.withUnsafeBufferPointer { xp in
                z.withUnsafeMutableBufferPointer { zp in
                    labels.withUnsafeBufferPointer { yp in
                        ones.withUnsafeBufferPointer { op in
                            let X = xp.baseAddress!, Z = zp.baseAddress!
                            let W = theta, b = theta + weightCount
                            for i in 0..<n { for k in 0..<width { Z[i &* width &+ k] = b[k] } }
                            BLAS.gemm(transposeA: false, transposeB: true, m: n, n: width, k: d, alpha: 1,
                                      X, lda: d, W, ldb: d, beta: 1, Z, ldc: width)
                            let loss = CrossEntropy.residual(Z, rows: n, width: width, labels: yp.baseAddress!)
                            // gW = Rᵀ·X / n + W / (C·n);  gb = Rᵀ·1 / n
                            for j in 0..<weightCount { gradient[j] = W[j] * inverseC * invN }
                            BLAS.gemm(transposeA: true, transposeB: false, m: width, n: d, k: n, alpha: invN,
                                      Z, lda: width, X, ldb: d, beta: 1, gradient, ldc: d)
                            BLAS.gemv(transpose: true, m: n, n: width, alpha: invN, Z, lda: width,
                                      op.baseAddress!, beta: 0, gradient + weightCount)
                            let penalty = 0.5 * inverseC * BLAS.dot(weightCount, W, W)
                            return (loss + penalty) * invN
                        }
                    }
                }
            }
        }
        _ = LBFGS.minimize(&theta, memory: 10, gradientTolerance: options.tolerance, maxIterations: budget,
                           objective: objective) { iteration, value in
            progress?(TrainingProgress(epoch: iteration, totalEpochs: budget, loss: value, validationLoss: nil))
        }
        return DenseLayer(inputCount: d, outputCount: width, weights: Array(theta[..<weightCount]),
                          bias: Array(theta[weightCount...]))
    }
}
