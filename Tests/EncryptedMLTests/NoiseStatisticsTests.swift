import EncryptedML
import Foundation
import Testing

/// Statistical tests that notice missing or wrong noise (every precision test only bounds
/// the error from above, so removing the noise would make them greener).
///
/// Bands, with N = 8192 samples per polynomial (coefficients are independent):
/// - a bounded discrete Gaussian with σ = 3.19 has variance σ² ≈ 10.18 (the cut at 6σ removes
///   < 10^-8 of the mass); the sample variance of N draws has a relative standard deviation of
///   √(2/N) ≈ 1.6 %, so the band [0.9, 1.1]·σ² is > 6 standard deviations wide on each side;
///   `|e| ≤ 3` must hold for a fraction p₃ = Σ_{|k|≤3} ρ(k)/Σ ρ(k) ≈ 0.69 ± 0.03 (5.8 σ);
/// - a public-key encryption divides `e·u + e0 + e1·s + P·m` by P with rounding, so what is left
///   is `r0 + r1·s` with r uniform in (−½, ½]: variance (1 + h)/12 for a secret of Hamming
///   weight h (≈ 2N/3), band [0.9, 1.1] as above; without `u` or without rounding it is 0.
@Suite struct NoiseStatisticsTests {
    let f = Fixture.n8192
    var ctx: CKKSContext { f.context }
    static let sigma2 = Sampling.gaussianSigma * Sampling.gaussianSigma

    /// The expected fraction of a bounded discrete Gaussian sample with |e| ≤ 3.
    static let withinThree: Double = {
        let s2 = 2 * sigma2
        let weight = { (k: Int) in exp(-Double(k * k) / s2) }
        let total = (-Sampling.gaussianBound...Sampling.gaussianBound).reduce(0.0) { $0 + weight($1) }
        return (-3...3).reduce(0.0) { $0 + weight($1) } / total
    }()

    /// Centered coefficients of an evaluation-form polynomial at `level` (exact CRT composition).
    func coefficients(_ p: RNSPolynomial<Evaluation>) -> [Double] {
        let level = p.limbCount - 1
        let c = p.inverseNTT(ctx.chain.tables)
        var out = [Double](repeating: 0, count: ctx.degree)
        c.data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { ctx.encoder.composeCentered(src.baseAddress!, level: level, into: $0.baseAddress!) }
        }
        return out
    }

    /// Checks that `e` looks like the bounded σ = 3.19 Gaussian: mean ≈ 0, variance in band, bounded, p₃.
    func expectGaussian(_ e: [Double], _ what: String) {
        let n = Double(e.count)
        let mean = e.reduce(0, +) / n
        let variance = e.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let inside = Double(e.filter { abs($0) <= 3 }.count) / n
        #expect(abs(mean) < 0.2, "\(what): mean \(mean)")
        #expect(variance >= 0.9 * Self.sigma2 && variance <= 1.1 * Self.sigma2, "\(what): variance \(variance), expected \(Self.sigma2)")
        #expect(e.allSatisfy { abs($0) <= Double(Sampling.gaussianBound) }, "\(what): a coefficient beyond \(Sampling.gaussianBound)")
        #expect(abs(inside - Self.withinThree) < 0.03, "\(what): \(inside) of |e| ≤ 3, expected \(Self.withinThree)")
    }

    @Test func secretKeyEncryptionOfZeroLeavesGaussianNoise() throws {
        let ct = try ctx.encrypt([Double](repeating: 0, count: ctx.slotCount), secretKey: f.secretKey)
        let e = coefficients(try ctx.decryptToPlaintext(ct, secretKey: f.secretKey).poly)
        expectGaussian(e, "symmetric encryption of zero")
    }

    @Test func publicKeyEncryptionOfZeroLeavesTheRoundingNoiseOfTheDivisionByP() throws {
        let ct = try ctx.encrypt([Double](repeating: 0, count: ctx.slotCount), publicKey: f.publicKey)
        let e = coefficients(try ctx.decryptToPlaintext(ct, secretKey: f.secretKey).poly)
        let h = Double(f.secretKey.coefficients.filter { $0 != 0 }.count)
        let expected = (1 + h) / 12
        let variance = e.reduce(0) { $0 + $1 * $1 } / Double(e.count)
        print("public-key encryption of zero: variance \(variance), expected (1 + h)/12 = \(expected)")
        #expect(variance >= 0.9 * expected && variance <= 1.1 * expected)
        #expect(e.allSatisfy { abs($0) < 6 * expected.squareRoot() })
    }

    /// `b + a·s` on limb `limb` of the key basis (where any gadget term vanishes), centered.
    func keyNoise(b: ArraySlice<UInt64>, a: ArraySlice<UInt64>, limb: Int) -> [Double] {
        let n = ctx.degree
        let m = ctx.keyModuli[limb]
        let s = f.secretKey.poly.data[(limb * n)..<((limb + 1) * n)]
        var sum = (0..<n).map { k in m.add(b[b.startIndex + k], m.multiply(a[a.startIndex + k], s[s.startIndex + k])) }
        sum.withUnsafeMutableBufferPointer { ctx.keyTables[limb].inverse($0.baseAddress!) }
        return sum.map { Double(m.centered($0)) }
    }

    @Test func publicKeyIsSmallGaussianNoiseUnderTheSecret() {
        let n = ctx.degree
        for limb in [0, ctx.keyModuli.count - 1] {
            let e = keyNoise(b: f.publicKey.b.data[(limb * n)..<((limb + 1) * n)],
                             a: f.publicKey.a.data[(limb * n)..<((limb + 1) * n)], limb: limb)
            expectGaussian(e, "public key, limb \(limb)")
        }
    }

    @Test func everyKeySwitchingKeyIsSmallGaussianNoiseOnItsSpecialPrimes() {
        let n = ctx.degree
        let limbs = ctx.keyModuli.count
        let special = ctx.ciphertextModuli.count  // first special prime: the gadget term is 0 there
        var keys: [(String, KeySwitchingKey)] = [("relinearization", f.keys.relinearization)]
        for (element, key) in f.keys.galois.sorted(by: { $0.key < $1.key }) { keys.append(("Galois \(element)", key)) }
        #expect(keys.count == f.keys.galois.count + 1 && keys.count > 10)
        for (name, key) in keys {
            let b = key.b, a = key.a
            for j in 0..<key.digitCount {
                let offset = (j * limbs + special) * n
                expectGaussian(keyNoise(b: b[offset..<(offset + n)], a: a[offset..<(offset + n)], limb: special),
                               "\(name) digit \(j)")
            }
        }
    }

    @Test func twoEncryptionsOfOneMessageDiffer() throws {
        let x = randomVector(ctx.slotCount, seed: 60)
        for encrypt in [{ try ctx.encrypt(x, publicKey: f.publicKey) }, { try ctx.encrypt(x, secretKey: f.secretKey) }] {
            let a = try encrypt(), b = try encrypt()
            #expect(a.c0.data != b.c0.data)
            #expect(a.c1.data != b.c1.data)
            // They differ by noise only.
            #expect(precisionBits(try ctx.decrypt(a, secretKey: f.secretKey), try ctx.decrypt(b, secretKey: f.secretKey)) >= 24)
        }
        let pt = try ctx.encode(x)
        #expect(try ctx.encrypt(pt, publicKey: f.publicKey).c0.data != (try ctx.encrypt(pt, publicKey: f.publicKey).c0.data))
    }

    @Test func seedsDifferAcrossKeysAndCiphertexts() throws {
        let other = try ctx.generatePublicKey(secretKey: f.secretKey)
        var seeds = [f.publicKey.seed, other.seed, f.keys.relinearization.seed] + f.keys.galois.values.map(\.seed)
        for _ in 0..<4 {
            seeds.append(try #require(try ctx.encrypt([1, 2, 3], secretKey: f.secretKey).seed))
        }
        #expect(seeds.allSatisfy { $0.count == 32 })
        #expect(Set(seeds).count == seeds.count, "a seed was reused")
        // A seed is not a low-entropy pattern: each has at least 16 distinct bytes (P(fail) < 2^-100 for random bytes).
        #expect(seeds.allSatisfy { Set($0).count >= 16 })
    }
}
