import Crypto
import EncryptedML
import Foundation
import Models

/// Encrypted inference for a server app, without any HTTP: load a converted model once,
/// register clients' serialized evaluation keys under an id, answer serialized queries.
///
/// ```swift
/// let service = try EncryptedInferenceService(modelPath: "model.he.json")
/// let id = try service.registerEvaluationKeys(keyBytes)        // once per client
/// let resultBytes = try await service.inferOnExecutor(clientID: id, query: queryBytes)
/// ```
///
/// Loading pre-encodes every layer in both packings (`InferenceServer`), once. Keys and
/// queries are untrusted bytes: sizes are checked against `limits` and against what the
/// model implies (evaluation keys hold exactly the model's rotations, so their size is
/// fixed) before anything is decoded, then the serialization layer validates every field,
/// the parameters, the model tag and the key set. The id of a key set is derived from its
/// bytes (SHA-256), so uploading the same keys twice returns the same id and holds them once.
/// Keys are registered under an owner (the principal that uploaded them) and only that
/// owner can use or evict them.
///
/// Thread safety: the type is `Sendable`; its model, context and pre-encoded layers are
/// immutable, the key registry and the metrics take a short lock. `infer` holds no lock
/// while it computes. `inferOnExecutor` runs it on the bounded `executor` (HTTP servers
/// use it so that inference never starves the event loops).
public final class EncryptedInferenceService: Sendable {
    /// The served model.
    public let model: EncryptedModel
    /// Its CKKS context.
    public let context: CKKSContext
    /// The request limits.
    public let limits: ServiceLimits
    /// The model tag every key and ciphertext header must carry (`EncMLFormat.modelTag(for:)`).
    public let modelTag: UInt64
    /// Counters and latencies.
    public let metrics = ServiceMetrics()
    /// The registered clients' keys.
    public let registry: KeyRegistry
    /// The runtime with the pre-encoded layers.
    public let server: InferenceServer
    /// The rotation steps the evaluation keys must hold: exactly these.
    public let requiredRotations: [Int]
    /// The exact size in bytes of this model's evaluation keys.
    public let evaluationKeyBytes: Int
    /// The memory one registered key set takes, in bytes.
    public let evaluationKeyMemoryBytes: Int
    /// The bounded pool that runs inference.
    public let executor: InferenceExecutor
    /// Where keys are kept beyond the in-memory registry (nil: memory only; a restart
    /// forgets them). See `EncryptedInferenceService+KeyStore.swift`.
    public let store: (any EvaluationKeyStore)?
    /// The number of principals sharing the budgets.
    public let owners: Int

    /// Loads `model` (validated) and pre-encodes its layers for both packings.
    /// Cost: the context's tables plus one encoding per non-zero diagonal per layer (tens of ms to seconds).
    /// - Parameters:
    ///   - model: the converted model.
    ///   - limits: request and memory limits.
    ///   - owners: how many principals share the key memory budget (the number of bearer tokens; 1 without).
    ///   - store: where keys are kept beyond memory (nil: memory only).
    /// - Throws: `ServiceError.malformed` for an invalid model or a bad weights fingerprint.
    public init(model: EncryptedModel, limits: ServiceLimits = ServiceLimits(), owners: Int = 1,
                store: (any EvaluationKeyStore)? = nil) throws(ServiceError) {
        do {
            let server = try InferenceServer(model: model)  // validates the model, builds its context
            let context = server.context
            self.server = server
            let tag = try EncMLFormat.modelTag(for: model)
            self.model = model
            self.context = context
            self.modelTag = tag
        } catch {
            throw ServiceError.malformed("cannot serve the model: \(ServiceError.from(error).description)")
        }
        self.limits = limits
        self.store = store
        self.owners = max(1, owners)
        requiredRotations = model.plan.single.rotations
        evaluationKeyBytes = CKKSEvaluationKeys.serializedSize(context: context, rotationCount: requiredRotations.count)
        evaluationKeyMemoryBytes = CKKSEvaluationKeys.inMemorySize(context: context, rotationCount: requiredRotations.count)
        registry = KeyRegistry(capacity: limits.maxRegisteredClients, memoryBudget: limits.maxKeyMemoryBytes, owners: owners)
        executor = InferenceExecutor(workers: limits.inferenceWorkers, queueLimit: limits.maxQueuedInferences)
    }

    /// Loads `MODEL.he.json` from `modelPath` and serves it (see `init(model:limits:owners:)`).
    /// - Parameters:
    ///   - modelPath: the converted model file.
    ///   - limits: request and memory limits.
    ///   - owners: how many principals share the key memory budget.
    ///   - store: where keys are kept beyond memory (nil: memory only).
    public convenience init(modelPath: String, limits: ServiceLimits = ServiceLimits(), owners: Int = 1,
                            store: (any EvaluationKeyStore)? = nil) throws(ServiceError) {
        let model: EncryptedModel
        do {
            model = try EncryptedModel.load(from: modelPath)
        } catch {
            throw ServiceError.malformed(String(describing: error))
        }
        try self.init(model: model, limits: limits, owners: owners, store: store)
    }

    deinit { executor.shutdown() }

    /// The public part of the plan (`GET /v1/model`), read from the plan. Cost: O(model description).
    public var modelDescription: ServedModelDescription {
        ServedModelDescription(
            weightsFingerprint: model.weightsFingerprint, modelTag: EncMLFormat.keySetName(modelTag),
            contextFingerprint: String(format: "%016llx", context.fingerprint),
            featureNames: model.featureNames, classLabels: model.classLabels, outputCount: model.outputCount,
            decoding: model.decoding.rawValue, parameters: model.plan.parameters, depth: model.plan.depth,
            modes: PackingMode.allCases.map(\.rawValue),
            singleQueryRotations: model.plan.single.rotations, evaluationKeyBytes: evaluationKeyBytes,
            samplesPerCiphertext: model.plan.batch.samplesPerCiphertext, limits: limits)
    }

    /// The id under which `keyBytes` are (or would be) registered: the first 16 bytes of
    /// their SHA-256, in hex. Clients may compute it too. Cost: one hash of the bytes.
    /// - Parameter keyBytes: the serialized evaluation keys.
    /// - Returns: 32 hex digits.
    public static func clientID(forKeyBytes keyBytes: Data) -> String {
        SHA256.hash(data: keyBytes).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// Checks an upload's announced size before its body is read: this model's keys have
    /// exactly `evaluationKeyBytes` bytes. Cost: O(1).
    /// - Parameter size: the Content-Length (or the body's size).
    /// - Throws: `.bodyTooLarge` beyond `limits.maxKeyBytes`, `.wrongKeySize` for any other size.
    public func checkKeyUploadSize(_ size: Int) throws(ServiceError) {
        guard size <= limits.maxKeyBytes else {
            metrics.recordError("body_too_large")
            throw .bodyTooLarge(what: "the evaluation keys", size: size, limit: limits.maxKeyBytes)
        }
        guard size == evaluationKeyBytes else {
            metrics.recordError("wrong_key_size")
            throw .wrongKeySize(size: size, expected: evaluationKeyBytes)
        }
    }

    /// Validates serialized evaluation keys (size, header, parameters, model tag, exactly the
    /// model's rotation steps, every field) and registers them under `owner` in memory (not in
    /// the `store`: `uploadEvaluationKeys` does both); returns their id. Beyond the owner's quota (`limits.maxRegisteredClients` key sets, its share of
    /// `limits.maxKeyMemoryBytes`) the owner's least recently used key set is evicted.
    /// Cost: one pass over the bytes plus the AES expansion of the seeded key halves.
    /// - Parameters:
    ///   - keyBytes: the serialized keys (untrusted).
    ///   - owner: the principal uploading them.
    /// - Returns: the id to query with.
    /// - Throws: `.bodyTooLarge` (413), `.wrongKeySize`/`.malformed` (400), `.mismatched` for keys
    ///   of other parameters or another model (409), `.keyQuotaExceeded` (413).
    public func registerEvaluationKeys(_ keyBytes: Data, owner: String = "anonymous") throws(ServiceError) -> String {
        try checkKeyUploadSize(keyBytes.count)
        let id = Self.clientID(forKeyBytes: keyBytes)
        if registry.contains(id, owner: owner) {  // same bytes already validated: only mark as used
            _ = registry.lookup(id, owner: owner)
            metrics.recordKeyUpload()
            return id
        }
        do {
            try validateAndCache(keyBytes, id: id, owner: owner)
        } catch {
            metrics.recordError(error.code)
            throw error
        }
        metrics.recordKeyUpload()
        return id
    }

    /// Deserializes `keyBytes` with every check and caches them under `owner`/`id`.
    /// The one validation path of uploaded and stored keys.
    func validateAndCache(_ keyBytes: Data, id: String, owner: String) throws(ServiceError) {
        do {
            let keys = try CKKSEvaluationKeys.deserialize(keyBytes, context: context, modelTag: modelTag,
                                                          requiredSteps: requiredRotations, file: "evaluation keys")
            let keySet = EncMLFormat.keySet(of: keyBytes) ?? 0
            try registry.insert(keys, bytes: keyBytes.count, memoryBytes: evaluationKeyMemoryBytes, keySet: keySet,
                                id: id, owner: owner)
        } catch {
            throw ServiceError.from(error)
        }
    }

    /// Whether `owner` has keys registered under `id`.
    /// - Parameters:
    ///   - id: the id returned by `registerEvaluationKeys`.
    ///   - owner: the principal asking.
    /// - Returns: true when registered.
    public func isRegistered(_ id: String, owner: String = "anonymous") -> Bool { registry.contains(id, owner: owner) }

    /// Runs the model on a serialized query (an `ENCML` ciphertext bundle with the query role)
    /// with the keys `owner` registered under `clientID`; returns the serialized encrypted
    /// result. Holds no lock while computing. Cost: deserialization + `InferenceServer.infer` + serialization.
    /// - Parameters:
    ///   - clientID: the id returned by `registerEvaluationKeys`.
    ///   - owner: the principal asking.
    ///   - queryBytes: the serialized query (untrusted).
    /// - Returns: the serialized result.
    /// - Throws: `.unknownClient` (404), `.bodyTooLarge`/`.tooManyCiphertexts` (413),
    ///   `.malformed`/`.invalidQuery` (400), `.mismatched` for a query of other parameters,
    ///   another model (409), `.keySetMismatch` for a query of another key set (409).
    public func infer(clientID: String, owner: String = "anonymous", query queryBytes: Data) throws(ServiceError) -> Data {
        do {
            return try inferThrowing(clientID: clientID, owner: owner, queryBytes)
        } catch {
            let failure = ServiceError.from(error)
            metrics.recordError(failure.code)
            throw failure
        }
    }

    /// `infer` on the bounded `executor`: refused at once with `.overloaded` (503) when every
    /// worker is busy and `limits.maxQueuedInferences` wait already.
    /// - Parameters:
    ///   - clientID: the id returned by `registerEvaluationKeys`.
    ///   - owner: the principal asking.
    ///   - queryBytes: the serialized query (untrusted).
    /// - Returns: the serialized result.
    public func inferOnExecutor(clientID: String, owner: String = "anonymous", query queryBytes: Data) async throws(ServiceError) -> Data {
        do {
            return try await executor.run { () throws(ServiceError) -> Data in
                try self.infer(clientID: clientID, owner: owner, query: queryBytes)
            }
        } catch {
            if case .overloaded = error { metrics.recordError(error.code) }
            throw error
        }
    }

    private func inferThrowing(clientID: String, owner: String, _ queryBytes: Data) throws -> Data {
        let start = DispatchTime.now().uptimeNanoseconds
        guard queryBytes.count <= limits.maxQueryBytes else {
            throw ServiceError.bodyTooLarge(what: "the query", size: queryBytes.count, limit: limits.maxQueryBytes)
        }
        guard let entry = registry.lookup(clientID, owner: owner) else { throw ServiceError.unknownClient(id: clientID) }
        let keys = entry.keys
        let bundle = try CiphertextBundle.deserialize(queryBytes, context: context, modelTag: modelTag, role: .query, file: "query")
        guard bundle.keySet == entry.keySet else {
            throw ServiceError.keySetMismatch(query: EncMLFormat.keySetName(bundle.keySet), keys: EncMLFormat.keySetName(entry.keySet))
        }
        guard bundle.ciphertexts.count <= limits.maxCiphertextsPerQuery else {
            throw ServiceError.tooManyCiphertexts(count: bundle.ciphertexts.count, limit: limits.maxCiphertextsPerQuery)
        }
        let expected = model.queryCiphertextCount(rows: bundle.rowCount, mode: bundle.mode)
        guard bundle.width == model.featureCount, bundle.ciphertexts.count == expected else {
            throw ServiceError.invalidQuery(
                "query: \(bundle.rowCount) rows of \(bundle.width) values in \(bundle.ciphertexts.count) ciphertexts; "
                    + "this model needs \(model.featureCount) values per row in \(expected) ciphertexts")
        }
        let query = EncryptedQuery(mode: bundle.mode, rowCount: bundle.rowCount, ciphertexts: bundle.ciphertexts, keySet: bundle.keySet)
        let result = try server.infer(query, evaluationKeys: keys)
        let out = CiphertextBundle(role: .result, mode: result.mode, rowCount: result.rowCount,
                                   width: model.outputCount, ciphertexts: result.ciphertexts, keySet: result.keySet)
        let bytes = try out.serialized(context: context, modelTag: modelTag)
        metrics.recordInference(rows: bundle.rowCount, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        return bytes
    }

    /// The metrics in Prometheus text format, including the registry's gauges and the executor's load.
    /// - Returns: the exposition text.
    public func prometheusMetrics() -> String { metrics.prometheusText(registry: registry, executor: executor) }
}
