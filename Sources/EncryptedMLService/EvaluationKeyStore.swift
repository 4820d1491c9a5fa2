import Foundation

/// Where a service keeps clients' evaluation keys beyond its in-memory cache (`KeyRegistry`),
/// so that a restarted process, or another replica, serves a client without a new upload.
///
/// A store holds keys in their serialized form (the bytes a client uploaded: seeded,
/// bit-packed) and knows nothing of CKKS: the service reads them back through the same
/// validation as an upload (size, header, parameters, model tag, rotation set, every field,
/// and the id, which is the SHA-256 of the bytes), so a corrupted or forged record is refused,
/// never trusted. Records are scoped by model tag and owner (the principal that uploaded
/// them): a store may be shared by several models and replicas.
///
/// Implementations: `SQLiteKeyStore` (a file; the default of `encml serve`) and
/// `PostgresKeyStore` (shared by replicas). An app plugs in its own by conforming to this
/// protocol. Errors thrown by a store are reported to clients as `ServiceError.storeUnavailable`
/// (HTTP 503 with Retry-After): the service stays up and serves what its cache holds.
public protocol EvaluationKeyStore: Sendable {
    /// Saves `keys` (replacing a record of the same scope and id, and marking it used now),
    /// then evicts the scope's least recently used records until it holds at most
    /// `quota.maxKeySets` records and `quota.maxBytes` bytes (never the record just saved).
    /// - Parameters:
    ///   - keys: the serialized keys and where they belong.
    ///   - quota: the scope's limits.
    /// - Returns: the ids evicted.
    func save(_ keys: StoredEvaluationKeys, quota: KeyStoreQuota) async throws -> [String]

    /// The serialized keys saved under `id` in `scope`, nil when there are none. Marks the
    /// record as used now.
    /// - Parameters:
    ///   - id: the key set's id.
    ///   - scope: the model and owner.
    /// - Returns: the bytes as saved (untrusted: validate before use).
    func load(id: String, scope: KeyScope) async throws -> Data?

    /// The records of `scope`, least recently used first.
    /// - Parameter scope: the model and owner.
    /// - Returns: their descriptions (no key bytes).
    func list(scope: KeyScope) async throws -> [StoredKeySetInfo]

    /// Deletes the record `id` of `scope`.
    /// - Parameters:
    ///   - id: the key set's id.
    ///   - scope: the model and owner.
    /// - Returns: whether a record was deleted.
    func delete(id: String, scope: KeyScope) async throws -> Bool

    /// Releases the store's connections. No other call may follow.
    func close() async throws
}

/// The model and owner a stored key set belongs to: every store operation is confined to one.
public struct KeyScope: Sendable, Hashable {
    /// The model tag the keys carry (16 hex digits, `EncMLFormat.keySetName(modelTag)`).
    public var model: String
    /// The principal that uploaded the keys.
    public var owner: String

    /// A scope.
    /// - Parameters:
    ///   - model: the model tag in hex.
    ///   - owner: the principal.
    public init(model: String, owner: String) {
        self.model = model
        self.owner = owner
    }
}

/// A key set to save: its serialized bytes and where it belongs.
public struct StoredEvaluationKeys: Sendable {
    /// The id (`EncryptedInferenceService.clientID(forKeyBytes:)`).
    public var id: String
    /// The model and owner.
    public var scope: KeyScope
    /// The key-set identifier the keys carry (16 hex digits).
    public var keySet: String
    /// The serialized keys.
    public var bytes: Data

    /// A record.
    /// - Parameters:
    ///   - id: the id of the bytes.
    ///   - scope: the model and owner.
    ///   - keySet: the key set in hex.
    ///   - bytes: the serialized keys.
    public init(id: String, scope: KeyScope, keySet: String, bytes: Data) {
        self.id = id
        self.scope = scope
        self.keySet = keySet
        self.bytes = bytes
    }
}

/// What `GET /v1/keys` reports of one stored key set (never key content).
public struct StoredKeySetInfo: Codable, Sendable, Equatable {
    /// The id to query with.
    public var id: String
    /// The key-set identifier (16 hex digits).
    public var keySet: String
    /// Serialized size in bytes.
    public var bytes: Int
    /// When the keys were (last) uploaded.
    public var storedAt: Date
    /// When a replica last read or uploaded them.
    public var lastUsedAt: Date

    /// A description.
    /// - Parameters:
    ///   - id: the id.
    ///   - keySet: the key set in hex.
    ///   - bytes: the serialized size.
    ///   - storedAt: upload time.
    ///   - lastUsedAt: last use.
    public init(id: String, keySet: String, bytes: Int, storedAt: Date, lastUsedAt: Date) {
        self.id = id
        self.keySet = keySet
        self.bytes = bytes
        self.storedAt = storedAt
        self.lastUsedAt = lastUsedAt
    }
}

/// The limits of one scope (model and owner) in a store: key sets and serialized bytes.
public struct KeyStoreQuota: Sendable, Equatable {
    /// Most key sets kept.
    public var maxKeySets: Int
    /// Most serialized bytes kept.
    public var maxBytes: Int

    /// A quota.
    /// - Parameters:
    ///   - maxKeySets: most key sets (≥ 1).
    ///   - maxBytes: most bytes (≥ 0).
    public init(maxKeySets: Int, maxBytes: Int) {
        self.maxKeySets = max(1, maxKeySets)
        self.maxBytes = max(0, maxBytes)
    }

    /// The ids to evict from `records` (the scope's records, the new one included) so that
    /// the rest fit: least recently used first, never `keeping`. Shared by every store so that
    /// they evict alike. Cost: O(n log n).
    /// - Parameters:
    ///   - records: the scope's records.
    ///   - keeping: the id just saved.
    /// - Returns: the ids to delete.
    public func evictions(of records: [StoredKeySetInfo], keeping: String) -> [String] {
        var count = records.count
        var bytes = records.reduce(0) { $0 + $1.bytes }
        var evicted: [String] = []
        for record in records.sorted(by: { ($0.lastUsedAt, $0.id) < ($1.lastUsedAt, $1.id) }) where record.id != keeping {
            guard count > maxKeySets || bytes > maxBytes else { break }
            evicted.append(record.id)
            count -= 1
            bytes -= record.bytes
        }
        return evicted
    }
}
