import Foundation
import Models

/// Ciphertext file body (little-endian):
///
/// - `u8` role (1 query, 2 result), `u8` mode (1 single, 2 batch), `u16` reserved 0,
///   `u32` row count, `u32` width (values per row), `u32` ciphertext count C;
/// - C ciphertexts, each: `u8` level ℓ (≤ L), `u8` flags (bit 0: `c1` stored as its
///   32-byte seed), `u16` reserved 0, `f64` scale (finite, ≥ 1, below `Q_ℓ`), then `c0`
///   (ℓ+1 limbs of N residues, bit-packed at each prime's width), then `c1` as a seed or as ℓ+1 limbs.
///
/// Seed compression: a fresh secret-key ciphertext (`seed` set) is written with its seed in
/// place of `c1` after checking that the seed does expand to `c1`, so an encrypted query
/// takes half the bytes. Results of evaluation store `c1` in full.
extension CiphertextBundle {
    /// Bytes of a ciphertext's fixed fields.
    static let ciphertextHeaderSize = 12

    /// Bytes of a ciphertext file of `count` ciphertexts at `level` (the largest a file of
    /// that many ciphertexts can be: fresh queries are seeded and smaller). Readers cap files
    /// by it before reading them; clients size their requests by it. Cost: O(limbs).
    /// - Parameters:
    ///   - context: the parameters.
    ///   - count: ciphertexts in the file.
    ///   - level: their level (the top level when nil).
    ///   - seeded: whether each `c1` is stored as its seed (fresh secret-key encryptions).
    /// - Returns: the file size in bytes.
    public static func serializedSize(context: CKKSContext, count: Int, level: Int? = nil, seeded: Bool = false) -> Int {
        let limb = EncMLFormat.residueBytes(moduli: Array(context.ciphertextModuli[0...(level ?? context.maxLevel)]), degree: context.degree)
        return EncMLFormat.headerSize + 16 + count * (ciphertextHeaderSize + limb + (seeded ? EncMLFormat.seedSize : limb))
    }

    /// The bundle as an `ENCML` ciphertext file bound to `modelTag` (0: unbound).
    /// Cost: one copy of every stored residue plus one AES-CTR expansion per seeded ciphertext
    /// (to confirm the seed).
    /// - Throws: `.mismatchedParameters` for a ciphertext of other parameters, `.invalidField`
    ///   for inconsistent counts.
    public func serialized(context: CKKSContext, modelTag: UInt64 = 0) throws(SerializationError) -> Data {
        let n = context.degree
        if let reason = Self.inconsistency(mode: mode, rowCount: rowCount, width: width, count: ciphertexts.count,
                                           slotCount: context.slotCount) {
            throw .invalidField(file: "ciphertexts", field: "counts", reason: reason)
        }
        var seeded: [Bool] = []
        var capacity = EncMLFormat.headerSize + 16
        for ct in ciphertexts {
            guard ct.contextFingerprint == context.fingerprint, ct.degree == n, ct.level <= context.maxLevel else {
                throw .mismatchedParameters(file: "ciphertexts", detail: "a ciphertext was made under other parameters than \(context.parameters)",
                                            fix: "serialize it with the context that made it")
            }
            var useSeed = false
            if let seed = ct.seed,
               let expanded = try? Sampling.uniform(seed: seed, domain: 0, moduli: context.moduli(level: ct.level), degree: n),
               expanded.data == ct.c1.data {
                useSeed = true
            }
            seeded.append(useSeed)
            let limbBytes = EncMLFormat.residueBytes(moduli: context.moduli(level: ct.level), degree: n)
            capacity += Self.ciphertextHeaderSize + limbBytes + (useSeed ? EncMLFormat.seedSize : limbBytes)
        }
        var w = ByteWriter(capacity: capacity)
        EncMLFormat.writeHeader(.ciphertexts, context: context, modelTag: modelTag, keySet: keySet, to: &w)
        w.write(role.rawValue)
        w.write(UInt8(mode == .single ? 1 : 2))
        w.write(UInt16(0))
        w.write(UInt32(rowCount))
        w.write(UInt32(width))
        w.write(UInt32(ciphertexts.count))
        for (ct, useSeed) in zip(ciphertexts, seeded) {
            w.write(UInt8(ct.level))
            w.write(UInt8(useSeed ? 1 : 0))
            w.write(UInt16(0))
            w.write(ct.scale)
            let moduli = context.moduli(level: ct.level)
            w.write(residues: ct.c0.data, moduli: moduli, degree: n)
            if useSeed { w.write(bytes: ct.seed!) } else { w.write(residues: ct.c1.data, moduli: moduli, degree: n) }
        }
        return w.data
    }

    /// Reads and validates a ciphertext file for `context` (and `modelTag` when given) holding
    /// `role` (any role when nil): header; role, mode and reserved bytes; counts consistent with
    /// the packing and bounded by the bytes present; per ciphertext its level, flags, scale, every
    /// residue below its prime; no trailing bytes. Seeded `c1` are re-expanded.
    /// Cost: one copy of the stored residues plus AES-CTR expansion of seeded `c1`.
    ///
    /// - Parameters:
    ///   - data: the file's bytes (untrusted).
    ///   - context: the parameters the ciphertexts must be of.
    ///   - modelTag: the model tag the header must carry (nil: not checked).
    ///   - expectedRole: the role required (nil: any).
    ///   - keySet: the key set the header must carry (nil: not checked).
    ///   - file: the name used in error messages.
    /// - Returns: the bundle, with the header's key set.
    public static func deserialize(_ data: Data, context: CKKSContext, modelTag: UInt64? = nil, role expectedRole: Role? = nil,
                                   keySet expectedKeySet: UInt64? = nil,
                                   file: String = "ciphertexts") throws -> CiphertextBundle {
        let n = context.degree
        let fingerprint = context.fingerprint
        return try ByteReader.parse(data, file: file) { (r: inout ByteReader) throws(SerializationError) -> CiphertextBundle in
            let keySet = try EncMLFormat.readHeader(.ciphertexts, context: context, modelTag: modelTag, keySet: expectedKeySet, from: &r)
            let roleByte = try r.readUInt8("role")
            guard let role = Role(rawValue: roleByte) else {
                throw .invalidField(file: file, field: "role", reason: "unknown role \(roleByte)")
            }
            if let expectedRole, role != expectedRole {
                throw .wrongRole(file: file, found: role.description, expected: expectedRole.description,
                                 hint: expectedRole == .result ? "decrypt the output of encml infer" : "infer takes the output of encml encrypt")
            }
            let modeByte = try r.readUInt8("packing mode")
            guard modeByte == 1 || modeByte == 2 else {
                throw .invalidField(file: file, field: "packing mode", reason: "unknown mode \(modeByte)")
            }
            let mode: PackingMode = modeByte == 1 ? .single : .batch
            try r.readZero16("reserved bytes")
            let rowCount = Int(try r.readUInt32("row count"))
            let width = Int(try r.readUInt32("width"))
            let count = Int(try r.readUInt32("ciphertext count"))
            if let reason = inconsistency(mode: mode, rowCount: rowCount, width: width, count: count, slotCount: context.slotCount) {
                throw .invalidField(file: file, field: "counts", reason: reason)
            }
            // The smallest ciphertext (level 0, seeded) bounds how many the bytes can hold.
            let minimum = ciphertextHeaderSize + EncMLFormat.residueBytes(moduli: [context.ciphertextModuli[0]], degree: n) + EncMLFormat.seedSize
            try r.require(count * minimum, for: "\(count) ciphertexts")
            var ciphertexts: [CKKSCiphertext] = []
            ciphertexts.reserveCapacity(count)
            for index in 0..<count {
                let name = "ciphertext \(index)"
                let level = Int(try r.readUInt8("\(name) level"))
                guard level <= context.maxLevel else {
                    throw .invalidField(file: file, field: "\(name) level", reason: "\(level) is above the top level \(context.maxLevel)")
                }
                let flags = try r.readUInt8("\(name) flags")
                guard flags <= 1 else { throw .invalidField(file: file, field: "\(name) flags", reason: "unknown bits in \(flags)") }
                try r.readZero16("\(name) reserved bytes")
                let scale = try r.readDouble("\(name) scale")
                guard scale.isFinite, scale >= 1, log2(scale) < context.logModulus(atLevel: level) else {
                    throw .invalidField(file: file, field: "\(name) scale",
                                        reason: "\(scale) is not a finite scale between 1 and the level-\(level) modulus")
                }
                let moduli = context.moduli(level: level)
                let limbBytes = EncMLFormat.residueBytes(moduli: moduli, degree: n)
                try r.require(limbBytes + (flags == 1 ? EncMLFormat.seedSize : limbBytes), for: name)
                let c0 = try r.readResidues(limbsOf: moduli, degree: n, "\(name) c0")
                let c1: RNSPolynomial<Evaluation>
                var seed: [UInt8]? = nil
                if flags == 1 {
                    let s = try r.readBytes(EncMLFormat.seedSize, "\(name) seed")
                    do {
                        c1 = try Sampling.uniform(seed: s, domain: 0, moduli: moduli, degree: n)
                    } catch {
                        throw .invalidField(file: file, field: "\(name) seed", reason: "\(error)")
                    }
                    seed = s
                } else {
                    c1 = RNSPolynomial(degree: n, data: try r.readResidues(limbsOf: moduli, degree: n, "\(name) c1"))
                }
                ciphertexts.append(CKKSCiphertext(c0: RNSPolynomial(degree: n, data: c0), c1: c1, scale: scale,
                                                  contextFingerprint: fingerprint, seed: seed))
            }
            return CiphertextBundle(role: role, mode: mode, rowCount: rowCount, width: width, ciphertexts: ciphertexts, keySet: keySet)
        }
    }
}
