import EncryptedML
import Foundation
import Testing

/// The library surface at the trust boundary: parameters validated on every path, the
/// special modulus checked against the digits, secret keys never shown and wiped on release.
@Suite struct LibrarySurfaceTests {
    @Test func decodedParametersAreValidatedLikeConstructedOnes() throws {
        let good = try JSONEncoder().encode(CKKSParameters.n8192Depth2)
        #expect(try JSONDecoder().decode(CKKSParameters.self, from: good) == .n8192Depth2)
        // log QP = 300 > 218 for N = 8192, marked classical128: refused instead of silently insecure.
        let insecure = #"{"polyDegree":8192,"ciphertextModulusBits":[60,60,60,60],"specialModulusBits":[60],"scaleBits":40,"security":"classical128"}"#
        #expect {
            try JSONDecoder().decode(CKKSParameters.self, from: Data(insecure.utf8))
        } throws: { error in
            guard case EncryptedMLError.insecureParameters(8192, 300, 218) = error else { return false }
            return true
        }
        for malformed in [
            #"{"polyDegree":3000,"ciphertextModulusBits":[40],"specialModulusBits":[40],"scaleBits":30,"security":"classical128"}"#,
            #"{"polyDegree":8192,"ciphertextModulusBits":[],"specialModulusBits":[60],"scaleBits":30,"security":"classical128"}"#,
            #"{"polyDegree":8192,"ciphertextModulusBits":[60,60],"specialModulusBits":[30],"scaleBits":40,"security":"insecureUnchecked"}"#,
            #"{"polyDegree":8192,"ciphertextModulusBits":[70],"specialModulusBits":[60],"scaleBits":40,"security":"insecureUnchecked"}"#,
        ] {
            #expect(throws: EncryptedMLError.self, "\(malformed)") {
                try JSONDecoder().decode(CKKSParameters.self, from: Data(malformed.utf8))
            }
        }
    }

    @Test func specialModulusSmallerThanADigitIsRefusedWithTheFix() throws {
        // Q = [60, 60], P = [30]: each key switch would lose about 30 bits.
        do {
            _ = try CKKSParameters(polyDegree: 8192, ciphertextModulusBits: [60, 60], specialModulusBits: [30], scaleBits: 40)
            Issue.record("P smaller than a digit was accepted")
        } catch let error as EncryptedMLError {
            #expect(error == .specialModulusTooSmall(specialBits: 30, digitBits: 60, digit: 0))
            #expect(error.description.contains("specialModulusBits") && error.description.contains("30 bits"))
        }
        // Hybrid digits of two primes: 50+40 = 90 bits need P ≥ 90 bits.
        #expect(throws: EncryptedMLError.specialModulusTooSmall(specialBits: 80, digitBits: 90, digit: 0)) {
            try CKKSParameters(polyDegree: 4096, ciphertextModulusBits: [50, 40, 40], specialModulusBits: [40, 40],
                               scaleBits: 40, security: .insecureUnchecked)
        }
        // Equal sizes are accepted, and every preset meets the rule.
        _ = try CKKSParameters(polyDegree: 8192, ciphertextModulusBits: [50, 40], specialModulusBits: [50], scaleBits: 40)
        for (name, preset) in CKKSParameters.presets {
            #expect(throws: Never.self, "\(name)") { try preset.validate() }
        }
    }

    @Test func secretKeyDescriptionsNeverShowTheMaterial() throws {
        let f = Fixture.n8192
        let key = f.secretKey
        var dumped = ""
        dump(key, to: &dumped)
        let shown = [key.description, key.debugDescription, String(describing: key), String(reflecting: key), dumped,
                     "\(Mirror(reflecting: key).children.map { "\($0.label ?? ""): \($0.value)" })"]
        // Any 12 consecutive coefficients, in the forms Swift prints arrays.
        let run = key.coefficients.prefix(12).map(String.init)
        for text in shown {
            #expect(text.contains("redacted"), "\(text)")
            #expect(!text.contains(run.joined(separator: ", ")) && !text.contains(run.joined(separator: "\n")))
            #expect(!text.contains("coefficients") && !text.contains("poly") && !text.contains("shoup"))
            #expect(text.count < 300)
        }
    }

    @Test func secretKeyMaterialIsZeroedWhenTheLastCopyIsReleased() throws {
        let context = try CKKSContext(parameters: .n4096Depth1)
        var coefficients: [Int8] = []
        var residues: [UInt64] = []
        do {
            let key = context.generateSecretKey()
            let copy = key  // copies share the storage
            coefficients = copy.coefficients  // the same buffers, kept alive here
            residues = key.poly.data
            #expect(coefficients.contains { $0 != 0 } && residues.contains { $0 != 0 })
            withExtendedLifetime(key) {}
        }
        #expect(coefficients.allSatisfy { $0 == 0 }, "secret coefficients survive the key")
        #expect(residues.allSatisfy { $0 == 0 }, "the evaluation form of s survives the key")
    }

    /// The masked selects that replaced branches on secret values compute what the branches did.
    @Test func branchFreeSelectsMatchTheirDefinitions() throws {
        let context = try CKKSContext(parameters: .n8192Depth2)
        for m in context.ciphertextModuli {
            let q = m.value
            for a in [0, 1, q / 2, q / 2 + 1, q - 1] + (0..<200).map({ _ in UInt64.random(in: 0..<q) }) {
                let expected = a > q / 2 ? -Int64(q - a) : Int64(a)
                #expect(m.centered(a) == expected)
            }
            for v in [Int64.min + 1, -Int64(q), -1, 0, 1, Int64(q), Int64.max] + (0..<200).map({ _ in Int64.random(in: -1_000_000...1_000_000) }) {
                let r = v.magnitude % q
                #expect(m.reduce(signed: v) == (v < 0 ? (r == 0 ? 0 : q - r) : r))
            }
        }
        // Decoding negative and positive values at every level (the masked sign of the CRT composition).
        let x = randomVector(context.slotCount, seed: 70, range: -100...100)
        for level in 0...context.maxLevel {
            let decoded = try context.decode(context.encode(x, level: level))
            #expect(precisionBits(decoded, x) >= 25)
        }
    }
}
