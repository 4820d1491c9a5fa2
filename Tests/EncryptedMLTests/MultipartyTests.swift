import EncryptedML
import Foundation
import Testing

/// N parties' keys under one session: secret shares, the collective public key, and (when asked)
/// the collective relinearization and rotation keys, all made through the protocols.
struct PartyGroup {
    let context: CKKSContext
    let session: MultipartySession
    let secrets: [CKKSSecretKey]
    let publicKey: CKKSPublicKey

    init(context: CKKSContext, parties: Int) throws {
        self.context = context
        session = try MultipartySession(partyCount: parties)
        secrets = (0..<parties).map { _ in context.generateSecretKey() }
        let protocol_ = CollectivePublicKeyProtocol(context: context, session: session)
        let shares = try secrets.enumerated().map { try protocol_.share(secretKey: $1, party: $0) }
        publicKey = try protocol_.aggregate(shares)
    }

    /// Collective relinearization key (two rounds) and Galois keys for `rotations`.
    func evaluationKeys(rotations: [Int]) throws -> CKKSEvaluationKeys {
        let rkg = CollectiveRelinearizationProtocol(context: context, session: session)
        let round1 = try secrets.enumerated().map { try rkg.round1Share(secretKey: $1, party: $0) }
        let aggregate = try rkg.aggregateRound1(round1.map(\.share))
        let round2 = try secrets.enumerated().map {
            try rkg.round2Share(secretKey: $1, ephemeral: round1[$0].ephemeral, aggregate: aggregate, party: $0)
        }
        let relin = try rkg.finalize(aggregate: aggregate, round2Shares: round2)
        let rtg = CollectiveRotationKeyProtocol(context: context, session: session)
        var galois: [Int: KeySwitchingKey] = [:]
        for r in rotations {
            let g = rtg.galoisElement(rotation: r)
            let shares = try secrets.enumerated().map { try rtg.share(secretKey: $1, party: $0, galoisElement: g) }
            galois[g] = try rtg.aggregate(shares, galoisElement: g)
        }
        return rtg.evaluationKeys(relinearization: relin, galois: galois)
    }

    func decryptionShares(_ ct: CKKSCiphertext, round: UInt32, noiseBound: Double) throws -> [MultipartyShare] {
        let cd = CollectiveDecryption(context: context, session: session)
        return try secrets.enumerated().map { try cd.share(of: ct, secretKey: $1, party: $0, round: round, noiseBound: noiseBound) }
    }
}

/// Threshold CKKS against plain Double arithmetic with 2, 3 and 5 parties, smudging at λ = 40 bits.
@Suite struct MultipartyTests {
    /// N = 16384, Q = 3 × 60, P = 60 (128-bit secure): values encoded at Δ = 2^88 keep ≈ 2^116
    /// after one rescale, which leaves room for the 40-bit smudging noise.
    static let deep = try! CKKSContext(parameters: try! CKKSParameters(
        polyDegree: 16384, ciphertextModulusBits: [60, 60, 60], specialModulusBits: [60], scaleBits: 40))
    static let scale = 0x1p88

    @Test(arguments: [2, 3, 5])
    func jointCiphertextsAddMultiplyAndRotateUnderCollectiveKeys(parties: Int) throws {
        let context = Self.deep
        let group = try PartyGroup(context: context, parties: parties)
        let keys = try group.evaluationKeys(rotations: [3])
        let slots = context.slotCount
        let x = randomVector(slots, seed: 700 + UInt64(parties))
        let y = randomVector(slots, seed: 800 + UInt64(parties))
        let cx = try context.encrypt(context.encode(x, scale: Self.scale), publicKey: group.publicKey)
        let cy = try context.encrypt(context.encode(y, scale: Self.scale), publicKey: group.publicKey)
        let sum = try context.add(cx, cy)
        let product = try context.multiply(cx, cy, evaluationKeys: keys)
        let rotated = try context.rotate(product, by: 3, evaluationKeys: keys)
        // Noise bound used for smudging: generous for products and key switches (4× a fresh sum).
        let bound = 4 * CollectiveDecryption.freshNoiseBound(degree: context.degree, parties: parties, summands: 2)
        let cd = CollectiveDecryption(context: context, session: group.session)
        let expectedSum = zip(x, y).map { $0 + $1 }
        let expectedProduct = zip(x, y).map { $0 * $1 }
        let expectedRotated = (0..<slots).map { expectedProduct[($0 + 3) % slots] }
        // The fresh sum keeps Δ = 2^88 (flood ≈ 2^59 per slot: ≥ 24 bits); the product and its
        // rotation sit at ≈ 2^116 after the rescale, far above the flood (≥ 35 bits).
        for (round, (ct, expected, minimum)) in [(sum, expectedSum, 24.0), (product, expectedProduct, 35.0),
                                                  (rotated, expectedRotated, 35.0)].enumerated() {
            let shares = try group.decryptionShares(ct, round: UInt32(round), noiseBound: bound)
            let values = try cd.decrypt(ct, shares: shares, round: UInt32(round))
            let bits = precisionBits(values, expected)
            #expect(bits >= minimum, "\(parties) parties, operation \(round): \(bits) bits")
        }
    }

    @Test(arguments: [2, 3, 5])
    func publicKeySwitchLetsOnePartyDecryptAloneWithItsOwnKey(parties: Int) throws {
        let context = Self.deep
        let group = try PartyGroup(context: context, parties: parties)
        let receiverSecret = context.generateSecretKey()
        let receiverKey = try context.generatePublicKey(secretKey: receiverSecret)
        let x = randomVector(context.slotCount, seed: 900)
        let ct = try context.encrypt(context.encode(x, scale: Self.scale), publicKey: group.publicKey)
        let pcks = PublicKeySwitch(context: context, session: group.session)
        let bound = CollectiveDecryption.freshNoiseBound(degree: context.degree, parties: parties, summands: 1)
        let shares = try group.secrets.enumerated().map {
            try pcks.share(of: ct, to: receiverKey, secretKey: $1, party: $0, round: 1, noiseBound: bound)
        }
        let switched = try pcks.combine(ct, shares: shares, round: 1)
        let bits = precisionBits(try context.decrypt(switched, secretKey: receiverSecret), x)
        #expect(bits >= 26, "\(parties) parties: \(bits) bits")
        // The joint key's own shares cannot decrypt the switched ciphertext.
        let wrong = try context.decrypt(switched, secretKey: group.secrets[0])
        #expect(precisionBits(wrong, x) < 1)
    }

    @Test(arguments: [2, 3, 5])
    func decryptionWithOneShareMissingIsRefusedAndYieldsNothingUsable(parties: Int) throws {
        let params = try CollaborativeParameters(parties: parties)
        let context = try CKKSContext(parameters: params.parameters)
        let group = try PartyGroup(context: context, parties: parties)
        let x = randomVector(context.slotCount, seed: 901, range: -1000...1000)
        let ct = try context.encrypt(context.encode(x, scale: params.scale), publicKey: group.publicKey)
        let shares = try group.decryptionShares(ct, round: 0, noiseBound: params.noiseBound)
        let cd = CollectiveDecryption(context: context, session: group.session)
        #expect(precisionBits(try cd.decrypt(ct, shares: shares, round: 0), x) >= params.precisionBits - 2)
        for missing in 0..<parties {
            var partial = shares
            partial.remove(at: missing)
            #expect(throws: MultipartyError.missingShares(kind: "decryption share", missing: [missing], partyCount: parties)) {
                try cd.decrypt(ct, shares: partial, round: 0)
            }
            let view = try cd.coalitionView(ct, shares: partial, round: 0)
            // Masked by s_missing·c_1: values of the size of the modulus, nothing of x.
            #expect(precisionBits(view, x) < -20)
            let cross: Double = zip(view, x).map { $0 * $1 }.reduce(0, +)
            let viewEnergy: Double = view.map { $0 * $0 }.reduce(0, +)
            let xEnergy: Double = x.map { $0 * $0 }.reduce(0, +)
            let correlation = cross / (viewEnergy * xEnergy).squareRoot()
            #expect(abs(correlation) < 0.05)
        }
    }

    @Test func smudgingNoiseHasItsDesignStandardDeviation() throws {
        // 2^17 samples: the sample standard deviation is within ±1% of σ with overwhelming
        // probability (its relative standard error is 1/√(2n) ≈ 0.2%); accepted factor: 1.02.
        for sigma in [0x1p20, 0x1p45, 0x1p52] {
            let samples = SmudgingNoise.sample(count: 1 << 17, sigma: sigma)
            let mean = samples.reduce(0.0) { $0 + Double($1) } / Double(samples.count)
            let variance = samples.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(samples.count - 1)
            let ratio = variance.squareRoot() / sigma
            #expect(ratio > 1 / 1.02 && ratio < 1.02, "σ = 2^\(log2(sigma)): measured/design = \(ratio)")
            #expect(abs(mean) < 0.02 * sigma)
            // Gaussian tails: about 0.27% of samples beyond 3σ.
            let tail = Double(samples.filter { abs(Double($0)) > 3 * sigma }.count) / Double(samples.count)
            #expect(tail > 0.0017 && tail < 0.0037, "3σ tail fraction \(tail)")
        }
        #expect(try SmudgingNoise.sigma(noiseBound: 100, statisticalSecurity: 40) == 100 * 0x1p40)
        #expect(throws: MultipartyError.self) { try SmudgingNoise.sigma(noiseBound: 0x1p20, statisticalSecurity: 40) }
    }

    @Test func decryptedErrorMatchesTheSmudgingDesign() throws {
        // The decoded error of a collective decryption is dominated by the flood: its standard
        // deviation per real slot is σ·√(parties·N/2)/Δ. Measured within a factor 1.25.
        let parties = 3
        let params = try CollaborativeParameters(parties: parties)
        let context = try CKKSContext(parameters: params.parameters)
        let group = try PartyGroup(context: context, parties: parties)
        let x = randomVector(context.slotCount, seed: 902)
        let ct = try context.encrypt(context.encode(x, scale: params.scale), publicKey: group.publicKey)
        let cd = CollectiveDecryption(context: context, session: group.session)
        let values = try cd.decrypt(ct, shares: try group.decryptionShares(ct, round: 0, noiseBound: params.noiseBound), round: 0)
        let errors = zip(values, x).map { $0 - $1 }
        let measured = (errors.map { $0 * $0 }.reduce(0, +) / Double(errors.count)).squareRoot()
        let sigma = try cd.smudgingSigma(noiseBound: params.noiseBound)
        let design = sigma * (Double(parties) * Double(context.degree) / 2).squareRoot() / params.scale
        #expect(measured / design > 1 / 1.25 && measured / design < 1.25, "measured \(measured), design \(design)")
    }

    @Test func collaborativeParametersReserveTheSmudgingBits() throws {
        for parties in [2, 3, 5, 10] {
            let p = try CollaborativeParameters(parties: parties)
            #expect(p.parameters.logQP <= 218)
            #expect(p.precisionBits >= 20, "\(parties) parties: \(p.precisionBits) bits")
            #expect(Double(p.scaleBits) - p.floodBits == p.precisionBits)
        }
        #expect(throws: MultipartyError.self) { try CollaborativeParameters(parties: 3, valueBits: 70) }
    }

    @Test func everyShareKindRoundTripsThroughItsMessageFormat() throws {
        let context = Self.deep
        let group = try PartyGroup(context: context, parties: 2)
        let s = group.secrets[0]
        let session = group.session
        let ct = try context.encrypt(context.encode([1, 2, 3], scale: Self.scale), publicKey: group.publicKey)
        let rkg = CollectiveRelinearizationProtocol(context: context, session: session)
        let r1 = try rkg.round1Share(secretKey: s, party: 0, round: 7)
        let r1b = try rkg.round1Share(secretKey: group.secrets[1], party: 1, round: 7)
        let aggregate = try rkg.aggregateRound1([r1.share, r1b.share], round: 7)
        let shares: [MultipartyShare] = [
            try CollectivePublicKeyProtocol(context: context, session: session).share(secretKey: s, party: 0, round: 7),
            r1.share,
            try rkg.round2Share(secretKey: s, ephemeral: r1.ephemeral, aggregate: aggregate, party: 0),
            try CollectiveRotationKeyProtocol(context: context, session: session).share(secretKey: s, party: 0, galoisElement: 5, round: 7),
            try CollectiveDecryption(context: context, session: session).share(of: ct, secretKey: s, party: 0, round: 7, noiseBound: 100),
            try PublicKeySwitch(context: context, session: session).share(of: ct, to: group.publicKey, secretKey: s, party: 0,
                                                                          round: 7, noiseBound: 100),
        ]
        #expect(Set(shares.map(\.kind)) == Set(MultipartyShare.Kind.allCases))
        for share in shares {
            let data = try share.serialized(context: context)
            #expect(data.count == MultipartyShare.serializedSize(kind: share.kind, level: share.level, context: context))
            let back = try MultipartyShare.deserialize(data, context: context)
            #expect(back == share, "\(share.kind)")
        }
    }

    @Test func tamperedTruncatedOrMisboundSharesAreRefused() throws {
        let params = try CollaborativeParameters(parties: 3)
        let context = try CKKSContext(parameters: params.parameters)
        let group = try PartyGroup(context: context, parties: 3)
        let ct = try context.encrypt(context.encode([1, 2, 3], scale: params.scale), publicKey: group.publicKey)
        let shares = try group.decryptionShares(ct, round: 4, noiseBound: params.noiseBound)
        let data = try shares[1].serialized(context: context)
        let cd = CollectiveDecryption(context: context, session: group.session)

        // A residue pushed above its prime (all-ones 60-bit field).
        var bad = data
        for i in MultipartyShare.headerSize..<(MultipartyShare.headerSize + 8) { bad[i] = 0xff }
        #expect(throws: SerializationError.self) { try MultipartyShare.deserialize(bad, context: context) }
        // Truncated, trailing bytes, wrong magic, unknown kind, wrong polynomial count.
        #expect(throws: SerializationError.self) { try MultipartyShare.deserialize(data.prefix(data.count - 1), context: context) }
        #expect(throws: SerializationError.self) { try MultipartyShare.deserialize(data + [0], context: context) }
        var magic = data; magic[0] = 0x41
        #expect(throws: SerializationError.self) { try MultipartyShare.deserialize(magic, context: context) }
        var kind = data; kind[5] = 99
        #expect(throws: SerializationError.self) { try MultipartyShare.deserialize(kind, context: context) }
        var count = data; count[52] = 2
        #expect(throws: SerializationError.self) { try MultipartyShare.deserialize(count, context: context) }
        // A huge claimed count is refused before any allocation.
        var huge = data; huge[55] = 0x7f
        #expect(throws: SerializationError.self) { try MultipartyShare.deserialize(huge, context: context) }

        // Session, round and party are bound into the message: altered, the share is refused.
        var session = data; session[24] ^= 1
        let otherSession = try MultipartyShare.deserialize(session, context: context)
        #expect(throws: MultipartyError.wrongSession(kind: "decryption share", party: 1)) {
            try cd.decrypt(ct, shares: [shares[0], otherSession, shares[2]], round: 4)
        }
        var round = data; round[40] = 5
        let otherRound = try MultipartyShare.deserialize(round, context: context)
        #expect(throws: MultipartyError.wrongRound(kind: "decryption share", party: 1, found: 5, expected: 4)) {
            try cd.decrypt(ct, shares: [shares[0], otherRound, shares[2]], round: 4)
        }
        var party = data; party[44] = 0
        let duplicate = try MultipartyShare.deserialize(party, context: context)
        #expect(throws: MultipartyError.invalidParty(kind: "decryption share", party: 0, partyCount: 3)) {
            try cd.decrypt(ct, shares: [shares[0], duplicate, shares[2]], round: 4)
        }
        // A share of another kind where a decryption share is needed.
        let pkShare = try CollectivePublicKeyProtocol(context: context, session: group.session)
            .share(secretKey: group.secrets[1], party: 1, round: 4)
        #expect(throws: MultipartyError.self) { try cd.decrypt(ct, shares: [shares[0], pkShare, shares[2]], round: 4) }
        // Untampered: accepted.
        let roundTripped = try MultipartyShare.deserialize(data, context: context)
        _ = try cd.decrypt(ct, shares: [shares[0], roundTripped, shares[2]], round: 4)
    }

    @Test func collectivePublicAndGaloisKeysSerializeInTheOrdinaryKeyFormats() throws {
        let context = Self.deep
        let group = try PartyGroup(context: context, parties: 3)
        let data = try group.publicKey.serialized(context: context)
        let back = try CKKSPublicKey.deserialize(data, context: context)
        let x = randomVector(16, seed: 903)
        let ct = try context.encrypt(context.encode(x, scale: Self.scale), publicKey: back)
        let bound = CollectiveDecryption.freshNoiseBound(degree: context.degree, parties: 3, summands: 1)
        let values = try CollectiveDecryption(context: context, session: group.session)
            .decrypt(ct, shares: try group.decryptionShares(ct, round: 0, noiseBound: bound), round: 0)
        #expect(precisionBits(Array(values.prefix(16)), x) >= 28)
    }
}
