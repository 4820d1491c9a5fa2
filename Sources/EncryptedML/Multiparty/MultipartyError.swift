/// Why a threshold-CKKS step (share generation, aggregation, message parsing) was refused.
/// Every case says what is wrong and how to fix it, in one line.
public enum MultipartyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Shares of some parties are missing: an N-out-of-N protocol cannot finish without them.
    case missingShares(kind: String, missing: [Int], partyCount: Int)
    /// Two shares claim the same party, or a party index is outside `0 ..< N`.
    case invalidParty(kind: String, party: Int, partyCount: Int)
    /// A share belongs to another session (another seed, other parties).
    case wrongSession(kind: String, party: Int)
    /// A share belongs to another round of the session.
    case wrongRound(kind: String, party: Int, found: UInt32, expected: UInt32)
    /// A share of another kind was given (e.g. a public-key share where a decryption share is needed).
    case wrongKind(found: String, expected: String)
    /// A share's shape (level, polynomial count, Galois element) does not match the protocol.
    case malformedShare(kind: String, party: Int, reason: String)
    /// A key or ciphertext of other CKKS parameters than the session's.
    case mismatchedContext(String)
    /// A parameter (party count, security bits, noise bound) is out of range.
    case invalidArgument(String)

    /// One-line description for users and the CLI.
    public var description: String {
        switch self {
        case let .missingShares(kind, missing, partyCount):
            "\(kind): shares of part\(missing.count == 1 ? "y" : "ies") \(missing.map(String.init).joined(separator: ", ")) of \(partyCount) are missing; every party must contribute (N-out-of-N)"
        case let .invalidParty(kind, party, partyCount):
            "\(kind): party index \(party) is duplicated or outside 0…\(partyCount - 1); each party sends exactly one share"
        case let .wrongSession(kind, party):
            "\(kind): the share of party \(party) belongs to another session; shares are never reused across sessions: regenerate it for this session"
        case let .wrongRound(kind, party, found, expected):
            "\(kind): the share of party \(party) is for round \(found), this is round \(expected); regenerate it for this round"
        case let .wrongKind(found, expected):
            "a \(found) was given where a \(expected) is needed"
        case let .malformedShare(kind, party, reason):
            "\(kind): the share of party \(party) is malformed (\(reason)); regenerate it"
        case let .mismatchedContext(m):
            "mismatched CKKS context: \(m)"
        case let .invalidArgument(m):
            "invalid argument: \(m)"
        }
    }
}
