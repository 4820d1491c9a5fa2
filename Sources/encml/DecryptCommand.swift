import ArgumentParser
import EncryptedML
import Foundation

/// `encml decrypt`: the client decrypts the server's result and applies the output link.
struct DecryptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decrypt",
        abstract: "Decrypt an encrypted result into predicted labels and class probabilities (client side).",
        discussion: "One prediction per encrypted input row, labels as in the training CSV. The result must come from the same keygen run as the secret key and land at the plan's level and scale. Outputs are rounded to the plan's precision unless --flood adds flooding noise."
    )

    @OptionGroup var modelOption: ConvertedModelOption
    @OptionGroup var secretKeyOption: SecretKeyOption

    @Option(name: .customLong("in"), help: "Encrypted result from `encml infer`.")
    var input: String

    @OptionGroup var release: ReleaseOptions

    /// The `--json` output.
    struct Report: Encodable {
        var predictions: [String]
        var probabilities: [[Double]]
    }

    func run() throws {
        let session = try ModelSession(path: modelOption.model)
        let (sk, keySet) = try session.readSecretKey(secretKeyOption.secretKey)
        let bundle = try session.readBundle(input, role: .result, keySet: keySet)
        let client = try InferenceClient(model: session.model, context: session.context)
        let result = EncryptedResult(mode: bundle.mode, rowCount: bundle.rowCount, ciphertexts: bundle.ciphertexts, keySet: bundle.keySet)
        let predictions = try client.decrypt(result, secretKey: sk, options: release.decryption)
        Self.print(predictions, json: release.json)
    }

    /// Prints predictions as `decrypt` and `query` do: one JSON object, or one line per row.
    static func print(_ predictions: [InferencePrediction], json: Bool) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let report = Report(predictions: predictions.map(\.label), probabilities: predictions.map(\.probabilities))
            Swift.print(String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self))
        } else {
            for (i, p) in predictions.enumerated() {
                let probabilities = p.probabilities.map { String(format: "%.4f", $0) }.joined(separator: " ")
                Swift.print("row \(i + 1): \(p.label)  probabilities [\(probabilities)]")
            }
        }
    }
}
