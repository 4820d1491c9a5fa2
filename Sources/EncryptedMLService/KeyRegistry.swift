import EncryptedML
import Foundation

/// The evaluation keys of the registered clients, by id, with least-recently-used eviction
/// once `capacity` clients are registered. Thread-safe: every access takes one lock for
/// O(1) work (O(capacity) on an eviction), never across deserialization or inference, so
/// inferences for different clients (or the same one) run concurrently.
public final class KeyRegistry: @unchecked Sendable {
    // @unchecked: all mutable state is guarded by `lock`.
    struct Entry {
        var keys: CKKSEvaluationKeys
        var bytes: Int
        var lastUse: UInt64
    }

    /// Most clients kept.
    public let capacity: Int
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var clock: UInt64 = 0
    private var evictions = 0

    /// An empty registry holding at most `capacity` (≥ 1) clients.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Registers `keys` under `id` (replacing nothing when the id is present: it is only
    /// marked as used) and returns the ids evicted to make room. Cost: O(1), O(capacity) when evicting.
    @discardableResult
    public func insert(_ keys: CKKSEvaluationKeys, bytes: Int, id: String) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        clock &+= 1
        if entries[id] != nil {
            entries[id]!.lastUse = clock
            return []
        }
        var evicted: [String] = []
        while entries.count >= capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            entries.removeValue(forKey: oldest)
            evicted.append(oldest)
            evictions += 1
        }
        entries[id] = Entry(keys: keys, bytes: bytes, lastUse: clock)
        return evicted
    }

    /// The keys registered under `id`, marked as most recently used; nil when unknown. Cost: O(1).
    public func lookup(_ id: String) -> CKKSEvaluationKeys? {
        lock.lock()
        defer { lock.unlock() }
        guard entries[id] != nil else { return nil }
        clock &+= 1
        entries[id]!.lastUse = clock
        return entries[id]!.keys
    }

    /// Whether `id` is registered (does not count as a use). Cost: O(1).
    public func contains(_ id: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return entries[id] != nil
    }

    /// Registered clients, their serialized key bytes in total, and evictions so far. Cost: O(count).
    public var statistics: (clients: Int, keyBytes: Int, evictions: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (entries.count, entries.values.reduce(0) { $0 + $1.bytes }, evictions)
    }
}
