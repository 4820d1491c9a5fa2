import ArgumentParser
import EncryptedML
import Foundation
import Models

/// `encml encrypt`: the client encrypts CSV rows for a converted model.
struct EncryptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encrypt",
        abstract: "Encrypt the rows of a CSV file for a converted model (client side).",
        discussion: """
        The model's feature columns are picked by name; other columns (e.g. the target) are \
        ignored. single: one ciphertext per row (lowest latency). batch: one ciphertext per \
        feature with up to N/2 rows across the slots (highest throughput). Fresh ciphertexts \
        are stored with a 32-byte seed in place of their uniform half, and carry the key set of the secret key.
        """
    )

    @OptionGroup var modelOption: ConvertedModelOption
    @OptionGroup var secretKeyOption: SecretKeyOption

    @Option(help: "Rows to encrypt (CSV with the model's feature columns).")
    var data: String

    @Option(help: "Where to write the encrypted query (QUERY.ct).")
    var out: String

    @OptionGroup var packing: PackingOption

    func run() throws {
        let mode = packing.mode
        let session = try ModelSession(path: modelOption.model)
        let (sk, keySet) = try session.readSecretKey(secretKeyOption.secretKey)
        let rows = try session.readRows(data)
        let client = try InferenceClient(model: session.model, context: session.context)
        let (query, ms) = try timed { try client.encrypt(rows: rows, mode: mode, secretKey: sk) }
        let bundle = CiphertextBundle(role: .query, mode: mode, rowCount: query.rowCount,
                                      width: session.model.featureCount, ciphertexts: query.ciphertexts, keySet: keySet)
        let bytes = try bundle.serialized(context: session.context, modelTag: session.tag)
        try writeBinary(bytes, to: out)
        print("encrypted \(rows.count) rows (\(mode.rawValue), \(query.ciphertexts.count) ciphertexts) in "
              + String(format: "%.1f ms", ms) + "; wrote \(out) (\(formatBytes(bytes.count)))")
    }
}
