import Foundation

/// Binary message of one `MultipartyShare` (little-endian), in the manner of the `ENCML` files:
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 5 | magic `ENCMP` |
/// | 5 | 1 | kind (`MultipartyShare.Kind`) |
/// | 6 | 2 | format version (1) |
/// | 8 | 8 | CKKS context fingerprint |
/// | 16 | 4 | ring degree N |
/// | 20 | 1 | number of ciphertext primes (L + 1) |
/// | 21 | 1 | number of special primes K |
/// | 22 | 2 | level (L for key shares) |
/// | 24 | 16 | session id |
/// | 40 | 4 | round |
/// | 44 | 4 | party index |
/// | 48 | 4 | Galois element (1 unless a rotation-key share) |
/// | 52 | 4 | polynomial count (must match the kind) |
///
/// then the polynomials, each as limb-major residues bit-packed at its prime's width over the
/// kind's basis (`Q·P` for key shares, `q_0 … q_level` otherwise). Readers check every header
/// field against the context and the kind before reading the body, the body's size before
/// allocating it, every residue below its prime, and that no byte trails.
extension MultipartyShare {
    /// `ENCMP`.
    public static let magic: [UInt8] = Array("ENCMP".utf8)
    /// The format version this build writes and reads.
    public static let formatVersion: UInt16 = 1
    /// Header size in bytes.
    public static let headerSize = 56

    /// The size in bytes of a serialized share of `kind` at `level` under `context`. O(limbs).
    public static func serializedSize(kind: Kind, level: Int, context: CKKSContext) -> Int {
        headerSize + polynomialCount(kind: kind, context: context)
            * EncMLFormat.residueBytes(moduli: moduli(kind: kind, level: level, context: context), degree: context.degree)
    }

    /// The share as a binary message. Cost: one bit-packing pass over its residues.
    /// - Throws: `.mismatchedParameters` when the share's shape is not of `context`.
    public func serialized(context: CKKSContext) throws(SerializationError) -> Data {
        let moduli = Self.moduli(kind: kind, level: level, context: context)
        guard level >= 0, level <= context.maxLevel,
              polynomials.count == Self.polynomialCount(kind: kind, context: context),
              polynomials.allSatisfy({ $0.degree == context.degree && $0.limbCount == moduli.count })
        else {
            throw .mismatchedParameters(file: "\(kind)", detail: "the share does not have the shape of \(context.parameters)",
                                        fix: "serialize it with the context that made it")
        }
        var w = ByteWriter(capacity: Self.serializedSize(kind: kind, level: level, context: context))
        w.write(bytes: Self.magic)
        w.write(kind.rawValue)
        w.write(Self.formatVersion)
        w.write(context.fingerprint)
        w.write(UInt32(context.degree))
        w.write(UInt8(context.ciphertextModuli.count))
        w.write(UInt8(context.specialModuli.count))
        w.write(UInt16(level))
        w.write(bytes: sessionID)
        w.write(round)
        w.write(UInt32(party))
        w.write(UInt32(galoisElement))
        w.write(UInt32(polynomials.count))
        for p in polynomials { w.write(residues: p.data, moduli: moduli, degree: context.degree) }
        return w.data
    }

    /// Reads and validates a share message for `context`. Binding to a session and round is
    /// checked by the protocol that aggregates the share (and by the signature around it).
    /// Cost: one unpacking pass with a comparison per residue.
    public static func deserialize(_ data: Data, context: CKKSContext, file: String = "multiparty share") throws
        -> MultipartyShare
    {
        try ByteReader.parse(data, file: file) { (r: inout ByteReader) throws(SerializationError) -> MultipartyShare in
            guard r.remaining >= magic.count, Array(r.raw[0..<magic.count]) == magic else {
                throw .invalidField(file: file, field: "magic", reason: "not a multiparty share (missing ENCMP magic bytes)")
            }
            _ = try r.readBytes(magic.count, "magic")
            let kindByte = try r.readUInt8("kind")
            guard let kind = Kind(rawValue: kindByte) else {
                throw .invalidField(file: file, field: "kind", reason: "unknown share kind \(kindByte)")
            }
            let version = try r.readUInt16("version")
            guard version == formatVersion else {
                throw .unsupportedVersion(file: file, found: Int(version), supported: Int(formatVersion))
            }
            let fingerprint = try r.readUInt64("context fingerprint")
            let degree = try r.readUInt32("ring degree")
            let qCount = try r.readUInt8("ciphertext prime count")
            let pCount = try r.readUInt8("special prime count")
            guard fingerprint == context.fingerprint, Int(degree) == context.degree,
                  Int(qCount) == context.ciphertextModuli.count, Int(pCount) == context.specialModuli.count
            else {
                throw .mismatchedParameters(file: file, detail: "N=\(degree) with \(qCount)+\(pCount) primes",
                                            fix: "both sides must use the session's CKKS parameters")
            }
            let level = Int(try r.readUInt16("level"))
            guard level <= context.maxLevel, !kind.overKeyBasis || level == context.maxLevel else {
                throw .invalidField(file: file, field: "level", reason: "level \(level) is not valid for a \(kind)")
            }
            let session = try r.readBytes(MultipartySession.idSize, "session id")
            let round = try r.readUInt32("round")
            let party = try r.readUInt32("party")
            guard party < 1024 else { throw .invalidField(file: file, field: "party", reason: "party index \(party) ≥ 1024") }
            let element = Int(try r.readUInt32("Galois element"))
            let validElement = kind == .rotation ? (element > 1 && element < 2 * context.degree && element & 1 == 1) : element == 1
            guard validElement else {
                throw .invalidField(file: file, field: "Galois element", reason: "\(element) is not valid for a \(kind)")
            }
            let count = try r.readUInt32("polynomial count")
            guard Int(count) == polynomialCount(kind: kind, context: context) else {
                throw .invalidField(file: file, field: "polynomial count",
                                    reason: "\(count) polynomials; a \(kind) has \(polynomialCount(kind: kind, context: context))")
            }
            let moduli = Self.moduli(kind: kind, level: level, context: context)
            try r.require(Int(count) * EncMLFormat.residueBytes(moduli: moduli, degree: context.degree), for: "\(kind) body")
            var polys: [RNSPolynomial<Evaluation>] = []
            for index in 0..<Int(count) {
                let words = try r.readResidues(limbsOf: moduli, degree: context.degree, "polynomial \(index)")
                polys.append(RNSPolynomial<Evaluation>(degree: context.degree, data: words))
            }
            return MultipartyShare(kind: kind, sessionID: session, round: round, party: Int(party), level: level,
                                   galoisElement: element, polynomials: polys)
        }
    }
}
