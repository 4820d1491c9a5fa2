import Foundation
import Models
import Plaintext

/// Collaborative training, the plaintext half: every party and the coordinator derive the same
/// starting model and the same joint model from the same decrypted sums. Two aggregations
/// (`TrainingConfiguration.aggregation`): gradient aggregation (the default, in
/// `FederatedTraining+Gradient`: the pooled model up to the smudging noise) and federated
/// averaging (below).
///
/// Federated averaging, round r: party i trains locally from the joint model for E epochs (`Trainer.train(…warmStart:)`,
/// the joint standardizer), and contributes `n_i·θ_i`; the joint parameters are
/// `θ = Σ n_i·θ_i / Σ n_i` with `Σ n_i` the joint row count of the statistics.
public struct FederatedTraining: Sendable {
    /// The session.
    public let description: SessionDescription
    /// The joint statistics (standardizer and row count).
    public let statistics: JointStatistics

    /// Creates the plaintext side of a session's training.
    public init(description: SessionDescription, statistics: JointStatistics) {
        self.description = description
        self.statistics = statistics
    }

    /// Local training options: the session's model, E epochs without early stopping, seeded by
    /// the session id (and the party and round for the local shuffles).
    public func options(party: Int = 0, round: Int = 0) -> TrainingOptions {
        let t = description.training
        var seed: UInt64 = 0
        for byte in Hex.decode(description.id)?.prefix(8) ?? [] { seed = seed << 8 | UInt64(byte) }
        return TrainingOptions(kind: t.model, hidden: t.hidden, activation: t.activation, epochs: t.localEpochs,
                               seed: seed &+ UInt64(party) &* 1_000_003 &+ UInt64(round), earlyStopping: false)
    }

    /// The common starting model (zero weights, or the MLP's seeded initialisation).
    public func initialModel() throws -> TrainedModel {
        try Trainer.initialModel(options: options(), featureNames: description.columns, targetName: description.target,
                                 classLabels: description.labels, standardizer: statistics.standardizer)
    }

    /// The number of values of a contribution.
    public func vectorLength() throws -> Int { ModelVector.flatten(try initialModel()).count }

    /// One party's local step: trains from `current` on `dataset` and returns the model, its last
    /// training loss and its contribution `n_i·θ_i`.
    public func localStep(_ dataset: Dataset, party: Int, round: Int, current: TrainedModel) throws
        -> (model: TrainedModel, loss: Double, contribution: [Double])
    {
        var loss = Double.nan
        let model = try Trainer.train(dataset, options: options(party: party, round: round),
                                      standardizer: statistics.standardizer, warmStart: current) { loss = $0.loss }
        let n = Double(dataset.count)
        return (model, loss, ModelVector.flatten(model).map { $0 * n })
    }

    /// The joint model from the decrypted sum `Σ n_i·θ_i`.
    public func jointModel(sum: [Double], template: TrainedModel) throws -> TrainedModel {
        let n = Double(statistics.rows)
        return try ModelVector.unflatten(sum.map { $0 / n }, template: template)
    }
}
