/// Collective Galois keys (rotations, conjugation) in one round: party i sends, per digit j,
/// `−a_j·s_i + P·Q̃_j·σ_g(s_i) + e`, `a_j` expanded from a seed derived from the session seed
/// and `g`; the sum is the key switching from `σ_g(s)` to `s`, `s = Σ s_i` (σ_g is linear).
/// The resulting key is an ordinary seeded `KeySwitchingKey`.
public struct CollectiveRotationKeyProtocol: Sendable {
    /// The CKKS context of the session.
    public let context: CKKSContext
    /// The session.
    public let session: MultipartySession

    /// A protocol instance; cheap.
    public init(context: CKKSContext, session: MultipartySession) {
        self.context = context
        self.session = session
    }

    /// The Galois element of a left rotation by `steps` slots.
    public func galoisElement(rotation steps: Int) -> Int {
        GaloisPermutation.rotationElement(steps: steps, degree: context.degree)
    }

    /// Party `party`'s share of the key for Galois element `galoisElement` (odd, `≠ 1`, below 2N).
    /// Cost per digit: AES-CTR expansion, one Gaussian sample, (L+K+1) NTTs and products.
    public func share(secretKey: CKKSSecretKey, party: Int, galoisElement g: Int, round: UInt32 = 0) throws
        -> MultipartyShare
    {
        try MultipartyProtocolChecks.check(secretKey, party: party, session: session, context: context)
        try checkElement(g)
        let moduli = context.keyModuli
        let rotated = GaloisPermutation(element: g, degree: context.degree).apply(to: secretKey.poly)
        var polys: [RNSPolynomial<Evaluation>] = []
        for j in 0..<context.digitCount(level: context.maxLevel) {
            let a = try session.commonPolynomial("galois", g, digit: j, context: context)
            var b = KeySwitchingGadget.error(context: context)
            var product = a
            product.multiply(secretKey.poly, shoup: secretKey.shoup, moduli: moduli)
            b.subtract(product, moduli: moduli)
            KeySwitchingGadget.add(rotated, digit: j, to: &b, context: context)
            polys.append(b)
        }
        return MultipartyShare(kind: .rotation, sessionID: session.id, round: round, party: party,
                               level: context.maxLevel, galoisElement: g, polynomials: polys)
    }

    /// The Galois key for `galoisElement` from all N shares. Cost: (N−1)·digits·(L+K+1)·N
    /// additions, the expansion of every `a_j` and the Shoup constants.
    public func aggregate(_ shares: [MultipartyShare], galoisElement g: Int, round: UInt32 = 0) throws -> KeySwitchingKey {
        try checkElement(g)
        let valid = try MultipartyShare.validated(shares, kind: .rotation, session: session, round: round,
                                                  level: context.maxLevel, galoisElement: g, context: context)
        let digits = context.digitCount(level: context.maxLevel)
        let b = KeySwitchingGadget.words((0..<digits).map { MultipartyShare.sum(valid, index: $0, moduli: context.keyModuli) })
        return try context.assembleKeySwitchingKey(b: b, seed: session.derivedSeed("galois", g), galoisElement: g)
    }

    /// Evaluation keys from a collective relinearization key and collective Galois keys
    /// (by element), usable by `CKKSContext.multiply` and `rotate` on joint ciphertexts. Cost: O(N).
    public func evaluationKeys(relinearization: KeySwitchingKey, galois: [Int: KeySwitchingKey]) -> CKKSEvaluationKeys {
        let m = 2 * context.degree
        var steps: [Int] = []
        var g = 1
        for k in 1..<context.slotCount {
            g = (g * 5) % m
            if galois[g] != nil { steps.append(k) }
        }
        return CKKSEvaluationKeys(relinearization: relinearization, galois: galois, rotationSteps: steps,
                                  contextFingerprint: context.fingerprint)
    }

    private func checkElement(_ g: Int) throws {
        guard g > 1, g < 2 * context.degree, g & 1 == 1 else {
            throw MultipartyError.invalidArgument("Galois element \(g) must be odd and in 3…\(2 * context.degree - 1)")
        }
    }
}
