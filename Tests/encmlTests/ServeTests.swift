import Foundation
import Models
import Plaintext
import Testing

private struct DecryptReport: Decodable { var predictions: [String]; var probabilities: [[Double]] }
private struct ErrorBody: Decodable { var status: Int; var code: String; var error: String }
private struct IDBody: Decodable { var id: String }

/// `encml serve` / `encml query` against a real server process on loopback, with the keys and
/// models of the shared breast_cancer chain (model A served; model B for mismatches).
@Suite(.serialized) struct ServeTests {
    let chain = EncryptedChain.shared

    /// A fresh folder inside the chain folder (its scratch cleanup only touches top-level files).
    func folder() throws -> URL {
        let url = chain.dir.appendingPathComponent("serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Rows `range` of the chain's test CSV (with its header and target column) as a new CSV.
    func slice(_ range: Range<Int>, into dir: URL, _ name: String) throws -> String {
        let lines = try String(contentsOfFile: chain.path("test.csv"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).map(String.init)
        let path = dir.appendingPathComponent(name).path
        try ([lines[0]] + lines[(range.lowerBound + 1)..<(range.upperBound + 1)]).joined(separator: "\n")
            .appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Checks `encml query --json` output against the plaintext polynomial model on the same CSV.
    func expectPlaintextAgreement(_ stdout: String, csv: String, _ what: String) throws {
        let report = try JSONDecoder().decode(DecryptReport.self, from: Data(stdout.utf8))
        let model = try EncryptedModel.load(from: chain.path("a.he.json"))
        let flat = try CSVReader.read(path: csv).numericMatrix(columns: model.featureNames)
        let rows = stride(from: 0, to: flat.count, by: model.featureCount).map { Array(flat[$0..<($0 + model.featureCount)]) }
        #expect(report.predictions.count == rows.count, "\(what): \(report.predictions.count) predictions for \(rows.count) rows")
        #expect(report.predictions == rows.map { model.classLabels[model.predictClass(raw: $0)] }, "\(what): labels")
        var worst = 0.0
        for (row, p) in zip(rows, report.probabilities) {
            for (a, b) in zip(model.probabilities(raw: row), p) { worst = max(worst, abs(a - b)) }
        }
        #expect(worst < 1e-3, "\(what): max probability error \(worst)")
    }

    func query(_ server: ServerProcess, evk: String, csv: String, mode: String = "single") throws -> CLI.Result {
        try CLI.run(["query", "--server", server.base, "--model", chain.path("a.he.json"), "--secret-key", chain.path("a.sk"),
                     "--eval-keys", evk, "--data", csv, "--mode", mode, "--json"])
    }

    @Test func concurrentClientsOverHTTPMatchThePlaintextPolynomialModelAndUploadKeysOnce() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let evk = dir.appendingPathComponent("client.evk").path
        try FileManager.default.copyItem(atPath: chain.path("a.evk"), toPath: evk)
        let store = ["--key-store", "sqlite:" + dir.appendingPathComponent("keys.sqlite").path]
        let server = try ServerProcess(model: chain.path("a.he.json"), extra: store)
        defer { server.stop() }

        let health = try http("GET", server.base + "/health")
        #expect(health.status == 200 && health.text.contains("\"status\":\"ok\""), "\(health.text)")
        let model = try http("GET", server.base + "/v1/model")
        #expect(model.status == 200 && model.contentType.hasPrefix("application/json"))
        #expect(model.text.contains("\"weightsFingerprint\"") && model.text.contains("\"singleQueryRotations\""))

        // First client: uploads the keys and caches the id beside them.
        let first = try slice(0..<6, into: dir, "first.csv")
        let r = try query(server, evk: evk, csv: first)
        #expect(r.status == 0, "\(r.stderr)")
        try expectPlaintextAgreement(r.stdout, csv: first, "first query")
        #expect(FileManager.default.fileExists(atPath: evk + ".servers.json"))
        #expect(try metric(server, "encml_key_uploads_total") == 1)

        // Four concurrent clients (three single-query, one batch) reuse the cached id.
        let jobs: [(Range<Int>, String)] = [(6..<16, "single"), (16..<26, "single"), (26..<36, "single"), (36..<171, "batch")]
        let csvs = try jobs.enumerated().map { try slice($0.element.0, into: dir, "c\($0.offset).csv") }
        let results = ResultsBox(count: jobs.count)
        DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
            results.set(i, Result(catching: { try query(server, evk: evk, csv: csvs[i], mode: jobs[i].1) }))
        }
        for (i, outcome) in results.all.enumerated() {
            let result = try #require(try outcome?.get())
            #expect(result.status == 0, "client \(i): \(result.stderr)")
            try expectPlaintextAgreement(result.stdout, csv: csvs[i], "client \(i) (\(jobs[i].1))")
        }
        #expect(try metric(server, "encml_key_uploads_total") == 1, "the concurrent clients reused the cached id")
        #expect(try metric(server, "encml_inferred_rows_total") == 171)

        // The log has one line per request and no key or ciphertext content.
        let log = server.log
        #expect(log.contains("route=/v1/infer/{id}") && log.contains("status=200"), "\(log.prefix(2000))")
        #expect(!log.contains("ENCML") && log.split(whereSeparator: \.isNewline).allSatisfy { $0.count < 500 })

        // A restarted server reads the keys back from its SQLite key store: no new upload.
        #expect(server.stop() == 0, "graceful shutdown on SIGTERM")
        let restarted = try ServerProcess(model: chain.path("a.he.json"), port: server.port, extra: store)  // same URL: the client's cached id
        defer { restarted.stop() }
        let again = try query(restarted, evk: evk, csv: first)
        #expect(again.status == 0, "\(again.stderr)")
        try expectPlaintextAgreement(again.stdout, csv: first, "after restart")
        #expect(try metric(restarted, "encml_key_uploads_total") == 0, "served from the key store")

        // With --key-store memory a restart forgets them: the cached id gets a 404, the client re-uploads once.
        #expect(restarted.stop() == 0)
        let forgetful = try ServerProcess(model: chain.path("a.he.json"), extra: ["--key-store", "memory"])
        defer { forgetful.stop() }
        let third = try query(forgetful, evk: evk, csv: first)
        #expect(third.status == 0, "\(third.stderr)")
        #expect(try metric(forgetful, "encml_key_uploads_total") == 1)
    }

    @Test func badRequestsGetA4xxWithAJSONReasonAndTheServerKeepsServing() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try ServerProcess(model: chain.path("a.he.json"), extra: ["--max-query-mb", "1", "--max-clients", "2"])
        defer { server.stop() }

        let csv = try slice(0..<3, into: dir, "three.csv")
        let qa = dir.appendingPathComponent("a.ct").path, qb = dir.appendingPathComponent("b.ct").path
        for (model, sk, out) in [("a", "a.sk", qa), ("b", "b.sk", qb)] {
            let e = try CLI.run(["encrypt", "--model", chain.path("\(model).he.json"), "--secret-key", chain.path(sk),
                                 "--data", csv, "--out", out])
            #expect(e.status == 0, "\(e.stderr)")
        }
        let queryA = try Data(contentsOf: URL(fileURLWithPath: qa))
        let queryB = try Data(contentsOf: URL(fileURLWithPath: qb))
        let keysA = try chain.bytes("a.evk"), keysB = try chain.bytes("b.evk")

        let upload = try http("POST", server.base + "/v1/keys", body: keysA)
        #expect(upload.status == 201, "\(upload.text)")
        let id = try JSONDecoder().decode(IDBody.self, from: upload.body).id
        let infer = server.base + "/v1/infer/" + id

        var random = Data(count: 4096)
        for i in random.indices { random[i] = UInt8.random(in: 0...255) }
        let cases: [(String, String, String, Data?, String?, Int, String)] = [
            ("oversized query", "POST", infer, Data(count: 2 << 20), "application/octet-stream", 413, "body_too_large"),
            ("truncated query", "POST", infer, queryA.prefix(queryA.count / 2), "application/octet-stream", 400, "malformed"),
            ("random bytes as query", "POST", infer, random, "application/octet-stream", 400, "malformed"),
            ("random bytes as keys", "POST", server.base + "/v1/keys", random, "application/octet-stream", 400, "wrong_key_size"),
            ("random bytes of the keys' size", "POST", server.base + "/v1/keys", Data(repeating: 7, count: keysA.count), "application/octet-stream", 400, "malformed"),
            ("keys sent as a query", "POST", infer, keysA.prefix(1 << 19), "application/octet-stream", 400, "malformed"),
            ("query of another model", "POST", infer, queryB, "application/octet-stream", 409, "mismatched"),
            ("keys of another model", "POST", server.base + "/v1/keys", keysB, "application/octet-stream", 409, "mismatched"),
            ("unknown id", "POST", server.base + "/v1/infer/0123456789abcdef0123456789abcdef", queryA, "application/octet-stream", 404, "unknown_client"),
            ("text content type", "POST", infer, queryA, "text/plain", 415, "unsupported_media_type"),
            ("JSON content type for keys", "POST", server.base + "/v1/keys", keysA, "application/json", 415, "unsupported_media_type"),
            ("unknown endpoint", "GET", server.base + "/v1/nothing", nil, nil, 404, "not_found"),
        ]
        for (name, method, url, body, type, status, code) in cases {
            let reply = try http(method, url, body: body, contentType: type)
            #expect(reply.status == status, "\(name): HTTP \(reply.status) \(reply.text.prefix(300))")
            #expect(reply.contentType.hasPrefix("application/json"), "\(name): content type \(reply.contentType)")
            let error = try? JSONDecoder().decode(ErrorBody.self, from: reply.body)
            #expect(error?.status == status && error?.code == code && !(error?.error.isEmpty ?? true), "\(name): \(reply.text.prefix(300))")
            #expect(server.isRunning, "\(name): the server died")
        }

        // Still serving: the good query answers with a result that decrypts to the model's predictions.
        let good = try http("POST", infer, body: queryA)
        #expect(good.status == 200 && good.contentType == "application/octet-stream", "\(good.text.prefix(300))")
        let result = dir.appendingPathComponent("r.ct")
        try good.body.write(to: result)
        let d = try CLI.run(["decrypt", "--model", chain.path("a.he.json"), "--secret-key", chain.path("a.sk"), "--in", result.path, "--json"])
        #expect(d.status == 0, "\(d.stderr)")
        try expectPlaintextAgreement(d.stdout, csv: csv, "after the bad requests")
        #expect(try http("GET", server.base + "/health").status == 200)
        let metrics = try http("GET", server.base + "/metrics").text
        #expect(metrics.contains("encml_http_requests_total{method=\"POST\",route=\"/v1/infer/{id}\",status=\"413\"} 1"), "\(metrics)")
        #expect(metrics.contains("encml_errors_total{code=\"mismatched\"} 2"))
        #expect(!server.log.contains("ENCML"))
    }
}

/// Results of concurrent jobs, by index.
final class ResultsBox: @unchecked Sendable {
    // @unchecked: `values` is only touched under `lock`.
    private let lock = NSLock()
    private var values: [Result<CLI.Result, any Error>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: Result<CLI.Result, any Error>) { lock.lock(); values[i] = value; lock.unlock() }
    var all: [Result<CLI.Result, any Error>?] { lock.lock(); defer { lock.unlock() }; return values }
}
