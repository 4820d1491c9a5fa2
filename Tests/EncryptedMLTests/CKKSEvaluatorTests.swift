import EncryptedML
import Testing

/// Homomorphic operations against plain Double arithmetic, precision in bits, run over every
/// 128-bit preset (Lattigo-style: one table-driven loop over the parameter sets). Bounds are
/// relative to the preset's scale: fresh and additive results keep `scaleBits − 15` bits
/// (encryption noise ≈ 2^12–2^14 in the slots, N-dependent), one product `scaleBits − 20`.
@Suite struct CKKSEvaluatorTests {
    /// A preset's keyed context and its precision bounds.
    struct Case {
        let f: Fixture
        init(_ name: String) { f = Fixture.preset(name) }
        var ctx: CKKSContext { f.context }
        var n: Int { f.context.slotCount }
        var extra: Int { max(0, ctx.degree.trailingZeroBitCount - 13) }
        var freshBits: Double { Double(ctx.parameters.scaleBits - 16 - extra) }
        var productBits: Double { Double(ctx.parameters.scaleBits - 20 - extra) }
        var keySwitchBits: Double {
            Double(ctx.parameters.scaleBits - 17 - 2 * extra - 4 * (ctx.parameters.specialModulusBits.count - 1))
        }
        func decrypt(_ ct: CKKSCiphertext) throws -> [Double] { try ctx.decrypt(ct, secretKey: f.secretKey) }
        func encrypt(_ x: [Double]) throws -> CKKSCiphertext { try ctx.encrypt(x, publicKey: f.publicKey) }
    }

    @Test(arguments: Fixture.presetNames)
    func publicAndSecretKeyEncryptionRoundTrip(_ preset: String) throws {
        let c = Case(preset)
        let x = randomVector(c.n, seed: 9)
        let bits = precisionBits(try c.decrypt(c.encrypt(x)), x)
        let symmetric = precisionBits(try c.decrypt(c.ctx.encrypt(x, secretKey: c.f.secretKey)), x)
        print("\(preset): fresh public-key \(String(format: "%.1f", bits)) bits, secret-key \(String(format: "%.1f", symmetric)) bits")
        #expect(bits >= c.freshBits)
        #expect(symmetric >= c.freshBits)
    }

    @Test(arguments: Fixture.presetNames)
    func addSubtractNegate(_ preset: String) throws {
        let c = Case(preset), ctx = c.ctx
        let x = randomVector(c.n, seed: 10), y = randomVector(c.n, seed: 11)
        let a = try c.encrypt(x), b = try c.encrypt(y)
        #expect(precisionBits(try c.decrypt(ctx.add(a, b)), zip(x, y).map(+)) >= c.freshBits)
        #expect(precisionBits(try c.decrypt(ctx.subtract(a, b)), zip(x, y).map(-)) >= c.freshBits)
        #expect(precisionBits(try c.decrypt(ctx.negate(a)), x.map { -$0 }) >= c.freshBits)
        var d = a
        try ctx.addInPlace(&d, b)
        try ctx.subtractInPlace(&d, a)
        try ctx.negateInPlace(&d)
        #expect(precisionBits(try c.decrypt(d), y.map { -$0 }) >= c.freshBits - 1)
    }

    @Test(arguments: Fixture.presetNames)
    func plaintextAndConstantAddition(_ preset: String) throws {
        let c = Case(preset), ctx = c.ctx
        let x = randomVector(c.n, seed: 12), y = randomVector(c.n, seed: 13)
        let a = try c.encrypt(x)
        #expect(precisionBits(try c.decrypt(ctx.add(a, y)), zip(x, y).map(+)) >= c.freshBits)
        #expect(precisionBits(try c.decrypt(ctx.subtract(a, y)), zip(x, y).map(-)) >= c.freshBits)
        #expect(precisionBits(try c.decrypt(ctx.add(a, 0.75)), x.map { $0 + 0.75 }) >= c.freshBits)
        let pt = try ctx.encode(y, level: a.level, scale: a.scale)
        #expect(precisionBits(try c.decrypt(ctx.add(a, pt)), zip(x, y).map(+)) >= c.freshBits)
    }

    @Test(arguments: Fixture.presetNames)
    func multiplyRelinearizeRescale(_ preset: String) throws {
        let c = Case(preset), ctx = c.ctx
        let x = randomVector(c.n, seed: 14), y = randomVector(c.n, seed: 15)
        let a = try c.encrypt(x), b = try c.encrypt(y)
        let p = try ctx.multiply(a, b, evaluationKeys: c.f.keys)
        #expect(p.level == a.level - 1)
        #expect(p.scale == a.scale * b.scale / Double(ctx.ciphertextModuli[a.level].value))
        let bits = precisionBits(try c.decrypt(p), zip(x, y).map(*))
        print("\(preset): one multiply \(String(format: "%.1f", bits)) bits")
        #expect(bits >= c.productBits)
        let s = try ctx.square(a, evaluationKeys: c.f.keys)
        #expect(precisionBits(try c.decrypt(s), x.map { $0 * $0 }) >= c.productBits)
        let unscaled = try ctx.multiplyWithoutRescale(a, b, evaluationKeys: c.f.keys)
        #expect(unscaled.level == a.level && unscaled.scale == a.scale * b.scale)
        #expect(precisionBits(try c.decrypt(unscaled), zip(x, y).map(*)) >= c.productBits)
    }

    @Test(arguments: Fixture.presetNames)
    func multiplyChainReachesLevelZeroThenRefuses(_ preset: String) throws {
        let c = Case(preset), ctx = c.ctx
        var ct = try c.encrypt(randomVector(c.n, seed: 40, range: 0.9...1.1))
        var expected = randomVector(c.n, seed: 40, range: 0.9...1.1)
        for k in 1...ctx.maxLevel {
            let v = randomVector(c.n, seed: 40 + UInt64(k), range: 0.9...1.1)
            ct = try ctx.multiply(ct, c.encrypt(v), evaluationKeys: c.f.keys)
            expected = zip(expected, v).map(*)
            #expect(ct.level == ctx.maxLevel - k)
        }
        let bits = precisionBits(try c.decrypt(ct), expected)
        print("\(preset): after \(ctx.maxLevel) multiplies \(String(format: "%.1f", bits)) bits")
        #expect(bits >= c.productBits - 4)
        #expect(throws: EncryptedMLError.self) { try ctx.multiply(ct, ct, evaluationKeys: c.f.keys) }
    }

    @Test(arguments: Fixture.presetNames)
    func plaintextVectorConstantAndIntegerMultiply(_ preset: String) throws {
        let c = Case(preset), ctx = c.ctx
        let x = randomVector(c.n, seed: 16), y = randomVector(c.n, seed: 17)
        let a = try c.encrypt(x)
        let v = try ctx.multiply(a, y)
        #expect(v.level == a.level - 1 && v.scale == a.scale)
        #expect(precisionBits(try c.decrypt(v), zip(x, y).map(*)) >= c.productBits)
        let k = try ctx.multiply(a, -1.375)
        #expect(k.level == a.level - 1 && k.scale == a.scale)
        #expect(precisionBits(try c.decrypt(k), x.map { $0 * -1.375 }) >= c.productBits)
        let i = try ctx.multiply(a, byInteger: -3)
        #expect(i.scale == a.scale && i.level == a.level)
        #expect(precisionBits(try c.decrypt(i), x.map { $0 * -3 }) >= c.freshBits - 3)
    }

    /// The inference layer's pattern: plaintexts encoded once, products summed lazily, one rescale.
    @Test(arguments: Fixture.presetNames)
    func lazyPlaintextProductsAccumulateBeforeOneRescale(_ preset: String) throws {
        let c = Case(preset), ctx = c.ctx
        let x = randomVector(c.n, seed: 19)
        let weights = (0..<4).map { randomVector(c.n, seed: 100 + UInt64($0)) }
        let a = try c.encrypt(x)
        let plaintexts = try weights.map {
            try ctx.encode($0, level: a.level, scale: Double(ctx.ciphertextModuli[a.level].value))
        }
        var sum = try ctx.multiplyWithoutRescale(a, plaintexts[0])
        for pt in plaintexts.dropFirst() { try ctx.addInPlace(&sum, ctx.multiplyWithoutRescale(a, pt)) }
        try ctx.rescaleInPlace(&sum)
        #expect(sum.scale == a.scale && sum.level == a.level - 1)
        let expected = (0..<c.n).map { i in weights.reduce(0.0) { $0 + $1[i] } * x[i] }
        #expect(precisionBits(try c.decrypt(sum), expected) >= c.productBits - 2)
    }

    @Test(arguments: Fixture.presetNames)
    func rotationsAndConjugationMoveSlots(_ preset: String) throws {
        let c = Case(preset), ctx = c.ctx, n = c.n
        let x = randomVector(n, seed: 22)
        let a = try c.encrypt(x)
        for k in [1, -3] {
            let r = try ctx.rotate(a, by: k, evaluationKeys: c.f.keys)
            let bits = precisionBits(try c.decrypt(r), (0..<n).map { x[(($0 + k) % n + n) % n] })
            #expect(bits >= c.keySwitchBits, "\(preset) rotate by \(k): \(bits) bits")
        }
        let hoisted = try ctx.rotateHoisted(a, by: [0, 1, -3], evaluationKeys: c.f.keys)
        #expect(precisionBits(try c.decrypt(hoisted[2]), (0..<n).map { x[($0 - 3 + n) % n] }) >= c.keySwitchBits)
        let im = randomVector(n, seed: 23)
        let z = try ctx.encrypt(zip(x, im).map { CKKSComplex($0, $1) }, publicKey: c.f.publicKey)
        let conjugated = try ctx.decryptComplex(ctx.conjugate(z, evaluationKeys: c.f.keys), secretKey: c.f.secretKey)
        let bits = precisionBits(conjugated.map(\.imaginary), im.map { -$0 })
        print("\(preset): conjugation \(String(format: "%.1f", bits)) bits")
        #expect(bits >= c.keySwitchBits)
        #expect(throws: EncryptedMLError.self) { try ctx.rotate(a, by: 5, evaluationKeys: c.f.keys) }
    }

    /// Scales are aligned whichever operand comes first (the one with more levels is brought to
    /// the other's scale, keeping its values).
    @Test(arguments: Fixture.presetNames.filter { CKKSParameters.presets[$0]!.maxLevel >= 2 })
    func operandsOfDifferentLevelsAndScalesAreAligned(_ preset: String) throws {
        let c = Case(preset), ctx = c.ctx, n = c.n
        let x = randomVector(n, seed: 20), y = randomVector(n, seed: 21)
        let a = try c.encrypt(x), b = try c.encrypt(y)
        let product = try ctx.multiply(a, b, evaluationKeys: c.f.keys)  // level L−1, scale ≠ Δ
        #expect(product.scale != a.scale)
        let expected = (0..<n).map { x[$0] * y[$0] + x[$0] }
        let sum = try ctx.add(product, a)
        #expect(sum.level == product.level)
        #expect(precisionBits(try c.decrypt(sum), expected) >= c.productBits)
        let reversed = try ctx.add(a, product)  // the higher-level operand first
        #expect(reversed.level == product.level)
        #expect(precisionBits(try c.decrypt(reversed), expected) >= c.productBits)
        let dropped = try ctx.dropLevel(a, to: 0)
        #expect(dropped.level == 0 && dropped.scale == a.scale)
        #expect(precisionBits(try c.decrypt(dropped), x) >= c.freshBits)
        let mixed = try ctx.multiply(product, a, evaluationKeys: c.f.keys)
        #expect(mixed.level == product.level - 1)
        #expect(precisionBits(try c.decrypt(mixed), (0..<n).map { x[$0] * y[$0] * x[$0] }) >= c.productBits - 2)
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
