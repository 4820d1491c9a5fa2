import Foundation

/// The common 40-byte header of every `ENCML` binary file (little-endian):
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
/// | 32 | 8 | key-set identifier, fixed at keygen (0: not bound to a key set) |
///
/// Readers check magic, kind, version, the reserved bytes, N and the prime counts, the
/// fingerprint and (when asked) the model tag and the key set before reading any body field.
/// The key set ties a secret key, its evaluation keys and every query and result made with
/// them together, so that files of two keygen runs can never be mixed up silently.
public enum EncMLFormat {
    /// `ENCML`.
    public static let magic: [UInt8] = Array("ENCML".utf8)
    /// The version this build writes and reads.
    public static let version: UInt16 = 2
    /// Header size in bytes.
    public static let headerSize = 40
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

    /// A fresh key-set identifier from the system CSPRNG (never 0). Cost: O(1).
    /// - Returns: the identifier keygen writes into the secret key and the evaluation keys.
    public static func newKeySet() -> UInt64 {
        var generator = SystemRandomNumberGenerator()
        while true {
            let value = generator.next()
            if value != 0 { return value }
        }
    }

    /// The key-set identifier in the header of `data` as 16 hex digits, for messages.
    /// - Parameter keySet: the identifier.
    /// - Returns: its hex form.
    public static func keySetName(_ keySet: UInt64) -> String { hex(keySet) }

    /// The key-set identifier of an `ENCML` file's header, without reading its body (nil when
    /// `data` does not start with an `ENCML` header of this version). Cost: O(1).
    /// - Parameter data: the first bytes of the file (at least `headerSize`).
    /// - Returns: the identifier, 0 for files not bound to a key set.
    public static func keySet(of data: Data) -> UInt64? {
        guard data.count >= headerSize, Array(data.prefix(magic.count)) == magic else { return nil }
        let bytes: [UInt8] = Array(data.prefix(headerSize))
        let found: UInt16 = UInt16(bytes[6]) | (UInt16(bytes[7]) << 8)
        guard found == version else { return nil }
        var keySet: UInt64 = 0
        for k in 0..<8 { keySet |= UInt64(bytes[32 + k]) << UInt64(8 * k) }
        return keySet
    }

    /// Checks the header of a file from its first `headerSize` bytes alone (magic, kind,
    /// version, parameters, model tag, key set), so that a reader refuses a wrong or foreign
    /// file before reading — or allocating for — the rest. Cost: O(1).
    /// - Parameters:
    ///   - header: at least the first `headerSize` bytes of the file.
    ///   - kind: the kind expected.
    ///   - context: the parameters expected.
    ///   - modelTag: the model tag expected (nil: not checked).
    ///   - keySet: the key set expected (nil: not checked).
    ///   - file: the name used in error messages.
    /// - Returns: the header's key set.
    @discardableResult
    public static func checkHeader(_ header: Data, kind: EncMLFileKind, context: CKKSContext, modelTag: UInt64?,
                                   keySet: UInt64? = nil, file: String) throws(SerializationError) -> UInt64 {
        let result: Result<UInt64, SerializationError> = header.prefix(headerSize).withUnsafeBytes { raw in
            var reader = ByteReader(raw, file: file)
            do throws(SerializationError) {
                return .success(try readHeader(kind, context: context, modelTag: modelTag, keySet: keySet, from: &reader))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    static func hex(_ tag: UInt64) -> String {
        let digits = String(tag, radix: 16)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }

    /// Appends the header for `kind` under `context`.
    static func writeHeader(_ kind: EncMLFileKind, context: CKKSContext, modelTag: UInt64, keySet: UInt64 = 0,
                            to w: inout ByteWriter) {
        w.write(bytes: magic)
        w.write(kind.rawValue)
        w.write(version)
        w.write(context.fingerprint)
        w.write(modelTag)
        w.write(UInt32(context.degree))
        w.write(UInt8(context.ciphertextModuli.count))
        w.write(UInt8(context.specialModuli.count))
        w.write(UInt16(0))
        w.write(keySet)
    }

    /// Reads and checks the header: magic, kind, version, reserved bytes, then the parameters
    /// against `context`, the model tag against `modelTag` and the key set against `keySet`
    /// (each skipped when nil). Returns the header's key-set identifier.
    @discardableResult
    static func readHeader(_ expected: EncMLFileKind, context: CKKSContext, modelTag: UInt64?, keySet: UInt64? = nil,
                           from r: inout ByteReader) throws(SerializationError) -> UInt64 {
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
        let foundKeySet = try r.readUInt64("key set")
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
        if let keySet, foundKeySet != keySet {
            throw .mismatchedKeySet(file: file, found: foundKeySet == 0 ? "none" : hex(foundKeySet),
                                    expected: keySet == 0 ? "none" : hex(keySet))
        }
        return foundKeySet
    }
}
