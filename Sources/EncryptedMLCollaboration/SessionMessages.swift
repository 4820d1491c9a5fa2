import Foundation
import Models

/// What a party announces when joining: metadata only, never rows.
public struct JoinRequest: Codable, Sendable, Equatable {
    /// The party's display name.
    public var name: String
    /// Its Ed25519 public key (32 bytes).
    public var publicKey: Data
    /// Feature column names, in CSV order.
    public var columns: [String]
    /// The target column.
    public var target: String
    /// The labels present in its rows.
    public var labels: [String]
    /// Its row count.
    public var rows: Int
    /// `train` (`collab join`) or `stats` (`collab stats`).
    public var mode: SessionMode

    /// A join announcement.
    public init(name: String, publicKey: Data, columns: [String], target: String, labels: [String], rows: Int,
                mode: SessionMode) {
        self.name = name
        self.publicKey = publicKey
        self.columns = columns
        self.target = target
        self.labels = labels
        self.rows = rows
        self.mode = mode
    }
}

/// Whether a session trains a model or only computes joint statistics.
public enum SessionMode: String, Codable, Sendable {
    /// Joint statistics, then federated rounds.
    case train
    /// Joint statistics only.
    case stats
}

/// What the parties contribute in each round.
public enum Aggregation: String, Codable, Sendable, CaseIterable {
    /// The summed loss and gradient of their rows at the joint parameters; every peer takes the
    /// same full-batch L-BFGS step on the pooled objective (`FederatedTraining+Gradient`): the
    /// pooled model up to the smudging noise. One round per objective evaluation.
    case gradient
    /// Their locally trained parameters times their row count, after E local epochs
    /// (federated averaging): fewer rounds, but local drift under label skew.
    case fedavg
}

/// The training configuration the coordinator fixes for a session.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    /// Number of rounds R: objective evaluations (gradient aggregation) or federated-averaging rounds.
    public var rounds: Int
    /// Logistic regression or MLP.
    public var model: ModelKind
    /// MLP hidden widths.
    public var hidden: [Int]
    /// MLP hidden activation.
    public var activation: ActivationKind
    /// Federated averaging: local epochs E per round (L-BFGS iterations for logistic regression).
    /// Unused by gradient aggregation.
    public var localEpochs: Int
    /// Statistical security λ of the smudging noise, bits.
    public var statisticalSecurity: Int
    /// Gradient aggregation or federated averaging.
    public var aggregation: Aggregation

    /// A configuration (validated by `validate`).
    public init(rounds: Int = 30, model: ModelKind = .logistic, hidden: [Int] = [32], activation: ActivationKind = .relu,
                localEpochs: Int = 2, statisticalSecurity: Int = 40, aggregation: Aggregation = .gradient) {
        self.rounds = rounds
        self.model = model
        self.hidden = hidden
        self.activation = activation
        self.localEpochs = localEpochs
        self.statisticalSecurity = statisticalSecurity
        self.aggregation = aggregation
    }

    /// Decodes a configuration; one without `aggregation` (an earlier coordinator) is federated averaging.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        rounds = try c.decode(Int.self, forKey: .rounds)
        model = try c.decode(ModelKind.self, forKey: .model)
        hidden = try c.decode([Int].self, forKey: .hidden)
        activation = try c.decode(ActivationKind.self, forKey: .activation)
        localEpochs = try c.decode(Int.self, forKey: .localEpochs)
        statisticalSecurity = try c.decode(Int.self, forKey: .statisticalSecurity)
        aggregation = try c.decodeIfPresent(Aggregation.self, forKey: .aggregation) ?? .fedavg
    }

    /// Throws `CollaborationError.invalid` for out-of-range values.
    public func validate() throws {
        guard (1...1000).contains(rounds) else { throw CollaborationError.invalid("--rounds must be in 1…1000, got \(rounds)") }
        guard (1...10000).contains(localEpochs) else {
            throw CollaborationError.invalid("--local-epochs must be in 1…10000, got \(localEpochs)")
        }
        guard (0...60).contains(statisticalSecurity) else {
            throw CollaborationError.invalid("statistical security must be in 0…60 bits, got \(statisticalSecurity)")
        }
        if model == .mlp {
            guard (1...3).contains(hidden.count), hidden.allSatisfy({ (1...4096).contains($0) }) else {
                throw CollaborationError.invalid("--hidden takes 1 to 3 widths in 1…4096, got \(hidden)")
            }
        }
    }
}

/// One member of a session, as every party sees it.
public struct SessionMember: Codable, Sendable, Equatable {
    /// Display name.
    public var name: String
    /// Ed25519 public key.
    public var publicKey: Data
    /// Announced row count.
    public var rows: Int
}

/// The session as the coordinator publishes it once every party has joined.
public struct SessionDescription: Codable, Sendable, Equatable {
    /// The fresh 32-byte seed of the common reference polynomials.
    public var seed: Data
    /// Session id, hex (`MultipartySession.id`).
    public var id: String
    /// The members, by party index.
    public var members: [SessionMember]
    /// Feature columns.
    public var columns: [String]
    /// Target column.
    public var target: String
    /// The union of the members' labels (sorted: numerically when all are numbers).
    public var labels: [String]
    /// Statistics only, or training.
    public var mode: SessionMode
    /// Training configuration.
    public var training: TrainingConfiguration

    /// Σ announced rows.
    public var announcedRows: Int { members.reduce(0) { $0 + $1.rows } }

    /// A description (the coordinator publishes one once every party joined; a plaintext
    /// simulation of a session builds its own).
    public init(seed: Data, id: String, members: [SessionMember], columns: [String], target: String, labels: [String],
                mode: SessionMode, training: TrainingConfiguration) {
        self.seed = seed
        self.id = id
        self.members = members
        self.columns = columns
        self.target = target
        self.labels = labels
        self.mode = mode
        self.training = training
    }
}

/// The coordinator's answer to a join.
public struct JoinReply: Codable, Sendable {
    /// The party index assigned.
    public var party: Int
}

/// The state of one step of one round, as the coordinator publishes it (binary on the wire).
public struct PhaseReply: Sendable {
    /// The N signed messages, by party index.
    public var messages: [SignedMessage]
    /// For a contribution step: SHA-256 of the coordinator's sum of the N ciphertexts (the
    /// ciphertext file it will combine the decryption shares with). Each party recomputes the sum
    /// from the N signed contributions, compares digests, and decrypts only its own sum.
    public var sumDigest: Data?

    /// A reply.
    public init(messages: [SignedMessage], sumDigest: Data?) {
        self.messages = messages
        self.sumDigest = sumDigest
    }
}

/// An error body.
public struct ErrorReply: Codable, Sendable {
    /// One-line reason.
    public var error: String

    /// An error body.
    public init(error: String) { self.error = error }
}

/// Label order of a session: numeric order when every label is a number, else lexicographic.
func sortedLabels(_ labels: Set<String>) -> [String] {
    let numbers = labels.map { Double($0) }
    if numbers.allSatisfy({ $0 != nil }) {
        return labels.sorted { Double($0)! < Double($1)! }
    }
    return labels.sorted()
}
