import Foundation

/// Secret key file body: the N ternary coefficients of `s`, 2 bits each (0 ↦ 0, 1 ↦ 1,
/// 2 ↦ −1; 3 is invalid), four per byte, coefficient `k` in bits `2·(k mod 4)` of byte `k/4`.
/// N/4 bytes: 2 KiB at N = 8192. The evaluation form is rebuilt on read.
extension CKKSSecretKey {
    /// Body size in bytes for ring degree `n`.
    static func bodySize(degree n: Int) -> Int { n / 4 }

    /// The key as an `ENCML` secret-key file bound to `modelTag` (0: unbound).
    /// Cost: O(N). - Throws: `.mismatchedParameters` when the key is not of `context`.
    /// - Parameters:
    ///   - context: the parameters the key is of.
    ///   - modelTag: the model the file is bound to (0: unbound).
    ///   - keySet: the key set fixed at keygen (0: unbound).
    /// - Returns: the file's bytes.
    public func serialized(context: CKKSContext, modelTag: UInt64 = 0, keySet: UInt64 = 0) throws(SerializationError) -> Data {
        guard contextFingerprint == context.fingerprint, coefficients.count == context.degree else {
            throw .mismatchedParameters(file: "secret key", detail: "the key was generated under other parameters than \(context.parameters)",
                                        fix: "serialize it with the context that generated it")
        }
        var w = ByteWriter(capacity: EncMLFormat.headerSize + Self.bodySize(degree: context.degree))
        EncMLFormat.writeHeader(.secretKey, context: context, modelTag: modelTag, keySet: keySet, to: &w)
        var packed = [UInt8](repeating: 0, count: Self.bodySize(degree: context.degree))
        for (k, c) in coefficients.enumerated() {
            let code: UInt8 = c == 0 ? 0 : (c == 1 ? 1 : 2)
            packed[k >> 2] |= code << UInt8(2 * (k & 3))
        }
        w.write(bytes: packed)
        return w.data
    }

    /// Reads and validates a secret-key file for `context` (and `modelTag` when given): header,
    /// exact body size, every code a ternary value, no trailing bytes. Cost: O(N) plus L+K+1 NTTs.
    /// - Parameters:
    ///   - data: the file's bytes (untrusted).
    ///   - context: the parameters the key must be of.
    ///   - modelTag: the model tag the header must carry (nil: not checked).
    ///   - file: the name used in error messages.
    ///   - keySet: the key set the header must carry (nil: not checked; `EncMLFormat.keySet(of:)` reads it).
    /// - Returns: the key in evaluation form.
    public static func deserialize(_ data: Data, context: CKKSContext, modelTag: UInt64? = nil, keySet: UInt64? = nil,
                                   file: String = "secret key") throws -> CKKSSecretKey {
        let n = context.degree
        let coefficients: [Int8] = try ByteReader.parse(data, file: file) { (r: inout ByteReader) throws(SerializationError) -> [Int8] in
            try EncMLFormat.readHeader(.secretKey, context: context, modelTag: modelTag, keySet: keySet, from: &r)
            let size = bodySize(degree: n)
            try r.require(size, for: "secret key coefficients")
            let packed = try r.readBytes(size, "secret key coefficients")
            var s = [Int8](repeating: 0, count: n)
            for k in 0..<n {
                let code = (packed[k >> 2] >> UInt8(2 * (k & 3))) & 3
                guard code != 3 else {
                    throw .invalidField(file: file, field: "secret key coefficient \(k)", reason: "code 3 is not a ternary value")
                }
                s[k] = code == 2 ? -1 : Int8(code)
            }
            return s
        }
        return context.assembleSecretKey(coefficients: coefficients)
    }
}
