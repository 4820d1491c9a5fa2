import EncryptedML
import EncryptedMLClient
import EncryptedMLPostgresStore
import EncryptedMLServer
import EncryptedMLService
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

private struct ErrorBody: Decodable { var status: Int; var code: String; var error: String }

/// Services on one throw-away PostgreSQL cluster: keys shared between replicas, a database
/// that goes away and comes back. Skipped only when PostgreSQL is missing outside CI.
@Suite(.serialized, .enabled(if: PostgresCluster.isUsable)) struct PostgresKeyStoreTests {
    let f = ServerFixture.shared

    @Test func twoServicesOnOneDatabaseServeOneClientWithOneUpload() async throws {
        let cluster = try #require(try PostgresCluster.start())
        defer { cluster.stop() }
        let a = try f.service(owners: 2, store: try await PostgresKeyStore.open(url: cluster.url))
        let b = try f.service(owners: 2, store: try await PostgresKeyStore.open(url: cluster.url))
        let keyIDs = InMemoryKeyIDStore()
        let rows = Array(f.rows[50..<53])
        for service in [a, b] {
            try await testApplication(service).test(.router) { testClient in
                let client = try EncryptedMLClient(transport: RouterTransport(client: testClient), model: f.model,
                                                   context: f.inference.context, token: tokenA, keyIDs: keyIDs)
                #expect(try await client.predict(rows, keys: f.keys).map(\.label) == f.labels(rows))
                #expect(try await client.listKeys().map(\.id) == [EncryptedInferenceService.clientID(forKeyBytes: f.keys.evaluationKeyBytes)])
            }
        }
        #expect(a.metrics.keyUploadCount == 1 && b.metrics.keyUploadCount == 0, "B read the keys A stored")
        #expect(b.metrics.keyCacheLookups.misses == 1)
        // A deletion through B is seen by A once its cache no longer holds the keys.
        let id = EncryptedInferenceService.clientID(forKeyBytes: f.keys.evaluationKeyBytes)
        #expect(try await b.deleteEvaluationKeys(id, owner: try principal(tokenA)))
        a.registry.remove(id, owner: try principal(tokenA))
        await #expect(throws: ServiceError.unknownClient(id: id)) { try await a.ensureEvaluationKeys(id, owner: try principal(tokenA)) }
        await a.closeStore()
        await b.closeStore()
    }

    @Test func aDatabaseThatGoesAwayAnswers503WithinTheDeadlineAndTheServiceRecovers() async throws {
        let cluster = try #require(try PostgresCluster.start())
        defer { cluster.stop() }
        let service = try f.service(owners: 2, store: try await PostgresKeyStore.open(url: cluster.url, timeout: .seconds(3)))
        let owner = try principal(tokenA)
        let id = try await service.uploadEvaluationKeys(f.keys.evaluationKeyBytes, owner: owner)
        service.registry.remove(id, owner: owner)  // as on a replica that never saw the upload
        let headers: HTTPFields = [.authorization: "Bearer \(tokenA)", .contentType: "application/octet-stream"]
        let query = try f.query(Array(f.rows[0..<1]))

        try cluster.stopServer()
        try await testApplication(service).test(.router) { testClient in
            let start = ContinuousClock.now
            try await testClient.execute(uri: "/v1/infer/\(id)", method: .post, headers: headers, body: ByteBuffer(bytes: query)) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
                let body = try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView))
                #expect(body.code == "store_unavailable" && body.error.contains("PostgreSQL"), "\(body.error)")
            }
            #expect(ContinuousClock.now - start < .seconds(10), "answered within the store's deadline")
            try await testClient.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }

            try cluster.startServer()
            var status: HTTPResponse.Status = .serviceUnavailable
            for _ in 0..<30 where status != .ok {  // the pool reconnects on the next requests
                status = try await testClient.execute(uri: "/v1/infer/\(id)", method: .post, headers: headers,
                                                      body: ByteBuffer(bytes: query)) { $0.status }
                if status != .ok { try await Task.sleep(for: .milliseconds(500)) }
            }
            #expect(status == .ok, "served again once PostgreSQL is back")
        }
        #expect(service.prometheusMetrics().contains("encml_key_store_errors_total{operation=\"load\"}"))
        await service.closeStore()
    }
}
