/// The common 32-byte header of every `ENCML` binary file (little-endian):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 5 | magic `ENCML` |
/// | 5 | 1 | kind (`EncMLFileKind`) |
/// | 6 | 2 | format version (1) |
/// | 8 | 8 | CKKS context fingerprint (ring degree and primes) |
/// | 16 | 8 | model tag: the model's weights fingerprint, 0 when not bound to a model |
/// | 24 | 4 | ring degree N |
/// | 28 | 1 | number of ciphertext primes (L + 1) |
/// | 29 | 1 | number of special primes K |
/// | 30 | 2 | reserved, 0 |
///
/// Readers check magic, kind, version, the reserved bytes, N and the prime counts, the
/// fingerprint and (when asked) the model tag before reading any body field.
public enum EncMLFormat {
    /// `ENCML`.
    public static let magic: [UInt8] = Array("ENCML".utf8)
    /// The version this build writes and reads.
    public static let version: UInt16 = 1
    /// Header size in bytes.
    public static let headerSize = 32
    /// Size of a seed standing in for a uniform polynomial.
    public static let seedSize = 32

    /// Bytes of limb-major residues over `moduli` bit-packed at each modulus's width:
    /// `Σ_i N·bitWidth(q_i)/8` (a 40-bit prime costs 5 bytes per residue, not 8). O(limbs).
    public static func residueBytes(moduli: [Modulus], degree n: Int) -> Int {
        moduli.reduce(0) { $0 + n * $1.bitWidth / 8 }
    }

    /// The model tag for an `EncryptedModel.weightsFingerprint` (16 hex digits); nil when the
    /// text is not a 64-bit hex number. Cost: O(16).
    public static func modelTag(weightsFingerprint hex: String) -> UInt64? {
        guard !hex.isEmpty, hex.count <= 16 else { return nil }
        return UInt64(hex, radix: 16)
    }

    static func hex(_ tag: UInt64) -> String {
        let digits = String(tag, radix: 16)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }

    /// Appends the header for `kind` under `context`.
    static func writeHeader(_ kind: EncMLFileKind, context: CKKSContext, modelTag: UInt64, to w: inout ByteWriter) {
        w.write(bytes: magic)
        w.write(kind.rawValue)
        w.write(version)
        w.write(context.fingerprint)
        w.write(modelTag)
        w.write(UInt32(context.degree))
        w.write(UInt8(context.ciphertextModuli.count))
        w.write(UInt8(context.specialModuli.count))
        w.write(UInt16(0))
    }

    /// Reads and checks the header: magic, kind, version, reserved bytes, then the parameters
    /// against `context` and the model tag against `modelTag` (skipped when nil).
    static func readHeader(_ expected: EncMLFileKind, context: CKKSContext, modelTag: UInt64?,
                           from r: inout ByteReader) throws(SerializationError) {
        let file = r.file
        guard r.remaining >= magic.count, Array(r.raw[0..<magic.count]) == magic else {
            throw .notAnEncMLFile(file: file)
        }
        _ = try r.readBytes(magic.count, "magic")
        let kindByte = try r.readUInt8("kind")
        guard let kind = EncMLFileKind(rawValue: kindByte) else {
            throw .invalidField(file: file, field: "kind", reason: "unknown kind \(kindByte)")
        }
        guard kind == expected else {
            throw .wrongKind(file: file, expected: expected, found: "\(kind.article) \(kind)")
        }
        let v = try r.readUInt16("version")
        guard v == version else { throw .unsupportedVersion(file: file, found: Int(v), supported: Int(version)) }
        let fingerprint = try r.readUInt64("context fingerprint")
        let tag = try r.readUInt64("model tag")
        let degree = try r.readUInt32("ring degree")
        let qCount = try r.readUInt8("ciphertext prime count")
        let pCount = try r.readUInt8("special prime count")
        try r.readZero16("header reserved bytes")
        let fix = expected.remedy
        guard Int(degree) == context.degree, Int(qCount) == context.ciphertextModuli.count,
              Int(pCount) == context.specialModuli.count else {
            throw .mismatchedParameters(
                file: file,
                detail: "N=\(degree) with \(qCount)+\(pCount) primes, expected N=\(context.degree) with "
                    + "\(context.ciphertextModuli.count)+\(context.specialModuli.count) primes",
                fix: fix)
        }
        guard fingerprint == context.fingerprint else {
            throw .mismatchedParameters(
                file: file,
                detail: "parameter fingerprint \(hex(fingerprint)), expected \(hex(context.fingerprint)) for \(context.parameters)",
                fix: fix)
        }
        if let modelTag, tag != modelTag {
            throw .mismatchedModel(file: file, found: tag == 0 ? "none" : hex(tag), expected: hex(modelTag), fix: fix)
        }
    }
}
