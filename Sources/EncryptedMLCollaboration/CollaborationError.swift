/// Why a collaboration session, a party or the coordinator refused or failed. Every case says
/// what is wrong and how to fix it, in one line (the CLI prints it as is).
public enum CollaborationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A party's columns differ from the session's.
    case columnMismatch(party: String, missing: [String], extra: [String], target: String?)
    /// A message's signature does not verify under the sender's announced identity.
    case badSignature(what: String, party: Int)
    /// A message is bound to another session, round, step or party than expected.
    case misbound(what: String, detail: String)
    /// The coordinator asked for the decryption of a ciphertext that is not the sum of the N signed contributions.
    case notTheRoundSum(round: Int)
    /// The joint row count decrypted from the statistics is not the sum of the announced counts.
    case rowCountMismatch(joint: Double, announced: Int)
    /// A party did not send its message in time; the round failed.
    case timedOut(what: String, seconds: Double)
    /// The session failed (the coordinator's reason).
    case sessionFailed(String)
    /// The coordinator refused a request.
    case refused(status: Int, message: String)
    /// The coordinator could not be reached or answered something unusable.
    case transport(url: String, reason: String)
    /// A message or option is invalid.
    case invalid(String)

    /// One-line description.
    public var description: String {
        switch self {
        case let .columnMismatch(party, missing, extra, target):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(missing.joined(separator: ", "))") }
            if !extra.isEmpty { parts.append("extra \(extra.joined(separator: ", "))") }
            if let target { parts.append("target column '\(target)' differs") }
            if parts.isEmpty { parts.append("same columns in another order") }
            return "party '\(party)' has other columns than the session (\(parts.joined(separator: "; "))); every party must have the same feature columns in the same order and the same target"
        case let .badSignature(what, party):
            return "\(what) of party \(party) carries no valid Ed25519 signature of that party; refused (tampered or unsigned)"
        case let .misbound(what, detail):
            return "\(what) is bound to \(detail); refused (replayed or misrouted message)"
        case let .notTheRoundSum(round):
            return "the coordinator asked to decrypt a ciphertext that is not the sum of the signed contributions of round \(round); decryption share withheld"
        case let .rowCountMismatch(joint, announced):
            return "the joint row count is \(joint), but the parties announced \(announced) rows in total; a party lied about its rows or its contribution is malformed: session aborted"
        case let .timedOut(what, seconds):
            return "\(what) did not arrive within \(Int(seconds)) s; a party dropped out or the coordinator stopped: the round failed (raise --timeout for slow parties)"
        case let .sessionFailed(reason):
            return "the session failed: \(reason)"
        case let .refused(status, message):
            return "the coordinator refused the request (HTTP \(status)): \(message)"
        case let .transport(url, reason):
            return "\(url): \(reason); check --server and that encml collab serve is running"
        case let .invalid(message):
            return message
        }
    }
}
