import Crypto
import Foundation

/// A party's Ed25519 signing identity (swift-crypto `Curve25519.Signing`). The private key
/// comes from the system CSPRNG; stored as 64 hex digits in a file only its owner reads.
public struct PartyIdentity: Sendable {
    /// The private signing key's raw 32 bytes (the key type itself is not `Sendable`).
    private let raw: Data

    /// The private signing key.
    var key: Curve25519.Signing.PrivateKey { (try? Curve25519.Signing.PrivateKey(rawRepresentation: raw))! }

    /// A fresh identity. Cost: one key generation.
    public init() { raw = Curve25519.Signing.PrivateKey().rawRepresentation }

    /// The raw 32-byte public key.
    public var publicKey: Data { key.publicKey.rawRepresentation }

    /// Loads the identity at `path`, or creates it there (permissions 0600) when the file does
    /// not exist.
    /// - Throws: `CollaborationError.invalid` for an unreadable file or one that does not hold 64 hex digits.
    public static func loadOrCreate(path: String) throws -> PartyIdentity {
        if FileManager.default.fileExists(atPath: path) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8),
                  let raw = Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)), raw.count == 32,
                  let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
            else {
                throw CollaborationError.invalid("\(path): not an encml identity (64 hex digits of an Ed25519 private key); delete it to create a new one")
            }
            return PartyIdentity(key: key)
        }
        let identity = PartyIdentity()
        let text = Hex.encode(identity.key.rawRepresentation) + "\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CollaborationError.invalid("\(path): cannot write the identity file; check the directory")
        }
        return identity
    }

    init(key: Curve25519.Signing.PrivateKey) { raw = key.rawRepresentation }

    /// Signs `bytes`. Cost: one Ed25519 signature.
    func sign(_ bytes: Data) throws -> Data {
        try key.signature(for: bytes)
    }
}

/// Lower-case hex encoding of bytes.
enum Hex {
    static func encode<B: Sequence>(_ bytes: B) -> String where B.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        for i in stride(from: 0, to: chars.count, by: 2) {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        case 65...70: c - 55
        default: nil
        }
    }
}
