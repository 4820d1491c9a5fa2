import ArgumentParser
import EncryptedML
import EncryptedMLService
import Foundation
import Models

/// `encml query`: the client side over HTTP: encrypt rows, send them to `encml serve`,
/// decrypt the answer. The evaluation keys are uploaded once per server (id cached beside them).
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Encrypt rows, have an encml server infer on them, decrypt the predictions (client side).",
        discussion: """
        Checks that the server serves the same model (GET /v1/model), uploads the evaluation keys
        unless this server already holds them (the id is cached in CLIENT.evk.servers.json; a 404
        re-uploads once), sends the encrypted rows (in several requests beyond the server's limits)
        and prints the same output as encml decrypt. The secret key never leaves this machine.
        """
    )

    @Option(help: "Server base URL, e.g. http://127.0.0.1:8080.")
    var server: String

    @Option(help: "Converted model (MODEL.he.json), the same the server serves.")
    var model: String

    @Option(name: .customLong("secret-key"), help: "Secret key from `encml keygen`.")
    var secretKey: String

    @Option(name: .customLong("eval-keys"), help: "Evaluation keys from `encml keygen`.")
    var evalKeys: String

    @Option(help: "Rows to classify (CSV with the model's feature columns).")
    var data: String

    @Option(help: "Packing: single (one row per ciphertext) or batch (rows across the slots).")
    var mode: String = "single"

    @Flag(help: "Print one JSON object {\"predictions\", \"probabilities\"} on stdout (as encml decrypt --json).")
    var json = false

    func run() throws {
        try reportingErrors {
            let packing = try parseChoice(mode, option: "--mode", as: PackingMode.self)
            let session = try ModelSession(path: model)
            let sk = try session.readSecretKey(secretKey)
            let keyBytes = try readBinary(evalKeys)
            let rows = try session.readRows(data)
            let connection = try ServerConnection(server: server)

            let served = try connection.json(ServedModelDescription.self, "GET", "/v1/model")
            guard served.weightsFingerprint == session.model.weightsFingerprint else {
                throw QueryError.refused(url: connection.base + "/v1/model", status: 409, code: "other_model",
                                         message: "the server serves model \(served.weightsFingerprint), --model \(model) is \(session.model.weightsFingerprint); query it with the model it serves")
            }
            guard keyBytes.count <= served.limits.maxKeyBytes else {
                throw QueryError.refused(url: connection.base + "/v1/keys", status: 413, code: "body_too_large",
                                         message: "\(evalKeys) is \(keyBytes.count) bytes, the server accepts \(served.limits.maxKeyBytes)")
            }

            var uploader = KeyUploader(connection: connection, keyBytes: keyBytes, evalKeysPath: evalKeys)
            let client = try InferenceClient(model: session.model, context: session.context)
            var predictions: [InferencePrediction] = []
            for chunk in chunks(rows.count, mode: packing, served: served) {
                let query = try client.encrypt(rows: Array(rows[chunk]), mode: packing, secretKey: sk)
                let bundle = CiphertextBundle(role: .query, mode: packing, rowCount: query.rowCount,
                                              width: session.model.featureCount, ciphertexts: query.ciphertexts)
                let body = try bundle.serialized(context: session.context, modelTag: session.tag)
                var id = try uploader.id()
                var reply = try connection.send("POST", "/v1/infer/\(id)", body: body)
                if reply.status == 404 {  // evicted or server restarted: upload once more
                    id = try uploader.upload()
                    reply = try connection.send("POST", "/v1/infer/\(id)", body: body)
                }
                guard reply.status == 200 else { throw connection.refusal(reply, path: "/v1/infer/\(id)") }
                let answer = try CiphertextBundle.deserialize(reply.body, context: session.context, modelTag: session.tag,
                                                              role: .result, file: "server answer")
                let result = EncryptedResult(mode: answer.mode, rowCount: answer.rowCount, ciphertexts: answer.ciphertexts)
                guard answer.width == session.model.outputCount, answer.rowCount == chunk.count, answer.mode == packing else {
                    throw QueryError.unexpectedReply(url: connection.base + "/v1/infer/\(id)",
                                                     reason: "the result holds \(answer.rowCount) rows of \(answer.width) values, \(chunk.count) rows of \(session.model.outputCount) were sent")
                }
                predictions += try client.decrypt(result, secretKey: sk)
            }
            printPredictions(predictions)
        }
    }

    /// Row ranges that respect the server's ciphertext limit per request.
    func chunks(_ count: Int, mode: PackingMode, served: ServedModelDescription) -> [Range<Int>] {
        let limit = served.limits.maxCiphertextsPerQuery
        let rowsPerRequest: Int
        switch mode {
        case .single: rowsPerRequest = max(1, limit)
        case .batch: rowsPerRequest = max(1, limit / max(1, served.featureNames.count)) * served.samplesPerCiphertext
        }
        return stride(from: 0, to: count, by: rowsPerRequest).map { $0..<min($0 + rowsPerRequest, count) }
    }

    func printPredictions(_ predictions: [InferencePrediction]) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let report = DecryptCommand.Report(predictions: predictions.map(\.label), probabilities: predictions.map(\.probabilities))
            print(String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self))
        } else {
            for (i, p) in predictions.enumerated() {
                let probabilities = p.probabilities.map { String(format: "%.4f", $0) }.joined(separator: " ")
                print("row \(i + 1): \(p.label)  probabilities [\(probabilities)]")
            }
        }
    }
}

/// Uploads the evaluation keys to a server at most once per run, reusing a cached id.
struct KeyUploader {
    let connection: ServerConnection
    let keyBytes: Data
    let fingerprint: String
    var cache: KeyIDCache
    private var current: String?

    init(connection: ServerConnection, keyBytes: Data, evalKeysPath: String) {
        self.connection = connection
        self.keyBytes = keyBytes
        fingerprint = EncryptedInferenceService.clientID(forKeyBytes: keyBytes)
        cache = KeyIDCache(evalKeysPath: evalKeysPath)
        current = cache.id(server: connection.base, fingerprint: fingerprint)
    }

    /// The cached id, or the id of a fresh upload.
    mutating func id() throws -> String {
        if let current { return current }
        return try upload()
    }

    /// Uploads the keys (`POST /v1/keys`) and caches the id.
    mutating func upload() throws -> String {
        struct Registration: Decodable { var id: String }
        let id = try connection.json(Registration.self, "POST", "/v1/keys", body: keyBytes).id
        cache.store(id, server: connection.base, fingerprint: fingerprint)
        current = id
        return id
    }
}
