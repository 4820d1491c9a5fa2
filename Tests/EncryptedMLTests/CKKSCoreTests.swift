import EncryptedML
import Testing

@Suite struct CKKSCoreTests {
    let f = Fixture.n8192

    @Test func encodeDecodeRoundTripKeepsMoreThan30Bits() throws {
        let x = randomVector(f.context.slotCount, seed: 1)
        let pt = try f.context.encode(x)
        let bits = precisionBits(try f.context.decode(pt), x)
        #expect(bits >= 30, "encode/decode precision \(bits) bits")
    }

    @Test func publicKeyEncryptDecryptKeepsAtLeast25Bits() throws {
        let x = randomVector(f.context.slotCount, seed: 2)
        let ct = try f.context.encrypt(x, publicKey: f.publicKey)
        let bits = precisionBits(try f.context.decrypt(ct, secretKey: f.secretKey), x)
        #expect(bits >= 25, "fresh public-key encryption precision \(bits) bits")
    }

    @Test func secretKeyEncryptDecryptKeepsAtLeast25Bits() throws {
        let x = randomVector(f.context.slotCount, seed: 3)
        let ct = try f.context.encrypt(x, secretKey: f.secretKey)
        let bits = precisionBits(try f.context.decrypt(ct, secretKey: f.secretKey), x)
        #expect(bits >= 25, "fresh secret-key encryption precision \(bits) bits")
    }

    @Test func multiplyRelinearizeRescaleKeepsAtLeast20Bits() throws {
        let x = randomVector(f.context.slotCount, seed: 4)
        let y = randomVector(f.context.slotCount, seed: 5)
        let a = try f.context.encrypt(x, publicKey: f.publicKey)
        let b = try f.context.encrypt(y, publicKey: f.publicKey)
        let c = try f.context.multiply(a, b, evaluationKeys: f.keys)
        #expect(c.level == a.level - 1)
        let bits = precisionBits(try f.context.decrypt(c, secretKey: f.secretKey), zip(x, y).map(*))
        #expect(bits >= 20, "one multiply precision \(bits) bits")
    }

    @Test func rotateByOneMovesSlotIPlusOneIntoSlotI() throws {
        let x = randomVector(f.context.slotCount, seed: 6)
        let ct = try f.context.encrypt(x, publicKey: f.publicKey)
        let r = try f.context.rotate(ct, by: 1, evaluationKeys: f.keys)
        let n = f.context.slotCount
        let expected = (0..<n).map { x[($0 + 1) % n] }
        let bits = precisionBits(try f.context.decrypt(r, secretKey: f.secretKey), expected)
        #expect(bits >= 20, "rotation precision \(bits) bits")
    }
}
