import Crypto
import EncryptedML
import Foundation
import Models
import Plaintext

/// The coordinator of one session: admits N parties, fixes the session seed and label union,
/// relays signed messages step by step, adds the contributions, and decrypts nothing alone —
/// it combines the parties' decryption shares of each round's sum, so it learns exactly the
/// joint results (statistics, joint model per round), which it writes like every party.
///
/// Steps, in order: round 0 public key, contribution (statistics), decryption; then for each
/// training round r = 1…R: contribution, decryption (gradient aggregation ends after the round in
/// which the joint minimiser converged, which every peer detects alike). A step is complete when all N parties'
/// signed messages arrived; if the current step is not complete `timeout` seconds after the
/// previous one, the session fails and every later request is answered with the reason.
public actor CollaborationCoordinator {
    /// Test hooks simulating a dishonest coordinator (never used by default).
    public enum Misbehaviour: String, Sendable, CaseIterable {
        /// Publishes party 0's contribution as the round's sum (trying to have one model decrypted).
        case decryptOneContribution = "decrypt-one-contribution"
        /// Flips a byte of party 1's contribution before publishing it.
        case tamperContribution = "tamper-contribution"
        /// Publishes party 1's contribution with its signature removed.
        case unsignedContribution = "unsigned-contribution"
    }

    /// What the session produced.
    public enum Outcome: Sendable {
        /// Joint statistics only (`collab stats` parties).
        case statistics(JointStatistics)
        /// The joint model after the last round, and the statistics.
        case model(TrainedModel, JointStatistics)
    }

    struct Step: Hashable, Sendable {
        var round: Int
        var step: SessionStep
    }

    let partyCount: Int
    let training: TrainingConfiguration
    let timeout: Double
    let misbehaviour: Misbehaviour?
    private var joins: [JoinRequest] = []
    private var descriptionValue: SessionDescription?
    private var crypto: SessionCrypto?
    private var messages: [Step: [Int: SignedMessage]] = [:]
    private var sums: [Step: Data] = [:]
    private var statistics: JointStatistics?
    private var federated: FederatedTraining?
    private var template: TrainedModel?
    private var jointModel: TrainedModel?
    /// Gradient aggregation: the coordinator's copy of the joint minimiser.
    private var minimizer: LBFGS?
    private var failure: String?
    private var outcome: Outcome?
    private var done = Set<Int>()
    private var lastProgress = Date()
    /// Per-round log lines for the coordinator's progress output.
    public private(set) var log: [String] = []

    /// A coordinator for `parties` parties.
    /// - Throws: `CollaborationError.invalid` for a bad configuration.
    public init(parties: Int, training: TrainingConfiguration, timeout: Double, misbehaviour: Misbehaviour? = nil) throws {
        guard (2...1024).contains(parties) else { throw CollaborationError.invalid("--parties must be in 2…1024, got \(parties)") }
        guard timeout > 0, timeout <= 86400 else { throw CollaborationError.invalid("--timeout must be in (0, 86400] seconds") }
        try training.validate()
        self.partyCount = parties
        self.training = training
        self.timeout = timeout
        self.misbehaviour = misbehaviour
    }

    // MARK: - Join

    /// Admits a party; refuses one whose columns, target or mode differ from the first party's.
    public func join(_ request: JoinRequest) throws -> JoinReply {
        try checkAlive()
        guard joins.count < partyCount else { throw CollaborationError.invalid("the session already has its \(partyCount) parties") }
        guard request.publicKey.count == 32, request.rows >= 1, !request.columns.isEmpty, !request.labels.isEmpty,
              request.name.count <= 200, request.labels.count <= 10000, request.columns.count <= 100000
        else {
            throw CollaborationError.invalid("a join needs a 32-byte Ed25519 key, at least one row, column and label")
        }
        if let first = joins.first {
            if request.columns != first.columns || request.target != first.target {
                throw CollaborationError.columnMismatch(
                    party: request.name,
                    missing: first.columns.filter { !request.columns.contains($0) },
                    extra: request.columns.filter { !first.columns.contains($0) },
                    target: request.target == first.target ? nil : request.target)
            }
            guard request.mode == first.mode else {
                throw CollaborationError.invalid("party '\(request.name)' joined with collab \(request.mode.rawValue), the others with collab \(first.mode.rawValue); all parties use the same command")
            }
        }
        guard !joins.contains(where: { $0.publicKey == request.publicKey }) else {
            throw CollaborationError.invalid("party '\(request.name)' reuses the identity of another party; each party needs its own key")
        }
        joins.append(request)
        lastProgress = Date()
        if joins.count == partyCount { try open() }
        return JoinReply(party: joins.count - 1)
    }

    /// Fixes the seed, the label union and the session id once every party joined.
    private func open() throws {
        let seed = Data(Sampling.freshSeed())
        var labels = Set<String>()
        for j in joins { labels.formUnion(j.labels) }
        let first = joins[0]
        var description = SessionDescription(
            seed: seed, id: "", members: joins.map { SessionMember(name: $0.name, publicKey: $0.publicKey, rows: $0.rows) },
            columns: first.columns, target: first.target, labels: sortedLabels(labels), mode: first.mode, training: training)
        description.id = Hex.encode(try MultipartySession(seed: [UInt8](seed), partyCount: partyCount).id)
        let crypto = try SessionCrypto(description: description)
        if description.labels.count < 2 {
            fail("the parties' rows hold only the label '\(description.labels[0])'; training needs two classes")
        }
        self.crypto = crypto
        descriptionValue = description
    }

    /// The session once every party joined (nil while waiting).
    public func description() throws -> SessionDescription? {
        try checkAlive()
        return descriptionValue
    }

    // MARK: - Steps

    /// The step the session waits for, nil when all are complete.
    private var currentStep: Step? {
        guard let description = descriptionValue else { return nil }
        var order = [Step(round: 0, step: .publicKey), Step(round: 0, step: .contribution), Step(round: 0, step: .decryption),
                     Step(round: 0, step: .refinementContribution), Step(round: 0, step: .refinementDecryption)]
        if description.mode == .train {
            for r in 1...description.training.rounds {
                order += [Step(round: r, step: .contribution), Step(round: r, step: .decryption)]
            }
        }
        return order.first { (messages[$0]?.count ?? 0) < partyCount }
    }

    /// Accepts a party's signed message for the current step (signature and binding verified).
    public func post(_ message: SignedMessage) throws {
        try checkAlive()
        guard let description = descriptionValue, let crypto else {
            throw CollaborationError.invalid("the session has not started; wait until every party joined")
        }
        guard message.party >= 0, message.party < partyCount else {
            throw CollaborationError.invalid("party index \(message.party) is outside 0…\(partyCount - 1)")
        }
        guard let step = currentStep, step.round == message.round, step.step == message.step else {
            throw CollaborationError.misbound(what: "a \(message.step.rawValue) message of party \(message.party)",
                                              detail: "round \(message.round), but the session is at \(currentStep.map { "round \($0.round) step \($0.step.rawValue)" } ?? "its end")")
        }
        try message.verify(session: crypto.id, round: step.round, step: step.step, party: message.party,
                           publicKey: description.members[message.party].publicKey)
        guard messages[step]?[message.party] == nil else {
            throw CollaborationError.invalid("party \(message.party) already sent its \(step.step.rawValue) for round \(step.round)")
        }
        messages[step, default: [:]][message.party] = message
        if messages[step]!.count == partyCount {
            lastProgress = Date()
            do {
                try complete(step)
            } catch {
                fail("round \(step.round) \(step.step.rawValue): \(error)")
                throw error
            }
        }
    }

    /// Work at the end of a step: the sum after contributions, the joint result after decryption.
    private func complete(_ step: Step) throws {
        guard let crypto, let description = descriptionValue else { return }
        let ordered = (0..<partyCount).map { messages[step]![$0]! }
        switch step.step {
        case .publicKey:
            break
        case .contribution, .refinementContribution:
            sums[step] = try crypto.sum(ordered.map(\.payload))
        case .decryption where step.round == 0:
            guard let sum = sums[Step(round: 0, step: .contribution)] else { return }
            let length = 1 + 2 * description.columns.count + description.labels.count
            let v = try crypto.decrypt(sum: sum, decryptionPayloads: ordered.map(\.payload), round: 0, length: length)
            statistics = try JointStatistics(jointVector: v, features: description.columns, labels: description.labels,
                                             announcedRows: description.announcedRows)
        case .refinementDecryption:
            guard let sum = sums[Step(round: 0, step: .refinementContribution)], let coarse = statistics else { return }
            let v = try crypto.decrypt(sum: sum, decryptionPayloads: ordered.map(\.payload), round: 0,
                                       length: 2 * description.columns.count)
            let stats = try coarse.refined(by: v)
            statistics = stats
            log.append("statistics: \(stats.rows) rows")
            if description.mode == .stats {
                outcome = .statistics(stats)
            } else {
                let federated = FederatedTraining(description: description, statistics: stats)
                self.federated = federated
                let start = try federated.initialModel()
                template = start
                if description.training.aggregation == .gradient { minimizer = federated.minimizer(start: start) }
            }
        case .decryption:
            guard let sum = sums[Step(round: step.round, step: .contribution)], let federated, let template else { return }
            let parameters = ModelVector.flatten(template).count
            let last: Bool
            switch description.training.aggregation {
            case .gradient:
                // The same minimiser as every party's, fed the same decrypted sums.
                guard var minimizer else { return }
                let v = try crypto.decrypt(sum: sum, decryptionPayloads: ordered.map(\.payload), round: step.round,
                                           length: parameters + 1)
                try federated.observe(sum: v, minimizer: &minimizer, template: template)
                self.minimizer = minimizer
                jointModel = try federated.jointModel(of: minimizer, template: template)
                last = minimizer.point == nil || step.round == description.training.rounds
                log.append("round \(step.round)/\(description.training.rounds): joint loss \(minimizer.value)\(last && step.round < description.training.rounds ? " (converged)" : "")")
            case .fedavg:
                let v = try crypto.decrypt(sum: sum, decryptionPayloads: ordered.map(\.payload), round: step.round,
                                           length: parameters)
                jointModel = try federated.jointModel(sum: v, template: template)
                last = step.round == description.training.rounds
                log.append("round \(step.round)/\(description.training.rounds) aggregated")
            }
            if last, let model = jointModel, let stats = statistics { outcome = .model(model, stats) }
        }
    }

    /// The messages of a complete step (and the sum for a contribution step); nil while incomplete.
    public func phase(round: Int, step: SessionStep) throws -> PhaseReply? {
        try checkAlive()
        let key = Step(round: round, step: step)
        guard let received = messages[key], received.count == partyCount else { return nil }
        var ordered = (0..<partyCount).map { received[$0]! }
        var sum = step.isContribution ? sums[key] : nil
        switch misbehaviour {
        case .decryptOneContribution where step.isContribution:
            sum = ordered[0].payload  // announces one party's ciphertext as the one to decrypt
        case .tamperContribution where step.isContribution:
            let i = ordered[1].payload.startIndex + ordered[1].payload.count / 2
            ordered[1].payload[i] ^= 0x01
        case .unsignedContribution where step.isContribution:
            ordered[1].signature = Data()
        default:
            break
        }
        return PhaseReply(messages: ordered, sumDigest: sum.map { Data(SHA256.hash(data: $0)) })
    }

    /// Records that a party has its result.
    public func finished(party: Int) {
        if (0..<partyCount).contains(party) { done.insert(party) }
    }

    /// Marks the session failed (a party reported an error, or a step timed out).
    public func fail(_ reason: String) {
        if failure == nil && outcome == nil { failure = reason }
    }

    private func checkAlive() throws {
        if let failure { throw CollaborationError.sessionFailed(failure) }
    }

    /// Waits for the outcome; fails the session when a step is not complete within the timeout.
    /// Returns once every party reported its result (or `timeout` after the outcome).
    public func run() async throws -> Outcome {
        var outcomeSince: Date?
        while true {
            if let failure { throw CollaborationError.sessionFailed(failure) }
            if let outcome {
                let since = outcomeSince ?? Date()
                outcomeSince = since
                if done.count == partyCount || Date().timeIntervalSince(since) > timeout { return outcome }
            } else if Date().timeIntervalSince(lastProgress) > timeout {
                fail(timeoutReason())
                continue
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
    }

    private func timeoutReason() -> String {
        guard descriptionValue != nil else {
            return "only \(joins.count) of \(partyCount) parties joined within \(Int(timeout)) s"
        }
        guard let step = currentStep else { return "the parties did not fetch their results within \(Int(timeout)) s" }
        let missing = (0..<partyCount).filter { messages[step]?[$0] == nil }
        let names = missing.map { "\($0) (\(joins[$0].name))" }.joined(separator: ", ")
        return "part\(missing.count == 1 ? "y" : "ies") \(names) sent no \(step.step.rawValue) for round \(step.round) within \(Int(timeout)) s"
    }
}
