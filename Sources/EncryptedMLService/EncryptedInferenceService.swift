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
/// let resultBytes = try service.infer(clientID: id, query: queryBytes)
/// ```
///
/// Loading pre-encodes every layer in both packings (`InferenceServer`), once. Keys and
/// queries are untrusted bytes: sizes are checked against `limits` before anything is
/// decoded, then the serialization layer validates every field, the parameters and the
/// model tag. The id of a key set is derived from its bytes (SHA-256), so uploading the
/// same keys twice returns the same id and holds them once.
///
/// Thread safety: the type is `Sendable`; its model, context and pre-encoded layers are
/// immutable, the key registry and the metrics take a short lock. `infer` holds no lock
/// while it computes, so concurrent calls run in parallel (one core each). `infer` is
/// synchronous and CPU bound: an async server should run it off its event loops.
public final class EncryptedInferenceService: Sendable {
    /// The served model.
    public let model: EncryptedModel
    /// Its CKKS context.
    public let context: CKKSContext
    /// The request limits.
    public let limits: ServiceLimits
    /// The model tag every key and ciphertext header must carry (the weights fingerprint).
    public let modelTag: UInt64
    /// Counters and latencies.
    public let metrics = ServiceMetrics()
    /// The registered clients' keys.
    public let registry: KeyRegistry
    /// The runtime with the pre-encoded layers.
    public let server: InferenceServer

    /// Loads `model` (validated) and pre-encodes its layers for both packings.
    /// Cost: the context's tables plus one encoding per non-zero diagonal per layer (tens of ms to seconds).
    /// - Throws: `ServiceError.malformed` for an invalid model or a bad weights fingerprint.
    public init(model: EncryptedModel, limits: ServiceLimits = ServiceLimits()) throws(ServiceError) {
        do {
            guard let tag = EncMLFormat.modelTag(weightsFingerprint: model.weightsFingerprint) else {
                throw ServiceError.malformed("the model's weightsFingerprint '\(model.weightsFingerprint)' is not 16 hex digits; convert the model again")
            }
            let server = try InferenceServer(model: model)  // validates the model, builds its context
            let context = server.context
            self.server = server
            self.model = model
            self.context = context
            self.modelTag = tag
        } catch {
            throw ServiceError.malformed("cannot serve the model: \(ServiceError.from(error).description)")
        }
        self.limits = limits
        self.registry = KeyRegistry(capacity: limits.maxRegisteredClients)
    }

    /// Loads `MODEL.he.json` from `modelPath` and serves it (see `init(model:limits:)`).
    public convenience init(modelPath: String, limits: ServiceLimits = ServiceLimits()) throws(ServiceError) {
        let model: EncryptedModel
        do {
            model = try EncryptedModel.load(from: modelPath)
        } catch {
            throw ServiceError.malformed(String(describing: error))
        }
        try self.init(model: model, limits: limits)
    }

    /// The public part of the plan (`GET /v1/model`), read from the plan. Cost: O(model description).
    public var modelDescription: ServedModelDescription {
        ServedModelDescription(
            weightsFingerprint: model.weightsFingerprint,
            contextFingerprint: String(format: "%016llx", context.fingerprint),
            featureNames: model.featureNames, classLabels: model.classLabels, outputCount: model.outputCount,
            decoding: model.decoding.rawValue, parameters: model.plan.parameters, depth: model.plan.depth,
            modes: PackingMode.allCases.map(\.rawValue),
            singleQueryRotations: model.plan.single.rotations,
            samplesPerCiphertext: model.plan.batch.samplesPerCiphertext, limits: limits)
    }

    /// The id under which `keyBytes` are (or would be) registered: the first 16 bytes of
    /// their SHA-256, in hex. Clients may compute it too. Cost: one hash of the bytes.
    public static func clientID(forKeyBytes keyBytes: Data) -> String {
        SHA256.hash(data: keyBytes).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// Validates serialized evaluation keys (size limit, header, parameters, model tag, every
    /// field) and registers them; returns their id. Registering beyond
    /// `limits.maxRegisteredClients` evicts the least recently used client.
    /// Cost: one pass over the bytes plus the AES expansion of the seeded key halves.
    /// - Throws: `.bodyTooLarge` (413), `.malformed` (400), `.mismatched` for keys of other
    ///   parameters or another model (409).
    public func registerEvaluationKeys(_ keyBytes: Data) throws(ServiceError) -> String {
        guard keyBytes.count <= limits.maxKeyBytes else {
            metrics.recordError("body_too_large")
            throw .bodyTooLarge(what: "the evaluation keys", size: keyBytes.count, limit: limits.maxKeyBytes)
        }
        let id = Self.clientID(forKeyBytes: keyBytes)
        if registry.contains(id) {  // same bytes already validated: only mark as used
            _ = registry.lookup(id)
            metrics.recordKeyUpload()
            return id
        }
        let keys: CKKSEvaluationKeys
        do {
            keys = try CKKSEvaluationKeys.deserialize(keyBytes, context: context, modelTag: modelTag, file: "evaluation keys")
        } catch {
            let failure = ServiceError.from(error)
            metrics.recordError(failure.code)
            throw failure
        }
        registry.insert(keys, bytes: keyBytes.count, id: id)
        metrics.recordKeyUpload()
        return id
    }

    /// Whether keys are registered under `id`.
    public func isRegistered(_ id: String) -> Bool { registry.contains(id) }

    /// Runs the model on a serialized query (an `ENCML` ciphertext bundle with the query role)
    /// with the keys of `clientID`; returns the serialized encrypted result. Holds no lock
    /// while computing. Cost: deserialization + `InferenceServer.infer` + serialization.
    /// - Throws: `.unknownClient` (404), `.bodyTooLarge`/`.tooManyCiphertexts` (413),
    ///   `.malformed`/`.invalidQuery` (400), `.mismatched` for a query of other parameters or
    ///   another model (409).
    public func infer(clientID: String, query queryBytes: Data) throws(ServiceError) -> Data {
        do {
            return try inferThrowing(clientID: clientID, queryBytes)
        } catch {
            let failure = ServiceError.from(error)
            metrics.recordError(failure.code)
            throw failure
        }
    }

    private func inferThrowing(clientID: String, _ queryBytes: Data) throws -> Data {
        let start = DispatchTime.now().uptimeNanoseconds
        guard queryBytes.count <= limits.maxQueryBytes else {
            throw ServiceError.bodyTooLarge(what: "the query", size: queryBytes.count, limit: limits.maxQueryBytes)
        }
        guard let keys = registry.lookup(clientID) else { throw ServiceError.unknownClient(id: clientID) }
        let bundle = try CiphertextBundle.deserialize(queryBytes, context: context, modelTag: modelTag, role: .query, file: "query")
        guard bundle.ciphertexts.count <= limits.maxCiphertextsPerQuery else {
            throw ServiceError.tooManyCiphertexts(count: bundle.ciphertexts.count, limit: limits.maxCiphertextsPerQuery)
        }
        let expected = model.queryCiphertextCount(rows: bundle.rowCount, mode: bundle.mode)
        guard bundle.width == model.featureCount, bundle.ciphertexts.count == expected else {
            throw ServiceError.invalidQuery(
                "query: \(bundle.rowCount) rows of \(bundle.width) values in \(bundle.ciphertexts.count) ciphertexts; "
                    + "this model needs \(model.featureCount) values per row in \(expected) ciphertexts")
        }
        let query = EncryptedQuery(mode: bundle.mode, rowCount: bundle.rowCount, ciphertexts: bundle.ciphertexts)
        let result = try server.infer(query, evaluationKeys: keys)
        let out = CiphertextBundle(role: .result, mode: result.mode, rowCount: result.rowCount,
                                   width: model.outputCount, ciphertexts: result.ciphertexts)
        let bytes = try out.serialized(context: context, modelTag: modelTag)
        metrics.recordInference(rows: bundle.rowCount, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        return bytes
    }

    /// The metrics in Prometheus text format, including the registry's gauges.
    public func prometheusMetrics() -> String { metrics.prometheusText(registry: registry) }
}
