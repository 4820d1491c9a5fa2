import Foundation

/// The ids under which servers hold a client's evaluation keys, cached in a small JSON file
/// next to the keys (`CLIENT.evk.servers.json`), keyed by server URL and the keys'
/// fingerprint, so `encml query` uploads the keys once per server. The file holds ids
/// only (no key material); a stale id costs one 404 and a re-upload.
struct KeyIDCache {
    let path: String
    private(set) var entries: [String: String]

    /// The cache file beside `evalKeysPath` (empty when absent or unreadable).
    init(evalKeysPath: String) {
        path = evalKeysPath + ".servers.json"
        entries = (try? JSONDecoder().decode([String: String].self, from: Data(contentsOf: URL(fileURLWithPath: path)))) ?? [:]
    }

    static func key(server: String, fingerprint: String) -> String { server + "#" + fingerprint }

    /// The cached id for these keys on `server`.
    func id(server: String, fingerprint: String) -> String? { entries[Self.key(server: server, fingerprint: fingerprint)] }

    /// Records `id` and rewrites the file atomically (best effort: a read-only folder only
    /// costs an upload next time).
    mutating func store(_ id: String, server: String, fingerprint: String) {
        // Merge with what other concurrent runs wrote since we read it.
        let current = KeyIDCache(evalKeysPath: String(path.dropLast(".servers.json".count)))
        entries.merge(current.entries) { _, theirs in theirs }
        entries[Self.key(server: server, fingerprint: fingerprint)] = id
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        if let data = try? encoder.encode(entries) {
            try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }
}
