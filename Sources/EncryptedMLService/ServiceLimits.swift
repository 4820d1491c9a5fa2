import Foundation

/// Resource limits of an `EncryptedInferenceService`: they bound the memory one request
/// or one client can make the server allocate and the work it queues. Checked before any
/// deserialization.
public struct ServiceLimits: Sendable, Codable, Equatable {
    /// Largest evaluation-keys body accepted, in bytes (the exact size the model implies is
    /// checked too; this is an upper bound for any model).
    public var maxKeyBytes: Int
    /// Largest query body accepted, in bytes.
    public var maxQueryBytes: Int
    /// Most ciphertexts one query may hold (single packing: rows; batch: sets × features).
    public var maxCiphertextsPerQuery: Int
    /// Most key sets one principal (bearer token, or the anonymous one) keeps; registering one
    /// more evicts that principal's least recently used.
    public var maxRegisteredClients: Int
    /// Memory budget of the key registry, in bytes of deserialized keys (about 2.5–3× their
    /// upload size); split evenly between the principals.
    public var maxKeyMemoryBytes: Int
    /// Serialized bytes of evaluation keys a key store keeps, split evenly between the
    /// principals (each principal also keeps at most `maxRegisteredClients` key sets there);
    /// beyond, the principal's least recently used key sets are deleted from the store.
    public var maxStoredKeyBytes: Int
    /// Threads running inference (each one inference at a time).
    public var inferenceWorkers: Int
    /// Inferences that may wait for a worker; beyond, requests are refused with 503 and Retry-After.
    public var maxQueuedInferences: Int
    /// Request bodies read at the same time (uploads); beyond, 503 and Retry-After.
    public var maxConcurrentUploads: Int
    /// Seconds a connection may stay silent (headers or body) before it is closed.
    public var readTimeoutSeconds: Int

    /// Limits with defaults fit for models up to N = 2^14: 256 MiB of keys, 64 MiB of query,
    /// 1024 ciphertexts per query, 32 key sets per principal, 1 GiB of keys in memory and
    /// 16 GiB in the key store, one
    /// inference worker per core with twice as many waiting, 4 concurrent uploads, 30 s read timeout.
    /// - Parameters:
    ///   - maxKeyBytes: largest evaluation-keys body.
    ///   - maxQueryBytes: largest query body.
    ///   - maxCiphertextsPerQuery: most ciphertexts per query.
    ///   - maxRegisteredClients: most key sets per principal.
    ///   - maxKeyMemoryBytes: the registry's memory budget.
    ///   - maxStoredKeyBytes: the key store's budget (serialized bytes).
    ///   - inferenceWorkers: inference threads (default: the active cores).
    ///   - maxQueuedInferences: waiting inferences (default: twice the workers).
    ///   - maxConcurrentUploads: bodies read at once.
    ///   - readTimeoutSeconds: idle time before a connection is closed.
    public init(maxKeyBytes: Int = 256 << 20, maxQueryBytes: Int = 64 << 20,
                maxCiphertextsPerQuery: Int = 1024, maxRegisteredClients: Int = 32,
                maxKeyMemoryBytes: Int = 1 << 30, maxStoredKeyBytes: Int = 16 << 30, inferenceWorkers: Int? = nil, maxQueuedInferences: Int? = nil,
                maxConcurrentUploads: Int = 4, readTimeoutSeconds: Int = 30) {
        self.maxKeyBytes = maxKeyBytes
        self.maxQueryBytes = maxQueryBytes
        self.maxCiphertextsPerQuery = maxCiphertextsPerQuery
        self.maxRegisteredClients = maxRegisteredClients
        self.maxKeyMemoryBytes = maxKeyMemoryBytes
        self.maxStoredKeyBytes = maxStoredKeyBytes
        let workers = max(1, inferenceWorkers ?? ProcessInfo.processInfo.activeProcessorCount)
        self.inferenceWorkers = workers
        self.maxQueuedInferences = max(0, maxQueuedInferences ?? 2 * workers)
        self.maxConcurrentUploads = max(1, maxConcurrentUploads)
        self.readTimeoutSeconds = max(1, readTimeoutSeconds)
    }

    /// The largest body any endpoint accepts (what an HTTP layer may buffer at most).
    public var maxBodyBytes: Int { max(maxKeyBytes, maxQueryBytes) }
}
