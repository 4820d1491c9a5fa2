import EncryptedML
import Foundation

/// Keys behind the in-memory cache: what `POST /v1/keys`, `POST /v1/infer/{id}`,
/// `GET /v1/keys` and `DELETE /v1/keys/{id}` do when the service has a `store`.
///
/// The registry is a cache of deserialized keys (bounded by `limits.maxKeyMemoryBytes`); the
/// store holds the serialized bytes (bounded per principal by `limits.maxRegisteredClients`
/// key sets and its share of `limits.maxStoredKeyBytes`). A cache miss reads the store and
/// validates the bytes exactly as an upload; an unreachable store costs a 503 only for what
/// the cache does not hold.
extension EncryptedInferenceService {
    /// The store limits of one principal.
    public var storeQuota: KeyStoreQuota {
        KeyStoreQuota(maxKeySets: limits.maxRegisteredClients, maxBytes: limits.maxStoredKeyBytes / owners)
    }

    /// The store scope of `owner`'s keys for this model.
    /// - Parameter owner: the principal.
    /// - Returns: the scope.
    public func scope(of owner: String) -> KeyScope {
        KeyScope(model: EncMLFormat.keySetName(modelTag), owner: owner)
    }

    /// Validates and caches serialized evaluation keys (`registerEvaluationKeys`), then saves
    /// them in the store, evicting `owner`'s least recently used stored key sets beyond its
    /// quota. Cost: `registerEvaluationKeys` plus one write of the bytes to the store.
    /// - Parameters:
    ///   - keyBytes: the serialized keys (untrusted).
    ///   - owner: the principal uploading them.
    /// - Returns: the id to query with.
    /// - Throws: what `registerEvaluationKeys` throws; `.storeUnavailable` (503) when the
    ///   store fails (the keys stay cached on this replica).
    public func uploadEvaluationKeys(_ keyBytes: Data, owner: String = "anonymous") async throws(ServiceError) -> String {
        let id = try registerEvaluationKeys(keyBytes, owner: owner)
        guard let store else { return id }
        let keySet = EncMLFormat.keySetName(EncMLFormat.keySet(of: keyBytes) ?? 0)
        try await storeCall("save") {
            _ = try await store.save(StoredEvaluationKeys(id: id, scope: scope(of: owner), keySet: keySet, bytes: keyBytes),
                                     quota: storeQuota)
        }
        return id
    }

    /// Makes sure `owner`'s keys `id` are in the cache: a hit costs a lock; a miss reads the
    /// store and validates the bytes as an upload (a record that fails is deleted).
    /// Cost: O(1) on a hit; one read and one deserialization on a miss.
    /// - Parameters:
    ///   - id: the key set's id.
    ///   - owner: the principal asking.
    /// - Throws: `.unknownClient` (404) when neither holds them, `.storedKeysInvalid` (404)
    ///   for a stored record that fails validation, `.storeUnavailable` (503).
    public func ensureEvaluationKeys(_ id: String, owner: String = "anonymous") async throws(ServiceError) {
        if registry.contains(id, owner: owner) {
            metrics.recordKeyCache(hit: true)
            return
        }
        metrics.recordKeyCache(hit: false)
        guard let store else {
            metrics.recordError("unknown_client")
            throw .unknownClient(id: id)
        }
        let scope = scope(of: owner)
        let stored = try await storeCall("load") { try await store.load(id: id, scope: scope) }
        guard let bytes = stored else {
            metrics.recordError("unknown_client")
            throw .unknownClient(id: id)
        }
        do throws(ServiceError) {
            guard bytes.count == evaluationKeyBytes else {
                throw ServiceError.wrongKeySize(size: bytes.count, expected: evaluationKeyBytes)
            }
            try validateAndCache(bytes, id: id, owner: owner)
            guard Self.clientID(forKeyBytes: bytes) == id else {  // valid keys, but not the ones of this id
                registry.remove(id, owner: owner)
                throw ServiceError.malformed("the bytes do not hash to the id")
            }
        } catch {
            metrics.recordError("stored_keys_invalid")
            _ = try? await store.delete(id: id, scope: scope)
            throw .storedKeysInvalid(id: id, reason: error.description)
        }
    }

    /// The key sets `owner` has: those in the store, or in memory without one.
    /// Cost: one store query, or O(registered).
    /// - Parameter owner: the principal asking.
    /// - Returns: their descriptions, least recently used first.
    /// - Throws: `.storeUnavailable` (503).
    public func listEvaluationKeys(owner: String = "anonymous") async throws(ServiceError) -> [StoredKeySetInfo] {
        guard let store else { return registry.list(owner: owner) }
        let scope = scope(of: owner)
        return try await storeCall("list") { try await store.list(scope: scope) }
    }

    /// Deletes `owner`'s key set `id` from memory and from the store.
    /// Cost: O(1) plus one store delete.
    /// - Parameters:
    ///   - id: the key set's id.
    ///   - owner: the principal asking (another principal's keys are never touched).
    /// - Returns: whether anything was deleted.
    /// - Throws: `.storeUnavailable` (503).
    public func deleteEvaluationKeys(_ id: String, owner: String = "anonymous") async throws(ServiceError) -> Bool {
        let cached = registry.remove(id, owner: owner)
        guard let store else { return cached }
        let scope = scope(of: owner)
        let stored = try await storeCall("delete") { try await store.delete(id: id, scope: scope) }
        return cached || stored
    }

    /// Closes the store (at shutdown).
    public func closeStore() async {
        guard let store else { return }
        _ = try? await storeCall("close") { try await store.close() }
    }

    /// Runs a store operation, counting a failure and reporting it as `.storeUnavailable`.
    private func storeCall<T>(_ operation: String, _ body: () async throws -> T) async throws(ServiceError) -> T {
        do {
            return try await body()
        } catch {
            metrics.recordStoreError(operation: operation)
            metrics.recordError("store_unavailable")
            throw .storeUnavailable("\(operation): \(Self.storeReason(error))")
        }
    }

    /// A one-line reason from a store error (never key content: stores only report their own failures).
    static func storeReason(_ error: any Error) -> String {
        let text = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
        return String(text.split(whereSeparator: \.isNewline).first ?? "unknown error").prefix(300).description
    }
}
