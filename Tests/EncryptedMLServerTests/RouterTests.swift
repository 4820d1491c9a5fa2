import EncryptedML
import EncryptedMLClient
import EncryptedMLServer
import EncryptedMLService
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Models
import Testing

private struct ErrorBody: Decodable { var status: Int; var code: String; var error: String }
private struct IDBody: Decodable { var id: String }

/// The router driven in-process (`app.test(.router)`): authentication, key upload rules,
/// refusals as JSON, the client library end to end.
@Suite struct RouterTests {
    let f = ServerFixture.shared

    func app(_ service: EncryptedInferenceService, tokens: [String]? = [tokenA, tokenB]) throws -> some ApplicationProtocol {
        try testApplication(service, tokens: tokens)
    }

    func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }
    func binary(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/octet-stream"] }

    @Test func healthIsOpenAndEveryV1EndpointNeedsAKnownToken() async throws {
        try await app(try f.service()).test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .ok) }
            for (uri, method) in [("/v1/model", HTTPRequest.Method.get), ("/v1/keys", .post), ("/v1/infer/00", .post)] {
                for headers: HTTPFields in [[:], bearer("not-a-token-of-this-server-000000"), [.authorization: "Basic dXNlcjpwYXNz"]] {
                    try await client.execute(uri: uri, method: method, headers: headers) { response in
                        #expect(response.status == .unauthorized, "\(uri) \(headers)")
                        let body = try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView))
                        #expect(body.code == "unauthorized" && body.error.contains("Bearer"))
                    }
                }
            }
            try await client.execute(uri: "/v1/model", method: .get, headers: bearer(tokenA)) { #expect($0.status == .ok) }
        }
    }

    @Test func keysAreHeldUnderTheUploadingTokenOnly() async throws {
        let service = try f.service(owners: 2)
        try await app(service).test(.router) { client in
            let id = try await client.execute(uri: "/v1/keys", method: .post, headers: binary(tokenA),
                                               body: ByteBuffer(bytes: f.keys.evaluationKeyBytes)) { response in
                #expect(response.status == .created)
                return try JSONDecoder().decode(IDBody.self, from: Data(response.body.readableBytesView)).id
            }
            let rows = Array(f.rows[0..<2])
            let query = ByteBuffer(bytes: try f.query(rows))
            try await client.execute(uri: "/v1/infer/\(id)", method: .post, headers: binary(tokenB), body: query) { response in
                #expect(response.status == .notFound, "token B cannot use token A's keys")
            }
            try await client.execute(uri: "/v1/infer/\(id)", method: .post, headers: binary(tokenA), body: query) { response in
                #expect(response.status == .ok)
                let bundle = try CiphertextBundle.deserialize(Data(response.body.readableBytesView), context: f.inference.context, modelTag: f.tag,
                                                              role: .result, keySet: f.keys.keySet)
                let predictions = try f.inference.decrypt(EncryptedResult(mode: bundle.mode, rowCount: bundle.rowCount,
                                                                          ciphertexts: bundle.ciphertexts, keySet: bundle.keySet),
                                                          secretKey: f.keys.secretKey)
                #expect(predictions.map(\.label) == f.labels(rows))
            }
        }
    }

    @Test func theOpenAPIDocumentIsServedAndNamesEveryRoute() async throws {
        try await app(try f.service()).test(.router) { client in
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType] == "application/yaml")
                let text = String(decoding: response.body.readableBytesView, as: UTF8.self)
                #expect(text.hasPrefix("openapi: 3.0.3"))
                for path in ["/health", "/metrics", "/openapi.yaml", "/v1/model", "/v1/keys", "/v1/keys/{id}", "/v1/infer/{id}"] {
                    #expect(text.contains("\n  \(path):\n"), "\(path) is not documented")
                }
            }
        }
    }

    /// Another method on a served path is 405 with an `Allow` header naming the path's methods
    /// (what schemathesis's unsupported_method check asks), not 404.
    @Test func anotherMethodOnAServedPathIs405WithTheAllowedMethods() async throws {
        try await app(try f.service()).test(.router) { client in
            for (uri, method, allowed) in [("/v1/keys", HTTPRequest.Method.put, "GET, POST"), ("/v1/keys/abc", .get, "DELETE"),
                                           ("/v1/infer/abc", .get, "POST"), ("/health", .post, "GET")] {
                try await client.execute(uri: uri, method: method, headers: bearer(tokenA)) { response in
                    #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                    #expect(response.headers[.allow] == allowed, "\(method) \(uri): \(response.headers[.allow] ?? "no Allow")")
                }
            }
            try await client.execute(uri: "/v1/nothing", method: .get, headers: bearer(tokenA)) { #expect($0.status == .notFound) }
        }
    }

    @Test func keyUploadsOfAnotherSizeAreRefusedFromTheirContentLength() async throws {
        let service = try f.service()
        try await app(service).test(.router) { client in
            let wrong = f.keys.evaluationKeyBytes + Data(count: 4096)
            try await client.execute(uri: "/v1/keys", method: .post, headers: binary(tokenA), body: ByteBuffer(bytes: wrong)) { response in
                #expect(response.status == .badRequest)
                let body = try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView))
                #expect(body.code == "wrong_key_size" && body.error.contains("\(service.evaluationKeyBytes)"))
            }
            try await client.execute(uri: "/v1/keys", method: .post, headers: [.authorization: "Bearer \(tokenA)", .contentType: "text/plain"],
                                     body: ByteBuffer(bytes: f.keys.evaluationKeyBytes)) { #expect($0.status == .unsupportedMediaType) }
            try await client.execute(uri: "/v1/nothing", method: .get, headers: bearer(tokenA)) { response in
                #expect(response.status == .notFound)
                let body = try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView))
                #expect(body.code == "not_found")
            }
        }
        #expect(service.registry.statistics.clients == 0)
    }

    @Test func aFullInferenceQueueAnswers503WithRetryAfterWhileHealthStaysImmediate() async throws {
        let service = try f.service(ServiceLimits(inferenceWorkers: 1, maxQueuedInferences: 0))
        let id = try service.registerEvaluationKeys(f.keys.evaluationKeyBytes, owner: "anonymous")
        let gate = DispatchSemaphore(value: 0)
        let blocker = Task { try await service.executor.run { () throws(ServiceError) -> Int in gate.wait(); return 0 } }
        for _ in 0..<500 where service.executor.load.running != 1 { try await Task.sleep(for: .milliseconds(10)) }
        try await app(service, tokens: nil).test(.router) { client in
            let query = ByteBuffer(bytes: try f.query(Array(f.rows[0..<1])))
            try await client.execute(uri: "/v1/infer/\(id)", method: .post, headers: [.contentType: "application/octet-stream"],
                                     body: query) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
            }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
        }
        gate.signal()
        _ = try await blocker.value
        #expect(service.prometheusMetrics().contains("encml_errors_total{code=\"overloaded\"} 1"))
    }

    @Test func theClientLibraryUploadsOnceChunksAndMatchesThePlaintextModel() async throws {
        // Two ciphertexts per request: 5 rows take 3 requests.
        let service = try f.service(ServiceLimits(maxCiphertextsPerQuery: 2))
        try await app(service).test(.router) { testClient in
            let client = try EncryptedMLClient(transport: RouterTransport(client: testClient), model: f.model,
                                               context: f.inference.context, token: tokenA)
            let rows = Array(f.rows[20..<25])
            let first = try await client.predict(rows, keys: f.keys)
            #expect(first.map(\.label) == f.labels(rows))
            let second = try await client.predict(Array(rows.prefix(2)), keys: f.keys)
            #expect(second.map(\.label) == f.labels(Array(rows.prefix(2))))
            #expect(service.metrics.keyUploadCount == 1, "the keys were uploaded once")
            #expect(service.prometheusMetrics().contains("encml_inferred_rows_total 7"))
            #expect(service.prometheusMetrics().contains("encml_http_requests_total{method=\"POST\",route=\"/v1/infer/{id}\",status=\"200\"} 4"))

            // A client with another token gets a 404 for the cached id and uploads its own copy.
            let other = try EncryptedMLClient(transport: RouterTransport(client: testClient), model: f.model,
                                              context: f.inference.context, token: tokenB, keyIDs: client.keyIDs)
            let third = try await other.predict(Array(rows.prefix(1)), keys: f.keys)
            #expect(third.map(\.label) == f.labels(Array(rows.prefix(1))))
            #expect(service.metrics.keyUploadCount == 2)

            // Without a token: 401 as a typed error.
            let anonymous = try EncryptedMLClient(transport: RouterTransport(client: testClient), model: f.model, context: f.inference.context)
            await #expect(throws: ClientError.self) { _ = try await anonymous.predict(rows, keys: f.keys) }
        }
    }

    @Test func metricsInPrometheusFormatMoveWithRequestsByRouteAndStatus() async throws {
        let service = try f.service()
        try await app(service).test(.router) { testClient in
            func scrape() async throws -> String {
                try await testClient.execute(uri: "/metrics", method: .get) { response in
                    #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                    return String(decoding: response.body.readableBytesView, as: UTF8.self)
                }
            }
            let before = try await scrape()
            #expect(!before.contains("route=\"/v1/infer/{id}\""))
            let client = try EncryptedMLClient(transport: RouterTransport(client: testClient), model: f.model,
                                               context: f.inference.context, token: tokenA)
            let rows = Array(f.rows[60..<62])
            #expect(try await client.predict(rows, keys: f.keys).map(\.label) == f.labels(rows))
            try await testClient.execute(uri: "/v1/infer/feed", method: .post,
                                         headers: [.authorization: "Bearer \(tokenA)", .contentType: "application/octet-stream"],
                                         body: ByteBuffer(bytes: Data([1]))) { #expect($0.status == .notFound) }
            let after = try await scrape()
            for line in ["# TYPE encml_http_requests_total counter",
                         "encml_http_requests_total{method=\"POST\",route=\"/v1/keys\",status=\"201\"} 1",
                         "encml_http_requests_total{method=\"POST\",route=\"/v1/infer/{id}\",status=\"200\"} 1",
                         "encml_http_requests_total{method=\"POST\",route=\"/v1/infer/{id}\",status=\"404\"} 1",
                         "encml_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"} 1",
                         "# TYPE encml_http_request_duration_seconds histogram",
                         "encml_http_request_duration_seconds_count{route=\"/v1/infer/{id}\"} 2",
                         "encml_inference_duration_seconds_count 1", "encml_inferred_rows_total 2",
                         "encml_key_cache_lookups_total{result=\"hit\"} 1", "encml_key_cache_lookups_total{result=\"miss\"} 1",
                         "encml_errors_total{code=\"unknown_client\"} 1", "encml_registered_clients 1.0",
                         "encml_registered_key_bytes \(Double(f.keys.evaluationKeyBytes.count))", "encml_inference_queued 0.0"] {
                #expect(after.contains(line + "\n"), "missing: \(line)")
            }
        }
    }

    @Test func chunksRespectTheServersCiphertextAndByteLimits() throws {
        let service = try f.service(ServiceLimits(maxQueryBytes: 1 << 20, maxCiphertextsPerQuery: 100))
        let served = service.modelDescription
        let perCiphertext = CiphertextBundle.serializedSize(context: f.inference.context, count: 1, seeded: true)
            - CiphertextBundle.serializedSize(context: f.inference.context, count: 0, seeded: true)
        let chunks = EncryptedMLClient.chunks(250, mode: .single, served: served, context: f.inference.context)
        #expect(chunks.first?.lowerBound == 0 && chunks.last?.upperBound == 250)
        #expect(chunks.allSatisfy { $0.count <= 100 && $0.count * perCiphertext + 64 <= 1 << 20 })
        #expect(zip(chunks, chunks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        // The bytes of a real query of one chunk stay within the limit.
        let rows = Array(f.rows.prefix(chunks[0].count))
        #expect(try f.query(rows).count <= 1 << 20)
    }
}

