import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Models
import Plaintext
import Testing

private struct DecryptReport: Decodable { var predictions: [String] }
private struct IDBody: Decodable { var id: String }

/// Graceful shutdown of a real `encml serve` process on SIGTERM.
@Suite(.serialized) struct ShutdownTests {
    let chain = EncryptedChain.shared

    @Test func sigtermRefusesNewWorkFinishesTheInferenceInFlightAndClosesTheStore() throws {
        let dir = chain.dir.appendingPathComponent("shutdown-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try ServerProcess(model: chain.path("a.he.json"),
                                       extra: ["--key-store", "sqlite:" + dir.appendingPathComponent("keys.sqlite").path,
                                               "--workers", "1", "--shutdown-timeout", "120"])
        defer { server.stop() }
        let upload = try http("POST", server.base + "/v1/keys", body: try chain.bytes("a.evk"))
        #expect(upload.status == 201, "\(upload.text)")
        let id = try JSONDecoder().decode(IDBody.self, from: upload.body).id

        // Every test row, one ciphertext each: a long inference.
        let queryPath = dir.appendingPathComponent("q.ct").path
        let e = try CLI.run(["encrypt", "--model", chain.path("a.he.json"), "--secret-key", chain.path("a.sk"),
                             "--data", chain.path("test.csv"), "--out", queryPath, "--mode", "single"])
        #expect(e.status == 0, "\(e.stderr)")
        let query = try Data(contentsOf: URL(fileURLWithPath: queryPath))
        let box = ReplyBox()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do { box.reply = try http("POST", server.base + "/v1/infer/\(id)", body: query) } catch { box.error = error }
            done.signal()
        }
        var running = 0.0
        for _ in 0..<6000 where running < 1 {
            usleep(10_000)
            running = (try? metric(server, "encml_inference_running")) ?? 0
        }
        try #require(running >= 1, "the inference never started")

        kill(server.process.processIdentifier, SIGTERM)
        usleep(300_000)
        let refused = try http("POST", server.base + "/v1/infer/\(id)", body: Data([1]))
        #expect(refused.status == 503 && refused.text.contains("shutting_down"), "new work after SIGTERM: \(refused.text.prefix(200))")
        #expect(server.isRunning, "still finishing the inference in flight")

        #expect(done.wait(timeout: .now() + 300) == .success)
        let reply = try #require(box.reply, "the request in flight failed: \(String(describing: box.error))")
        #expect(reply.status == 200, "\(reply.text.prefix(200))")
        let resultPath = dir.appendingPathComponent("r.ct")
        try reply.body.write(to: resultPath)
        let d = try CLI.run(["decrypt", "--model", chain.path("a.he.json"), "--secret-key", chain.path("a.sk"), "--in", resultPath.path, "--json"])
        #expect(d.status == 0, "\(d.stderr)")
        let predictions = try JSONDecoder().decode(DecryptReport.self, from: Data(d.stdout.utf8)).predictions
        let model = try EncryptedModel.load(from: chain.path("a.he.json"))
        let flat = try CSVReader.read(path: chain.path("test.csv")).numericMatrix(columns: model.featureNames)
        let expected = stride(from: 0, to: flat.count, by: model.featureCount)
            .map { model.classLabels[model.predictClass(raw: Array(flat[$0..<($0 + model.featureCount)]))] }
        #expect(predictions == expected)

        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        #expect(throws: (any Error).self, "nothing listens after the exit") { _ = try http("GET", server.base + "/health") }
        #expect(server.log.contains("key store closed"), "\(server.log.suffix(1000))")
    }
}
