/// The collective public key of N parties (N-out-of-N): party i sends `b_i = −a·s_i + e_i` over
/// `Q·P`, `a` the session's common reference polynomial; `pk = (Σ b_i, a)` encrypts under
/// `s = Σ s_i`, which no party knows. One round; the result is an ordinary `CKKSPublicKey`
/// (serializable with its seed, usable by `CKKSContext.encrypt(_:publicKey:)`).
public struct CollectivePublicKeyProtocol: Sendable {
    /// The CKKS context of the session.
    public let context: CKKSContext
    /// The session (seed of `a`, party count, identifier).
    public let session: MultipartySession

    /// A protocol instance; cheap (no precomputation).
    public init(context: CKKSContext, session: MultipartySession) {
        self.context = context
        self.session = session
    }

    /// Party `party`'s share `−a·s_i + e_i`. Cost: AES-CTR expansion of `a`, one Gaussian sample,
    /// L+K+1 NTTs and products; size (L+K+1)·N residues.
    /// - Throws: `.mismatchedContext` for a key of other parameters, `.invalidArgument` for a bad party index.
    public func share(secretKey: CKKSSecretKey, party: Int, round: UInt32 = 0) throws -> MultipartyShare {
        try MultipartyProtocolChecks.check(secretKey, party: party, session: session, context: context)
        let a = try session.commonPolynomial("public-key", context: context)
        var b = KeySwitchingGadget.error(context: context)
        var product = a
        product.multiply(secretKey.poly, shoup: secretKey.shoup, moduli: context.keyModuli)
        b.subtract(product, moduli: context.keyModuli)
        return MultipartyShare(kind: .publicKey, sessionID: session.id, round: round, party: party,
                               level: context.maxLevel, polynomials: [b])
    }

    /// The collective public key from all N shares of `round`. Cost: (N−1)·(L+K+1)·N additions,
    /// the expansion of `a` and the Shoup constants.
    /// - Throws: `MultipartyError` when a share is missing, duplicated, or of another session, round or kind.
    public func aggregate(_ shares: [MultipartyShare], round: UInt32 = 0) throws -> CKKSPublicKey {
        let valid = try MultipartyShare.validated(shares, kind: .publicKey, session: session, round: round,
                                                  level: context.maxLevel, context: context)
        let b = MultipartyShare.sum(valid, index: 0, moduli: context.keyModuli)
        return try context.assemblePublicKey(b: b.data, seed: session.derivedSeed("public-key"))
    }
}

/// Checks shared by the protocols' share functions.
enum MultipartyProtocolChecks {
    static func check(_ secretKey: CKKSSecretKey, party: Int, session: MultipartySession, context: CKKSContext) throws {
        guard secretKey.contextFingerprint == context.fingerprint else {
            throw MultipartyError.mismatchedContext("the secret key was generated under other parameters than \(context.parameters)")
        }
        guard party >= 0, party < session.partyCount else {
            throw MultipartyError.invalidArgument("party index \(party) is outside 0…\(session.partyCount - 1)")
        }
    }
}
