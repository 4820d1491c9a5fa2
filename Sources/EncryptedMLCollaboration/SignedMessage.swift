import Crypto
import Foundation

/// The steps of a session whose messages carry a binary payload.
public enum SessionStep: String, Codable, Sendable, CaseIterable {
    /// A collective public-key share (round 0).
    case publicKey = "public-key"
    /// An encrypted contribution: statistics (round 0) or `n_i·w_i` (round r ≥ 1).
    case contribution
    /// A collective decryption share of the round's sum.
    case decryption
    /// Round 0, second pass of the statistics: centred and scaled sums (see `JointStatistics.refinementVector`).
    case refinementContribution = "refinement-contribution"
    /// Decryption share of the refinement sum.
    case refinementDecryption = "refinement-decryption"

    /// Whether messages of this step are encrypted contributions (summed by the coordinator).
    var isContribution: Bool { self == .contribution || self == .refinementContribution }
}

/// A party's message: a binary payload (an `ENCMP` share or an `ENCML` ciphertext file) bound to
/// the session, round, step and party, signed with the party's Ed25519 key over
/// `"encml-collab-v1" ‖ session id ‖ round ‖ step ‖ party ‖ SHA-256(payload)`.
public struct SignedMessage: Codable, Sendable, Equatable {
    /// Session id, hex.
    public var session: String
    /// Round: 0 for keys and statistics, 1… for training rounds.
    public var round: Int
    /// The step.
    public var step: SessionStep
    /// Sender's party index.
    public var party: Int
    /// The payload.
    public var payload: Data
    /// Ed25519 signature, 64 bytes.
    public var signature: Data

    /// The bytes the signature covers. Cost: one SHA-256 over the payload.
    static func signedBytes(session: String, round: Int, step: SessionStep, party: Int, payload: Data) -> Data {
        var bytes = Data("encml-collab-v1".utf8)
        bytes.append(contentsOf: Array(session.utf8))
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: round).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array(step.rawValue.utf8))
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: party).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: SHA256.hash(data: payload))
        return bytes
    }

    /// Signs `payload` for (`session`, `round`, `step`, `party`). Cost: one SHA-256 and one signature.
    public static func sign(_ payload: Data, session: String, round: Int, step: SessionStep, party: Int,
                            identity: PartyIdentity) throws -> SignedMessage {
        let signature = try identity.sign(signedBytes(session: session, round: round, step: step, party: party, payload: payload))
        return SignedMessage(session: session, round: round, step: step, party: party, payload: payload, signature: signature)
    }

    /// Checks the binding (session, round, step, party) and the signature under `publicKey`.
    /// - Throws: `.misbound` for another session, round, step or party; `.badSignature` otherwise.
    public func verify(session expectedSession: String, round expectedRound: Int, step expectedStep: SessionStep,
                       party expectedParty: Int, publicKey: Data) throws {
        guard session == expectedSession else {
            throw CollaborationError.misbound(what: "a \(step.rawValue) message of party \(party)", detail: "another session")
        }
        guard round == expectedRound, step == expectedStep else {
            throw CollaborationError.misbound(what: "a \(step.rawValue) message of party \(party)",
                                              detail: "round \(round) step \(step.rawValue), expected round \(expectedRound) step \(expectedStep.rawValue)")
        }
        guard party == expectedParty else {
            throw CollaborationError.misbound(what: "a \(step.rawValue) message", detail: "party \(party), expected party \(expectedParty)")
        }
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey),
              key.isValidSignature(signature, for: Self.signedBytes(session: session, round: round, step: step,
                                                                     party: party, payload: payload))
        else {
            throw CollaborationError.badSignature(what: "the \(step.rawValue) message of round \(round)", party: party)
        }
    }
}
