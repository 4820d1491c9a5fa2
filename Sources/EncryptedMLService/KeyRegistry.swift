import EncryptedML
import Foundation

/// The evaluation keys of the registered clients, by owner (the principal that uploaded
/// them: a bearer token's name, or `anonymous`) and id. Each owner has a quota — at most
/// `capacity` key sets and `memoryBudget / owners` bytes of deserialized keys — and
/// registering beyond it evicts that owner's least recently used key sets only, so one
/// client cannot push another's keys out. Thread-safe: every access takes one lock for
/// O(1) work (O(entries) on an eviction), never across deserialization or inference.
public final class KeyRegistry: @unchecked Sendable {
    // @unchecked: all mutable state is guarded by `lock`.
    struct Entry {
        var keys: CKKSEvaluationKeys
        var bytes: Int
        var memoryBytes: Int
        var keySet: UInt64
        var lastUse: UInt64
        var registeredAt = Date()
        var lastUsedAt = Date()
    }

    struct Slot: Hashable {
        var owner: String
        var id: String
    }

    /// Most key sets kept per owner.
    public let capacity: Int
    /// Memory budget of the whole registry, in bytes of deserialized keys.
    public let memoryBudget: Int
    /// Number of owners the budget is split between.
    public let owners: Int
    private let lock = NSLock()
    private var entries: [Slot: Entry] = [:]
    private var clock: UInt64 = 0
    private var evictions = 0

    /// An empty registry.
    /// - Parameters:
    ///   - capacity: most key sets per owner (≥ 1).
    ///   - memoryBudget: bytes of deserialized keys in all (default: unbounded).
    ///   - owners: how many owners share the budget (each gets `memoryBudget / owners`).
    public init(capacity: Int, memoryBudget: Int = .max, owners: Int = 1) {
        self.capacity = max(1, capacity)
        self.memoryBudget = max(0, memoryBudget)
        self.owners = max(1, owners)
    }

    /// The memory quota of one owner, in bytes.
    public var quota: Int { memoryBudget / owners }

    /// Registers `keys` under `owner`/`id` (when present, it is only marked as used) and
    /// returns the ids of `owner` evicted to make room. Cost: O(1), O(entries) when evicting.
    /// - Parameters:
    ///   - keys: the deserialized keys.
    ///   - bytes: their serialized size.
    ///   - memoryBytes: their in-memory size (counted against the owner's quota).
    ///   - keySet: the key-set identifier the keys carry (queries must carry the same).
    ///   - id: the id the client uses.
    ///   - owner: the principal that uploaded them.
    /// - Returns: the evicted ids of `owner`.
    /// - Throws: `ServiceError.keyQuotaExceeded` when one key set alone exceeds the quota.
    @discardableResult
    public func insert(_ keys: CKKSEvaluationKeys, bytes: Int, memoryBytes: Int, keySet: UInt64 = 0,
                       id: String, owner: String = "anonymous") throws(ServiceError) -> [String] {
        guard memoryBytes <= quota else { throw .keyQuotaExceeded(need: memoryBytes, quota: quota) }
        lock.lock()
        defer { lock.unlock() }
        clock &+= 1
        let slot = Slot(owner: owner, id: id)
        if entries[slot] != nil {
            entries[slot]!.lastUse = clock
            return []
        }
        var evicted: [String] = []
        while true {
            let mine = entries.filter { $0.key.owner == owner }
            let used = mine.values.reduce(0) { $0 + $1.memoryBytes }
            guard mine.count >= capacity || used + memoryBytes > quota,
                  let oldest = mine.min(by: { $0.value.lastUse < $1.value.lastUse })?.key else { break }
            entries.removeValue(forKey: oldest)
            evicted.append(oldest.id)
            evictions += 1
        }
        entries[slot] = Entry(keys: keys, bytes: bytes, memoryBytes: memoryBytes, keySet: keySet, lastUse: clock)
        return evicted
    }

    /// The keys `owner` registered under `id` and their key-set identifier, marked as most
    /// recently used; nil when unknown. Cost: O(1).
    /// - Parameters:
    ///   - id: the id returned at registration.
    ///   - owner: the principal asking.
    /// - Returns: the keys and their key-set identifier.
    public func lookup(_ id: String, owner: String = "anonymous") -> (keys: CKKSEvaluationKeys, keySet: UInt64)? {
        lock.lock()
        defer { lock.unlock() }
        let slot = Slot(owner: owner, id: id)
        guard entries[slot] != nil else { return nil }
        clock &+= 1
        entries[slot]!.lastUse = clock
        entries[slot]!.lastUsedAt = Date()
        return (entries[slot]!.keys, entries[slot]!.keySet)
    }

    /// Forgets the keys `owner` registered under `id`. Cost: O(1).
    /// - Parameters:
    ///   - id: the id returned at registration.
    ///   - owner: the principal asking.
    /// - Returns: whether keys were held.
    @discardableResult
    public func remove(_ id: String, owner: String = "anonymous") -> Bool {
        lock.withLock { entries.removeValue(forKey: Slot(owner: owner, id: id)) != nil }
    }

    /// The key sets `owner` holds, least recently used first. Cost: O(entries).
    /// - Parameter owner: the principal asking.
    /// - Returns: their descriptions.
    public func list(owner: String = "anonymous") -> [StoredKeySetInfo] {
        lock.withLock {
            entries.filter { $0.key.owner == owner }.sorted { $0.value.lastUse < $1.value.lastUse }.map {
                StoredKeySetInfo(id: $0.key.id, keySet: EncMLFormat.keySetName($0.value.keySet), bytes: $0.value.bytes,
                                 storedAt: $0.value.registeredAt, lastUsedAt: $0.value.lastUsedAt)
            }
        }
    }

    /// Whether `owner` has keys under `id` (does not count as a use). Cost: O(1).
    /// - Parameters:
    ///   - id: the id returned at registration.
    ///   - owner: the principal asking.
    /// - Returns: true when registered.
    public func contains(_ id: String, owner: String = "anonymous") -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return entries[Slot(owner: owner, id: id)] != nil
    }

    /// Registered key sets, their serialized bytes and in-memory bytes in total, and
    /// evictions so far. Cost: O(count).
    public var statistics: (clients: Int, keyBytes: Int, memoryBytes: Int, evictions: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (entries.count, entries.values.reduce(0) { $0 + $1.bytes },
                entries.values.reduce(0) { $0 + $1.memoryBytes }, evictions)
    }
}
