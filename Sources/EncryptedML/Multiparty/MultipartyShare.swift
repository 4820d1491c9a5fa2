/// One party's contribution to one step of a threshold-CKKS protocol, bound to its session,
/// round and party: polynomials in evaluation form over the key basis `Q·P` (key shares) or over
/// `q_0 … q_level` (decryption and key-switch shares). Shares carry no secret in the clear, but
/// each one is a single-use RLWE sample: never reuse it in another session or round.
public struct MultipartyShare: Sendable, Equatable {
    /// The protocol step a share belongs to.
    public enum Kind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
        /// `−a·s_i + e_i` for the collective public key.
        case publicKey = 1
        /// Relinearization key, round 1: per digit `(−u_i·a_j + P·Q̃_j·s_i + e, s_i·a_j + e')`.
        case relinearizationRound1 = 2
        /// Relinearization key, round 2: per digit `(s_i·h0_j + e, (u_i − s_i)·h1_j + e')`.
        case relinearizationRound2 = 3
        /// Galois key: per digit `−a_j·s_i + P·Q̃_j·σ_g(s_i) + e`.
        case rotation = 4
        /// Collective decryption: `s_i·c_1 + e_smudge`.
        case decryption = 5
        /// Public-key switch: `(s_i·c_1 + u_i·b' + e_smudge, u_i·a' + e)`.
        case publicKeySwitch = 6

        /// Human name used in messages.
        public var description: String {
            switch self {
            case .publicKey: "public-key share"
            case .relinearizationRound1: "relinearization round-1 share"
            case .relinearizationRound2: "relinearization round-2 share"
            case .rotation: "rotation-key share"
            case .decryption: "decryption share"
            case .publicKeySwitch: "public-key-switch share"
            }
        }

        /// Whether the share lives over the key basis `Q·P` (else over `q_0 … q_level`).
        var overKeyBasis: Bool {
            switch self {
            case .publicKey, .relinearizationRound1, .relinearizationRound2, .rotation: true
            case .decryption, .publicKeySwitch: false
            }
        }
    }

    /// The protocol step.
    public let kind: Kind
    /// The session identifier (`MultipartySession.id`).
    public let sessionID: [UInt8]
    /// The round within the session (the caller numbers them; shares of other rounds are refused).
    public let round: UInt32
    /// The sending party's index in `0 ..< N`.
    public let party: Int
    /// The ciphertext level for decryption and key-switch shares; `L` for key shares.
    public let level: Int
    /// The Galois element of a rotation-key share; 1 otherwise.
    public let galoisElement: Int
    /// The share's polynomials (evaluation form), in the order the kind documents.
    let polynomials: [RNSPolynomial<Evaluation>]

    init(kind: Kind, sessionID: [UInt8], round: UInt32, party: Int, level: Int, galoisElement: Int = 1,
         polynomials: [RNSPolynomial<Evaluation>]) {
        self.kind = kind
        self.sessionID = sessionID
        self.round = round
        self.party = party
        self.level = level
        self.galoisElement = galoisElement
        self.polynomials = polynomials
    }

    /// The moduli a share of `kind` at `level` lives over.
    static func moduli(kind: Kind, level: Int, context: CKKSContext) -> [Modulus] {
        kind.overKeyBasis ? context.keyModuli : context.moduli(level: level)
    }

    /// The number of polynomials a share of `kind` holds.
    static func polynomialCount(kind: Kind, context: CKKSContext) -> Int {
        let digits = context.digitCount(level: context.maxLevel)
        switch kind {
        case .publicKey, .decryption: return 1
        case .publicKeySwitch: return 2
        case .rotation: return digits
        case .relinearizationRound1, .relinearizationRound2: return 2 * digits
        }
    }

    /// Checks that `shares` are exactly one share of `kind` per party of `session`, all of
    /// `round`, of the same level and Galois element; returns them ordered by party.
    /// Cost: O(N) plus the shape checks.
    /// - Throws: `.wrongKind`, `.wrongSession`, `.wrongRound`, `.invalidParty`, `.malformedShare`, `.missingShares`.
    static func validated(_ shares: [MultipartyShare], kind: Kind, session: MultipartySession, round: UInt32,
                          level: Int, galoisElement: Int = 1, context: CKKSContext) throws -> [MultipartyShare] {
        var byParty = [MultipartyShare?](repeating: nil, count: session.partyCount)
        let count = polynomialCount(kind: kind, context: context)
        let limbs = moduli(kind: kind, level: level, context: context).count
        for share in shares {
            guard share.kind == kind else { throw MultipartyError.wrongKind(found: "\(share.kind)", expected: "\(kind)") }
            guard share.sessionID == session.id else { throw MultipartyError.wrongSession(kind: "\(kind)", party: share.party) }
            guard share.round == round else {
                throw MultipartyError.wrongRound(kind: "\(kind)", party: share.party, found: share.round, expected: round)
            }
            guard share.party >= 0, share.party < session.partyCount, byParty[share.party] == nil else {
                throw MultipartyError.invalidParty(kind: "\(kind)", party: share.party, partyCount: session.partyCount)
            }
            guard share.level == level, share.galoisElement == galoisElement, share.polynomials.count == count,
                  share.polynomials.allSatisfy({ $0.degree == context.degree && $0.limbCount == limbs })
            else {
                throw MultipartyError.malformedShare(
                    kind: "\(kind)", party: share.party,
                    reason: "level \(share.level), Galois element \(share.galoisElement), \(share.polynomials.count) polynomials; expected level \(level), element \(galoisElement), \(count) polynomials of \(limbs) limbs")
            }
            byParty[share.party] = share
        }
        let missing = byParty.indices.filter { byParty[$0] == nil }
        guard missing.isEmpty else {
            throw MultipartyError.missingShares(kind: "\(kind)", missing: missing, partyCount: session.partyCount)
        }
        return byParty.map { $0! }
    }

    /// The element-wise sum of polynomial `index` over `shares`. Cost: (N−1)·limbs·N additions.
    static func sum(_ shares: [MultipartyShare], index: Int, moduli: [Modulus]) -> RNSPolynomial<Evaluation> {
        var total = shares[0].polynomials[index]
        for share in shares.dropFirst() { total.add(share.polynomials[index], moduli: moduli) }
        return total
    }
}
