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
        The model's feature columns are picked by name; other columns (e.g. the target) are
        ignored. single: one ciphertext per row (lowest latency). batch: one ciphertext per
        feature with up to N/2 rows across the slots (highest throughput). Fresh ciphertexts
        are stored with a 32-byte seed in place of their uniform half.
        """
    )

    @Option(help: "Converted model (MODEL.he.json).")
    var model: String

    @Option(name: .customLong("secret-key"), help: "Secret key from `encml keygen`.")
    var secretKey: String

    @Option(help: "Rows to encrypt (CSV with the model's feature columns).")
    var data: String

    @Option(help: "Where to write the encrypted query (QUERY.ct).")
    var out: String

    @Option(help: "Packing: single or batch.")
    var mode: String = "single"

    func run() throws {
        try reportingErrors {
            let packing = try parseChoice(mode, option: "--mode", as: PackingMode.self)
            let session = try ModelSession(path: model)
            let sk = try session.readSecretKey(secretKey)
            let rows = try session.readRows(data)
            let client = try InferenceClient(model: session.model, context: session.context)
            let (query, ms) = try timed { try client.encrypt(rows: rows, mode: packing, secretKey: sk) }
            let bundle = CiphertextBundle(role: .query, mode: packing, rowCount: query.rowCount,
                                          width: session.model.featureCount, ciphertexts: query.ciphertexts)
            let bytes = try bundle.serialized(context: session.context, modelTag: session.tag)
            try writeBinary(bytes, to: out)
            print("encrypted \(rows.count) rows (\(packing.rawValue), \(query.ciphertexts.count) ciphertexts) in "
                  + String(format: "%.1f ms", ms) + "; wrote \(out) (\(formatBytes(bytes.count)))")
        }
    }
}
