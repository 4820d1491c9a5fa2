import EncryptedML
import Foundation
import Models

/// The CKKS side of one session, shared by the coordinator and the parties: parameters that
/// reserve the smudging bits (`CollaborativeParameters`), the context, the multiparty session
/// from the published seed, and the deterministic steps every peer repeats identically
/// (summing contributions, combining decryption shares, decoding).
///
/// Vectors longer than N/2 = 4096 values span several ciphertexts; a contribution is an `ENCML`
/// ciphertext file (single packing, one "row" per ciphertext) and a decryption payload the
/// length-prefixed `ENCMP` shares of its ciphertexts, in order.
public struct SessionCrypto: Sendable {
    /// Parameters (N = 8192, Q = 2×60, P = 60, scale reserving the smudging bits).
    public let parameters: CollaborativeParameters
    /// The CKKS context.
    public let context: CKKSContext
    /// The threshold session.
    public let session: MultipartySession

    /// The session of a published description. Cost: one CKKS context (milliseconds).
    public init(description: SessionDescription) throws {
        parameters = try CollaborativeParameters(parties: description.members.count,
                                                 statisticalSecurity: description.training.statisticalSecurity)
        context = try CKKSContext(parameters: parameters.parameters)
        session = try MultipartySession(seed: [UInt8](description.seed), partyCount: description.members.count)
        guard Hex.encode(session.id) == description.id else {
            throw CollaborationError.misbound(what: "the session description", detail: "an id that does not match its seed")
        }
    }

    /// Session id, hex.
    public var id: String { Hex.encode(session.id) }

    // MARK: - Public key

    /// Party `party`'s collective public-key share, serialized.
    func publicKeyShare(secretKey: CKKSSecretKey, party: Int) throws -> Data {
        try CollectivePublicKeyProtocol(context: context, session: session).share(secretKey: secretKey, party: party)
            .serialized(context: context)
    }

    /// The collective public key from the N serialized shares.
    func publicKey(shares: [Data]) throws -> CKKSPublicKey {
        let parsed = try shares.enumerated().map { try MultipartyShare.deserialize($1, context: context, file: "public-key share of party \($0)") }
        return try CollectivePublicKeyProtocol(context: context, session: session).aggregate(parsed)
    }

    // MARK: - Contributions

    /// `values` encrypted under the collective key at the session scale, as a ciphertext file.
    /// - Throws: when a value is too large for the reserved bits (`scaleOverflow`).
    func encrypt(_ values: [Double], publicKey: CKKSPublicKey) throws -> Data {
        let slots = context.slotCount
        let count = max(1, (values.count + slots - 1) / slots)
        // The sum of N contributions must stay below 2^valueBits: each party's values below 2^valueBits / N.
        let limit = Double(sign: .plus, exponent: parameters.valueBits, significand: 1) / Double(parameters.partyCount)
        if let big = values.firstIndex(where: { !(abs($0) < limit) }) {
            throw CollaborationError.invalid("value \(values[big]) at position \(big) is beyond ±\(limit) (2^\(parameters.valueBits) over \(parameters.partyCount) parties), the range this session's parameters reserve; rescale the feature columns")
        }
        var cts: [CKKSCiphertext] = []
        for c in 0..<count {
            let chunk = Array(values[min(c * slots, values.count) ..< min((c + 1) * slots, values.count)])
            cts.append(try context.encrypt(context.encode(chunk, scale: parameters.scale), publicKey: publicKey))
        }
        return try CiphertextBundle(role: .query, mode: .single, rowCount: count, width: slots, ciphertexts: cts)
            .serialized(context: context)
    }

    /// The sum of the N contributions (ciphertext files of the same shape), as a ciphertext file.
    /// Deterministic: every peer obtains the same bytes. Cost: N parses and (N−1) additions.
    func sum(_ contributions: [Data]) throws -> Data {
        var total: CiphertextBundle?
        for (party, data) in contributions.enumerated() {
            let bundle = try CiphertextBundle.deserialize(data, context: context, file: "contribution of party \(party)")
            guard var sum = total else { total = bundle; continue }
            guard bundle.ciphertexts.count == sum.ciphertexts.count else {
                throw CollaborationError.invalid("the contribution of party \(party) has \(bundle.ciphertexts.count) ciphertexts, the others \(sum.ciphertexts.count)")
            }
            for i in sum.ciphertexts.indices {
                sum.ciphertexts[i] = try context.add(sum.ciphertexts[i], bundle.ciphertexts[i])
            }
            total = sum
        }
        guard let total else { throw CollaborationError.invalid("no contributions to sum") }
        return try total.serialized(context: context)
    }

    // MARK: - Collective decryption

    /// Party `party`'s decryption shares of the sum ciphertext file, length-prefixed.
    /// Cost per ciphertext: N smudging samples, 2 NTTs and 2·N products.
    func decryptionShare(of sum: Data, secretKey: CKKSSecretKey, party: Int, round: Int) throws -> Data {
        let bundle = try CiphertextBundle.deserialize(sum, context: context, file: "sum of round \(round)")
        let cd = CollectiveDecryption(context: context, session: session, statisticalSecurity: parameters.statisticalSecurity)
        var out = Data()
        for ct in bundle.ciphertexts {
            let share = try cd.share(of: ct, secretKey: secretKey, party: party, round: UInt32(round),
                                     noiseBound: parameters.noiseBound).serialized(context: context)
            withUnsafeBytes(of: UInt32(share.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(share)
        }
        return out
    }

    /// The decoded first `length` values of the sum from every party's decryption payload.
    /// Deterministic: every peer obtains the same Doubles.
    func decrypt(sum: Data, decryptionPayloads: [Data], round: Int, length: Int) throws -> [Double] {
        let bundle = try CiphertextBundle.deserialize(sum, context: context, file: "sum of round \(round)")
        let perParty = try decryptionPayloads.enumerated().map { party, payload in
            try Self.splitShares(payload, count: bundle.ciphertexts.count, party: party)
        }
        let cd = CollectiveDecryption(context: context, session: session, statisticalSecurity: parameters.statisticalSecurity)
        var values: [Double] = []
        for (i, ct) in bundle.ciphertexts.enumerated() {
            let shares = try perParty.enumerated().map { party, shares in
                let share = try MultipartyShare.deserialize(shares[i], context: context, file: "decryption share of party \(party)")
                guard share.party == party else {
                    throw CollaborationError.misbound(what: "a decryption share sent by party \(party)", detail: "party \(share.party)")
                }
                return share
            }
            values.append(contentsOf: try cd.decrypt(ct, shares: shares, round: UInt32(round)))
        }
        guard values.count >= length else {
            throw CollaborationError.invalid("the round's sum holds \(values.count) values, expected \(length)")
        }
        return Array(values.prefix(length))
    }

    /// Splits a length-prefixed payload into `count` share messages (sizes checked against the bytes present).
    static func splitShares(_ payload: Data, count: Int, party: Int) throws -> [Data] {
        var shares: [Data] = []
        var offset = payload.startIndex
        for _ in 0..<count {
            guard payload.endIndex - offset >= 4 else { break }
            let length = payload[offset..<offset + 4].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            offset += 4
            guard length <= payload.endIndex - offset else { break }
            shares.append(Data(payload[offset..<offset + length]))
            offset += length
        }
        guard shares.count == count, offset == payload.endIndex else {
            throw CollaborationError.invalid("the decryption payload of party \(party) does not hold \(count) shares")
        }
        return shares
    }
}
