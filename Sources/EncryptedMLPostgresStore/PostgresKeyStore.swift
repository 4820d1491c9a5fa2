import EncryptedMLService
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Evaluation keys in PostgreSQL (`encml serve --key-store postgres://USER@HOST:PORT/DB`):
/// several replicas behind a load balancer share the keys their clients uploaded, so any of
/// them answers a client without a new upload, and a replica can die or restart freely.
///
/// One table, `encml_evaluation_keys (model, owner, id)` → key set, size, the serialized
/// bytes (`bytea`) and two timestamps, created when missing. A pool of connections
/// (postgres-nio's `PostgresClient`, at most 8) runs in a task owned by the store. Every
/// operation has a deadline (`timeout`): a database that does not answer makes the service
/// answer 503 within it, never hang. TLS is not used (loopback or a private network); the
/// password, if any, comes from the `PGPASSWORD` environment variable, never the URL.
/// Cost per call: one round trip per statement.
public final class PostgresKeyStore: EvaluationKeyStore {
    /// The database URL without the password.
    public let url: String
    /// Deadline of one operation.
    public let timeout: Duration
    private let client: PostgresClient
    private let runner: Task<Void, Never>

    private init(url: String, client: PostgresClient, timeout: Duration) {
        self.url = url
        self.client = client
        self.timeout = timeout
        runner = Task { await client.run() }
    }

    /// Parses `postgres://USER@HOST:PORT/DB` (or `postgresql://`; the port defaults to 5432).
    /// - Parameter url: the database URL.
    /// - Returns: the parts.
    /// - Throws: `KeyStoreError` for another form.
    public static func parse(_ url: String) throws(KeyStoreError) -> (user: String, host: String, port: Int, database: String) {
        guard let parts = URLComponents(string: url), parts.scheme == "postgres" || parts.scheme == "postgresql",
              let host = parts.host, !host.isEmpty, let user = parts.user, !user.isEmpty else {
            throw KeyStoreError("'\(url)' is not a PostgreSQL URL; expected postgres://USER@HOST:PORT/DB")
        }
        guard parts.password == nil else {
            throw KeyStoreError("\(url): put the password in the PGPASSWORD environment variable, not in the URL")
        }
        let database = String(parts.path.drop(while: { $0 == "/" }))
        return (user, host, parts.port ?? 5432, database.isEmpty ? user : database)
    }

    /// Connects to the database at `url` and creates the table when missing.
    /// - Parameters:
    ///   - url: `postgres://USER@HOST:PORT/DB`.
    ///   - timeout: deadline of each operation (the first connection and the table check get at least 30 s).
    ///   - logger: where the pool logs (connection failures at warning).
    /// - Returns: the store.
    /// - Throws: `KeyStoreError` when the URL is invalid or the database does not answer.
    public static func open(url: String, timeout: Duration = .seconds(5),
                            logger: Logger = Logger(label: "encml.keystore")) async throws(KeyStoreError) -> PostgresKeyStore {
        let (user, host, port, database) = try parse(url)
        var configuration = PostgresClient.Configuration(host: host, port: port, username: user,
                                                         password: ProcessInfo.processInfo.environment["PGPASSWORD"],
                                                         database: database, tls: .disable)
        configuration.options.maximumConnections = 8
        configuration.options.connectTimeout = max(timeout, .seconds(10))
        let store = PostgresKeyStore(url: url, client: PostgresClient(configuration: configuration, backgroundLogger: logger),
                                     timeout: timeout)
        do {
            try await store.run("create the table", within: max(timeout, .seconds(30))) { client in
                _ = try await client.query("""
                    CREATE TABLE IF NOT EXISTS encml_evaluation_keys (
                        model TEXT NOT NULL, owner TEXT NOT NULL, id TEXT NOT NULL, key_set TEXT NOT NULL,
                        size BIGINT NOT NULL, bytes BYTEA NOT NULL,
                        stored_at DOUBLE PRECISION NOT NULL, last_used_at DOUBLE PRECISION NOT NULL,
                        PRIMARY KEY (model, owner, id))
                    """)
            }
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }

    public func save(_ keys: StoredEvaluationKeys, quota: KeyStoreQuota) async throws -> [String] {
        let now = Date().timeIntervalSince1970
        let (model, owner, id, keySet, size, bytes) = (keys.scope.model, keys.scope.owner, keys.id, keys.keySet, keys.bytes.count,
                                                       ByteBuffer(bytes: keys.bytes))
        try await run("save") { client in
            _ = try await client.query("""
                INSERT INTO encml_evaluation_keys (model, owner, id, key_set, size, bytes, stored_at, last_used_at)
                VALUES (\(model), \(owner), \(id), \(keySet), \(size), \(bytes), \(now), \(now))
                ON CONFLICT (model, owner, id) DO UPDATE SET key_set = EXCLUDED.key_set, size = EXCLUDED.size,
                    bytes = EXCLUDED.bytes, stored_at = EXCLUDED.stored_at, last_used_at = EXCLUDED.last_used_at
                """)
        }
        let evicted = quota.evictions(of: try await list(scope: keys.scope), keeping: keys.id)
        for id in evicted { _ = try await delete(id: id, scope: keys.scope) }
        return evicted
    }

    public func load(id: String, scope: KeyScope) async throws -> Data? {
        let (model, owner, now) = (scope.model, scope.owner, Date().timeIntervalSince1970)
        return try await run("load") { client in
            let rows = try await client.query("""
                UPDATE encml_evaluation_keys SET last_used_at = \(now)
                WHERE model = \(model) AND owner = \(owner) AND id = \(id) RETURNING bytes
                """)
            for try await bytes in rows.decode(ByteBuffer.self) { return Data(bytes.readableBytesView) }
            return nil
        }
    }

    public func list(scope: KeyScope) async throws -> [StoredKeySetInfo] {
        let (model, owner) = (scope.model, scope.owner)
        return try await run("list") { client in
            let rows = try await client.query("""
                SELECT id, key_set, size, stored_at, last_used_at FROM encml_evaluation_keys
                WHERE model = \(model) AND owner = \(owner) ORDER BY last_used_at, id
                """)
            var out: [StoredKeySetInfo] = []
            for try await (id, keySet, size, storedAt, lastUsedAt) in rows.decode((String, String, Int, Double, Double).self) {
                out.append(StoredKeySetInfo(id: id, keySet: keySet, bytes: size, storedAt: Date(timeIntervalSince1970: storedAt),
                                            lastUsedAt: Date(timeIntervalSince1970: lastUsedAt)))
            }
            return out
        }
    }

    public func delete(id: String, scope: KeyScope) async throws -> Bool {
        let (model, owner) = (scope.model, scope.owner)
        return try await run("delete") { client in
            let rows = try await client.query("""
                DELETE FROM encml_evaluation_keys WHERE model = \(model) AND owner = \(owner) AND id = \(id) RETURNING id
                """)
            for try await _ in rows.decode(String.self) { return true }
            return false
        }
    }

    public func close() async throws {
        runner.cancel()
        await runner.value
    }

    /// Runs `body` within `deadline` (default `timeout`), turning a failure or a late answer into a `KeyStoreError`
    /// naming the database (never the password) and the operation.
    private func run<T: Sendable>(_ operation: String, within deadline: Duration? = nil,
                                  _ body: @escaping @Sendable (PostgresClient) async throws -> T) async throws(KeyStoreError) -> T {
        let (timeout, client, url) = (deadline ?? self.timeout, self.client, self.url)
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await body(client) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw KeyStoreError("\(url): PostgreSQL \(operation): no answer within \(timeout.components.seconds) s")
                }
                return value
            }
        } catch let error as KeyStoreError {
            throw error
        } catch {
            throw KeyStoreError("\(url): PostgreSQL \(operation) failed (\(Self.reason(error)))")
        }
    }

    /// The driver's reason in one line: the error code and the server's message or the
    /// underlying network error; never the query or its bound values (key bytes).
    static func reason(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error).prefix(200).description }
        if let message = error.serverInfo?[.message] { return "\(error.code): \(message)" }
        if let underlying = error.underlying { return "\(error.code): \(String(describing: underlying).prefix(200))" }
        return "\(error.code)"
    }
}
