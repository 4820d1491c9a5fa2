import Foundation
import Models
import Plaintext
import Testing
import TestSupport

private struct DecryptReport: Decodable { var predictions: [String] }
private struct IDBody: Decodable { var id: String }

/// Two `encml serve` replicas on one throw-away PostgreSQL cluster (`PostgresCluster`): keys
/// uploaded through one are used through the other; one replica killed and the client's
/// retry served by the other without a new upload. Skipped only when PostgreSQL is missing
/// outside CI; under CI (CI=true) a missing PostgreSQL fails.
@Suite(.serialized, .enabled(if: PostgresCluster.isUsable)) struct ReplicaTests {
    let chain = EncryptedChain.shared

    func folder() throws -> URL {
        let url = chain.dir.appendingPathComponent("replicas-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The plaintext polynomial model's labels of the rows of `csv`.
    func expectedLabels(_ csv: String) throws -> [String] {
        let model = try EncryptedModel.load(from: chain.path("a.he.json"))
        let flat = try CSVReader.read(path: csv).numericMatrix(columns: model.featureNames)
        return stride(from: 0, to: flat.count, by: model.featureCount)
            .map { model.classLabels[model.predictClass(raw: Array(flat[$0..<($0 + model.featureCount)]))] }
    }

    @Test func keysUploadedThroughOneReplicaAreUsedThroughTheOtherAndSurviveAKilledReplica() throws {
        let cluster = try #require(try PostgresCluster.start())
        defer { cluster.stop() }
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = ["--key-store", cluster.url]
        let a = try ServerProcess(model: chain.path("a.he.json"), extra: store)
        defer { a.stop() }
        let b = try ServerProcess(model: chain.path("a.he.json"), extra: store)
        defer { b.stop() }

        // Raw HTTP: upload to A, infer at B.
        let upload = try http("POST", a.base + "/v1/keys", body: try chain.bytes("a.evk"))
        #expect(upload.status == 201, "\(upload.text)")
        let id = try JSONDecoder().decode(IDBody.self, from: upload.body).id
        let lines = try String(contentsOfFile: chain.path("test.csv"), encoding: .utf8).split(whereSeparator: \.isNewline)
        let csv = dir.appendingPathComponent("rows.csv").path
        try (lines.prefix(6).joined(separator: "\n") + "\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let queryPath = dir.appendingPathComponent("q.ct").path
        let e = try CLI.run(["encrypt", "--model", chain.path("a.he.json"), "--secret-key", chain.path("a.sk"), "--data", csv, "--out", queryPath])
        #expect(e.status == 0, "\(e.stderr)")
        let reply = try http("POST", b.base + "/v1/infer/\(id)", body: try Data(contentsOf: URL(fileURLWithPath: queryPath)))
        #expect(reply.status == 200, "replica B answers with the keys uploaded to A: \(reply.text.prefix(300))")
        let resultPath = dir.appendingPathComponent("r.ct")
        try reply.body.write(to: resultPath)
        let d = try CLI.run(["decrypt", "--model", chain.path("a.he.json"), "--secret-key", chain.path("a.sk"), "--in", resultPath.path, "--json"])
        #expect(d.status == 0, "\(d.stderr)")
        #expect(try JSONDecoder().decode(DecryptReport.self, from: Data(d.stdout.utf8)).predictions == expectedLabels(csv))
        #expect(try metric(b, "encml_key_uploads_total") == 0)

        // The client knows both replicas: it uploads once (to A); A is killed; its next run is
        // served by B from the shared store, without a new upload.
        let evk = dir.appendingPathComponent("client.evk").path
        try FileManager.default.copyItem(atPath: chain.path("a.evk"), toPath: evk)
        let query = ["query", "--server", "\(a.base),\(b.base)", "--model", chain.path("a.he.json"), "--secret-key", chain.path("a.sk"),
                     "--eval-keys", evk, "--data", csv, "--json"]
        let first = try CLI.run(query)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try JSONDecoder().decode(DecryptReport.self, from: Data(first.stdout.utf8)).predictions == expectedLabels(csv))
        let uploadsAtA = try metric(a, "encml_key_uploads_total")
        a.crash()
        let second = try CLI.run(query)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try JSONDecoder().decode(DecryptReport.self, from: Data(second.stdout.utf8)).predictions == expectedLabels(csv))
        #expect(try metric(b, "encml_key_uploads_total") == 0, "B served the client without a new upload")
        #expect(uploadsAtA == 2, "A received the raw upload and the client's single upload")
        #expect(try metric(b, "encml_inferred_rows_total") == 10, "5 rows raw, 5 through the client")
    }
}
