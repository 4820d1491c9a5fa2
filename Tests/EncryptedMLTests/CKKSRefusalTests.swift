import EncryptedML
import Testing

/// Misuse is refused with a typed error whose message says what to do.
@Suite struct CKKSRefusalTests {
    let f = Fixture.n8192

    @Test func parametersAboveThe128BitBoundAreRefusedUnlessExplicitlyAllowed() throws {
        #expect(throws: EncryptedMLError.self) {
            try CKKSParameters(polyDegree: 8192, ciphertextModulusBits: [60, 40, 40, 40], specialModulusBits: [60], scaleBits: 40)
        }
        do {
            _ = try CKKSParameters(polyDegree: 4096, ciphertextModulusBits: [60, 40], specialModulusBits: [60], scaleBits: 40)
            Issue.record("an insecure set was accepted")
        } catch let error as EncryptedMLError {
            guard case .insecureParameters(4096, 160, 109) = error else { Issue.record("wrong error \(error)"); return }
            #expect(error.description.contains("160") && error.description.contains("109"))
            #expect(error.localizedDescription == error.description)
        }
        let unchecked = try CKKSParameters(polyDegree: 4096, ciphertextModulusBits: [60, 40], specialModulusBits: [60],
                                           scaleBits: 40, security: .insecureUnchecked)
        #expect(unchecked.description.contains("INSECURE"))
        for preset in CKKSParameters.presets.values {
            #expect(preset.logQP <= SecurityTableBound.bound(preset.polyDegree), "\(preset)")
        }
    }

    @Test func malformedParametersAreRefused() {
        #expect(throws: EncryptedMLError.self) { try CKKSParameters(polyDegree: 3000, ciphertextModulusBits: [40], specialModulusBits: [40], scaleBits: 30) }
        #expect(throws: EncryptedMLError.self) { try CKKSParameters(polyDegree: 8192, ciphertextModulusBits: [], specialModulusBits: [60], scaleBits: 30) }
        #expect(throws: EncryptedMLError.self) { try CKKSParameters(polyDegree: 8192, ciphertextModulusBits: [40], specialModulusBits: [], scaleBits: 30) }
        #expect(throws: EncryptedMLError.self) { try CKKSParameters(polyDegree: 8192, ciphertextModulusBits: [61], specialModulusBits: [60], scaleBits: 30) }
        #expect(throws: EncryptedMLError.self) { try CKKSParameters(polyDegree: 8192, ciphertextModulusBits: [40], specialModulusBits: [60], scaleBits: 40) }
    }

    @Test func operandsAndKeysOfAnotherContextAreRefused() throws {
        let other = Fixture.n4096Hybrid
        let x = randomVector(16, seed: 50)
        let mine = try f.context.encrypt(x, publicKey: f.publicKey)
        let theirs = try other.context.encrypt(x, publicKey: other.publicKey)
        func isMismatch(_ body: () throws -> Void) -> Bool {
            do { try body() } catch EncryptedMLError.mismatchedContext { return true } catch { return false }
            return false
        }
        #expect(isMismatch { _ = try f.context.add(mine, theirs) })
        #expect(isMismatch { _ = try f.context.decrypt(theirs, secretKey: f.secretKey) })
        #expect(isMismatch { _ = try f.context.decrypt(mine, secretKey: other.secretKey) })
        #expect(isMismatch { _ = try f.context.encrypt(x, publicKey: other.publicKey) })
        #expect(isMismatch { _ = try f.context.multiply(mine, mine, evaluationKeys: other.keys) })
        #expect(isMismatch { _ = try f.context.multiply(mine, try other.context.encode(x)) })
        #expect(isMismatch { _ = try f.context.rotate(theirs, by: 1, evaluationKeys: f.keys) })
    }

    @Test func aMissingRotationKeyIsRefusedNamingTheRotation() throws {
        let ct = try f.context.encrypt([1, 2, 3], publicKey: f.publicKey)
        do {
            _ = try f.context.rotate(ct, by: 7, evaluationKeys: f.keys)
            Issue.record("rotation without a key succeeded")
        } catch let error as EncryptedMLError {
            guard case .missingRotationKey(step: 7, let element, let available) = error else {
                Issue.record("wrong error \(error)"); return
            }
            #expect(element == GaloisPermutation.rotationElement(steps: 7, degree: 8192))
            #expect(available == f.keys.rotationSteps)
            #expect(error.description.contains("rotate by 7") && error.description.contains("generateEvaluationKeys"))
        }
        #expect(throws: EncryptedMLError.self) { try f.context.rotateHoisted(ct, by: [1, 7], evaluationKeys: f.keys) }
        let noConjugation = try f.context.generateEvaluationKeys(secretKey: f.secretKey, rotations: [1])
        #expect(throws: EncryptedMLError.self) { try f.context.conjugate(ct, evaluationKeys: noConjugation) }
    }

    @Test func exhaustedLevelsAreRefused() throws {
        let ct = try f.context.dropLevel(try f.context.encrypt([0.5], publicKey: f.publicKey), to: 0)
        func isExhausted(_ body: () throws -> Void) -> Bool {
            do { try body() } catch EncryptedMLError.levelExhausted { return true } catch { return false }
            return false
        }
        #expect(isExhausted { _ = try f.context.multiply(ct, ct, evaluationKeys: f.keys) })
        #expect(isExhausted { _ = try f.context.rescale(ct) })
        #expect(isExhausted { _ = try f.context.multiply(ct, [2.0]) })
        #expect(isExhausted { _ = try f.context.multiply(ct, 2.0) })
        #expect(isExhausted { _ = try f.context.dropLevel(ct, to: 1) })
        #expect(isExhausted { _ = try f.context.encode([1], level: 5) })
    }

    @Test func scalesThatDoNotFitTheModulusAreRefused() throws {
        func isOverflow(_ body: () throws -> Void) -> Bool {
            do { try body() } catch EncryptedMLError.scaleOverflow { return true } catch { return false }
            return false
        }
        #expect(isOverflow { _ = try f.context.encode([1], level: 0, scale: 0x1p60) })
        #expect(isOverflow { _ = try f.context.encode([Double](repeating: 1e9, count: 4096), level: 0, scale: 0x1p40) })
        let ct = try f.context.encrypt([0.5], publicKey: f.publicKey)
        var big = try f.context.multiplyWithoutRescale(ct, ct, evaluationKeys: f.keys)  // 2^80
        big = try f.context.multiplyWithoutRescale(big, 2.0, scale: 0x1p40)  // 2^120
        #expect(isOverflow { _ = try f.context.multiplyWithoutRescale(big, big, evaluationKeys: f.keys) })
        #expect(isOverflow { _ = try f.context.multiplyWithoutRescale(big, 1.0, scale: 0x1p40) })
    }

    @Test func invalidOperandsAreRefused() {
        #expect(throws: EncryptedMLError.self) { try f.context.encode([Double](repeating: 0, count: 4097)) }
        #expect(throws: EncryptedMLError.self) { try f.context.encode([Double.nan]) }
        #expect(throws: EncryptedMLError.self) { try Sampling.uniform(seed: [1, 2], domain: 0, moduli: f.context.ciphertextModuli, degree: 8192) }
    }
}

import Models
enum SecurityTableBound {
    static func bound(_ n: Int) -> Int { SecurityTable.maxLogQP(polyDegree: n) ?? 0 }
}
