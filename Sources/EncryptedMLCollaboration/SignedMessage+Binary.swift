import Foundation

/// Binary wire formats of the round messages (HTTP bodies `application/octet-stream`), so that
/// ciphertexts and shares travel without base64 (all little-endian):
///
/// - `SignedMessage`: magic `ENCMS`, `u8` version 1, `u8` step (0 public key, 1 contribution,
///   2 decryption), `u8` 0, `u16` session-id length (≤ 64) + UTF-8 session id, `u32` round,
///   `u32` party, `u32` payload length + payload, `u16` signature length (0 or 64) + signature;
/// - `PhaseReply`: magic `ENCMR`, `u8` version 1, `u8` has-digest, `u8` 0, `u32` message count
///   (≤ 1024), then each message as `u32` length + its encoding, then a 32-byte digest when present.
///
/// Readers check every length against the bytes present before copying, and that no byte trails.
extension SignedMessage {
    static let magic = Array("ENCMS".utf8)

    /// The binary encoding. Cost: one copy of the payload.
    public func encoded() -> Data {
        var w = Data()
        w.reserveCapacity(payload.count + 128)
        w.append(contentsOf: Self.magic)
        w.append(1)
        w.append(UInt8(SessionStep.allCases.firstIndex(of: step)!))
        w.append(0)
        let id = Array(session.utf8.prefix(64))
        w.appendLittleEndian(UInt16(id.count))
        w.append(contentsOf: id)
        w.appendLittleEndian(UInt32(truncatingIfNeeded: round))
        w.appendLittleEndian(UInt32(truncatingIfNeeded: party))
        w.appendLittleEndian(UInt32(payload.count))
        w.append(payload)
        w.appendLittleEndian(UInt16(signature.count))
        w.append(signature)
        return w
    }

    /// Parses a binary message.
    /// - Throws: `CollaborationError.invalid` naming the field for any malformed input.
    public static func decode(_ data: Data) throws -> SignedMessage {
        var r = WireReader(data: data, what: "signed message")
        guard try r.bytes(5, "magic") == Data(magic) else { throw CollaborationError.invalid("not a signed message (magic)") }
        guard try r.u8("version") == 1 else { throw CollaborationError.invalid("signed message: unsupported version") }
        let stepIndex = Int(try r.u8("step"))
        guard stepIndex < SessionStep.allCases.count else { throw CollaborationError.invalid("signed message: unknown step \(stepIndex)") }
        _ = try r.u8("reserved")
        let idLength = Int(try r.u16("session length"))
        guard idLength <= 64 else { throw CollaborationError.invalid("signed message: session id of \(idLength) bytes") }
        let session = String(decoding: try r.bytes(idLength, "session"), as: UTF8.self)
        let round = Int(try r.u32("round"))
        let party = Int(try r.u32("party"))
        let payload = try r.bytes(Int(try r.u32("payload length")), "payload")
        let signatureLength = Int(try r.u16("signature length"))
        guard signatureLength == 0 || signatureLength == 64 else {
            throw CollaborationError.invalid("signed message: signature of \(signatureLength) bytes")
        }
        let signature = try r.bytes(signatureLength, "signature")
        try r.finish()
        return SignedMessage(session: session, round: round, step: SessionStep.allCases[stepIndex], party: party,
                             payload: payload, signature: signature)
    }
}

extension PhaseReply {
    static let magic = Array("ENCMR".utf8)

    /// The binary encoding. Cost: one copy of every payload.
    public func encoded() -> Data {
        var w = Data()
        w.append(contentsOf: Self.magic)
        w.append(1)
        w.append(sumDigest == nil ? 0 : 1)
        w.append(0)
        w.appendLittleEndian(UInt32(messages.count))
        for m in messages {
            let bytes = m.encoded()
            w.appendLittleEndian(UInt32(bytes.count))
            w.append(bytes)
        }
        if let sumDigest { w.append(sumDigest) }
        return w
    }

    /// Parses a binary phase reply.
    public static func decode(_ data: Data) throws -> PhaseReply {
        var r = WireReader(data: data, what: "phase reply")
        guard try r.bytes(5, "magic") == Data(magic) else { throw CollaborationError.invalid("not a phase reply (magic)") }
        guard try r.u8("version") == 1 else { throw CollaborationError.invalid("phase reply: unsupported version") }
        let hasDigest = try r.u8("digest flag") == 1
        _ = try r.u8("reserved")
        let count = Int(try r.u32("message count"))
        guard count <= 1024 else { throw CollaborationError.invalid("phase reply: \(count) messages") }
        var messages: [SignedMessage] = []
        for _ in 0..<count {
            messages.append(try SignedMessage.decode(try r.bytes(Int(try r.u32("message length")), "message")))
        }
        let digest = hasDigest ? try r.bytes(32, "sum digest") : nil
        try r.finish()
        return PhaseReply(messages: messages, sumDigest: digest)
    }
}

/// Reads fields from untrusted bytes, checking each length before copying.
struct WireReader {
    let data: Data
    let what: String
    var offset: Int

    init(data: Data, what: String) {
        self.data = data
        self.what = what
        offset = data.startIndex
    }

    mutating func bytes(_ count: Int, _ field: String) throws -> Data {
        guard count >= 0, data.endIndex - offset >= count else {
            throw CollaborationError.invalid("\(what): truncated at \(field) (needs \(count) bytes, \(data.endIndex - offset) left)")
        }
        defer { offset += count }
        return Data(data[offset ..< offset + count])
    }

    mutating func integer<T: FixedWidthInteger>(_: T.Type, _ field: String) throws -> T {
        let raw = try bytes(MemoryLayout<T>.size, field)
        return raw.reversed().reduce(T(0)) { $0 << 8 | T($1) }
    }

    mutating func u8(_ field: String) throws -> UInt8 { try integer(UInt8.self, field) }
    mutating func u16(_ field: String) throws -> UInt16 { try integer(UInt16.self, field) }
    mutating func u32(_ field: String) throws -> UInt32 { try integer(UInt32.self, field) }

    func finish() throws {
        guard offset == data.endIndex else { throw CollaborationError.invalid("\(what): \(data.endIndex - offset) trailing bytes") }
    }
}

extension Data {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
