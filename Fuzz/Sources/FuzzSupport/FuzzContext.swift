import EncryptedML
import Models
import Foundation

/// The small (insecure, N = 64) CKKS context every binary fuzz target reads against: the
/// readers' checks do not depend on N, and a small ring makes each execution cheap.
public enum FuzzContext {
    /// N = 64, Q = 30 + 25 bits, P = 30 bits.
    public static let context: CKKSContext = {
        let parameters = try! CKKSParameters(polyDegree: 64, ciphertextModulusBits: [30, 25], specialModulusBits: [30],
                                             scaleBits: 25, security: .insecureUnchecked)
        return try! CKKSContext(parameters: parameters)
    }()

    /// The model tag the seeds carry.
    public static let modelTag: UInt64 = 0x0123_4567_89ab_cdef

    /// Writes a seed corpus of valid files into `folder` when `ENCML_FUZZ_SEEDS` names it:
    /// a secret key, a public key, evaluation keys and two ciphertext bundles.
    public static func writeSeeds(kind: String) {
        guard let folder = ProcessInfo.processInfo.environment["ENCML_FUZZ_SEEDS"] else { return }
        let ctx = context
        let sk = ctx.generateSecretKey()
        let keySet: UInt64 = 0x1111_2222_3333_4444
        var files: [(String, Data)] = []
        switch kind {
        case "secret-key":
            files = [("seed-sk", try! sk.serialized(context: ctx, modelTag: modelTag, keySet: keySet))]
        case "public-key":
            files = [("seed-pk", try! ctx.generatePublicKey(secretKey: sk).serialized(context: ctx, modelTag: modelTag))]
        case "evaluation-keys":
            let keys = try! ctx.generateEvaluationKeys(secretKey: sk, rotations: [1, 3])
            files = [("seed-evk", try! keys.serialized(context: ctx, modelTag: modelTag, keySet: keySet))]
        case "ciphertexts":
            let fresh = try! ctx.encrypt([0.5, -0.25, 1], secretKey: sk)
            let query = CiphertextBundle(role: .query, mode: .single, rowCount: 1, width: 3, ciphertexts: [fresh], keySet: keySet)
            let pk = try! ctx.generatePublicKey(secretKey: sk)
            let unseeded = try! ctx.encrypt([1, 2], publicKey: pk)
            let result = CiphertextBundle(role: .result, mode: .batch, rowCount: 2, width: 1, ciphertexts: [unseeded], keySet: keySet)
            files = [("seed-query", try! query.serialized(context: ctx, modelTag: modelTag)),
                     ("seed-result", try! result.serialized(context: ctx, modelTag: modelTag))]
        default:
            return
        }
        for (name, data) in files { try? data.write(to: URL(fileURLWithPath: folder).appendingPathComponent(name)) }
    }
}

/// Copies libFuzzer's input into `Data`.
public func fuzzData(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Data {
    guard let bytes, count > 0 else { return Data() }
    return Data(bytes: bytes, count: count)
}

/// libFuzzer's driver (`-sanitize=fuzzer` links it): runs `callback` on generated inputs.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// The entry point of a fuzz target. SwiftPM links every executable target on Linux with
/// `main` aliased to `<module>_main`, so each target exports that symbol and hands its
/// arguments and its `LLVMFuzzerTestOneInput` to libFuzzer's driver (instead of libFuzzer's
/// own `main`). Returns the driver's exit status.
public func runFuzzer(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                      _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32 {
    var count = argc
    var arguments = argv
    return withUnsafeMutablePointer(to: &count) { countPointer in
        withUnsafeMutablePointer(to: &arguments) { argumentsPointer in
            LLVMFuzzerRunDriver(countPointer, argumentsPointer, callback)
        }
    }
}
