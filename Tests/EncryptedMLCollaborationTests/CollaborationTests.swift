import EncryptedMLCollaboration
import Foundation
import Models
import Plaintext
import Testing

/// Sessions of three parties over loopback HTTP (coordinator in-process), on bundled data sets
/// split into a held-out test set and three shards, one skewed by label.
@Suite(.serialized) struct CollaborationTests {
    @Test func jointStatisticsEqualThePooledStatistics() async throws {
        let table = try SessionHarness.table("breast_cancer")
        let (_, pooled, shards) = try SessionHarness.split(table)
        let outcome = try await SessionHarness.run(shards, mode: .stats)
        let reference = try Dataset(table: pooled)
        let standardizer = Standardizer(fitting: reference.features, count: reference.count, featureCount: reference.featureCount)
        var all: [JointStatistics] = try outcome.parties.map { try $0.get().statistics }
        guard case let .statistics(coordinatorStats) = try outcome.coordinator.get() else {
            Issue.record("the coordinator produced no statistics"); return
        }
        all.append(coordinatorStats)
        for stats in all {
            #expect(stats == all[0], "every peer decodes the same statistics")
            #expect(stats.rows == reference.count)
            for j in 0..<reference.featureCount {
                #expect(abs(stats.mean[j] - standardizer.mean[j]) <= 1e-6 * abs(standardizer.mean[j]) + 1e-12,
                        "mean of \(stats.features[j])")
                #expect(abs(stats.std[j] - standardizer.scale[j]) <= 1e-6 * standardizer.scale[j], "std of \(stats.features[j])")
            }
            for (k, label) in stats.labels.enumerated() {
                let expected = reference.labels.filter { reference.classLabels[$0] == label }.count
                #expect(stats.classCounts[k] == expected, "count of \(label)")
            }
        }
    }

    /// A session's joint model, identical at every party and the coordinator, and the rounds each party ran.
    static func jointModel(_ outcome: SessionHarness.Outcome) throws -> (model: TrainedModel, rounds: [Int])? {
        guard case let .model(joint, _) = try outcome.coordinator.get() else { Issue.record("no joint model at the coordinator"); return nil }
        let results = try outcome.parties.map { try $0.get() }
        for r in results { #expect(r.model == joint, "every party and the coordinator hold the same joint model") }
        return (joint, results.map { $0.rounds.filter { $0.round >= 1 }.count })
    }

    @Test func jointLogisticRegressionByGradientAggregationIsWithinOnePointOfPooledTraining() async throws {
        let table = try SessionHarness.table("breast_cancer")
        let (test, pooled, shards) = try SessionHarness.split(table)
        let outcome = try await SessionHarness.run(shards, training: TrainingConfiguration(rounds: 100, model: .logistic))
        guard let (joint, rounds) = try Self.jointModel(outcome) else { return }
        let pooledModel = try Trainer.train(try Dataset(table: pooled), kind: .logistic)
        let accuracy = try SessionHarness.accuracy(joint, on: test)
        let reference = try SessionHarness.accuracy(pooledModel, on: test)
        print("LR breast_cancer (gradient): joint \(accuracy), pooled \(reference), \(rounds[0]) rounds")
        #expect(accuracy >= reference - 0.01, "joint \(accuracy) vs pooled \(reference)")
        // Full-batch L-BFGS converges (gradient below 1e-6) in about 35 evaluations, detected alike at every peer.
        #expect(rounds.allSatisfy { $0 == rounds[0] && $0 < 100 }, "rounds run: \(rounds)")
        // The pooled optimum itself, up to the smudging noise: every test row's class probabilities
        // within 1e-4 (by label name: the session orders labels numerically, the pooled data set by
        // first appearance).
        let rows = try Dataset(table: test)
        var worst = 0.0
        for i in 0..<rows.count {
            let p = joint.probabilities(raw: rows.row(i)), q = pooledModel.probabilities(raw: rows.row(i))
            for (k, label) in joint.classLabels.enumerated() {
                worst = max(worst, abs(p[k] - q[try #require(pooledModel.classLabels.firstIndex(of: label))]))
            }
        }
        #expect(worst <= 1e-4, "largest probability difference \(worst)")
    }

    @Test func jointMLPByGradientAggregationIsWithinTwoPointsOfPooledTraining() async throws {
        let table = try SessionHarness.table("digits")
        let (test, pooled, shards) = try SessionHarness.split(table)
        let training = TrainingConfiguration(rounds: 200, model: .mlp, hidden: [32], activation: .relu)
        let outcome = try await SessionHarness.run(shards, training: training)
        guard let (joint, rounds) = try Self.jointModel(outcome) else { return }
        let pooledModel = try Trainer.train(try Dataset(table: pooled), kind: .mlp, hidden: [32], activation: .relu)
        let accuracy = try SessionHarness.accuracy(joint, on: test)
        let reference = try SessionHarness.accuracy(pooledModel, on: test)
        print("MLP digits (gradient): joint \(accuracy), pooled \(reference), \(rounds[0]) rounds")
        #expect(accuracy >= reference - 0.02, "joint \(accuracy) vs pooled \(reference)")
    }

    @Test func federatedAveragingStaysAvailableAndNearPooledTraining() async throws {
        let table = try SessionHarness.table("breast_cancer")
        let (test, pooled, shards) = try SessionHarness.split(table)
        let training = TrainingConfiguration(rounds: 10, model: .logistic, localEpochs: 2, aggregation: .fedavg)
        let outcome = try await SessionHarness.run(shards, training: training)
        guard let (joint, rounds) = try Self.jointModel(outcome) else { return }
        #expect(rounds.allSatisfy { $0 == 10 })
        let reference = try SessionHarness.accuracy(try Trainer.train(try Dataset(table: pooled), kind: .logistic), on: test)
        let accuracy = try SessionHarness.accuracy(joint, on: test)
        print("LR breast_cancer (fedavg, 10 rounds): joint \(accuracy), pooled \(reference)")
        // Measured in plaintext (same shards, no encryption): equal to pooled on this split after 10
        // rounds, but 94.7 against 97.1 % on the CLI test's split, where the skewed shard pulls the
        // local optima apart (more local epochs drift further: 87.6 % at E = 10). Asserted: 3 points.
        #expect(accuracy >= reference - 0.03, "joint \(accuracy) vs pooled \(reference)")
    }

    @Test func aPartyWithOtherColumnsIsRefusedWithTheColumnsNamed() async throws {
        let table = try SessionHarness.table("breast_cancer")
        let (_, _, shards) = try SessionHarness.split(table)
        var header = shards[2].header
        header[0] = "renamed_column"
        let odd = try SessionHarness.subset(shards[2], Array(shards[2].rows.indices), file: "odd.csv", header: header)
        let outcome = try await SessionHarness.run([shards[0], shards[1], odd], mode: .stats, timeout: 5)
        guard case let .failure(error) = outcome.parties[2] else { Issue.record("the mismatching party was admitted"); return }
        let text = "\(error)"
        #expect(text.contains("renamed_column") && text.contains(table.header[0]), "\(text)")
    }

    @Test(arguments: CollaborationCoordinator.Misbehaviour.allCases)
    func partiesRefuseADishonestCoordinator(misbehaviour: CollaborationCoordinator.Misbehaviour) async throws {
        let table = try SessionHarness.table("iris")
        let (_, _, shards) = try SessionHarness.split(table)
        let outcome = try await SessionHarness.run(shards, mode: .stats, timeout: 10, misbehaviour: misbehaviour)
        if case .success = outcome.coordinator { Issue.record("the session succeeded despite \(misbehaviour)") }
        let errors = outcome.parties.compactMap { r -> String? in if case let .failure(e) = r { "\(e)" } else { nil } }
        #expect(errors.count == 3, "every party fails")
        switch misbehaviour {
        case .decryptOneContribution:
            #expect(errors.contains { $0.contains("not the sum of the signed contributions") }, "\(errors)")
        case .tamperContribution, .unsignedContribution:
            #expect(errors.contains { $0.contains("no valid Ed25519 signature") }, "\(errors)")
        }
    }

    @Test func aSilentPartyFailsTheRoundAtEveryPeerWithinTheTimeout() async throws {
        let table = try SessionHarness.table("iris")
        let (_, _, shards) = try SessionHarness.split(table)
        let timeout = 3.0
        let outcome = try await SessionHarness.run(shards, mode: .stats, timeout: timeout, silent: [2])
        #expect(outcome.seconds < timeout + 10, "took \(outcome.seconds) s")
        guard case let .failure(coordinatorError) = outcome.coordinator else { Issue.record("coordinator succeeded"); return }
        #expect("\(coordinatorError)".contains("silent2"), "\(coordinatorError)")
        for i in 0..<2 {
            guard case let .failure(error) = outcome.parties[i] else { Issue.record("party \(i) succeeded"); continue }
            #expect("\(error)".contains("silent2") || "\(error)".contains("did not arrive"), "\(error)")
        }
    }

    @Test func messagesOfAnotherSessionRoundOrPartyOrUnsignedAreRefused() async throws {
        let coordinator = try CollaborationCoordinator(parties: 2, training: .init(), timeout: 60)
        let identities = [PartyIdentity(), PartyIdentity()]
        for (i, identity) in identities.enumerated() {
            _ = try await coordinator.join(JoinRequest(name: "p\(i)", publicKey: identity.publicKey, columns: ["a", "b"],
                                                       target: "y", labels: ["0", "1"], rows: 10, mode: .stats))
        }
        let description = try #require(try await coordinator.description())
        let payload = Data([1, 2, 3])
        let wrongSession = try SignedMessage.sign(payload, session: String(repeating: "0", count: 32), round: 0,
                                                  step: .publicKey, party: 0, identity: identities[0])
        await #expect(throws: CollaborationError.self) { try await coordinator.post(wrongSession) }
        let wrongRound = try SignedMessage.sign(payload, session: description.id, round: 3, step: .publicKey, party: 0,
                                                identity: identities[0])
        await #expect(throws: CollaborationError.self) { try await coordinator.post(wrongRound) }
        let wrongKey = try SignedMessage.sign(payload, session: description.id, round: 0, step: .publicKey, party: 1,
                                              identity: identities[0])
        await #expect(throws: CollaborationError.badSignature(what: "the public-key message of round 0", party: 1)) {
            try await coordinator.post(wrongKey)
        }
        var unsigned = try SignedMessage.sign(payload, session: description.id, round: 0, step: .publicKey, party: 0,
                                              identity: identities[0])
        unsigned.signature = Data()
        #expect(throws: CollaborationError.self) {
            try unsigned.verify(session: description.id, round: 0, step: .publicKey, party: 0,
                                publicKey: identities[0].publicKey)
        }
        // A message replayed into another round is refused by the receiving party too.
        let good = try SignedMessage.sign(payload, session: description.id, round: 1, step: .contribution, party: 0,
                                          identity: identities[0])
        #expect(throws: CollaborationError.self) {
            try good.verify(session: description.id, round: 2, step: .contribution, party: 0, publicKey: identities[0].publicKey)
        }
        try good.verify(session: description.id, round: 1, step: .contribution, party: 0, publicKey: identities[0].publicKey)
    }
}
