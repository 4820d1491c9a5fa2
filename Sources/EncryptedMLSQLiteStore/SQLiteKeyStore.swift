import EncryptedMLService
import Foundation
import NIOCore
import SQLiteNIO

/// Evaluation keys in an SQLite file (`encml serve --key-store sqlite:PATH`, the default, a
/// file beside the model): a restarted server serves its clients without a new upload.
///
/// One table, `evaluation_keys (model, owner, id)` → key set, size, the serialized bytes and
/// two timestamps; WAL journal, so that several processes on one machine may share the file
/// (a busy file is retried for 5 s). SQLite is compiled into the package (sqlite-nio): no
/// system library. Calls run on NIO's blocking thread pool, never on an event loop.
/// Cost per call: one statement (save: an upsert of the bytes, a listing and the evictions).
public final class SQLiteKeyStore: EvaluationKeyStore {
    /// The database file.
    public let path: String
    private let connection: SQLiteConnection

    private init(path: String, connection: SQLiteConnection) {
        self.path = path
        self.connection = connection
    }

    /// Opens (creating when missing) the store in `path`.
    /// - Parameter path: the database file.
    /// - Returns: the store.
    /// - Throws: `KeyStoreError` when the file cannot be opened or is not an SQLite database of this layout.
    public static func open(path: String) async throws(KeyStoreError) -> SQLiteKeyStore {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path))
        } catch {
            throw KeyStoreError("\(path): cannot open the SQLite key store (\(error)); check that the folder exists and is writable")
        }
        let store = SQLiteKeyStore(path: path, connection: connection)
        do {
            _ = try await connection.query("PRAGMA busy_timeout = 5000")
            _ = try await connection.query("PRAGMA journal_mode = WAL")
            _ = try await connection.query("""
                CREATE TABLE IF NOT EXISTS evaluation_keys (
                    model TEXT NOT NULL, owner TEXT NOT NULL, id TEXT NOT NULL, key_set TEXT NOT NULL,
                    size INTEGER NOT NULL, bytes BLOB NOT NULL, stored_at REAL NOT NULL, last_used_at REAL NOT NULL,
                    PRIMARY KEY (model, owner, id))
                """)
        } catch {
            try? await connection.close()
            throw KeyStoreError("\(path): not a usable SQLite key store (\(error)); give another --key-store file")
        }
        return store
    }

    public func save(_ keys: StoredEvaluationKeys, quota: KeyStoreQuota) async throws -> [String] {
        let now = Date().timeIntervalSince1970
        try await run("save") {
            _ = try await connection.query("""
                INSERT INTO evaluation_keys (model, owner, id, key_set, size, bytes, stored_at, last_used_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (model, owner, id) DO UPDATE SET key_set = excluded.key_set, size = excluded.size,
                    bytes = excluded.bytes, stored_at = excluded.stored_at, last_used_at = excluded.last_used_at
                """, [.text(keys.scope.model), .text(keys.scope.owner), .text(keys.id), .text(keys.keySet),
                      .integer(SQLiteInt64(keys.bytes.count)), .blob(ByteBuffer(bytes: keys.bytes)), .float(now), .float(now)])
        }
        let evicted = quota.evictions(of: try await list(scope: keys.scope), keeping: keys.id)
        for id in evicted { _ = try await delete(id: id, scope: keys.scope) }
        return evicted
    }

    public func load(id: String, scope: KeyScope) async throws -> Data? {
        try await run("load") {
            _ = try await connection.query("UPDATE evaluation_keys SET last_used_at = ? WHERE model = ? AND owner = ? AND id = ?",
                                           [.float(Date().timeIntervalSince1970), .text(scope.model), .text(scope.owner), .text(id)])
            let rows = try await connection.query("SELECT bytes FROM evaluation_keys WHERE model = ? AND owner = ? AND id = ?",
                                                  [.text(scope.model), .text(scope.owner), .text(id)])
            return rows.first?.column("bytes")?.blob.map { Data($0.readableBytesView) }
        }
    }

    public func list(scope: KeyScope) async throws -> [StoredKeySetInfo] {
        try await run("list") {
            let rows = try await connection.query("""
                SELECT id, key_set, size, stored_at, last_used_at FROM evaluation_keys
                WHERE model = ? AND owner = ? ORDER BY last_used_at, id
                """, [.text(scope.model), .text(scope.owner)])
            return rows.map { row in
                StoredKeySetInfo(id: row.column("id")?.string ?? "", keySet: row.column("key_set")?.string ?? "",
                                 bytes: Int(row.column("size")?.integer ?? 0),
                                 storedAt: Date(timeIntervalSince1970: row.column("stored_at")?.double ?? 0),
                                 lastUsedAt: Date(timeIntervalSince1970: row.column("last_used_at")?.double ?? 0))
            }
        }
    }

    public func delete(id: String, scope: KeyScope) async throws -> Bool {
        try await run("delete") {
            let rows = try await connection.query("DELETE FROM evaluation_keys WHERE model = ? AND owner = ? AND id = ? RETURNING id",
                                                  [.text(scope.model), .text(scope.owner), .text(id)])
            return !rows.isEmpty
        }
    }

    public func close() async throws {
        try await run("close") { try await connection.close() }
    }

    /// Runs a statement, turning the driver's error into a `KeyStoreError` that names the file.
    private func run<T>(_ operation: String, _ body: () async throws -> T) async throws(KeyStoreError) -> T {
        do {
            return try await body()
        } catch {
            throw KeyStoreError("\(path): SQLite \(operation) failed (\(error))")
        }
    }
}
