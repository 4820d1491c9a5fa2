import EncryptedML
import EncryptedMLClient
import EncryptedMLServer
import EncryptedMLService
import EncryptedMLSQLiteStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

private struct ErrorBody: Decodable { var status: Int; var code: String; var error: String }

/// Keys behind the in-memory cache: an SQLite file that outlives the service, validation of
/// what is read back, per-token listing, deletion and quotas, and a store that goes away.
@Suite struct KeyStoreTests {
    let f = ServerFixture.shared

    /// A fresh SQLite file in a temporary folder (removed by `cleanup`).
    func temporaryStorePath() throws -> (path: String, cleanup: () -> Void) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("encml-keystore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return (dir.appendingPathComponent("keys.sqlite").path, { try? FileManager.default.removeItem(at: dir) })
    }

    func client(_ testClient: some TestClientProtocol, token: String, keyIDs: any KeyIDStore = InMemoryKeyIDStore()) throws -> EncryptedMLClient {
        try EncryptedMLClient(transport: RouterTransport(client: testClient), model: f.model, context: f.inference.context,
                              token: token, keyIDs: keyIDs)
    }

    @Test func aNewServiceOverTheSameSQLiteFileServesAQueryWithoutAnUpload() async throws {
        let (path, cleanup) = try temporaryStorePath()
        defer { cleanup() }
        let keyIDs = InMemoryKeyIDStore()
        let rows = Array(f.rows[30..<33])

        let first = try f.service(owners: 2, store: try await SQLiteKeyStore.open(path: path))
        try await testApplication(first).test(.router) { testClient in
            let predictions = try await client(testClient, token: tokenA, keyIDs: keyIDs).predict(rows, keys: f.keys)
            #expect(predictions.map(\.label) == f.labels(rows))
        }
        #expect(first.metrics.keyUploadCount == 1)
        await first.closeStore()

        // The "restarted" service: an empty cache over the same file.
        let restarted = try f.service(owners: 2, store: try await SQLiteKeyStore.open(path: path))
        defer { Task { await restarted.closeStore() } }
        #expect(restarted.registry.statistics.clients == 0)
        try await testApplication(restarted).test(.router) { testClient in
            let predictions = try await client(testClient, token: tokenA, keyIDs: keyIDs).predict(rows, keys: f.keys)
            #expect(predictions.map(\.label) == f.labels(rows))
            // Another token does not see them: its cached id is unknown to it and it uploads its own copy.
            let other = try await client(testClient, token: tokenB, keyIDs: keyIDs).predict(Array(rows.prefix(1)), keys: f.keys)
            #expect(other.map(\.label) == f.labels(Array(rows.prefix(1))))
        }
        #expect(restarted.metrics.keyUploadCount == 1, "token A's keys came from the store; only token B uploaded")
        #expect(restarted.metrics.keyCacheLookups.misses == 2 && restarted.metrics.keyCacheLookups.hits >= 1)
        #expect(restarted.prometheusMetrics().contains("encml_key_cache_lookups_total{result=\"miss\"} 2"))
    }

    @Test func aCorruptedStoredKeyIsRefusedByValidationDeletedAndUploadedAgain() async throws {
        let (path, cleanup) = try temporaryStorePath()
        defer { cleanup() }
        let store = try await SQLiteKeyStore.open(path: path)
        let service = try f.service(owners: 2, store: store)
        defer { Task { await service.closeStore() } }
        let owner = try principal(tokenA)
        let good = f.keys.evaluationKeyBytes
        let id = try await service.uploadEvaluationKeys(good, owner: owner)
        let keySet = EncMLFormat.keySetName(f.keys.keySet)

        var flippedTag = good
        flippedTag[16] ^= 1  // the model tag in the header
        var flippedMiddle = good
        flippedMiddle[good.count / 2] ^= 0x5a  // inside a key polynomial
        var flippedEnd = good
        flippedEnd[good.count - 1] ^= 0xff
        let corruptions: [(String, Data)] = [
            ("truncated", good.prefix(good.count - 100)), ("model tag flipped", flippedTag),
            ("a byte in the middle flipped", flippedMiddle), ("the last byte flipped", flippedEnd),
            ("random bytes of the right size", Data((0..<good.count).map { _ in UInt8.random(in: 0...255) })),
            ("another key set's valid keys", try ClientKeys.generate(for: f.inference).evaluationKeyBytes),
        ]
        for (what, bytes) in corruptions {
            _ = try await store.save(StoredEvaluationKeys(id: id, scope: service.scope(of: owner), keySet: keySet, bytes: bytes),
                                     quota: service.storeQuota)
            service.registry.remove(id, owner: owner)
            do {
                try await service.ensureEvaluationKeys(id, owner: owner)
                Issue.record("\(what): accepted")
            } catch {
                #expect(error.code == "stored_keys_invalid" && error.statusCode == 404, "\(what): \(error)")
            }
            #expect(!service.isRegistered(id, owner: owner), "\(what): cached")
            #expect(try await store.list(scope: service.scope(of: owner)).isEmpty, "\(what): the bad record was kept")
        }

        // Over HTTP: the client's cached id gets a 404 with the reason, uploads again, and is served.
        _ = try await store.save(StoredEvaluationKeys(id: id, scope: service.scope(of: owner), keySet: keySet, bytes: flippedMiddle),
                                 quota: service.storeQuota)
        let keyIDs = InMemoryKeyIDStore()
        keyIDs.store(id, server: "router", fingerprint: id)
        let tagFlipped = flippedTag
        try await testApplication(service).test(.router) { testClient in
            try await testClient.execute(uri: "/v1/infer/\(id)", method: .post,
                                         headers: [.authorization: "Bearer \(tokenA)", .contentType: "application/octet-stream"],
                                         body: ByteBuffer(bytes: try f.query(Array(f.rows[0..<1])))) { response in
                #expect(response.status == .notFound)
                let body = try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView))
                #expect(body.code == "stored_keys_invalid" && body.error.contains("upload them again"), "\(body.error)")
            }
            _ = try await store.save(StoredEvaluationKeys(id: id, scope: service.scope(of: owner), keySet: keySet, bytes: tagFlipped),
                                     quota: service.storeQuota)
            let rows = Array(f.rows[40..<42])
            let predictions = try await client(testClient, token: tokenA, keyIDs: keyIDs).predict(rows, keys: f.keys)
            #expect(predictions.map(\.label) == f.labels(rows))
        }
        #expect(try await store.list(scope: service.scope(of: owner)).map(\.id) == [id], "the re-upload replaced the bad record")
    }

    @Test(arguments: [false, true])
    func aTokenListsAndDeletesItsOwnKeysOnly(withStore: Bool) async throws {
        let (path, cleanup) = try temporaryStorePath()
        defer { cleanup() }
        let service = try f.service(owners: 2, store: withStore ? try await SQLiteKeyStore.open(path: path) : nil)
        defer { Task { await service.closeStore() } }
        let keysB = try ClientKeys.generate(for: f.inference)
        try await testApplication(service).test(.router) { testClient in
            let a = try client(testClient, token: tokenA), b = try client(testClient, token: tokenB)
            let idA = try await a.uploadKeys(f.keys)
            let idB = try await b.uploadKeys(keysB)
            let listedA = try await a.listKeys(), listedB = try await b.listKeys()
            #expect(listedA.map(\.id) == [idA] && listedB.map(\.id) == [idB])
            #expect(listedA.first?.bytes == f.keys.evaluationKeyBytes.count)
            #expect(listedA.first?.keySet == EncMLFormat.keySetName(f.keys.keySet))

            // B cannot delete A's keys: 404, and A still has them.
            await #expect(throws: ClientError.self) { try await b.deleteKeys(id: idA) }
            try await testClient.execute(uri: "/v1/keys/\(idA)", method: .delete, headers: [.authorization: "Bearer \(tokenB)"]) {
                #expect($0.status == .notFound)
            }
            #expect(try await a.listKeys().map(\.id) == [idA])
            try await testClient.execute(uri: "/v1/keys", method: .get) { #expect($0.status == .unauthorized) }

            try await a.deleteKeys(id: idA)
            #expect(try await a.listKeys().isEmpty)
            #expect(try await b.listKeys().map(\.id) == [idB])
            #expect(!service.isRegistered(idA, owner: try principal(tokenA)))
            try await testClient.execute(uri: "/v1/infer/\(idA)", method: .post,
                                         headers: [.authorization: "Bearer \(tokenA)", .contentType: "application/octet-stream"],
                                         body: ByteBuffer(bytes: try f.query(Array(f.rows[0..<1])))) { #expect($0.status == .notFound) }
        }
    }

    @Test func theStoreKeepsEachTokensQuotaByEvictingItsLeastRecentlyUsedKeys() async throws {
        let (path, cleanup) = try temporaryStorePath()
        defer { cleanup() }
        let size = f.keys.evaluationKeyBytes.count
        // Two tokens share 4 key sets' bytes: 2 each (the count limit, 32, is not the one that binds).
        let service = try f.service(ServiceLimits(maxStoredKeyBytes: 4 * size + 1), owners: 2, store: try await SQLiteKeyStore.open(path: path))
        defer { Task { await service.closeStore() } }
        let a = try principal(tokenA), b = try principal(tokenB)
        let idB = try await service.uploadEvaluationKeys(f.keys.evaluationKeyBytes, owner: b)
        var idsA: [String] = []
        for _ in 0..<3 {
            idsA.append(try await service.uploadEvaluationKeys(try ClientKeys.generate(for: f.inference).evaluationKeyBytes, owner: a))
        }
        let kept = try await service.listEvaluationKeys(owner: a).map(\.id)
        #expect(Set(kept) == Set(idsA.suffix(2)), "the oldest of A's three was evicted")
        #expect(try await service.listEvaluationKeys(owner: b).map(\.id) == [idB], "B's keys are untouched")
    }

    @Test func anUnavailableStoreAnswers503WhileCachedKeysAndHealthStayServedAndItRecovers() async throws {
        let (path, cleanup) = try temporaryStorePath()
        defer { cleanup() }
        let store = SwitchableStore(try await SQLiteKeyStore.open(path: path))
        let service = try f.service(owners: 2, store: store)
        defer { Task { await service.closeStore() } }
        let owner = try principal(tokenA)
        let stored = try await service.uploadEvaluationKeys(f.keys.evaluationKeyBytes, owner: owner)
        service.registry.remove(stored, owner: owner)  // as on a replica that never saw the upload
        let other = try ClientKeys.generate(for: f.inference)
        let cached = try await service.uploadEvaluationKeys(other.evaluationKeyBytes, owner: owner)
        let headers: HTTPFields = [.authorization: "Bearer \(tokenA)", .contentType: "application/octet-stream"]
        let query = ByteBuffer(bytes: try f.query(Array(f.rows[0..<1])))

        store.available = false
        try await testApplication(service).test(.router) { testClient in
            try await testClient.execute(uri: "/v1/infer/\(stored)", method: .post, headers: headers, body: query) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
                let body = try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView))
                #expect(body.code == "store_unavailable" && body.error.contains("key store is unavailable"), "\(body.error)")
            }
            try await testClient.execute(uri: "/v1/keys", method: .get, headers: headers) { #expect($0.status == .serviceUnavailable) }
            try await testClient.execute(uri: "/v1/keys", method: .post, headers: headers,
                                         body: ByteBuffer(bytes: f.keys.evaluationKeyBytes)) { #expect($0.status == .serviceUnavailable) }
            try await testClient.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            // Keys the cache holds are still served.
            try await testClient.execute(uri: "/v1/infer/\(cached)", method: .post, headers: headers,
                                         body: ByteBuffer(bytes: try f.query(Array(f.rows[0..<1]), keys: other))) { #expect($0.status == .ok) }

            service.registry.remove(stored, owner: owner)  // the refused upload above was cached before the save failed
            store.available = true
            try await testClient.execute(uri: "/v1/infer/\(stored)", method: .post, headers: headers, body: query) { response in
                #expect(response.status == .ok, "recovered once the store is back")
            }
        }
        let metrics = service.prometheusMetrics()
        #expect(metrics.contains("encml_key_store_errors_total{operation=\"load\"} 1"), "\(metrics)")
        #expect(metrics.contains("encml_errors_total{code=\"store_unavailable\"} 3"))
    }
}

/// A store that can be switched off: every call fails while `available` is false, as when a
/// database server is down.
final class SwitchableStore: EvaluationKeyStore, @unchecked Sendable {
    // @unchecked: `isAvailable` is only touched under `lock`.
    private let base: any EvaluationKeyStore
    private let lock = NSLock()
    private var isAvailable = true

    init(_ base: any EvaluationKeyStore) { self.base = base }

    var available: Bool {
        get { lock.withLock { isAvailable } }
        set { lock.withLock { isAvailable = newValue } }
    }

    private func check() throws {
        guard available else { throw KeyStoreError("test store: connection refused") }
    }

    func save(_ keys: StoredEvaluationKeys, quota: KeyStoreQuota) async throws -> [String] {
        try check()
        return try await base.save(keys, quota: quota)
    }

    func load(id: String, scope: KeyScope) async throws -> Data? {
        try check()
        return try await base.load(id: id, scope: scope)
    }

    func list(scope: KeyScope) async throws -> [StoredKeySetInfo] {
        try check()
        return try await base.list(scope: scope)
    }

    func delete(id: String, scope: KeyScope) async throws -> Bool {
        try check()
        return try await base.delete(id: id, scope: scope)
    }

    func close() async throws { try await base.close() }
}
