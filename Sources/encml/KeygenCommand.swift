import ArgumentParser
import EncryptedML
import Foundation

/// `encml keygen`: the client's secret key and the server's evaluation keys for a converted model.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate a secret key (keep it) and evaluation keys (give them to the server) for a converted model.",
        discussion: """
        The evaluation keys hold the relinearization key and exactly the rotation keys the \
        model's single-query plan needs; their uniform halves are stored as 32-byte seeds. \
        Both files are bound to the model's parameters and weights fingerprint.
        """
    )

    @Option(help: "Converted model (MODEL.he.json from `encml convert`).")
    var model: String

    @Option(name: .customLong("secret-key"), help: "Where to write the secret key (CLIENT.sk). Keep it private.")
    var secretKey: String

    @Option(name: .customLong("eval-keys"), help: "Where to write the evaluation keys (CLIENT.evk) for the server.")
    var evalKeys: String

    @Flag(help: "Print {\"rotations\": [steps…], \"secret_key_bytes\": n, \"evaluation_key_bytes\": n} on stdout.")
    var json = false

    /// The `--json` summary.
    struct Summary: Encodable {
        var rotations: [Int]
        var secretKeyBytes: Int
        var evaluationKeyBytes: Int

        enum CodingKeys: String, CodingKey {
            case rotations
            case secretKeyBytes = "secret_key_bytes"
            case evaluationKeyBytes = "evaluation_key_bytes"
        }
    }

    func run() throws {
        let session = try ModelSession(path: model)
        let client = try InferenceClient(model: session.model, context: session.context)
        let (keys, ms) = try timed { () throws -> (CKKSSecretKey, CKKSEvaluationKeys) in
            let sk = client.generateSecretKey()
            return (sk, try client.generateEvaluationKeys(secretKey: sk))
        }
        let keySet = EncMLFormat.newKeySet()  // binds the pair and every ciphertext made with it
        let skData = try keys.0.serialized(context: session.context, modelTag: session.tag, keySet: keySet)
        let evkData = try keys.1.serialized(context: session.context, modelTag: session.tag, keySet: keySet)
        try writeKeyPair(secretKey: skData, to: secretKey, evaluationKeys: evkData, to: evalKeys)
        if json {
            let summary = Summary(rotations: keys.1.rotationSteps, secretKeyBytes: skData.count,
                                  evaluationKeyBytes: evkData.count)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            return
        }
        print("keys for \(session.context.parameters) with \(keys.1.rotationSteps.count) rotation keys in "
              + String(format: "%.0f ms", ms) + "; wrote \(secretKey) (\(formatBytes(skData.count)), keep it private) and "
              + "\(evalKeys) (\(formatBytes(evkData.count)), for the server)")
    }
}
