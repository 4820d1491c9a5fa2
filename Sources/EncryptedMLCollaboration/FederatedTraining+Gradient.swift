import Models
import Plaintext

/// Gradient aggregation, the plaintext half: full-batch L-BFGS on the pooled objective, one
/// round of encrypted aggregation per objective evaluation.
///
/// Every peer (each party and the coordinator) holds its own copy of the same `LBFGS` state. In a
/// round, party i evaluates at the minimiser's `point` θ the summed cross-entropy of its rows and
/// its gradient and contributes `[Σ_i loss, Σ_i ∇loss]` (no L2 term); the coordinator adds the
/// encrypted contributions and the parties jointly decrypt only that sum, from which every peer
/// forms the pooled objective `(Σ loss + λ/2·Σ‖W‖²) / n` and its gradient and takes the same
/// deterministic step. With the joint standardizer this is `Trainer.train` on the pooled rows
/// (full-batch L-BFGS, the pooled L2 term), up to the smudging noise of the decrypted sums
/// (`CollaborativeParameters.precisionBits` of absolute precision, divided by n).
///
/// The rounds are the evaluation budget; the minimisation may end sooner (gradient below the
/// trainer's tolerance, or no progress possible), identically at every peer. The joint model is
/// the last accepted iterate.
extension FederatedTraining {
    /// A minimiser from `start` with the session's budget (one evaluation per round). O(parameters).
    public func minimizer(start: TrainedModel) -> LBFGS {
        LBFGS(start: ModelVector.flatten(start), memory: 10, gradientTolerance: options().tolerance,
              maxIterations: description.training.rounds, lineSearchSteps: Self.lineSearchSteps)
    }

    /// The joint model at the minimiser's current iterate (the last accepted one). O(parameters).
    public func jointModel(of minimizer: LBFGS, template: TrainedModel) throws -> TrainedModel {
        try ModelVector.unflatten(minimizer.x, template: template)
    }

    /// Evaluations one line search may take: a bisection that has not met the Wolfe conditions
    /// after 20 halvings is lost in the noise of the decrypted sums.
    static let lineSearchSteps = 20

    /// A party's features standardized with the joint standardizer (once per session). O(n·d).
    public func standardizedFeatures(_ dataset: Dataset) -> [Double] {
        var x = dataset.features
        statistics.standardizer.transform(rows: &x, featureCount: dataset.featureCount)
        return x
    }

    /// One party's contribution at `parameters`: `[Σ loss, Σ ∇loss]` over its standardized rows,
    /// length 1 + parameters. Cost: `Trainer.summedLossAndGradient`.
    public func localGradient(standardizedRows x: [Double], labels: [Int], at parameters: [Double],
                              template: TrainedModel) throws -> [Double] {
        let model = try ModelVector.unflatten(parameters, template: template)
        let (loss, gradient) = try Trainer.summedLossAndGradient(of: model, standardizedRows: x, labels: labels)
        return [loss] + gradient
    }

    /// Hands the decrypted sum of a round's contributions to the minimiser as the pooled
    /// objective at its `point`. Deterministic (plain Swift arithmetic): every peer takes the
    /// same step. Returns true when an iteration completed. O(parameters).
    /// - Throws: `.invalid` for a sum of the wrong length or with non-finite values.
    @discardableResult
    public func observe(sum: [Double], minimizer: inout LBFGS, template: TrainedModel) throws -> Bool {
        guard let theta = minimizer.point, sum.count == theta.count + 1, sum.allSatisfy(\.isFinite) else {
            throw CollaborationError.invalid("the joint gradient has \(sum.count) values (or non-finite ones); expected \((minimizer.point?.count ?? 0) + 1)")
        }
        let lambda = Trainer.l2Strength(options())
        let n = Double(statistics.rows)
        var loss = sum[0]
        var gradient = Array(sum[1...])
        for range in ModelVector.weightRanges(template) {
            for j in range {
                loss += 0.5 * lambda * theta[j] * theta[j]
                gradient[j] += lambda * theta[j]
            }
        }
        for j in gradient.indices { gradient[j] /= n }
        return minimizer.observe(value: loss / n, gradient: gradient)
    }
}
