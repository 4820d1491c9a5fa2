/// The collective relinearization key (key switching from `s²` to `s`, `s = Σ s_i`) in two
/// rounds, after Lattigo's `multiparty` RKG protocol (our own implementation):
///
/// 1. party i draws an ephemeral ternary `u_i` and sends, per digit j,
///    `h0_ij = −u_i·a_j + P·Q̃_j·s_i + e` and `h1_ij = s_i·a_j + e'` (`a_j` common reference);
/// 2. with `h0_j = Σ_i h0_ij`, `h1_j = Σ_i h1_ij`, party i sends `h0'_ij = s_i·h0_j + e` and
///    `h1'_ij = (u_i − s_i)·h1_j + e'`;
///
/// the key is `b_j = Σ_i (h0'_ij + h1'_ij)`, `a_j = h1_j`, so that
/// `b_j + a_j·s = P·Q̃_j·s² + s·e_0 + u·e_1` (noise grows with N; it is divided by P in key switching).
///
/// The key's `a_j` are not expanded from a seed, so it lives in memory only: it is not written
/// with `CKKSEvaluationKeys.serialized` (whose format stores a seed in place of `a_j`).
public struct CollectiveRelinearizationProtocol: Sendable {
    /// The CKKS context of the session.
    public let context: CKKSContext
    /// The session.
    public let session: MultipartySession

    /// A party's ephemeral secret `u_i`, kept between the two rounds and then discarded.
    public struct EphemeralSecret: Sendable {
        let u: RNSPolynomial<Evaluation>
        let party: Int
    }

    /// The sum of the round-1 shares `(h0_j, h1_j)`, published to every party for round 2.
    public struct Round1Aggregate: Sendable {
        let h0: [RNSPolynomial<Evaluation>]
        let h1: [RNSPolynomial<Evaluation>]
        /// The round the aggregate belongs to.
        public let round: UInt32
    }

    /// A protocol instance; cheap.
    public init(context: CKKSContext, session: MultipartySession) {
        self.context = context
        self.session = session
    }

    private var digits: Int { context.digitCount(level: context.maxLevel) }

    /// Round 1 of party `party`: its share and the ephemeral secret it keeps for round 2.
    /// Cost per digit: AES-CTR expansion, two Gaussian samples, 2·(L+K+1) NTTs and products.
    public func round1Share(secretKey: CKKSSecretKey, party: Int, round: UInt32 = 0) throws
        -> (share: MultipartyShare, ephemeral: EphemeralSecret)
    {
        try MultipartyProtocolChecks.check(secretKey, party: party, session: session, context: context)
        let moduli = context.keyModuli
        let u = context.smallPolynomial(Sampling.ternary(count: context.degree), moduli: moduli, tables: context.keyTables)
        var h0: [RNSPolynomial<Evaluation>] = []
        var h1: [RNSPolynomial<Evaluation>] = []
        for j in 0..<digits {
            let a = try session.commonPolynomial("relinearization", digit: j, context: context)
            var first = KeySwitchingGadget.error(context: context)
            var ua = a
            ua.multiply(u, moduli: moduli)
            first.subtract(ua, moduli: moduli)
            KeySwitchingGadget.add(secretKey.poly, digit: j, to: &first, context: context)
            var second = KeySwitchingGadget.error(context: context)
            second.multiplyAdd(a, secretKey.poly, shoup: secretKey.shoup, moduli: moduli)
            h0.append(first)
            h1.append(second)
        }
        let share = MultipartyShare(kind: .relinearizationRound1, sessionID: session.id, round: round, party: party,
                                    level: context.maxLevel, polynomials: h0 + h1)
        return (share, EphemeralSecret(u: u, party: party))
    }

    /// Sums the N round-1 shares. Cost: (N−1)·2·digits·(L+K+1)·N additions.
    /// - Throws: `MultipartyError` when a share is missing, duplicated, or of another session, round or kind.
    public func aggregateRound1(_ shares: [MultipartyShare], round: UInt32 = 0) throws -> Round1Aggregate {
        let valid = try MultipartyShare.validated(shares, kind: .relinearizationRound1, session: session, round: round,
                                                  level: context.maxLevel, context: context)
        let sums = (0..<(2 * digits)).map { MultipartyShare.sum(valid, index: $0, moduli: context.keyModuli) }
        return Round1Aggregate(h0: Array(sums[0..<digits]), h1: Array(sums[digits...]), round: round)
    }

    /// Round 2 of party `party`. Cost per digit: two Gaussian samples, 2·(L+K+1) NTTs and products.
    /// - Throws: `.invalidArgument` when the ephemeral secret belongs to another party.
    public func round2Share(secretKey: CKKSSecretKey, ephemeral: EphemeralSecret, aggregate: Round1Aggregate,
                            party: Int) throws -> MultipartyShare {
        try MultipartyProtocolChecks.check(secretKey, party: party, session: session, context: context)
        guard ephemeral.party == party else {
            throw MultipartyError.invalidArgument("the ephemeral secret of party \(ephemeral.party) was given for party \(party)")
        }
        let moduli = context.keyModuli
        var uMinusS = ephemeral.u
        uMinusS.subtract(secretKey.poly, moduli: moduli)
        var out0: [RNSPolynomial<Evaluation>] = []
        var out1: [RNSPolynomial<Evaluation>] = []
        for j in 0..<digits {
            var first = KeySwitchingGadget.error(context: context)
            first.multiplyAdd(aggregate.h0[j], secretKey.poly, shoup: secretKey.shoup, moduli: moduli)
            var second = KeySwitchingGadget.error(context: context)
            second.multiplyAdd(aggregate.h1[j], uMinusS, moduli: moduli)
            out0.append(first)
            out1.append(second)
        }
        return MultipartyShare(kind: .relinearizationRound2, sessionID: session.id, round: aggregate.round,
                               party: party, level: context.maxLevel, polynomials: out0 + out1)
    }

    /// The relinearization key from the round-1 aggregate and all N round-2 shares.
    /// Cost: (N−1)·2·digits·(L+K+1)·N additions and the Shoup constants.
    public func finalize(aggregate: Round1Aggregate, round2Shares: [MultipartyShare]) throws -> KeySwitchingKey {
        let valid = try MultipartyShare.validated(round2Shares, kind: .relinearizationRound2, session: session,
                                                  round: aggregate.round, level: context.maxLevel, context: context)
        let moduli = context.keyModuli
        var bs: [RNSPolynomial<Evaluation>] = []
        for j in 0..<digits {
            var b = MultipartyShare.sum(valid, index: j, moduli: moduli)
            b.add(MultipartyShare.sum(valid, index: digits + j, moduli: moduli), moduli: moduli)
            bs.append(b)
        }
        let b = KeySwitchingGadget.words(bs)
        let a = KeySwitchingGadget.words(aggregate.h1)
        return KeySwitchingKey(b: b, a: a, digitCount: digits, seed: [UInt8](repeating: 0, count: 32), permutation: nil)
    }
}
