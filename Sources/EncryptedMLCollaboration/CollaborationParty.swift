import Crypto
import EncryptedML
import Foundation
import Models
import Plaintext

/// One data owner in a session: joins with metadata only, contributes encrypted sums under the
/// collective key, and releases a decryption share only for a ciphertext it has checked to be
/// the sum of the N signed contributions of that round. Its rows, its secret-key share and its
/// local models never leave it.
public struct CollaborationParty: Sendable {
    /// Progress of one round, for the TTY and the benchmark.
    public struct RoundReport: Sendable {
        /// Round (0: keys and statistics).
        public var round: Int
        /// Local training loss (nan for round 0).
        public var loss: Double
        /// Bytes sent and received in the round (HTTP bodies).
        public var bytesSent: Int
        public var bytesReceived: Int
        /// CPU seconds of this process during the round.
        public var cpuSeconds: Double
    }

    /// What the party obtained.
    public struct Result: Sendable {
        /// The session.
        public var description: SessionDescription
        /// This party's index.
        public var party: Int
        /// Joint statistics.
        public var statistics: JointStatistics
        /// The joint model (nil for a statistics session).
        public var model: TrainedModel?
        /// Per-round figures.
        public var rounds: [RoundReport]
    }

    let name: String
    let table: CSVTable
    let target: String?
    let identity: PartyIdentity
    let client: CoordinatorClient
    let mode: SessionMode

    /// A party over the CSV `table` (its target column `target`, default the last).
    public init(name: String, table: CSVTable, target: String?, identity: PartyIdentity, client: CoordinatorClient,
                mode: SessionMode) {
        self.name = name
        self.table = table
        self.target = target
        self.identity = identity
        self.client = client
        self.mode = mode
    }

    /// Runs the whole session. On any refusal the party tells the coordinator (so the others
    /// fail at once) and rethrows. `progress` is called after each round.
    public func run(progress: @escaping @Sendable (RoundReport) -> Void = { _ in }) async throws -> Result {
        var party: Int?
        do {
            return try await session(progress: progress) { party = $0 }
        } catch {
            var failedElsewhere = false
            if let failure = error as? CollaborationError, case .sessionFailed = failure { failedElsewhere = true }
            if let party, !failedElsewhere {
                _ = try? await client.request("POST", "/v1/abort/\(party)",
                                              body: try? JSONEncoder().encode(ErrorReply(error: "\(error)")))
            }
            throw error
        }
    }

    private func session(progress: @escaping @Sendable (RoundReport) -> Void, assigned: (Int) -> Void) async throws -> Result {
        // Metadata: columns, labels (first appearance), rows.
        let targetName = target ?? table.header.last ?? ""
        guard let targetIndex = table.columnIndex(targetName) else {
            throw CollaborationError.invalid("\(table.file): no target column '\(targetName)' (columns: \(table.header.joined(separator: ", ")))")
        }
        let columns = table.header.enumerated().filter { $0.offset != targetIndex }.map(\.element)
        var labels: [String] = []
        for row in table.rows where !labels.contains(row[targetIndex]) { labels.append(row[targetIndex]) }
        guard !table.rows.isEmpty else { throw CollaborationError.invalid("\(table.file): no rows") }

        var meter = Meter(client: client)
        let join = JoinRequest(name: name, publicKey: identity.publicKey, columns: columns, target: targetName,
                               labels: labels, rows: table.rows.count, mode: mode)
        guard let reply = try await client.call("POST", "/v1/join", body: join, as: JoinReply.self) else {
            throw CollaborationError.invalid("no join reply")
        }
        let party = reply.party
        assigned(party)
        let description = try await client.poll("/v1/session", as: SessionDescription.self, what: "the other parties' joins")
        let crypto = try SessionCrypto(description: description)
        let dataset = try Dataset(table: table, featureNames: description.columns, targetName: description.target,
                                  classLabels: description.labels)
        let secretKey = crypto.context.generateSecretKey()

        // Collective public key.
        let pkShares = try await exchange(crypto.publicKeyShare(secretKey: secretKey, party: party),
                                          round: 0, step: .publicKey, party: party, crypto: crypto, description: description)
        let publicKey = try crypto.publicKey(shares: pkShares.messages.map(\.payload))

        // Joint statistics.
        let local = JointStatistics.localVector(features: dataset.features, rows: dataset.count,
                                                featureCount: dataset.featureCount, labels: dataset.labels,
                                                classCount: dataset.classCount)
        let statsVector = try await jointSum(local, round: 0, party: party, crypto: crypto, publicKey: publicKey,
                                             secretKey: secretKey, description: description)
        let coarse = try JointStatistics(jointVector: statsVector, features: description.columns,
                                         labels: description.labels, announcedRows: description.announcedRows)
        let refinement = try await jointSum(coarse.refinementVector(features: dataset.features, rows: dataset.count),
                                            round: 0, party: party, crypto: crypto, publicKey: publicKey,
                                            secretKey: secretKey, description: description,
                                            steps: (.refinementContribution, .refinementDecryption))
        let statistics = try coarse.refined(by: refinement)
        var reports = [meter.report(round: 0, loss: .nan)]
        progress(reports[0])
        guard description.mode == .train else {
            _ = try? await client.request("POST", "/v1/done/\(party)")
            return Result(description: description, party: party, statistics: statistics, model: nil, rounds: reports)
        }

        // Training rounds: each one encrypted sum, checked and jointly decrypted.
        let federated = FederatedTraining(description: description, statistics: statistics)
        let template = try federated.initialModel()
        let aggregate = { (values: [Double], round: Int) async throws -> [Double] in
            try await jointSum(values, round: round, party: party, crypto: crypto, publicKey: publicKey,
                               secretKey: secretKey, description: description)
        }
        let record = { (round: Int, loss: Double) in
            let report = meter.report(round: round, loss: loss)
            reports.append(report)
            progress(report)
        }
        var joint = template
        switch description.training.aggregation {
        case .gradient:
            // Full-batch L-BFGS on the pooled objective; the joint loss is reported.
            let x = federated.standardizedFeatures(dataset)
            var minimizer = federated.minimizer(start: template)
            for round in 1...description.training.rounds {
                guard let point = minimizer.point else { break }
                let contribution = try federated.localGradient(standardizedRows: x, labels: dataset.labels, at: point,
                                                               template: template)
                let sum = try await aggregate(contribution, round)
                try federated.observe(sum: sum, minimizer: &minimizer, template: template)
                record(round, minimizer.value)
            }
            joint = try federated.jointModel(of: minimizer, template: template)
        case .fedavg:
            // Local epochs from the joint model; the local loss is reported.
            for round in 1...description.training.rounds {
                let step = try federated.localStep(dataset, party: party, round: round, current: joint)
                let sum = try await aggregate(step.contribution, round)
                joint = try federated.jointModel(sum: sum, template: template)
                record(round, step.loss)
            }
        }
        _ = try? await client.request("POST", "/v1/done/\(party)")
        return Result(description: description, party: party, statistics: statistics, model: joint, rounds: reports)
    }

    /// Encrypts `values` as this party's contribution of `round`, checks the coordinator's sum
    /// against the N signed contributions, sends a decryption share of it, and decodes the sum.
    private func jointSum(_ values: [Double], round: Int, party: Int, crypto: SessionCrypto, publicKey: CKKSPublicKey,
                          secretKey: CKKSSecretKey, description: SessionDescription,
                          steps: (SessionStep, SessionStep) = (.contribution, .decryption)) async throws -> [Double] {
        let contributions = try await exchange(crypto.encrypt(values, publicKey: publicKey), round: round,
                                               step: steps.0, party: party, crypto: crypto, description: description)
        let mySum = try crypto.sum(contributions.messages.map(\.payload))
        guard let published = contributions.sumDigest, published == Data(SHA256.hash(data: mySum)) else {
            throw CollaborationError.notTheRoundSum(round: round)
        }
        let decryption = try await exchange(crypto.decryptionShare(of: mySum, secretKey: secretKey, party: party, round: round),
                                            round: round, step: steps.1, party: party, crypto: crypto,
                                            description: description)
        return try crypto.decrypt(sum: mySum, decryptionPayloads: decryption.messages.map(\.payload), round: round,
                                  length: values.count)
    }

    /// Signs and posts this party's payload for (round, step), waits for all N, verifies every
    /// message's binding and signature against the announced identities.
    private func exchange(_ payload: Data, round: Int, step: SessionStep, party: Int, crypto: SessionCrypto,
                          description: SessionDescription) async throws -> PhaseReply {
        let message = try SignedMessage.sign(payload, session: crypto.id, round: round, step: step, party: party,
                                             identity: identity)
        try await client.post(message)
        let reply = try await client.pollPhase(round: round, step: step)
        guard reply.messages.count == description.members.count else {
            throw CollaborationError.invalid("the coordinator published \(reply.messages.count) \(step.rawValue) messages for \(description.members.count) parties")
        }
        for (index, m) in reply.messages.enumerated() {
            try m.verify(session: crypto.id, round: round, step: step, party: index,
                         publicKey: description.members[index].publicKey)
        }
        guard reply.messages[party] == message else {
            throw CollaborationError.misbound(what: "the coordinator's copy of this party's \(step.rawValue)", detail: "other content than was sent")
        }
        return reply
    }
}

/// Bytes and CPU time per round.
struct Meter {
    let client: CoordinatorClient
    var lastTraffic: (sent: Int, received: Int) = (0, 0)
    var lastCPU: Double = Meter.cpuSeconds()

    init(client: CoordinatorClient) {
        self.client = client
        lastTraffic = client.traffic
    }

    mutating func report(round: Int, loss: Double) -> CollaborationParty.RoundReport {
        let traffic = client.traffic
        let cpu = Meter.cpuSeconds()
        defer { lastTraffic = traffic; lastCPU = cpu }
        return CollaborationParty.RoundReport(round: round, loss: loss, bytesSent: traffic.sent - lastTraffic.sent,
                                              bytesReceived: traffic.received - lastTraffic.received,
                                              cpuSeconds: cpu - lastCPU)
    }

    /// User + system CPU seconds of this process.
    static func cpuSeconds() -> Double {
        Double(clock()) / Double(CLOCKS_PER_SEC)
    }
}
