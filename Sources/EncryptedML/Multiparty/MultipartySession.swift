import Crypto
import Foundation

/// One threshold-CKKS session among `partyCount` parties: a fresh 32-byte seed from which every
/// common reference polynomial `a` is expanded (AES-256-CTR, as for seeded keys), and the session
/// identifier bound into every share. A seed, and so every share made under it, serves one
/// session only: a new session draws a new seed (`MultipartySession(partyCount:)`).
///
/// Each key's reference polynomials are expanded from their own seed derived from the session
/// seed (`derivedSeed`), so the public key, the relinearization key and each Galois key use
/// independent uniform polynomials.
public struct MultipartySession: Sendable, Hashable {
    /// The 32-byte public seed of the common reference polynomials.
    public let seed: [UInt8]
    /// The number of parties N (every protocol is N-out-of-N).
    public let partyCount: Int
    /// 16 bytes: SHA-256 of the seed and the party count, truncated. Bound into every share.
    public let id: [UInt8]

    /// Size of `id` in bytes.
    public static let idSize = 16

    /// A session with a fresh seed from the system CSPRNG (the coordinator draws it).
    /// - Throws: `.invalidArgument` unless 2 ≤ partyCount ≤ 1024.
    public init(partyCount: Int) throws {
        try self.init(seed: Sampling.freshSeed(), partyCount: partyCount)
    }

    /// The session of a published seed (what every party reconstructs after joining). Cost: one SHA-256.
    /// - Throws: `.invalidArgument` for a seed that is not 32 bytes or a party count outside 2…1024.
    public init(seed: [UInt8], partyCount: Int) throws {
        guard seed.count == 32 else {
            throw MultipartyError.invalidArgument("a session seed has 32 bytes, not \(seed.count)")
        }
        guard partyCount >= 2, partyCount <= 1024 else {
            throw MultipartyError.invalidArgument("a session has 2…1024 parties, not \(partyCount)")
        }
        self.seed = seed
        self.partyCount = partyCount
        var hasher = SHA256()
        hasher.update(data: Array("encml-multiparty-session".utf8))
        hasher.update(data: seed)
        withUnsafeBytes(of: UInt32(partyCount).littleEndian) { hasher.update(bufferPointer: $0) }
        self.id = Array(hasher.finalize().prefix(Self.idSize))
    }

    /// A 32-byte seed derived from the session seed for one key (`label`, `value`): SHA-256 of
    /// both. The key's uniform `a_j` are expanded from it with domain `j`, exactly as for a
    /// seeded single-party key, so collective public and Galois keys serialize in the ordinary
    /// key formats (seed in place of `a`). Cost: one SHA-256.
    func derivedSeed(_ label: String, _ value: Int = 0) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array("encml-multiparty-\(label)".utf8))
        hasher.update(data: seed)
        withUnsafeBytes(of: UInt64(value).littleEndian) { hasher.update(bufferPointer: $0) }
        return Array(hasher.finalize())
    }

    /// The common reference polynomial `a_j` of a key: uniform over every prime of `Q·P`,
    /// evaluation form, expanded from `derivedSeed(label, value)` with domain `digit`.
    /// Cost: AES-CTR expansion of about 8·N·(L+K+1) bytes.
    func commonPolynomial(_ label: String, _ value: Int = 0, digit: Int = 0, context: CKKSContext) throws
        -> RNSPolynomial<Evaluation>
    {
        try Sampling.uniform(seed: derivedSeed(label, value), domain: UInt32(digit), moduli: context.keyModuli,
                             degree: context.degree)
    }
}
