import EncryptedML
import Testing

/// Rotations (slot i ← slot i+k), conjugation and hoisting at N = 8192, precision in bits.
@Suite struct CKKSRotationTests {
    let f = Fixture.n8192
    var n: Int { f.context.slotCount }

    func rotated(_ x: [Double], _ k: Int) -> [Double] {
        (0..<x.count).map { x[(($0 + k) % x.count + x.count) % x.count] }
    }

    @Test func rotationsByEveryPowerOfTwoMoveSlotIPlusKIntoSlotI() throws {
        let x = randomVector(n, seed: 40)
        let ct = try f.context.encrypt(x, publicKey: f.publicKey)
        for e in 0..<12 {
            let k = 1 << e
            let r = try f.context.rotate(ct, by: k, evaluationKeys: f.keys)
            let bits = precisionBits(try f.context.decrypt(r, secretKey: f.secretKey), rotated(x, k))
            #expect(bits >= 20, "rotation by \(k): \(bits) bits")
        }
    }

    @Test(arguments: [3, -3, 17, -1, -5, 100, -1000, 4095, 0, 4096])
    func rotationsByArbitraryPositiveAndNegativeAmounts(k: Int) throws {
        let x = randomVector(n, seed: 41)
        let ct = try f.context.encrypt(x, publicKey: f.publicKey)
        let r = try f.context.rotate(ct, by: k, evaluationKeys: f.keys)
        let bits = precisionBits(try f.context.decrypt(r, secretKey: f.secretKey), rotated(x, k))
        #expect(bits >= 20, "rotation by \(k): \(bits) bits")
    }

    @Test func rotationAfterMultiplyAtALowerLevel() throws {
        let x = randomVector(n, seed: 42)
        let ct = try f.context.multiply(try f.context.encrypt(x, publicKey: f.publicKey), x)
        let r = try f.context.rotate(ct, by: -3, evaluationKeys: f.keys)
        #expect(r.level == 1)
        #expect(precisionBits(try f.context.decrypt(r, secretKey: f.secretKey), rotated(x.map { $0 * $0 }, -3)) >= 20)
    }

    @Test func conjugationNegatesImaginaryParts() throws {
        let values = (0..<n).map { CKKSComplex(sin(Double($0)), cos(Double($0) * 0.5)) }
        let ct = try f.context.encrypt(values, publicKey: f.publicKey)
        let c = try f.context.conjugate(ct, evaluationKeys: f.keys)
        let out = try f.context.decryptComplex(c, secretKey: f.secretKey)
        #expect(precisionBits(out.map(\.real), values.map(\.real)) >= 20)
        #expect(precisionBits(out.map(\.imaginary), values.map { -$0.imaginary }) >= 20)
    }

    @Test func hoistedRotationsEqualSingleRotations() throws {
        let x = randomVector(n, seed: 43)
        let ct = try f.context.encrypt(x, publicKey: f.publicKey)
        let steps = [1, 2, 3, -3, 17, 0, 1024]
        let hoisted = try f.context.rotateHoisted(ct, by: steps, evaluationKeys: f.keys)
        let decomposition = try f.context.decompose(ct)
        for (k, h) in zip(steps, hoisted) {
            let single = try f.context.rotate(ct, by: k, evaluationKeys: f.keys)
            #expect(h.c0 == single.c0 && h.c1 == single.c1, "hoisted rotation by \(k) differs from the single one")
            let reused = try f.context.rotate(ct, decomposition: decomposition, by: k, evaluationKeys: f.keys)
            #expect(reused.c0 == single.c0 && reused.c1 == single.c1)
            #expect(precisionBits(try f.context.decrypt(h, secretKey: f.secretKey), rotated(x, k)) >= 20)
        }
        // Composition: rotating by 1 then 2 agrees with the hoisted rotation by 3 on the values.
        let composed = try f.context.rotate(try f.context.rotate(ct, by: 1, evaluationKeys: f.keys), by: 2, evaluationKeys: f.keys)
        let a = try f.context.decrypt(composed, secretKey: f.secretKey)
        let b = try f.context.decrypt(hoisted[2], secretKey: f.secretKey)
        #expect(precisionBits(a, b) >= 20)
    }
}

import Foundation

@Suite struct GaloisKeyLayoutTests {
    /// A serializer stores a Galois key's canonical `b` and its seed; rebuilding the key from them
    /// (re-expanding `a`, as deserialization does) gives the same key and correct rotations, even
    /// though the key is held σ^(−1)-scattered for the vectorized inner product.
    @Test func galoisKeysRebuiltFromCanonicalWordsAndSeedRotateCorrectly() throws {
        let f = Fixture.n8192
        let ctx = f.context
        let moduli = ctx.ciphertextModuli + ctx.specialModuli
        var rebuilt: [Int: KeySwitchingKey] = [:]
        for (element, key) in f.keys.galois {
            var a: [UInt64] = []
            for j in 0..<key.digitCount {
                a += try Sampling.uniform(seed: key.seed, domain: UInt32(j), moduli: moduli, degree: ctx.degree).data
            }
            #expect(a == key.a, "element \(element): the stored a is not the seed expansion in canonical order")
            let b = key.b
            rebuilt[element] = KeySwitchingKey(b: b, a: a,
                                               digitCount: key.digitCount, seed: key.seed, permutation: key.permutation)
            #expect(rebuilt[element]!.b == b)
        }
        let keys = CKKSEvaluationKeys(relinearization: f.keys.relinearization, galois: rebuilt,
                                      rotationSteps: f.keys.rotationSteps, contextFingerprint: f.keys.contextFingerprint)
        let x = randomVector(ctx.slotCount, seed: 70)
        let ct = try ctx.encrypt(x, publicKey: f.publicKey)
        for k in [1, -3, 17] {
            let original = try ctx.rotate(ct, by: k, evaluationKeys: f.keys)
            let again = try ctx.rotate(ct, by: k, evaluationKeys: keys)
            #expect(original.c0 == again.c0 && original.c1 == again.c1)
        }
        let conjugated = try ctx.conjugate(ct, evaluationKeys: keys)
        #expect(precisionBits(try ctx.decrypt(conjugated, secretKey: f.secretKey), x) >= 20)
    }
}
