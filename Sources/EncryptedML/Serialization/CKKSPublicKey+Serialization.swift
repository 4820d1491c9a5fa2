import Foundation

/// Public key file body: the 32-byte seed of `a`, then `b` over all L+1+K key primes
/// (limb-major, bit-packed at each prime's width). `a` is expanded again from the seed on read, which
/// halves the file.
extension CKKSPublicKey {
    /// The key as an `ENCML` public-key file. Cost: one copy of `b`.
    /// - Throws: `.mismatchedParameters` when the key is not of `context`.
    public func serialized(context: CKKSContext, modelTag: UInt64 = 0) throws(SerializationError) -> Data {
        guard contextFingerprint == context.fingerprint else {
            throw .mismatchedParameters(file: "public key", detail: "the key was generated under other parameters than \(context.parameters)",
                                        fix: "serialize it with the context that generated it")
        }
        var w = ByteWriter(capacity: EncMLFormat.headerSize + EncMLFormat.seedSize
                           + EncMLFormat.residueBytes(moduli: context.keyModuli, degree: context.degree))
        EncMLFormat.writeHeader(.publicKey, context: context, modelTag: modelTag, to: &w)
        w.write(bytes: seed)
        w.write(residues: b.data, moduli: context.keyModuli, degree: context.degree)
        return w.data
    }

    /// Reads and validates a public-key file for `context`: header, sizes, every residue of
    /// `b` below its prime, no trailing bytes; `a` is re-expanded from the seed.
    /// Cost: one copy of `b` and an AES-CTR expansion of `a`.
    public static func deserialize(_ data: Data, context: CKKSContext, modelTag: UInt64? = nil,
                                   file: String = "public key") throws -> CKKSPublicKey {
        let moduli = context.keyModuli
        let n = context.degree
        var seed: [UInt8] = []
        let b: [UInt64] = try ByteReader.parse(data, file: file) { (r: inout ByteReader) throws(SerializationError) -> [UInt64] in
            try EncMLFormat.readHeader(.publicKey, context: context, modelTag: modelTag, from: &r)
            try r.require(EncMLFormat.seedSize + EncMLFormat.residueBytes(moduli: moduli, degree: n), for: "public key body")
            seed = try r.readBytes(EncMLFormat.seedSize, "public key seed")
            return try r.readResidues(limbsOf: moduli, degree: n, "public key b")
        }
        do {
            return try context.assemblePublicKey(b: b, seed: seed)
        } catch {
            throw SerializationError.invalidField(file: file, field: "public key seed", reason: "\(error)")
        }
    }
}
