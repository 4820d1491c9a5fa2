/// Public-key switch (N-out-of-N): re-encrypts a joint ciphertext `(c_0, c_1)` under `s = Σ s_i`
/// to one party's own public key `(b', a')`, so that this party alone decrypts the result with
/// its own secret key. Party i draws a ternary `u_i` and sends
/// `h0_i = s_i·c_1 + u_i·b' + e_smudge` (σ = B·2^λ as in `CollectiveDecryption`) and
/// `h1_i = u_i·a' + e`; the result is `(c_0 + Σ h0_i, Σ h1_i)`.
public struct PublicKeySwitch: Sendable {
    /// The CKKS context of the session.
    public let context: CKKSContext
    /// The session.
    public let session: MultipartySession
    /// The statistical security parameter λ in bits (default 40).
    public let statisticalSecurity: Int

    /// A protocol instance; cheap.
    public init(context: CKKSContext, session: MultipartySession,
                statisticalSecurity: Int = SmudgingNoise.defaultStatisticalSecurity) {
        self.context = context
        self.session = session
        self.statisticalSecurity = statisticalSecurity
    }

    /// Party `party`'s share for switching `ciphertext` to `target`.
    /// Cost: one ternary and one Gaussian sample, N flood samples, 3·(level+1) NTTs and products.
    public func share(of ciphertext: CKKSCiphertext, to target: CKKSPublicKey, secretKey: CKKSSecretKey, party: Int,
                      round: UInt32, noiseBound: Double) throws -> MultipartyShare {
        try MultipartyProtocolChecks.check(secretKey, party: party, session: session, context: context)
        guard ciphertext.contextFingerprint == context.fingerprint, target.contextFingerprint == context.fingerprint else {
            throw MultipartyError.mismatchedContext("the ciphertext or target key was created under other parameters than \(context.parameters)")
        }
        let sigma = try SmudgingNoise.sigma(noiseBound: noiseBound, statisticalSecurity: statisticalSecurity)
        let level = ciphertext.level
        let moduli = context.moduli(level: level)
        let tables = context.qTables
        let u = context.smallPolynomial(Sampling.ternary(count: context.degree), moduli: moduli, tables: tables)
        var h0 = SmudgingNoise.polynomial(sigma: sigma, moduli: moduli, tables: tables, degree: context.degree)
        h0.multiplyAdd(ciphertext.c1, secretKey.poly, shoup: secretKey.shoup, moduli: moduli)
        h0.multiplyAdd(u, target.b, shoup: target.bShoup, moduli: moduli)
        var h1 = context.smallPolynomial(Sampling.gaussian(count: context.degree), moduli: moduli, tables: tables)
        h1.multiplyAdd(u, target.a, shoup: target.aShoup, moduli: moduli)
        return MultipartyShare(kind: .publicKeySwitch, sessionID: session.id, round: round, party: party, level: level,
                               polynomials: [h0, h1])
    }

    /// The ciphertext under the target key from all N shares. Cost: 2N·(level+1)·N additions.
    public func combine(_ ciphertext: CKKSCiphertext, shares: [MultipartyShare], round: UInt32) throws -> CKKSCiphertext {
        guard ciphertext.contextFingerprint == context.fingerprint else {
            throw MultipartyError.mismatchedContext("the ciphertext was created under other parameters than \(context.parameters)")
        }
        let valid = try MultipartyShare.validated(shares, kind: .publicKeySwitch, session: session, round: round,
                                                  level: ciphertext.level, context: context)
        let moduli = context.moduli(level: ciphertext.level)
        var c0 = ciphertext.c0
        c0.add(MultipartyShare.sum(valid, index: 0, moduli: moduli), moduli: moduli)
        let c1 = MultipartyShare.sum(valid, index: 1, moduli: moduli)
        return CKKSCiphertext(c0: c0, c1: c1, scale: ciphertext.scale, contextFingerprint: context.fingerprint)
    }
}
