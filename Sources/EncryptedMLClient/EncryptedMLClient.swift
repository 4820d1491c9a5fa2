import EncryptedML
import EncryptedMLService
import Foundation
import Models

/// Calls an EncryptedML server (`encml serve`) from a Swift app: encrypts rows on the
/// device, sends them, decrypts the answer. The secret key never leaves the device.
///
/// ```swift
/// let model = try EncryptedModel.load(from: "model.he.json")
/// let client = try EncryptedMLClient(server: "http://127.0.0.1:8080", model: model, token: token)
/// let keys = try ClientKeys.generate(for: client.inference)   // once; keep them
/// let predictions = try await client.predict(rows, keys: keys)
/// ```
///
/// Per call it checks that the server serves the same model (`GET /v1/model`), uploads the
/// evaluation keys only when the server does not hold them yet (the id is cached in a
/// `KeyIDStore`; a 404 re-uploads once), splits the rows over as many requests as the
/// server's limits require, waits and retries on 503 as `Retry-After` says, checks each
/// result's layout and key set, and decrypts (see `InferenceClient.decrypt`).
public final class EncryptedMLClient: Sendable {
    /// How requests reach the server.
    public let transport: any HTTPTransport
    /// The model's client side (keys, encryption, decryption).
    public let inference: InferenceClient
    /// The model tag every file carries.
    public let modelTag: UInt64
    /// Where uploaded keys' ids are remembered.
    public let keyIDs: any KeyIDStore
    /// How often a 503 is retried before giving up.
    public let busyRetries: Int
    private let token: String?

    /// A client over any transport.
    /// - Parameters:
    ///   - transport: how requests reach the server.
    ///   - model: the converted model the server serves.
    ///   - context: its CKKS context (built when nil).
    ///   - token: the bearer token (nil for a server without authentication).
    ///   - keyIDs: where uploaded keys' ids are remembered.
    ///   - busyRetries: retries of a request refused with 503.
    public init(transport: any HTTPTransport, model: EncryptedModel, context: CKKSContext? = nil, token: String? = nil,
                keyIDs: any KeyIDStore = InMemoryKeyIDStore(), busyRetries: Int = 20) throws {
        self.transport = transport
        inference = try InferenceClient(model: model, context: context)
        modelTag = try EncMLFormat.modelTag(for: model)
        self.token = token
        self.keyIDs = keyIDs
        self.busyRetries = max(0, busyRetries)
    }

    /// A client of the server at `server` (an http(s) URL) over URLSession.
    /// - Parameters:
    ///   - server: the base URL, e.g. `http://127.0.0.1:8080`.
    ///   - model: the converted model the server serves.
    ///   - token: the bearer token (nil for a server without authentication).
    ///   - keyIDs: where uploaded keys' ids are remembered.
    public convenience init(server: String, model: EncryptedModel, token: String? = nil,
                            keyIDs: any KeyIDStore = InMemoryKeyIDStore()) throws {
        try self.init(transport: URLSessionTransport(server: server), model: model, token: token, keyIDs: keyIDs)
    }

    /// A client of several replicas of one service sharing a key store (`FailoverTransport`):
    /// a replica that cannot be reached is skipped, and the keys uploaded through one are used
    /// through the others.
    /// - Parameters:
    ///   - servers: the replicas' base URLs.
    ///   - model: the converted model they serve.
    ///   - token: the bearer token (nil for a server without authentication).
    ///   - keyIDs: where uploaded keys' ids are remembered.
    public convenience init(servers: [String], model: EncryptedModel, token: String? = nil,
                            keyIDs: any KeyIDStore = InMemoryKeyIDStore()) throws {
        let transport: any HTTPTransport = servers.count == 1 ? try URLSessionTransport(server: servers[0])
            : try FailoverTransport(servers: servers)
        try self.init(transport: transport, model: model, token: token, keyIDs: keyIDs)
    }

    /// The server's description of what it serves (`GET /v1/model`).
    /// - Returns: the description.
    /// - Throws: `ClientError`.
    public func serverModel() async throws -> ServedModelDescription {
        try await json(ServedModelDescription.self, HTTPExchange(method: "GET", path: "/v1/model"))
    }

    /// Uploads the evaluation keys (`POST /v1/keys`) and caches the id the server returns.
    /// Cost: one upload of the key bytes.
    /// - Parameter keys: the client's keys.
    /// - Returns: the server's id for them.
    public func uploadKeys(_ keys: ClientKeys) async throws -> String {
        struct Registration: Decodable { var id: String }
        let id = try await json(Registration.self, HTTPExchange(
            method: "POST", path: "/v1/keys", headers: ["Content-Type": "application/octet-stream"],
            body: keys.evaluationKeyBytes)).id
        keyIDs.store(id, server: transport.serverName, fingerprint: fingerprint(keys))
        return id
    }

    /// The key sets the server holds for this client's token (`GET /v1/keys`): ids, key sets,
    /// sizes, upload and last-use times; never another token's. Cost: one small request.
    /// - Returns: the descriptions, least recently used first.
    /// - Throws: `ClientError`.
    public func listKeys() async throws -> [StoredKeySetInfo] {
        struct Listing: Decodable { var keys: [StoredKeySetInfo] }
        return try await json(Listing.self, HTTPExchange(method: "GET", path: "/v1/keys")).keys
    }

    /// Deletes the key set `id` of this client's token from the server's memory and key store
    /// (`DELETE /v1/keys/{id}`). Cost: one small request.
    /// - Parameter id: the id the upload returned.
    /// - Throws: `ClientError.refused` with status 404 when the token holds no such keys.
    public func deleteKeys(id: String) async throws {
        let reply = try await send(HTTPExchange(method: "DELETE", path: "/v1/keys/\(id)"))
        guard reply.status == 204 || reply.status == 200 else { throw refusal(reply, path: "/v1/keys/\(id)") }
    }

    /// Encrypts `rows`, has the server run the model, decrypts the predictions.
    /// Cost: encryption and decryption on the device, one upload of the keys per server, one
    /// request per chunk of rows within the server's limits.
    /// - Parameters:
    ///   - rows: feature rows in the model's column order (raw, unstandardized).
    ///   - mode: single (one row per ciphertext) or batch (rows across the slots).
    ///   - keys: the client's keys.
    ///   - decryption: how results are decoded (rounding or flooding).
    /// - Returns: one prediction per row.
    /// - Throws: `ClientError` for transport and server refusals, `SerializationError` for an answer that is not a valid result.
    public func predict(_ rows: [[Double]], mode: PackingMode = .single, keys: ClientKeys,
                        decryption: DecryptionOptions = DecryptionOptions()) async throws -> [InferencePrediction] {
        let model = inference.model
        let served = try await serverModel()
        guard served.weightsFingerprint == model.weightsFingerprint, served.modelTag == EncMLFormat.keySetName(modelTag) else {
            throw ClientError.otherModel(server: transport.serverName, served: "\(served.weightsFingerprint) (tag \(served.modelTag))",
                                         local: "\(model.weightsFingerprint) (tag \(EncMLFormat.keySetName(modelTag)))")
        }
        guard keys.evaluationKeyBytes.count == served.evaluationKeyBytes else {
            throw ClientError.refused(server: transport.serverName + "/v1/keys", status: 400, code: "wrong_key_size",
                                      message: "the evaluation keys have \(keys.evaluationKeyBytes.count) bytes, this model's have \(served.evaluationKeyBytes); generate them for this model")
        }
        var id = try await keyIDs.id(server: transport.serverName, fingerprint: fingerprint(keys)).asyncOr { try await self.uploadKeys(keys) }
        var predictions: [InferencePrediction] = []
        for chunk in Self.chunks(rows.count, mode: mode, served: served, context: inference.context) {
            let query = try inference.encrypt(rows: Array(rows[chunk]), mode: mode, secretKey: keys.secretKey)
            let bundle = CiphertextBundle(role: .query, mode: mode, rowCount: query.rowCount, width: model.featureCount,
                                          ciphertexts: query.ciphertexts, keySet: keys.keySet)
            let body = try bundle.serialized(context: inference.context, modelTag: modelTag)
            var reply = try await infer(id: id, body: body)
            if reply.status == 404 {  // evicted, deleted, or unknown to this server's store: upload once more
                id = try await uploadKeys(keys)
                reply = try await infer(id: id, body: body)
            }
            guard reply.status == 200 else { throw refusal(reply, path: "/v1/infer/\(id)") }
            let answer = try CiphertextBundle.deserialize(reply.body, context: inference.context, modelTag: modelTag, role: .result,
                                                          keySet: keys.keySet, file: "server answer")
            guard answer.width == model.outputCount, answer.rowCount == chunk.count, answer.mode == mode else {
                throw ClientError.unexpectedReply(
                    server: transport.serverName + "/v1/infer/\(id)",
                    reason: "the result holds \(answer.rowCount) rows of \(answer.width) values, \(chunk.count) rows of \(model.outputCount) were sent")
            }
            let result = EncryptedResult(mode: answer.mode, rowCount: answer.rowCount, ciphertexts: answer.ciphertexts, keySet: answer.keySet)
            predictions += try inference.decrypt(result, secretKey: keys.secretKey, options: decryption)
        }
        return predictions
    }

    /// Row ranges that respect the server's ciphertext and body limits per request.
    /// - Parameters:
    ///   - count: rows in all.
    ///   - mode: the packing.
    ///   - served: the server's description (its limits).
    ///   - context: the CKKS context (for the size of a ciphertext).
    /// - Returns: consecutive ranges covering `0..<count`.
    public static func chunks(_ count: Int, mode: PackingMode, served: ServedModelDescription, context: CKKSContext) -> [Range<Int>] {
        let perCiphertext = CiphertextBundle.serializedSize(context: context, count: 1, seeded: true)
            - CiphertextBundle.serializedSize(context: context, count: 0, seeded: true)
        let byBytes = max(1, (served.limits.maxQueryBytes - CiphertextBundle.serializedSize(context: context, count: 0)) / perCiphertext)
        let ciphertexts = max(1, min(served.limits.maxCiphertextsPerQuery, byBytes))
        let rowsPerRequest: Int
        switch mode {
        case .single: rowsPerRequest = ciphertexts
        case .batch: rowsPerRequest = max(1, ciphertexts / max(1, served.featureNames.count)) * served.samplesPerCiphertext
        }
        return stride(from: 0, to: count, by: rowsPerRequest).map { $0..<min($0 + rowsPerRequest, count) }
    }

    private func fingerprint(_ keys: ClientKeys) -> String {
        EncryptedInferenceService.clientID(forKeyBytes: keys.evaluationKeyBytes)
    }

    private func infer(id: String, body: Data) async throws -> HTTPReply {
        try await send(HTTPExchange(method: "POST", path: "/v1/infer/\(id)",
                                    headers: ["Content-Type": "application/octet-stream"], body: body))
    }

    /// Sends with the token, retrying a 503 after its Retry-After (at most `busyRetries` times).
    private func send(_ exchange: HTTPExchange) async throws -> HTTPReply {
        var exchange = exchange
        if let token { exchange.headers["Authorization"] = "Bearer \(token)" }
        var attempt = 0
        while true {
            let reply = try await transport.send(exchange)
            guard reply.status == 503, attempt < busyRetries else { return reply }
            attempt += 1
            let seconds = reply.headers["retry-after"].flatMap(Double.init) ?? 1
            try await Task.sleep(for: .milliseconds(Int(1000 * min(max(seconds, 0.05), 30))))
        }
    }

    private func json<T: Decodable>(_ type: T.Type, _ exchange: HTTPExchange) async throws -> T {
        let reply = try await send(exchange)
        guard (200..<300).contains(reply.status) else { throw refusal(reply, path: exchange.path) }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(T.self, from: reply.body)
        } catch {
            throw ClientError.unexpectedReply(server: transport.serverName + exchange.path, reason: "the JSON does not decode as \(T.self)")
        }
    }

    private func refusal(_ reply: HTTPReply, path: String) -> ClientError {
        struct Body: Decodable { var code: String?; var error: String? }
        let body = try? JSONDecoder().decode(Body.self, from: reply.body)
        return .refused(server: transport.serverName + path, status: reply.status, code: body?.code ?? "http_error",
                        message: body?.error ?? String(decoding: reply.body.prefix(200), as: UTF8.self))
    }
}

extension Optional {
    /// The value, or the result of `fallback` when nil.
    func asyncOr(_ fallback: () async throws -> Wrapped) async rethrows -> Wrapped {
        if let self { return self }
        return try await fallback()
    }
}
