import Foundation
import Models
import Plaintext
import Testing

private struct Report: Decodable { var predictions: [String]; var probabilities: [[Double]] }

/// The trust boundary from the command line: key sets binding files of one keygen run,
/// keygen's atomic pair, tokens on `encml serve`, flooding at decryption.
@Suite(.serialized) struct TrustCLITests {
    let chain = EncryptedChain.shared

    func folder() throws -> URL {
        let url = chain.dir.appendingPathComponent("trust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func expectRefusal(_ arguments: [String], mentions: [String], _ what: String) throws {
        let r = try CLI.run(arguments)
        #expect(r.status != 0, "\(what): accepted")
        #expect(r.errorLines.count == 1, "\(what): stderr \(r.stderr)")
        for word in mentions { #expect(r.stderr.contains(word), "\(what): '\(word)' not in \(r.stderr)") }
    }

    /// The key-set identifier at bytes 32..<40 of an ENCML file.
    func keySet(_ path: String) throws -> UInt64 {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(data[32 + $1]) << UInt64(8 * $1) }
    }

    @Test func filesOfAnotherKeygenRunAreRefusedWithAClearError() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = { dir.appendingPathComponent($0).path }
        let model = chain.path("a.he.json"), csv = chain.path("test.csv")
        #expect(try CLI.run(["keygen", "--model", model, "--secret-key", f("2.sk"), "--eval-keys", f("2.evk")]).status == 0)
        #expect(try keySet(f("2.sk")) == keySet(f("2.evk")) && keySet(f("2.sk")) != keySet(chain.path("a.sk")))
        #expect(try CLI.run(["encrypt", "--model", model, "--secret-key", f("2.sk"), "--data", csv, "--out", f("q2.ct")]).status == 0)
        #expect(try keySet(f("q2.ct")) == keySet(f("2.sk")))
        // Client 2's query with client 1's evaluation keys: refused, no result written.
        try expectRefusal(["infer", "--model", model, "--eval-keys", chain.path("a.evk"), "--in", f("q2.ct"), "--out", f("r.ct")],
                          mentions: ["q2.ct", "key set", "one encml keygen run"], "query of another key set")
        #expect(!FileManager.default.fileExists(atPath: f("r.ct")))
        // A good result decrypted with the other secret key: refused.
        #expect(try CLI.run(["infer", "--model", model, "--eval-keys", f("2.evk"), "--in", f("q2.ct"), "--out", f("r2.ct")]).status == 0)
        try expectRefusal(["decrypt", "--model", model, "--secret-key", chain.path("a.sk"), "--in", f("r2.ct")],
                          mentions: ["r2.ct", "key set"], "result of another key set")
        let ok = try CLI.run(["decrypt", "--model", model, "--secret-key", f("2.sk"), "--in", f("r2.ct"), "--json"])
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    @Test func aModelFileWithSwappedLabelsCannotDecryptTheOriginalsResults() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = { dir.appendingPathComponent($0).path }
        let model = chain.path("a.he.json")
        for step in [["encrypt", "--model", model, "--secret-key", chain.path("a.sk"), "--data", chain.path("test.csv"), "--out", f("q.ct")],
                     ["infer", "--model", model, "--eval-keys", chain.path("a.evk"), "--in", f("q.ct"), "--out", f("r.ct")]] {
            #expect(try CLI.run(step).status == 0)
        }
        // The same weights with the two class labels swapped.
        let text = try String(contentsOfFile: model, encoding: .utf8)
        let swapped = text.replacingOccurrences(of: "\"benign\"", with: "\"@@\"").replacingOccurrences(of: "\"malignant\"", with: "\"benign\"")
            .replacingOccurrences(of: "\"@@\"", with: "\"malignant\"")
        #expect(swapped != text)
        try swapped.write(toFile: f("swapped.he.json"), atomically: true, encoding: .utf8)
        // An edited file no longer matches its own fingerprint (which covers the labels).
        try expectRefusal(["decrypt", "--model", f("swapped.he.json"), "--secret-key", chain.path("a.sk"), "--in", f("r.ct")],
                          mentions: ["fingerprint"], "labels swapped in the file")
        // A consistent model with swapped labels (fingerprint recomputed, as a re-conversion
        // would) is another model: the results' model tag refuses it.
        var relabelled = try EncryptedModel.load(from: model)
        relabelled.classLabels.reverse()
        relabelled.weightsFingerprint = relabelled.computedFingerprint()
        try relabelled.save(to: f("relabelled.he.json"))
        try expectRefusal(["decrypt", "--model", f("relabelled.he.json"), "--secret-key", chain.path("a.sk"), "--in", f("r.ct")],
                          mentions: ["another model"], "labels swapped, fingerprint recomputed")
    }

    @Test func killedKeygenRunsNeverLeaveAMixedPairOrTemporaryFiles() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sk = dir.appendingPathComponent("c.sk").path, evk = dir.appendingPathComponent("c.evk").path
        let arguments = ["keygen", "--model", chain.path("a.he.json"), "--secret-key", sk, "--eval-keys", evk]
        #expect(try CLI.run(arguments).status == 0)
        // Kill keygen at increasing delays; after each, the pair on disk belongs together or
        // only the evaluation keys are new (refused later by the key set), never the reverse.
        var mixed = 0
        for delay in [0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6] {
            let before = (try keySet(sk), try keySet(evk))
            let process = Process()
            process.executableURL = CLI.executable
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(delay * 1_000_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let after = (try keySet(sk), try keySet(evk))
            #expect(after.0 == before.0 || after.0 == after.1, "a new secret key next to old evaluation keys (delay \(delay))")
            if after.0 != after.1 { mixed += 1 }
        }
        // A finished run removes what killed runs left behind.
        #expect(try CLI.run(arguments).status == 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains("tmp") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        #expect(try keySet(sk) == keySet(evk))
        print("killed keygen: \(mixed) of 8 kills left new evaluation keys beside the old secret key (refused by key set)")
    }

    @Test func serveNeedsTokensOrAnExplicitInsecureFlagAndQueryUsesTheTokenFile() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = chain.path("a.he.json")
        try expectRefusal(["serve", "--model", model, "--port", "0"], mentions: ["--tokens", "--insecure-no-auth"], "no auth choice")
        let tokens = dir.appendingPathComponent("tokens.txt").path
        try "# clients\nclient-one-0123456789abcdef\nclient-two-0123456789abcdef\n".write(toFile: tokens, atomically: true, encoding: .utf8)
        let tokenFile = dir.appendingPathComponent("one.token").path
        try "client-one-0123456789abcdef\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let server = try ServerProcess(model: model, extra: ["--tokens", tokens])
        defer { server.stop() }
        #expect(try http("GET", server.base + "/health").status == 200)
        #expect(try http("GET", server.base + "/v1/model").status == 401)
        #expect(try http("GET", server.base + "/v1/model", token: "client-two-0123456789abcdef").status == 200)
        #expect(!server.log.contains("client-one") && !server.log.contains("client-two"), "tokens never logged")

        let evk = dir.appendingPathComponent("c.evk").path
        try FileManager.default.copyItem(atPath: chain.path("a.evk"), toPath: evk)
        let csv = dir.appendingPathComponent("rows.csv").path
        let lines = try String(contentsOfFile: chain.path("test.csv"), encoding: .utf8).split(whereSeparator: \.isNewline)
        try (lines.prefix(4).joined(separator: "\n") + "\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let base = ["query", "--server", server.base, "--model", model, "--secret-key", chain.path("a.sk"), "--eval-keys", evk, "--data", csv, "--json"]
        try expectRefusal(base, mentions: ["401", "unauthorized", "--token-file"], "query without a token")
        let r = try CLI.run(base + ["--token-file", tokenFile])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8))
        let heModel = try EncryptedModel.load(from: model)
        let flat = try CSVReader.read(path: csv).numericMatrix(columns: heModel.featureNames)
        let rows = stride(from: 0, to: flat.count, by: heModel.featureCount).map { Array(flat[$0..<($0 + heModel.featureCount)]) }
        #expect(report.predictions == rows.map { heModel.classLabels[heModel.predictClass(raw: $0)] })

        // The address is in use: recognised as such (after the start-up log lines, one error line).
        let busy = try CLI.run(["serve", "--model", model, "--port", "\(server.port)", "--insecure-no-auth"])
        #expect(busy.status != 0)
        let last = busy.errorLines.last ?? ""
        #expect(last.hasPrefix("error: ") && last.contains("already in use") && last.contains("--port 0"), "\(busy.stderr)")
        #expect(busy.errorLines.filter { $0.hasPrefix("error:") }.count == 1)
    }

    @Test func theInsecureModeSaysSoAtStartUp() throws {
        let server = try ServerProcess(model: chain.path("a.he.json"), extra: ["--insecure-no-auth"])
        defer { server.stop() }
        #expect(server.log.contains("INSECURE"), "\(server.log)")
        #expect(try http("GET", server.base + "/v1/model").status == 200)
    }

    /// At the default 20-bit precision (36 bits with the flooding reserve) the breast_cancer
    /// LR's logits (up to about 60) no longer fit above the scale in one 60-bit prime: the
    /// output level gets a second prime, and flooded results still agree with the model.
    @Test func floodedDecryptionOfASharedResultsModelAgreesWithThePlaintextModel() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = { dir.appendingPathComponent($0).path }
        let csv = chain.path("test.csv")
        for step in [["convert", "--model", chain.path("a.json"), "--calibration", chain.path("train.csv"), "--out", f("s.he.json"), "--shared-results"],
                     ["keygen", "--model", f("s.he.json"), "--secret-key", f("s.sk"), "--eval-keys", f("s.evk")],
                     ["encrypt", "--model", f("s.he.json"), "--secret-key", f("s.sk"), "--data", csv, "--out", f("q.ct"), "--mode", "batch"],
                     ["infer", "--model", f("s.he.json"), "--eval-keys", f("s.evk"), "--in", f("q.ct"), "--out", f("r.ct")]] {
            let r = try CLI.run(step)
            #expect(r.status == 0, "\(step[0]): \(r.stderr)")
        }
        let model = try EncryptedModel.load(from: f("s.he.json"))
        #expect(model.plan.parameters.precisionBits == 36, "20 bits by default + 16 reserved for flooding")
        #expect(model.plan.resultLevel == 1 && model.plan.parameters.ciphertextModulusBits.prefix(2).reduce(0, +) > 60,
                "a second output prime: \(model.plan.parameters.ciphertextModulusBits)")
        let flat = try CSVReader.read(path: csv).numericMatrix(columns: model.featureNames)
        let rows = stride(from: 0, to: flat.count, by: model.featureCount).map { Array(flat[$0..<($0 + model.featureCount)]) }
        var releases: [Report] = []
        for _ in 0..<2 {
            let d = try CLI.run(["decrypt", "--model", f("s.he.json"), "--secret-key", f("s.sk"), "--in", f("r.ct"), "--json", "--flood"])
            #expect(d.status == 0, "\(d.stderr)")
            let report = try JSONDecoder().decode(Report.self, from: Data(d.stdout.utf8))
            #expect(report.predictions == rows.map { model.classLabels[model.predictClass(raw: $0)] })
            var worst = 0.0
            for (row, p) in zip(rows, report.probabilities) {
                for (a, b) in zip(model.probabilities(raw: row), p) { worst = max(worst, abs(a - b)) }
            }
            #expect(worst < 1e-3, "max probability error \(worst)")
            releases.append(report)
        }
        #expect(releases[0].probabilities != releases[1].probabilities, "fresh flooding noise per decryption")
    }
}
