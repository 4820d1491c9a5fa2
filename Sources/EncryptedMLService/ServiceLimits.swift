/// Resource limits of an `EncryptedInferenceService`: they bound the memory one request
/// or one client can make the server allocate. Checked before any deserialization.
public struct ServiceLimits: Sendable, Codable, Equatable {
    /// Largest evaluation-keys body accepted, in bytes.
    public var maxKeyBytes: Int
    /// Largest query body accepted, in bytes.
    public var maxQueryBytes: Int
    /// Most ciphertexts one query may hold (single packing: rows; batch: sets × features).
    public var maxCiphertextsPerQuery: Int
    /// Most clients whose evaluation keys are kept; registering one more evicts the least
    /// recently used.
    public var maxRegisteredClients: Int

    /// Limits with defaults fit for models up to N = 2^14: 256 MiB of keys, 64 MiB of query,
    /// 1024 ciphertexts per query, 32 registered clients.
    public init(maxKeyBytes: Int = 256 << 20, maxQueryBytes: Int = 64 << 20,
                maxCiphertextsPerQuery: Int = 1024, maxRegisteredClients: Int = 32) {
        self.maxKeyBytes = maxKeyBytes
        self.maxQueryBytes = maxQueryBytes
        self.maxCiphertextsPerQuery = maxCiphertextsPerQuery
        self.maxRegisteredClients = maxRegisteredClients
    }

    /// The largest body any endpoint accepts (what an HTTP layer may buffer at most).
    public var maxBodyBytes: Int { max(maxKeyBytes, maxQueryBytes) }
}
