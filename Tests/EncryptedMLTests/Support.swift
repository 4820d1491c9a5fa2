import EncryptedML
import Foundation
import Synchronization
@_exported import TestSupport

/// One shared keyed context per parameter set, so the suite builds keys once.
final class Fixture: Sendable {
    let context: CKKSContext
    let secretKey: CKKSSecretKey
    let publicKey: CKKSPublicKey
    let keys: CKKSEvaluationKeys

    init(_ parameters: CKKSParameters, rotations: [Int], conjugation: Bool = true) {
        context = try! CKKSContext(parameters: parameters)
        secretKey = context.generateSecretKey()
        publicKey = try! context.generatePublicKey(secretKey: secretKey)
        keys = try! context.generateEvaluationKeys(secretKey: secretKey, rotations: rotations, conjugation: conjugation)
    }

    /// N=8192, Q=60+40+40, P=60 with rotation keys for every power of two and a few others.
    static let n8192 = Fixture(.n8192Depth2,
                               rotations: (0..<12).map { 1 << $0 } + [3, -3, 17, -1, -5, 100, -1000, 4095])
    /// N=4096 deep insecure set for fast chains: Q = 50+6×40, P = 60 (not 128-bit secure).
    static let n4096Deep = Fixture(
        try! CKKSParameters(polyDegree: 4096, ciphertextModulusBits: [50, 40, 40, 40, 40, 40, 40],
                            specialModulusBits: [60], scaleBits: 40, security: .insecureUnchecked),
        rotations: [1, 2, 5, -7])
    /// N=4096 with two special primes (hybrid digits of two primes), insecure test set.
    static let n4096Hybrid = Fixture(
        try! CKKSParameters(polyDegree: 4096, ciphertextModulusBits: [50, 40, 40, 40, 40],
                            specialModulusBits: [50, 50], scaleBits: 40, security: .insecureUnchecked),
        rotations: [1, 3, -2])

    /// The names of the 128-bit presets, for table-driven tests (Lattigo runs every test over
    /// every parameter literal).
    static let presetNames = CKKSParameters.presets.keys.sorted()

    private static let presetCache = Mutex<[String: Fixture]>([:])

    /// The keyed context of preset `name` (rotation keys 1 and −3, conjugation), built once.
    static func preset(_ name: String) -> Fixture {
        presetCache.withLock { cache in
            if let fixture = cache[name] { return fixture }
            let fixture = name == "n8192Depth2" ? n8192 : Fixture(CKKSParameters.presets[name]!, rotations: [1, -3])
            cache[name] = fixture
            return fixture
        }
    }
}
