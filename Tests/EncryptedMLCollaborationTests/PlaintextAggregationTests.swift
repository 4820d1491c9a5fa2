import EncryptedMLCollaboration
import Foundation
import Models
import Plaintext
import Testing
import TestSupport

/// Gradient aggregation without encryption: the same shards, the same `FederatedTraining` calls
/// as a session, the parties' contributions added in plaintext. Separates the optimisation from
/// the protocol (a session adds only the smudging noise of the decrypted sums).
@Suite struct PlaintextAggregationTests {
    /// The CLI test's split (`CollabCLITests.shards`: other shuffle), as tables.
    static func cliSplit(_ name: String) throws -> (test: CSVTable, pooled: CSVTable, shards: [CSVTable]) {
        let split = collaborationShards(csvText: try String(contentsOfFile: SessionHarness.root.appendingPathComponent("notebooks-data/\(name).csv").path, encoding: .utf8))
        let header = split.header
        func table(_ rows: [String], _ file: String) throws -> CSVTable {
            try CSVReader.parse(([header] + rows).joined(separator: "\n") + "\n", file: file)
        }
        return (try table(split.test, "test.csv"), try table(split.pooled, "pooled.csv"),
                try split.shards.enumerated().map { try table($1, "shard\($0).csv") })
    }

    static func statistics(_ pooled: Dataset, features: [String], labels: [String]) throws -> JointStatistics {
        let v = JointStatistics.localVector(features: pooled.features, rows: pooled.count, featureCount: pooled.featureCount,
                                            labels: pooled.labels, classCount: pooled.classCount)
        let coarse = try JointStatistics(jointVector: v, features: features, labels: labels, announcedRows: pooled.count)
        return try coarse.refined(by: coarse.refinementVector(features: pooled.features, rows: pooled.count))
    }

    static func description(_ pooled: CSVTable, training: TrainingConfiguration, labels: [String]) -> SessionDescription {
        SessionDescription(seed: Data(repeating: 1, count: 32), id: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                           members: [], columns: Array(pooled.header.dropLast()), target: pooled.header.last!,
                           labels: labels, mode: .train, training: training)
    }

    /// Runs gradient aggregation over the shards; returns the joint model and the rounds used.
    static func gradient(_ split: (test: CSVTable, pooled: CSVTable, shards: [CSVTable]),
                         training: TrainingConfiguration) throws -> (model: TrainedModel, rounds: Int) {
        let pooledData = try Dataset(table: split.pooled)
        let labels = pooledData.classLabels
        let desc = description(split.pooled, training: training, labels: labels)
        let federated = FederatedTraining(description: desc, statistics: try statistics(pooledData, features: desc.columns, labels: labels))
        let shards = try split.shards.map { try Dataset(table: $0, featureNames: desc.columns, targetName: desc.target, classLabels: labels) }
        let rows = shards.map { federated.standardizedFeatures($0) }
        let template = try federated.initialModel()
        var minimizer = federated.minimizer(start: template)
        var rounds = 0
        while let point = minimizer.point, rounds < training.rounds {
            var sum = [Double](repeating: 0, count: point.count + 1)
            for (i, shard) in shards.enumerated() {
                let contribution = try federated.localGradient(standardizedRows: rows[i], labels: shard.labels, at: point,
                                                               template: template)
                for j in sum.indices { sum[j] += contribution[j] }
            }
            try federated.observe(sum: sum, minimizer: &minimizer, template: template)
            rounds += 1
        }
        return (try federated.jointModel(of: minimizer, template: template), rounds)
    }

    @Test func gradientAggregationReachesThePooledLogisticRegression() throws {
        for split in [try SessionHarness.split(SessionHarness.table("breast_cancer")), try Self.cliSplit("breast_cancer")] {
            let pooled = try Trainer.train(try Dataset(table: split.pooled), kind: .logistic)
            let (joint, rounds) = try Self.gradient(split, training: TrainingConfiguration(rounds: 200, model: .logistic))
            // The same optimum as the pooled trainer's L-BFGS (both stop at a gradient below 1e-6).
            #expect(rounds < 100, "converged after \(rounds) evaluations")
            for (a, b) in zip(joint.layers[0].weights + joint.layers[0].bias, pooled.layers[0].weights + pooled.layers[0].bias) {
                #expect(abs(a - b) <= 1e-4 * max(1, abs(b)), "joint \(a) vs pooled \(b)")
            }
            #expect(try SessionHarness.accuracy(joint, on: split.test) == SessionHarness.accuracy(pooled, on: split.test))
        }
    }

    @Test func gradientAggregationTrainsAnMLPWithinTwoPointsOfPooled() throws {
        for split in [try SessionHarness.split(SessionHarness.table("digits")), try Self.cliSplit("digits")] {
            let pooled = try Trainer.train(try Dataset(table: split.pooled), kind: .mlp, hidden: [32], activation: .relu)
            let training = TrainingConfiguration(rounds: 200, model: .mlp, hidden: [32], activation: .relu)
            let (joint, rounds) = try Self.gradient(split, training: training)
            let accuracy = try SessionHarness.accuracy(joint, on: split.test), reference = try SessionHarness.accuracy(pooled, on: split.test)
            print("plaintext MLP digits (gradient): joint \(accuracy), pooled \(reference), \(rounds) rounds")
            #expect(accuracy >= reference - 0.02, "joint \(accuracy) vs pooled \(reference)")
        }
    }
}
