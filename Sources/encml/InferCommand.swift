import ArgumentParser
import EncryptedML
import Foundation
import Models

/// `encml infer`: the server evaluates a converted model on an encrypted query with the
/// client's evaluation keys. It never reads a secret key.
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Evaluate a converted model on an encrypted query (server side, evaluation keys only).",
        discussion: "The result stays encrypted; only the holder of the secret key can decrypt it. The query must come from the keygen run that made the evaluation keys (key set checked)."
    )

    @OptionGroup var modelOption: ConvertedModelOption
    @OptionGroup var evaluationKeysOption: EvaluationKeysOption

    @Option(name: .customLong("in"), help: "Encrypted query from `encml encrypt`.")
    var input: String

    @Option(help: "Where to write the encrypted result (RESULT.ct).")
    var out: String

    func run() throws {
        let session = try ModelSession(path: modelOption.model)
        let (keys, keySet) = try session.readEvaluationKeys(evaluationKeysOption.evalKeys)
        let bundle = try session.readBundle(input, role: .query, keySet: keySet)
        let server = try InferenceServer(model: session.model, context: session.context, modes: [bundle.mode])
        let query = EncryptedQuery(mode: bundle.mode, rowCount: bundle.rowCount, ciphertexts: bundle.ciphertexts, keySet: bundle.keySet)
        let (result, ms) = try timed { try server.infer(query, evaluationKeys: keys) }
        let out = CiphertextBundle(role: .result, mode: result.mode, rowCount: result.rowCount,
                                   width: session.model.outputCount, ciphertexts: result.ciphertexts, keySet: result.keySet)
        let bytes = try out.serialized(context: session.context, modelTag: session.tag)
        try writeBinary(bytes, to: self.out)
        print("inferred \(result.rowCount) rows (\(result.mode.rawValue)) in " + String(format: "%.1f ms", ms)
              + "; wrote \(self.out) (\(formatBytes(bytes.count)))")
    }
}
