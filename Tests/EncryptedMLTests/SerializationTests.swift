import EncryptedML
import Foundation
import Models
import Testing

/// A small keyed context (insecure N = 256, fast) and its serialized files.
final class SerializationFixture: Sendable {
    let context: CKKSContext
    let secretKey: CKKSSecretKey
    let publicKey: CKKSPublicKey
    let keys: CKKSEvaluationKeys
    let modelTag: UInt64 = 0x0123_4567_89ab_cdef

    init(polyDegree: Int = 256, bits: [Int] = [50, 40, 40]) {
        let parameters = try! CKKSParameters(polyDegree: polyDegree, ciphertextModulusBits: bits, specialModulusBits: [60],
                                             scaleBits: 40, security: .insecureUnchecked)
        context = try! CKKSContext(parameters: parameters)
        secretKey = context.generateSecretKey()
        publicKey = try! context.generatePublicKey(secretKey: secretKey)
        keys = try! context.generateEvaluationKeys(secretKey: secretKey, rotations: [1, 2, -3], conjugation: true)
    }

    static let shared = SerializationFixture()
    /// Same ring degree and prime counts, other primes.
    static let otherPrimes = SerializationFixture(bits: [50, 40, 39])
    /// Another ring degree.
    static let otherDegree = SerializationFixture(polyDegree: 512)

    var x: [Double] { randomVector(context.slotCount, seed: 42) }

    func freshBundle(rows: Int = 2) throws -> CiphertextBundle {
        let cts = try (0..<rows).map { i in try context.encrypt(randomVector(context.slotCount, seed: UInt64(i)), secretKey: secretKey) }
        return CiphertextBundle(role: .query, mode: .single, rowCount: rows, width: 3, ciphertexts: cts)
    }

    func files() throws -> [(EncMLFileKind, Data)] {
        [(.secretKey, try secretKey.serialized(context: context, modelTag: modelTag)),
         (.publicKey, try publicKey.serialized(context: context, modelTag: modelTag)),
         (.evaluationKeys, try keys.serialized(context: context, modelTag: modelTag)),
         (.ciphertexts, try freshBundle().serialized(context: context, modelTag: modelTag))]
    }

    /// Reads `data` as `kind` under `context` (expecting `modelTag`), discarding the value.
    func read(_ kind: EncMLFileKind, _ data: Data, context: CKKSContext? = nil, modelTag: UInt64? = nil) throws {
        let c = context ?? self.context
        switch kind {
        case .secretKey: _ = try CKKSSecretKey.deserialize(data, context: c, modelTag: modelTag, file: "test.sk")
        case .publicKey: _ = try CKKSPublicKey.deserialize(data, context: c, modelTag: modelTag, file: "test.pk")
        case .evaluationKeys: _ = try CKKSEvaluationKeys.deserialize(data, context: c, modelTag: modelTag, file: "test.evk")
        case .ciphertexts: _ = try CiphertextBundle.deserialize(data, context: c, modelTag: modelTag, file: "test.ct")
        }
    }
}

/// The error a read throws, or nil when it succeeds.
func serializationError(_ body: () throws -> Void) -> SerializationError? {
    do {
        try body()
        return nil
    } catch let error as SerializationError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

extension Data {
    func setting(_ offset: Int, to bytes: [UInt8]) -> Data {
        var copy = self
        copy.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        return copy
    }
    func setting64(_ offset: Int, _ value: UInt64) -> Data { setting(offset, to: Swift.withUnsafeBytes(of: value.littleEndian, Array.init)) }
    func setting32(_ offset: Int, _ value: UInt32) -> Data { setting(offset, to: Swift.withUnsafeBytes(of: value.littleEndian, Array.init)) }
}

@Suite struct SerializationRoundTripTests {
    let f = SerializationFixture.shared

    @Test func secretKeyRoundTripDecryptsIdentically() throws {
        let data = try f.secretKey.serialized(context: f.context, modelTag: f.modelTag)
        #expect(data.count == EncMLFormat.headerSize + f.context.degree / 4)
        let restored = try CKKSSecretKey.deserialize(data, context: f.context, modelTag: f.modelTag)
        #expect(restored.coefficients == f.secretKey.coefficients)
        let ct = try f.context.encrypt(f.x, publicKey: f.publicKey)
        #expect(try f.context.decrypt(ct, secretKey: restored) == (try f.context.decrypt(ct, secretKey: f.secretKey)))
        #expect(try restored.serialized(context: f.context, modelTag: f.modelTag) == data)
    }

    @Test func publicKeyRoundTripIsByteIdenticalAndEncrypts() throws {
        let data = try f.publicKey.serialized(context: f.context)
        let keyModuli = f.context.ciphertextModuli + f.context.specialModuli
        // Bits 50+40+40+60 per coefficient instead of 4×64: residues are packed at their prime's width.
        #expect(EncMLFormat.residueBytes(moduli: keyModuli, degree: f.context.degree) == f.context.degree * 190 / 8)
        #expect(data.count == EncMLFormat.headerSize + 32 + f.context.degree * 190 / 8, "b stored, a as its seed")
        let restored = try CKKSPublicKey.deserialize(data, context: f.context)
        #expect(try restored.serialized(context: f.context) == data)
        let ct = try f.context.encrypt(f.x, publicKey: restored)
        #expect(precisionBits(try f.context.decrypt(ct, secretKey: f.secretKey), f.x) >= 20)
    }

    @Test func evaluationKeysRoundTripMultiplyRotateAndConjugateAlike() throws {
        let data = try f.keys.serialized(context: f.context, modelTag: f.modelTag)
        let restored = try CKKSEvaluationKeys.deserialize(data, context: f.context, modelTag: f.modelTag)
        #expect(restored.rotationSteps == f.keys.rotationSteps)
        #expect(Set(restored.galois.keys) == Set(f.keys.galois.keys))
        #expect(try restored.serialized(context: f.context, modelTag: f.modelTag) == data)
        // Seed compression: only the b halves of the 5 keys (relin, 3 rotations, conjugation) are stored.
        let digits = f.context.ciphertextModuli.count  // one special prime: one prime per digit
        let keyBytes = 8 + 32 + digits * f.context.degree * 190 / 8
        #expect(data.count == EncMLFormat.headerSize + 4 + 4 * 3 + 4 + 5 * keyBytes)

        let a = try f.context.encrypt(f.x, secretKey: f.secretKey)
        let product = try f.context.multiply(a, a, evaluationKeys: restored)
        let expected = try f.context.decrypt(try f.context.multiply(a, a, evaluationKeys: f.keys), secretKey: f.secretKey)
        let got = try f.context.decrypt(product, secretKey: f.secretKey)
        #expect(precisionBits(got, f.x.map { $0 * $0 }) >= 20)
        #expect(precisionBits(got, expected) >= 20)
        let n = f.context.slotCount
        for step in [1, 2, -3] {
            let r = try f.context.rotate(a, by: step, evaluationKeys: restored)
            let want = (0..<n).map { f.x[(($0 + step) % n + n) % n] }
            #expect(precisionBits(try f.context.decrypt(r, secretKey: f.secretKey), want) >= 20, "rotation \(step)")
        }
    }

    @Test func freshQueryCiphertextsAreSeedCompressedAndDecryptIdentically() throws {
        let bundle = try f.freshBundle(rows: 3)
        let data = try bundle.serialized(context: f.context, modelTag: f.modelTag)
        let n = f.context.degree
        #expect(data.count == EncMLFormat.headerSize + 16 + 3 * (12 + n * 130 / 8 + 32), "c1 stored as its seed")
        let restored = try CiphertextBundle.deserialize(data, context: f.context, modelTag: f.modelTag, role: .query)
        #expect(restored.rowCount == 3 && restored.width == 3 && restored.mode == .single && restored.role == .query)
        for (a, b) in zip(bundle.ciphertexts, restored.ciphertexts) {
            #expect(a.scale == b.scale && a.level == b.level)
            #expect(try f.context.decrypt(a, secretKey: f.secretKey) == (try f.context.decrypt(b, secretKey: f.secretKey)))
        }
        #expect(try restored.serialized(context: f.context, modelTag: f.modelTag) == data)
    }

    @Test func evaluatedCiphertextsStoreC1AndDecryptIdentically() throws {
        let a = try f.context.encrypt(f.x, secretKey: f.secretKey)
        let product = try f.context.multiply(a, a, evaluationKeys: f.keys)
        let rotated = try f.context.rotate(a, by: 1, evaluationKeys: f.keys)
        let bundle = CiphertextBundle(role: .result, mode: .batch, rowCount: 5, width: 2, ciphertexts: [product, rotated])
        let data = try bundle.serialized(context: f.context)
        let n = f.context.degree
        // product at level 1 (50+40 bits), rotation at level 2 (50+40+40 bits), c0 and c1 each.
        #expect(data.count == EncMLFormat.headerSize + 16 + (12 + 2 * n * 90 / 8) + (12 + 2 * n * 130 / 8))
        let restored = try CiphertextBundle.deserialize(data, context: f.context, role: .result)
        for (x, y) in zip(bundle.ciphertexts, restored.ciphertexts) {
            #expect(x.level == y.level && x.scale == y.scale)
            #expect(try f.context.decrypt(x, secretKey: f.secretKey) == (try f.context.decrypt(y, secretKey: f.secretKey)))
        }
    }

    /// Odd widths: fields straddle byte and word boundaries at every offset; at N = 32 the
    /// limbs (e.g. 32·33 bits = 132 bytes) do not end on a word boundary either.
    @Test(arguments: [64, 32])
    func residuesOfEveryPrimeWidthPackAndUnpackExactly(_ degree: Int) throws {
        let g = SerializationFixture(polyDegree: degree, bits: [60, 33, 47, 21, 58])
        let n = degree
        #expect(g.context.ciphertextModuli.map(\.bitWidth) == [60, 33, 47, 21, 58])
        let data = try g.publicKey.serialized(context: g.context)
        #expect(data.count == EncMLFormat.headerSize + 32 + n * (60 + 33 + 47 + 21 + 58 + 60) / 8)
        #expect(try CKKSPublicKey.deserialize(data, context: g.context).serialized(context: g.context) == data)
        let keys = try g.keys.serialized(context: g.context)
        #expect(try CKKSEvaluationKeys.deserialize(keys, context: g.context).serialized(context: g.context) == keys)
        let x = randomVector(g.context.slotCount, seed: 9)
        let a = try g.context.encrypt(x, publicKey: g.publicKey)  // not seeded: c1 packed too
        let b = try g.context.multiply(a, a, evaluationKeys: g.keys)
        let bundle = CiphertextBundle(role: .result, mode: .single, rowCount: 2, width: 1, ciphertexts: [a, b])
        let bytes = try bundle.serialized(context: g.context)
        let back = try CiphertextBundle.deserialize(bytes, context: g.context)
        for (u, v) in zip(bundle.ciphertexts, back.ciphertexts) {
            #expect(u.c0 == v.c0 && u.c1 == v.c1 && u.scale == v.scale)
        }
        #expect(precisionBits(try g.context.decrypt(back.ciphertexts[1], secretKey: g.secretKey), x.map { $0 * $0 }) >= 15)
    }

    @Test func modelTagParsesWeightsFingerprints() {
        #expect(EncMLFormat.modelTag(weightsFingerprint: "0123456789abcdef") == 0x0123_4567_89ab_cdef)
        #expect(EncMLFormat.modelTag(weightsFingerprint: "xyz") == nil)
        #expect(EncMLFormat.modelTag(weightsFingerprint: "0123456789abcdef0") == nil)
    }
}

@Suite struct SerializationRefusalTests {
    let f = SerializationFixture.shared

    @Test func truncatedFilesAreRefusedAtEveryCutPoint() throws {
        for (kind, data) in try f.files() {
            // Every cut in the header and first body fields, then a stride through the residues.
            let cuts = Array(0..<min(data.count, 200)) + Array(stride(from: 200, to: data.count, by: 997)) + [data.count - 1]
            for cut in cuts {
                let error = serializationError { try f.read(kind, data.prefix(cut)) }
                #expect(error != nil, "\(kind) cut at \(cut) of \(data.count) was accepted")
                if cut >= EncMLFormat.headerSize, case .truncated = error {} else if cut >= EncMLFormat.headerSize {
                    Issue.record("\(kind) cut at \(cut): expected .truncated, got \(String(describing: error))")
                }
            }
            #expect(serializationError { try f.read(kind, data) } == nil)
        }
    }

    @Test func trailingBytesAreRefused() throws {
        for (kind, data) in try f.files() {
            let error = serializationError { try f.read(kind, data + [0]) }
            #expect(error == .trailingBytes(file: error.map(fileName) ?? "", count: 1), "\(kind)")
        }
    }

    @Test func headerFieldsAreCheckedByteByByte() throws {
        for (kind, data) in try f.files() {
            // magic
            for i in 0..<5 {
                let e = serializationError { try f.read(kind, data.setting(i, to: [data[i] ^ 0x20])) }
                guard case .notAnEncMLFile = e else { Issue.record("\(kind) magic byte \(i): \(String(describing: e))"); continue }
            }
            // kind: unknown and another valid kind
            if case .invalidField = serializationError({ try f.read(kind, data.setting(5, to: [9])) }) {} else { Issue.record("\(kind): unknown kind") }
            let other: UInt8 = kind == .secretKey ? 4 : 1
            if case .wrongKind = serializationError({ try f.read(kind, data.setting(5, to: [other])) }) {} else { Issue.record("\(kind): wrong kind") }
            // version
            for v: [UInt8] in [[3, 0], [1, 0], [0, 0], [2, 1]] {  // 1: the format before key sets
                if case .unsupportedVersion = serializationError({ try f.read(kind, data.setting(6, to: v)) }) {} else {
                    Issue.record("\(kind): version \(v)")
                }
            }
            // every bit of the fingerprint
            for bit in 0..<64 {
                let fp = f.context.fingerprint ^ (1 << UInt64(bit))
                if case .mismatchedParameters = serializationError({ try f.read(kind, data.setting64(8, fp)) }) {} else {
                    Issue.record("\(kind): fingerprint bit \(bit)")
                }
            }
            // model tag (only checked when the reader is given one)
            if case .mismatchedModel = serializationError({ try f.read(kind, data.setting64(16, 7), modelTag: f.modelTag) }) {} else {
                Issue.record("\(kind): model tag")
            }
            #expect(serializationError { try f.read(kind, data.setting64(16, 7)) } == nil, "unbound read ignores the tag")
            // degree, prime counts, reserved
            for (offset, bytes) in [(24, [0, 2, 0, 0] as [UInt8]), (27, [1]), (28, [2]), (28, [255]), (29, [2]), (29, [0])] {
                if case .mismatchedParameters = serializationError({ try f.read(kind, data.setting(offset, to: bytes)) }) {} else {
                    Issue.record("\(kind): header offset \(offset)")
                }
            }
            for offset in [30, 31] {
                if case .invalidField = serializationError({ try f.read(kind, data.setting(offset, to: [1])) }) {} else {
                    Issue.record("\(kind): reserved byte \(offset)")
                }
            }
        }
    }

    @Test func filesOfOtherParametersOrModelsAreRefusedWithTheFix() throws {
        for (kind, data) in try f.files() {
            for other in [SerializationFixture.otherPrimes, SerializationFixture.otherDegree] {
                let e = serializationError { try f.read(kind, data, context: other.context) }
                guard case .mismatchedParameters = e else { Issue.record("\(kind) under other parameters: \(String(describing: e))"); continue }
                #expect(e!.description.contains("re-run encml"))
            }
            let e = serializationError { try f.read(kind, data, modelTag: 0x1111) }
            guard case .mismatchedModel = e else { Issue.record("\(kind) for another model: \(String(describing: e))"); continue }
            #expect(e!.description.contains("another model") && e!.description.contains("re-run encml"))
        }
        // Writing a key under a context it does not belong to is refused too.
        #expect(throws: SerializationError.self) { try f.secretKey.serialized(context: SerializationFixture.otherPrimes.context) }
        #expect(throws: SerializationError.self) { try f.keys.serialized(context: SerializationFixture.otherDegree.context) }
    }

    @Test func residuesNotBelowTheirPrimeAreRefused() throws {
        let files = try f.files()
        let n = f.context.degree
        let ones = [UInt8](repeating: 0xff, count: 16)  // 128 set bits cover at least one whole packed residue
        // public key: first residue of b; last residue of the file.
        let pk = files[1].1
        for offset in [EncMLFormat.headerSize + 32, pk.count - 16] {
            let e = serializationError { try f.read(.publicKey, pk.setting(offset, to: ones)) }
            guard case .residueOutOfRange = e else { Issue.record("public key residue at \(offset): \(String(describing: e))"); continue }
        }
        // exactly the prime is out of range too (limb 0 is 50 bits: its first 50 bits hold residue 0)
        let q0 = f.context.ciphertextModuli[0].value
        var bytes = pk
        for b in 0..<7 { bytes[EncMLFormat.headerSize + 32 + b] = UInt8(truncatingIfNeeded: q0 >> UInt64(8 * b)) }
        bytes[EncMLFormat.headerSize + 32 + 6] = UInt8(truncatingIfNeeded: q0 >> 48) | (pk[EncMLFormat.headerSize + 32 + 6] & 0xfc)
        if case .residueOutOfRange(_, _, 0, 0, q0) = serializationError({ try f.read(.publicKey, bytes) }) {} else {
            Issue.record("residue equal to q0 accepted")
        }
        // evaluation keys: a residue in the last key
        let evk = files[2].1
        if case .residueOutOfRange = serializationError({ try f.read(.evaluationKeys, evk.setting(evk.count - 8 * n, to: ones)) }) {} else {
            Issue.record("evaluation key residue")
        }
        // ciphertext c0, limb 1 (40 bits), residue 3 = bits 120..159 of the limb = bytes 15..19
        let ct = files[3].1
        let c0 = EncMLFormat.headerSize + 16 + 12
        if case .residueOutOfRange(_, _, 1, 3, _) = serializationError({ try f.read(.ciphertexts, ct.setting(c0 + n * 50 / 8 + 15, to: [UInt8](repeating: 0xff, count: 5))) }) {} else {
            Issue.record("ciphertext residue")
        }
        // secret key: a 2-bit code of 3
        let sk = files[0].1
        if case .invalidField = serializationError({ try f.read(.secretKey, sk.setting(EncMLFormat.headerSize + 5, to: [0xff])) }) {} else {
            Issue.record("secret key code 3")
        }
    }

    @Test func ciphertextBodyFieldsAreValidated() throws {
        let data = try f.freshBundle(rows: 2).serialized(context: f.context)
        let h = EncMLFormat.headerSize
        let first = h + 16
        let cases: [(String, Data)] = [
            ("role", data.setting(h, to: [3])),
            ("mode", data.setting(h + 1, to: [0])),
            ("reserved", data.setting(h + 2, to: [1])),
            ("zero rows", data.setting32(h + 4, 0)),
            ("too many ciphertexts for rows", data.setting32(h + 4, 1)),
            ("zero width", data.setting32(h + 8, 0)),
            ("level above top", data.setting(first, to: [3])),
            ("flags", data.setting(first + 1, to: [2])),
            ("ciphertext reserved", data.setting(first + 2, to: [1])),
            ("NaN scale", data.setting64(first + 4, Double.nan.bitPattern)),
            ("negative scale", data.setting64(first + 4, (-1.0).bitPattern)),
            ("infinite scale", data.setting64(first + 4, Double.infinity.bitPattern)),
            ("scale above modulus", data.setting64(first + 4, 0x1p200.bitPattern)),
        ]
        for (name, bad) in cases {
            let e = serializationError { try f.read(.ciphertexts, bad) }
            guard case .invalidField = e else { Issue.record("\(name): \(String(describing: e))"); continue }
        }
        // A lower level changes the sizes: the rest no longer parses.
        #expect(serializationError { try f.read(.ciphertexts, data.setting(first, to: [1])) } != nil)
        // Role check.
        let e = serializationError { _ = try CiphertextBundle.deserialize(data, context: f.context, role: .result, file: "q.ct") }
        guard case .wrongRole = e else { Issue.record("role mismatch: \(String(describing: e))"); return }
    }

    @Test func oversizedClaimedCountsAreRefusedBeforeAllocating() throws {
        let ct = try f.freshBundle(rows: 2).serialized(context: f.context)
        let h = EncMLFormat.headerSize
        // 2^32−1 rows in single mode with as many ciphertexts: refused by the byte count, not allocated.
        let huge = ct.setting32(h + 4, .max).setting32(h + 12, .max)
        guard case let .truncated(_, _, needed, available) = serializationError({ try f.read(.ciphertexts, huge) }) else {
            Issue.record("huge ciphertext count"); return
        }
        #expect(needed > available && available < ct.count)
        // Batch with a huge width.
        let wide = ct.setting(h + 1, to: [2]).setting32(h + 8, .max)
        if case .invalidField = serializationError({ try f.read(.ciphertexts, wide) }) {} else { Issue.record("huge width") }
        // Evaluation keys: a step count above N/2, and one the bytes cannot hold.
        let evk = try f.files()[2].1
        if case .invalidField = serializationError({ try f.read(.evaluationKeys, evk.setting32(h, .max)) }) {} else { Issue.record("huge step count") }
        if case .truncated = serializationError({ try f.read(.evaluationKeys, evk.setting32(h, 100)) }) {} else { Issue.record("step count beyond the bytes") }
        // Steps out of order, and a digit count other than the context's.
        if case .invalidField = serializationError({ try f.read(.evaluationKeys, evk.setting32(h + 4, 2)) }) {} else { Issue.record("steps order") }
        let relinDigits = h + 4 + 12 + 4 + 4
        if case .invalidField = serializationError({ try f.read(.evaluationKeys, evk.setting32(relinDigits, 1_000_000)) }) {} else {
            Issue.record("digit count")
        }
        if case .invalidField = serializationError({ try f.read(.evaluationKeys, evk.setting32(h + 16, 2)) }) {} else { Issue.record("flags") }
    }

    @Test func errorMessagesNameTheFileAndAreOneLine() throws {
        let sk = try f.secretKey.serialized(context: f.context)
        let e = serializationError { _ = try CKKSEvaluationKeys.deserialize(sk, context: f.context, file: "CLIENT.evk") }
        let text = e?.description ?? ""
        #expect(text.hasPrefix("CLIENT.evk: holds a secret key"))
        #expect(!text.contains("\n"))
    }
}

private func fileName(_ e: SerializationError) -> String {
    if case let .trailingBytes(file, _) = e { return file }
    return ""
}
