import Foundation

/// Where a client remembers the ids under which servers hold its evaluation keys, keyed by
/// server and the keys' id, so that the keys are uploaded once per server.
public protocol KeyIDStore: Sendable {
    /// The cached id for keys with `fingerprint` on `server`, nil when unknown.
    /// - Parameters:
    ///   - server: the server's name (base URL).
    ///   - fingerprint: the keys' id as computed locally.
    /// - Returns: the id the server returned.
    func id(server: String, fingerprint: String) -> String?
    /// Records the id a server returned.
    /// - Parameters:
    ///   - id: the server's id.
    ///   - server: the server's name (base URL).
    ///   - fingerprint: the keys' id as computed locally.
    func store(_ id: String, server: String, fingerprint: String)
}

/// Ids kept for the lifetime of the value (an app's session).
public final class InMemoryKeyIDStore: KeyIDStore, @unchecked Sendable {
    // @unchecked: `entries` is only touched under `lock`.
    private let lock = NSLock()
    private var entries: [String: String] = [:]

    /// An empty store.
    public init() {}

    public func id(server: String, fingerprint: String) -> String? {
        lock.withLock { entries[server + "#" + fingerprint] }
    }

    public func store(_ id: String, server: String, fingerprint: String) {
        lock.withLock { entries[server + "#" + fingerprint] = id }
    }
}

/// Ids cached in a small JSON file (`encml query` uses `CLIENT.evk.servers.json` beside the
/// keys), so separate runs upload the keys once per server. The file holds ids only (no key
/// material); a stale id costs one 404 and a re-upload. Writes are atomic and merge what
/// concurrent runs wrote.
public struct KeyIDFileStore: KeyIDStore {
    /// The cache file.
    public let path: String

    /// A store in `path` (created on first write).
    /// - Parameter path: the JSON file.
    public init(path: String) { self.path = path }

    private func read() -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(contentsOf: URL(fileURLWithPath: path)))) ?? [:]
    }

    public func id(server: String, fingerprint: String) -> String? { read()[server + "#" + fingerprint] }

    /// Records `id` and rewrites the file atomically (best effort: a read-only folder only
    /// costs an upload next time).
    public func store(_ id: String, server: String, fingerprint: String) {
        var entries = read()
        entries[server + "#" + fingerprint] = id
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        if let data = try? encoder.encode(entries) {
            try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }
}
