import Foundation

/// Collective decryption (N-out-of-N) with noise flooding: party i sends
/// `h_i = s_i·c_1 + e_i`, `e_i` Gaussian of standard deviation `σ = B·2^λ` (`SmudgingNoise`),
/// where B bounds the ciphertext's own noise (`freshNoiseBound` for a sum of fresh encryptions)
/// and λ is the statistical security parameter, **40 bits by default**. The plaintext is
/// `c_0 + Σ h_i = Δ·m + noise + Σ e_i`; without every share it is uniformly random-looking.
///
/// The flood costs precision: the decoded slots carry an error of about
/// `σ·√(N_parties·N)/Δ`, so a session's scale must reserve `log2(σ) + log2(√(N_parties·N))`
/// bits above the precision it wants (`CollaborativeParameters` does this).
public struct CollectiveDecryption: Sendable {
    /// The CKKS context of the session.
    public let context: CKKSContext
    /// The session.
    public let session: MultipartySession
    /// The statistical security parameter λ in bits (default 40).
    public let statisticalSecurity: Int

    /// A protocol instance; cheap.
    /// - Parameter statisticalSecurity: λ in bits, 0…60 (default `SmudgingNoise.defaultStatisticalSecurity` = 40).
    public init(context: CKKSContext, session: MultipartySession,
                statisticalSecurity: Int = SmudgingNoise.defaultStatisticalSecurity) {
        self.context = context
        self.session = session
        self.statisticalSecurity = statisticalSecurity
    }

    /// A high-probability bound (6σ) on the coefficients of the noise of a sum of `summands`
    /// fresh public-key encryptions under a collective key of `parties` parties, ring degree N:
    /// each fresh ciphertext carries the rounding of the division by P, `r_0 + r_1·s` with
    /// `r` uniform in [−½, ½] and `s = Σ s_i` of coefficient variance `2·parties/3`, plus the
    /// encoding's rounding, so `σ² = (2 + N·2·parties/3)/12` per summand. O(1).
    public static func freshNoiseBound(degree: Int, parties: Int, summands: Int) -> Double {
        let variance = (2 + Double(degree) * 2 * Double(parties) / 3) / 12
        return 6 * (Double(summands) * variance).squareRoot()
    }

    /// The smudging σ for a ciphertext of noise bound `noiseBound`: `B·2^λ`.
    public func smudgingSigma(noiseBound: Double) throws -> Double {
        try SmudgingNoise.sigma(noiseBound: noiseBound, statisticalSecurity: statisticalSecurity)
    }

    /// Party `party`'s decryption share `s_i·c_1 + e_smudge` of `ciphertext` for `round`.
    /// Cost: N flood samples, (level+1) NTTs and (level+1)·N products; size (level+1)·N residues.
    /// - Throws: `.mismatchedContext`, `.invalidArgument` (party index, noise bound, σ too wide).
    public func share(of ciphertext: CKKSCiphertext, secretKey: CKKSSecretKey, party: Int, round: UInt32,
                      noiseBound: Double) throws -> MultipartyShare {
        try MultipartyProtocolChecks.check(secretKey, party: party, session: session, context: context)
        try checkCiphertext(ciphertext)
        let sigma = try smudgingSigma(noiseBound: noiseBound)
        let level = ciphertext.level
        let moduli = context.moduli(level: level)
        var h = SmudgingNoise.polynomial(sigma: sigma, moduli: moduli, tables: context.qTables, degree: context.degree)
        h.multiplyAdd(ciphertext.c1, secretKey.poly, shoup: secretKey.shoup, moduli: moduli)
        return MultipartyShare(kind: .decryption, sessionID: session.id, round: round, party: party, level: level,
                               polynomials: [h])
    }

    /// The plaintext `c_0 + Σ h_i` from all N shares of `round` (same level and scale as the ciphertext).
    /// Cost: N·(level+1)·N additions.
    /// - Throws: `MultipartyError` when a share is missing, duplicated, or of another session, round, kind or level.
    public func combine(_ ciphertext: CKKSCiphertext, shares: [MultipartyShare], round: UInt32) throws -> CKKSPlaintext {
        try checkCiphertext(ciphertext)
        let valid = try MultipartyShare.validated(shares, kind: .decryption, session: session, round: round,
                                                  level: ciphertext.level, context: context)
        let moduli = context.moduli(level: ciphertext.level)
        var m = ciphertext.c0
        m.add(MultipartyShare.sum(valid, index: 0, moduli: moduli), moduli: moduli)
        return CKKSPlaintext(poly: m, scale: ciphertext.scale, contextFingerprint: context.fingerprint,
                             moduli: context.ciphertextModuli)
    }

    /// The N/2 real slot values from all N shares (`combine`, then decode).
    public func decrypt(_ ciphertext: CKKSCiphertext, shares: [MultipartyShare], round: UInt32) throws -> [Double] {
        try context.decode(combine(ciphertext, shares: shares, round: round))
    }

    /// What a coalition holding only `shares` (fewer than N, validated for kind, session, round
    /// and level, no duplicates) obtains by the same combination: `Δ·m` masked by the missing
    /// parties' `s_j·c_1`, i.e. uniformly random-looking values. For audits and tests.
    /// Cost: as `decrypt`.
    public func coalitionView(_ ciphertext: CKKSCiphertext, shares: [MultipartyShare], round: UInt32) throws -> [Double] {
        try checkCiphertext(ciphertext)
        var seen = Set<Int>()
        for share in shares {
            guard share.kind == .decryption else { throw MultipartyError.wrongKind(found: "\(share.kind)", expected: "decryption share") }
            guard share.sessionID == session.id else { throw MultipartyError.wrongSession(kind: "decryption share", party: share.party) }
            guard share.round == round else {
                throw MultipartyError.wrongRound(kind: "decryption share", party: share.party, found: share.round, expected: round)
            }
            guard share.level == ciphertext.level, seen.insert(share.party).inserted else {
                throw MultipartyError.invalidParty(kind: "decryption share", party: share.party, partyCount: session.partyCount)
            }
        }
        let moduli = context.moduli(level: ciphertext.level)
        var m = ciphertext.c0
        for share in shares { m.add(share.polynomials[0], moduli: moduli) }
        return context.decodeComplexParts(m, scale: ciphertext.scale).real
    }

    func checkCiphertext(_ ciphertext: CKKSCiphertext) throws {
        guard ciphertext.contextFingerprint == context.fingerprint else {
            throw MultipartyError.mismatchedContext("the ciphertext was created under other parameters than \(context.parameters)")
        }
    }
}
