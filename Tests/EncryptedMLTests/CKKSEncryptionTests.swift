import EncryptedML
import Testing

/// Encoding and encryption against plain Double arithmetic; precision in bits
/// (`−log2 max |decrypted − expected|`) at Δ = 2^40, N = 8192.
@Suite struct CKKSEncryptionTests {
    let f = Fixture.n8192

    @Test func encodeDecodeRoundTripKeepsAtLeast30Bits() throws {
        let x = randomVector(f.context.slotCount, seed: 1)
        let bits = precisionBits(try f.context.decode(try f.context.encode(x)), x)
        #expect(bits >= 30, "encode/decode precision \(bits) bits")
    }

    @Test func complexEncodeDecodeRoundTripKeepsAtLeast30Bits() throws {
        let re = randomVector(f.context.slotCount, seed: 2), im = randomVector(f.context.slotCount, seed: 3)
        let values = zip(re, im).map { CKKSComplex($0, $1) }
        let decoded = try f.context.decodeComplex(try f.context.encode(values))
        #expect(precisionBits(decoded.map(\.real), re) >= 30)
        #expect(precisionBits(decoded.map(\.imaginary), im) >= 30)
    }

    @Test func decodingIsExactAtEveryLevel() throws {
        // Large values at a large scale exercise the full CRT composition at each level.
        let x = randomVector(f.context.slotCount, seed: 4, range: -1000...1000)
        for level in 0...f.context.maxLevel {
            let pt = try f.context.encode(x, level: level, scale: 0x1p45)
            let bits = precisionBits(try f.context.decode(pt), x)
            #expect(bits >= 30, "level \(level): \(bits) bits")
        }
    }

    @Test func shortVectorsFillTheRemainingSlotsWithZeros() throws {
        let x = [0.5, -0.25, 3.0]
        let ct = try f.context.encrypt(x, publicKey: f.publicKey)
        let out = try f.context.decrypt(ct, secretKey: f.secretKey)
        #expect(precisionBits(out, x + [Double](repeating: 0, count: f.context.slotCount - 3)) >= 25)
    }

    @Test func publicKeyEncryptDecryptKeepsAtLeast25Bits() throws {
        let x = randomVector(f.context.slotCount, seed: 5)
        let ct = try f.context.encrypt(x, publicKey: f.publicKey)
        #expect(ct.level == f.context.maxLevel && ct.scale == 0x1p40)
        let bits = precisionBits(try f.context.decrypt(ct, secretKey: f.secretKey), x)
        #expect(bits >= 25, "fresh public-key encryption precision \(bits) bits")
    }

    @Test func secretKeyEncryptDecryptKeepsAtLeast25BitsAndCarriesTheSeedOfC1() throws {
        let x = randomVector(f.context.slotCount, seed: 6)
        let ct = try f.context.encrypt(x, secretKey: f.secretKey)
        let bits = precisionBits(try f.context.decrypt(ct, secretKey: f.secretKey), x)
        #expect(bits >= 25, "fresh secret-key encryption precision \(bits) bits")
        let seed = try #require(ct.seed)
        let expanded = try Sampling.uniform(seed: seed, domain: 0, moduli: f.context.ciphertextModuli, degree: f.context.degree)
        #expect(expanded.data == ct.c1.data)
    }

    @Test func encryptingAnEncodedPlaintextAtALowerLevelKeepsItsLevelAndScale() throws {
        let x = randomVector(f.context.slotCount, seed: 7)
        let pt = try f.context.encode(x, level: 1, scale: 0x1p35)
        for ct in [try f.context.encrypt(pt, publicKey: f.publicKey), try f.context.encrypt(pt, secretKey: f.secretKey)] {
            #expect(ct.level == 1 && ct.scale == 0x1p35)
            #expect(precisionBits(try f.context.decrypt(ct, secretKey: f.secretKey), x) >= 20)
        }
    }

    @Test func complexEncryptionRoundTrips() throws {
        let values = (0..<f.context.slotCount).map { CKKSComplex(Double($0 % 7) / 7, -Double($0 % 5) / 5) }
        let ct = try f.context.encrypt(values, publicKey: f.publicKey)
        let out = try f.context.decryptComplex(ct, secretKey: f.secretKey)
        #expect(precisionBits(out.map(\.real), values.map(\.real)) >= 25)
        #expect(precisionBits(out.map(\.imaginary), values.map(\.imaginary)) >= 25)
    }

    @Test func samplersHaveTheirDistributions() {
        let e = Sampling.gaussian(count: 200_000)
        let mean = Double(e.reduce(0) { $0 + Int($1) }) / Double(e.count)
        let variance = e.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(e.count) - mean * mean
        #expect(abs(mean) < 0.05)
        #expect(abs(variance.squareRoot() - Sampling.gaussianSigma) < 0.05)
        #expect(e.allSatisfy { abs(Int($0)) <= Sampling.gaussianBound })
        let s = Sampling.ternary(count: 300_000)
        for v in [-1, 0, 1] as [Int8] {
            let share = Double(s.filter { $0 == v }.count) / Double(s.count)
            #expect(abs(share - 1.0 / 3) < 0.01)
        }
    }

    @Test func seededExpansionIsDeterministicAndSeedDependent() throws {
        let moduli = f.context.ciphertextModuli
        let seed = [UInt8](repeating: 7, count: 32)
        let a = try Sampling.uniform(seed: seed, domain: 1, moduli: moduli, degree: 8192)
        let b = try Sampling.uniform(seed: seed, domain: 1, moduli: moduli, degree: 8192)
        let c = try Sampling.uniform(seed: seed, domain: 2, moduli: moduli, degree: 8192)
        #expect(a.data == b.data)
        #expect(a.data != c.data)
        for (i, m) in moduli.enumerated() { #expect(a.data[(i * 8192)..<((i + 1) * 8192)].allSatisfy { $0 < m.value }) }
    }
}
