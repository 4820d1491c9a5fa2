import Foundation

/// Evaluation keys file body (all little-endian):
///
/// - `u32` rotation step count R, then R `u32` steps, strictly ascending in `1 ..< N/2`;
/// - `u32` flags: bit 0 = a conjugation key follows (other bits 0);
/// - the relinearization key, then one Galois key per step in the same order, then the
///   conjugation key. Each key switching key is `u32` Galois element (1 for relinearization),
///   `u32` digit count (must be ⌈(L+1)/K⌉), the 32-byte seed of its `a_j`, then its `b_j`
///   (digits × (L+1+K) limbs of N residues, bit-packed at each prime's width).
///
/// Seed compression: every `a_j` is re-expanded from the seed on read, so the file holds
/// half the residues of the keys in memory.
extension CKKSEvaluationKeys {
    /// One key-switching key as read, before its `a_j` are expanded.
    struct RawKey {
        var element: Int
        var seed: [UInt8]
        var b: [UInt64]
    }

    /// Size in bytes of one serialized key-switching key under `context`.
    static func keySize(context: CKKSContext) -> Int {
        8 + EncMLFormat.seedSize
            + context.digitCount(level: context.maxLevel) * EncMLFormat.residueBytes(moduli: context.keyModuli, degree: context.degree)
    }

    /// Bytes of an evaluation-keys file under `context` holding `rotationCount` rotation keys
    /// (and the conjugation key when `conjugation`): fixed per model, so a server checks an
    /// upload's size before reading its body. Cost: O(limbs).
    /// - Parameters:
    ///   - context: the parameters the keys are for.
    ///   - rotationCount: the number of rotation steps.
    ///   - conjugation: whether the conjugation key is included.
    /// - Returns: the exact file size in bytes.
    public static func serializedSize(context: CKKSContext, rotationCount: Int, conjugation: Bool = false) -> Int {
        let keys = 1 + rotationCount + (conjugation ? 1 : 0)
        return EncMLFormat.headerSize + 4 + 4 * rotationCount + 4 + keys * keySize(context: context)
    }

    /// Bytes the deserialized keys occupy in memory (`b_j` and the expanded `a_j` as 64-bit
    /// words, a slot permutation per Galois key; no Shoup companions): about 2.5–3× the file size.
    /// Cost: O(limbs).
    /// - Parameters:
    ///   - context: the parameters the keys are for.
    ///   - rotationCount: the number of rotation steps.
    ///   - conjugation: whether the conjugation key is included.
    /// - Returns: the in-memory size in bytes.
    public static func inMemorySize(context: CKKSContext, rotationCount: Int, conjugation: Bool = false) -> Int {
        let galois = rotationCount + (conjugation ? 1 : 0)
        let words = context.digitCount(level: context.maxLevel) * context.keyModuli.count * context.degree
        return (1 + galois) * 2 * words * 8 + galois * context.degree * 8
    }

    /// `5^k mod 2N` by square-and-multiply: O(log k) (the element of a left rotation by k).
    static func rotationElement(_ k: Int, degree n: Int) -> Int {
        let m = 2 * n
        var result = 1, base = 5 % m, e = k
        while e > 0 {
            if e & 1 == 1 { result = (result * base) % m }
            base = (base * base) % m
            e >>= 1
        }
        return result
    }

    /// The keys as an `ENCML` evaluation-keys file bound to `modelTag` (0: unbound).
    /// Cost: one copy of every `b_j`; size ≈ (1 + rotations) × `keySize`.
    /// - Throws: `.mismatchedParameters` when the keys are not of `context`.
    /// - Parameters:
    ///   - context: the parameters the keys are of.
    ///   - modelTag: the model the file is bound to (0: unbound).
    ///   - keySet: the key set fixed at keygen (0: unbound).
    /// - Returns: the file's bytes.
    public func serialized(context: CKKSContext, modelTag: UInt64 = 0, keySet: UInt64 = 0) throws(SerializationError) -> Data {
        guard contextFingerprint == context.fingerprint else {
            throw .mismatchedParameters(file: "evaluation keys", detail: "the keys were generated under other parameters than \(context.parameters)",
                                        fix: "serialize them with the context that generated them")
        }
        let n = context.degree
        let conjugation = galois[GaloisPermutation.conjugationElement(degree: n)]
        var ordered: [(Int, KeySwitchingKey)] = [(1, relinearization)]
        for step in rotationSteps {
            let g = Self.rotationElement(step, degree: n)
            guard let key = galois[g] else {
                throw .invalidField(file: "evaluation keys", field: "rotation \(step)", reason: "no Galois key for a listed rotation")
            }
            ordered.append((g, key))
        }
        if let conjugation { ordered.append((GaloisPermutation.conjugationElement(degree: n), conjugation)) }
        guard ordered.count == galois.count + 1 else {
            throw .invalidField(file: "evaluation keys", field: "Galois keys", reason: "a Galois key matches no listed rotation")
        }
        let capacity = EncMLFormat.headerSize + 8 + 4 * rotationSteps.count + ordered.count * Self.keySize(context: context)
        var w = ByteWriter(capacity: capacity)
        EncMLFormat.writeHeader(.evaluationKeys, context: context, modelTag: modelTag, keySet: keySet, to: &w)
        w.write(UInt32(rotationSteps.count))
        for step in rotationSteps { w.write(UInt32(step)) }
        w.write(UInt32(conjugation == nil ? 0 : 1))
        let keyModuliOfKey = Array([[Modulus]](repeating: context.keyModuli, count: context.digitCount(level: context.maxLevel)).joined())
        for (element, key) in ordered {
            w.write(UInt32(element))
            w.write(UInt32(key.digitCount))
            w.write(bytes: key.seed)
            w.write(residues: key.b, moduli: keyModuliOfKey, degree: n)
        }
        return w.data
    }

    /// Reads and validates an evaluation-keys file for `context` (and `modelTag` when given):
    /// header; step count bounded by the bytes present; steps ascending in `1 ..< N/2`; flags;
    /// every key's element, digit count and size; every residue below its prime; no trailing
    /// bytes. The `a_j` are re-expanded from their seeds.
    /// Cost: one copy of the `b_j`, AES-CTR expansion of the `a_j`, O(N) per Galois permutation.
    ///
    /// - Parameters:
    ///   - data: the file's bytes (untrusted).
    ///   - context: the parameters the keys must be for.
    ///   - modelTag: the model tag the header must carry (nil: not checked).
    ///   - keySet: the key set the header must carry (nil: not checked).
    ///   - requiredSteps: when given, the rotation steps must be exactly these (ascending), checked
    ///     before any key is read; a server passes the model's set so that no unused key is held.
    ///   - file: the name used in error messages.
    /// - Returns: the keys, ready for evaluation.
    public static func deserialize(_ data: Data, context: CKKSContext, modelTag: UInt64? = nil,
                                   keySet: UInt64? = nil, requiredSteps: [Int]? = nil,
                                   file: String = "evaluation keys") throws -> CKKSEvaluationKeys {
        let n = context.degree
        let keyModuli = context.keyModuli
        let digits = context.digitCount(level: context.maxLevel)
        let keySize = Self.keySize(context: context)
        var steps: [Int] = []
        let rawKeys: [RawKey] = try ByteReader.parse(data, file: file) { (r: inout ByteReader) throws(SerializationError) -> [RawKey] in
            try EncMLFormat.readHeader(.evaluationKeys, context: context, modelTag: modelTag, keySet: keySet, from: &r)
            let stepCount = Int(try r.readUInt32("rotation step count"))
            guard stepCount < n / 2 else {
                throw .invalidField(file: file, field: "rotation step count", reason: "\(stepCount) exceeds the \(n / 2 - 1) possible rotations")
            }
            // Every step brings a key: the count is bounded by the bytes that are actually there.
            try r.require(stepCount * 4 + 4 + (stepCount + 1) * keySize, for: "\(stepCount) rotation keys")
            steps.reserveCapacity(stepCount)
            for i in 0..<stepCount {
                let step = Int(try r.readUInt32("rotation step \(i)"))
                guard step >= 1, step < n / 2, step > (steps.last ?? 0) else {
                    throw .invalidField(file: file, field: "rotation step \(i)",
                                        reason: "\(step) is not in 1..<\(n / 2) or not above the previous step")
                }
                steps.append(step)
            }
            if let requiredSteps, steps != requiredSteps {
                throw .unexpectedRotations(file: file, found: steps, expected: requiredSteps)
            }
            let flags = try r.readUInt32("flags")
            guard flags <= 1 else { throw .invalidField(file: file, field: "flags", reason: "unknown bits in \(flags)") }
            var elements = [1] + steps.map { rotationElement($0, degree: n) }
            if flags == 1 { elements.append(GaloisPermutation.conjugationElement(degree: n)) }
            try r.require(elements.count * keySize, for: "\(elements.count) key switching keys")
            var keys: [RawKey] = []
            keys.reserveCapacity(elements.count)
            for (index, expected) in elements.enumerated() {
                let name = index == 0 ? "relinearization key" : (expected == 2 * n - 1 ? "conjugation key" : "rotation key \(steps[index - 1])")
                let element = Int(try r.readUInt32("\(name) element"))
                guard element == expected else {
                    throw .invalidField(file: file, field: "\(name) Galois element", reason: "\(element), expected \(expected)")
                }
                let digitCount = Int(try r.readUInt32("\(name) digit count"))
                guard digitCount == digits else {
                    throw .invalidField(file: file, field: "\(name) digit count", reason: "\(digitCount), expected \(digits)")
                }
                let seed = try r.readBytes(EncMLFormat.seedSize, "\(name) seed")
                let b = try r.readResidues(limbsOf: Array([[Modulus]](repeating: keyModuli, count: digits).joined()),
                                           degree: n, "\(name) b")
                keys.append(RawKey(element: element, seed: seed, b: b))
            }
            return keys
        }
        func expand(_ raw: RawKey) throws(SerializationError) -> KeySwitchingKey {
            do {
                return try context.assembleKeySwitchingKey(b: raw.b, seed: raw.seed, galoisElement: raw.element)
            } catch {
                throw .invalidField(file: file, field: "key seed", reason: "\(error)")
            }
        }
        let relinearization = try expand(rawKeys[0])
        var galois: [Int: KeySwitchingKey] = [:]
        for raw in rawKeys.dropFirst() { galois[raw.element] = try expand(raw) }
        return CKKSEvaluationKeys(relinearization: relinearization, galois: galois, rotationSteps: steps,
                                  contextFingerprint: context.fingerprint)
    }
}
