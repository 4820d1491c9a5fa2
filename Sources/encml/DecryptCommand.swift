import ArgumentParser
import EncryptedML
import Foundation

/// `encml decrypt`: the client decrypts the server's result and applies the output link.
struct DecryptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decrypt",
        abstract: "Decrypt an encrypted result into predicted labels and class probabilities (client side).",
        discussion: "One prediction per encrypted input row, labels as in the training CSV."
    )

    @Option(help: "Converted model (MODEL.he.json).")
    var model: String

    @Option(name: .customLong("secret-key"), help: "Secret key from `encml keygen`.")
    var secretKey: String

    @Option(name: .customLong("in"), help: "Encrypted result from `encml infer`.")
    var input: String

    @Flag(help: "Print one JSON object {\"predictions\", \"probabilities\"} on stdout.")
    var json = false

    /// The `--json` output.
    struct Report: Encodable {
        var predictions: [String]
        var probabilities: [[Double]]
    }

    func run() throws {
        try reportingErrors {
            let session = try ModelSession(path: model)
            let sk = try session.readSecretKey(secretKey)
            let bundle = try session.readBundle(input, role: .result)
            let client = try InferenceClient(model: session.model, context: session.context)
            let result = EncryptedResult(mode: bundle.mode, rowCount: bundle.rowCount, ciphertexts: bundle.ciphertexts)
            let predictions = try client.decrypt(result, secretKey: sk)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                let report = Report(predictions: predictions.map(\.label), probabilities: predictions.map(\.probabilities))
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                for (i, p) in predictions.enumerated() {
                    let probabilities = p.probabilities.map { String(format: "%.4f", $0) }.joined(separator: " ")
                    print("row \(i + 1): \(p.label)  probabilities [\(probabilities)]")
                }
            }
        }
    }
}
