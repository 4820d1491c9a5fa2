import EncryptedML
import Testing

/// Homomorphic operations against plain Double arithmetic, precision in bits.
@Suite struct CKKSEvaluatorTests {
    let f = Fixture.n8192
    var ctx: CKKSContext { f.context }
    var n: Int { f.context.slotCount }

    func decrypt(_ ct: CKKSCiphertext) throws -> [Double] { try ctx.decrypt(ct, secretKey: f.secretKey) }

    @Test func addSubtractNegateKeepAtLeast25Bits() throws {
        let x = randomVector(n, seed: 10), y = randomVector(n, seed: 11)
        let a = try ctx.encrypt(x, publicKey: f.publicKey), b = try ctx.encrypt(y, publicKey: f.publicKey)
        #expect(precisionBits(try decrypt(ctx.add(a, b)), zip(x, y).map(+)) >= 25)
        #expect(precisionBits(try decrypt(ctx.subtract(a, b)), zip(x, y).map(-)) >= 25)
        #expect(precisionBits(try decrypt(ctx.negate(a)), x.map { -$0 }) >= 25)
        var c = a
        try ctx.addInPlace(&c, b)
        try ctx.subtractInPlace(&c, a)
        try ctx.negateInPlace(&c)
        #expect(precisionBits(try decrypt(c), y.map { -$0 }) >= 24)
    }

    @Test func plaintextAndConstantAdditionKeepAtLeast25Bits() throws {
        let x = randomVector(n, seed: 12), y = randomVector(n, seed: 13)
        let a = try ctx.encrypt(x, publicKey: f.publicKey)
        #expect(precisionBits(try decrypt(ctx.add(a, y)), zip(x, y).map(+)) >= 25)
        #expect(precisionBits(try decrypt(ctx.subtract(a, y)), zip(x, y).map(-)) >= 25)
        #expect(precisionBits(try decrypt(ctx.add(a, 0.75)), x.map { $0 + 0.75 }) >= 25)
        let pt = try ctx.encode(y, level: a.level, scale: a.scale)
        #expect(precisionBits(try decrypt(ctx.add(a, pt)), zip(x, y).map(+)) >= 25)
    }

    @Test func multiplyRelinearizeRescaleKeepsAtLeast20Bits() throws {
        let x = randomVector(n, seed: 14), y = randomVector(n, seed: 15)
        let a = try ctx.encrypt(x, publicKey: f.publicKey), b = try ctx.encrypt(y, publicKey: f.publicKey)
        let c = try ctx.multiply(a, b, evaluationKeys: f.keys)
        #expect(c.level == a.level - 1)
        #expect(c.scale == a.scale * b.scale / Double(ctx.ciphertextModuli[a.level].value))
        let bits = precisionBits(try decrypt(c), zip(x, y).map(*))
        #expect(bits >= 20, "one multiply precision \(bits) bits")
        let s = try ctx.square(a, evaluationKeys: f.keys)
        #expect(precisionBits(try decrypt(s), x.map { $0 * $0 }) >= 20)
    }

    @Test func plaintextVectorMultiplyKeepsScaleAndAtLeast20Bits() throws {
        let x = randomVector(n, seed: 16), y = randomVector(n, seed: 17)
        let a = try ctx.encrypt(x, publicKey: f.publicKey)
        let c = try ctx.multiply(a, y)
        #expect(c.level == a.level - 1 && c.scale == a.scale)
        #expect(precisionBits(try decrypt(c), zip(x, y).map(*)) >= 20)
    }

    @Test func constantAndIntegerMultiplyKeepAtLeast20Bits() throws {
        let x = randomVector(n, seed: 18)
        let a = try ctx.encrypt(x, publicKey: f.publicKey)
        let c = try ctx.multiply(a, -1.375)
        #expect(c.level == a.level - 1 && c.scale == a.scale)
        #expect(precisionBits(try decrypt(c), x.map { $0 * -1.375 }) >= 20)
        let d = try ctx.multiplyWithoutRescale(a, 0.3, scale: 0x1p30)
        #expect(d.level == a.level && d.scale == a.scale * 0x1p30)
        #expect(precisionBits(try decrypt(d), x.map { $0 * 0.3 }) >= 20)
        let e = try ctx.multiply(a, byInteger: -3)
        #expect(e.scale == a.scale && e.level == a.level)
        #expect(precisionBits(try decrypt(e), x.map { $0 * -3 }) >= 22)
    }

    /// The inference layer's pattern: plaintexts encoded once, products summed lazily, one rescale.
    @Test func lazyPlaintextProductsAccumulateBeforeOneRescale() throws {
        let x = randomVector(n, seed: 19)
        let weights = (0..<4).map { randomVector(n, seed: 100 + UInt64($0)) }
        let a = try ctx.encrypt(x, publicKey: f.publicKey)
        let plaintexts = try weights.map { try ctx.encode($0, level: a.level, scale: Double(ctx.ciphertextModuli[a.level].value)) }
        var sum = try ctx.multiplyWithoutRescale(a, plaintexts[0])
        for pt in plaintexts.dropFirst() { try ctx.addInPlace(&sum, ctx.multiplyWithoutRescale(a, pt)) }
        try ctx.rescaleInPlace(&sum)
        #expect(sum.scale == a.scale && sum.level == a.level - 1)
        let expected = (0..<n).map { i in weights.reduce(0.0) { $0 + $1[i] } * x[i] }
        #expect(precisionBits(try decrypt(sum), expected) >= 20)
    }

    @Test func operandsOfDifferentLevelsAndScalesAreAligned() throws {
        let x = randomVector(n, seed: 20), y = randomVector(n, seed: 21)
        let a = try ctx.encrypt(x, publicKey: f.publicKey)
        let b = try ctx.encrypt(y, publicKey: f.publicKey)
        let product = try ctx.multiply(a, b, evaluationKeys: f.keys)  // level 1, scale ≠ Δ
        #expect(product.scale != a.scale)
        let sum = try ctx.add(product, a)  // level 2, scale Δ: brought to the product's scale
        #expect(sum.level == 1)
        #expect(precisionBits(try decrypt(sum), (0..<n).map { x[$0] * y[$0] + x[$0] }) >= 20)
        let dropped = try ctx.dropLevel(a, to: 0)
        #expect(dropped.level == 0 && dropped.scale == a.scale)
        #expect(precisionBits(try decrypt(dropped), x) >= 25)
        let mixed = try ctx.multiply(product, a, evaluationKeys: f.keys)  // levels 1 and 2
        #expect(mixed.level == 0)
        #expect(precisionBits(try decrypt(mixed), (0..<n).map { x[$0] * y[$0] * x[$0] }) >= 18)
    }

    @Test func multiplyChainsReachTheLastLevelThenRefuse() throws {
        let g = Fixture.n4096Deep
        let slots = g.context.slotCount
        let vectors = (0..<7).map { randomVector(slots, seed: 200 + UInt64($0), range: 0.5...1.5) }
        var ct = try g.context.encrypt(vectors[0], publicKey: g.publicKey)
        var expected = vectors[0]
        for k in 1...g.context.maxLevel {
            let next = try g.context.encrypt(vectors[k], publicKey: g.publicKey)
            ct = try g.context.multiply(ct, next, evaluationKeys: g.keys)
            expected = zip(expected, vectors[k]).map(*)
            let bits = precisionBits(try g.context.decrypt(ct, secretKey: g.secretKey), expected)
            #expect(ct.level == g.context.maxLevel - k)
            #expect(bits >= 16, "after \(k) multiplies: \(bits) bits")
        }
        #expect(throws: EncryptedMLError.self) { try g.context.multiply(ct, ct, evaluationKeys: g.keys) }
    }

    @Test func hybridKeySwitchingWithTwoPrimeDigitsMultipliesAndRotates() throws {
        let g = Fixture.n4096Hybrid
        let slots = g.context.slotCount
        let x = randomVector(slots, seed: 30), y = randomVector(slots, seed: 31)
        let a = try g.context.encrypt(x, publicKey: g.publicKey), b = try g.context.encrypt(y, publicKey: g.publicKey)
        var c = try g.context.multiply(a, b, evaluationKeys: g.keys)
        var expected = zip(x, y).map(*)
        #expect(precisionBits(try g.context.decrypt(c, secretKey: g.secretKey), expected) >= 20)
        c = try g.context.rotate(c, by: 3, evaluationKeys: g.keys)
        expected = (0..<slots).map { expected[($0 + 3) % slots] }
        #expect(precisionBits(try g.context.decrypt(c, secretKey: g.secretKey), expected) >= 20)
        c = try g.context.multiply(c, a, evaluationKeys: g.keys)  // level 2 → 1 (a partial last digit at level 2)
        expected = zip(expected, x).map(*)
        #expect(precisionBits(try g.context.decrypt(c, secretKey: g.secretKey), expected) >= 18)
    }
}
