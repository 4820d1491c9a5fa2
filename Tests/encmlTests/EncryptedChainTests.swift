import Foundation
import Models
import Plaintext
import Testing

private struct DecryptReport: Decodable { var predictions: [String]; var probabilities: [[Double]] }

/// One client/server chain on breast_cancer run once for the suite, every step a separate
/// `encml` process exchanging files: split, train and convert model A (and model B on other
/// rows, for mismatch tests), keygen, then encrypt → infer → decrypt in both packings.
final class EncryptedChain: Sendable {
    let dir: URL
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    static let shared = try! EncryptedChain()

    private init() throws {
        dir = try CLI.temporaryFolder()
        let steps: [[String]] = [
            ["split", "--data", CLI.data("breast_cancer"), "--train-out", dir.appendingPathComponent("train.csv").path,
             "--test-out", dir.appendingPathComponent("test.csv").path],
            ["train", "--data", dir.appendingPathComponent("train.csv").path, "--model", "logistic", "--out", dir.appendingPathComponent("a.json").path],
            ["convert", "--model", dir.appendingPathComponent("a.json").path, "--calibration", dir.appendingPathComponent("train.csv").path,
             "--out", dir.appendingPathComponent("a.he.json").path],
            // Model B: other weights (fewer L-BFGS iterations) on the same calibration rows, so that
            // it gets A's parameters (they follow each model's noise) and only the model differs.
            ["train", "--data", dir.appendingPathComponent("train.csv").path, "--model", "logistic", "--epochs", "20",
             "--out", dir.appendingPathComponent("b.json").path],
            ["convert", "--model", dir.appendingPathComponent("b.json").path, "--calibration", dir.appendingPathComponent("train.csv").path,
             "--out", dir.appendingPathComponent("b.he.json").path],
            ["keygen", "--model", dir.appendingPathComponent("a.he.json").path, "--secret-key", dir.appendingPathComponent("a.sk").path,
             "--eval-keys", dir.appendingPathComponent("a.evk").path],
            ["keygen", "--model", dir.appendingPathComponent("b.he.json").path, "--secret-key", dir.appendingPathComponent("b.sk").path,
             "--eval-keys", dir.appendingPathComponent("b.evk").path],
        ]
        for arguments in steps {
            let r = try CLI.run(arguments)
            guard r.status == 0 else { throw CocoaError(.featureUnsupported, userInfo: ["step": arguments[0], "stderr": r.stderr]) }
        }
    }

    /// encrypt → infer → decrypt --json for model A in `mode`; returns the three results.
    func run(mode: String) throws -> (encrypt: CLI.Result, infer: CLI.Result, decrypt: CLI.Result) {
        let q = path("q-\(mode).ct"), r = path("r-\(mode).ct")
        let e = try CLI.run(["encrypt", "--model", path("a.he.json"), "--secret-key", path("a.sk"), "--data", path("test.csv"),
                             "--out", q, "--mode", mode])
        let i = try CLI.run(["infer", "--model", path("a.he.json"), "--eval-keys", path("a.evk"), "--in", q, "--out", r])
        let d = try CLI.run(["decrypt", "--model", path("a.he.json"), "--secret-key", path("a.sk"), "--in", r, "--json"])
        return (e, i, d)
    }

    /// Writes `data` to a fresh file in the chain folder and returns its path.
    func write(_ data: Data, _ name: String) throws -> String {
        try data.write(to: dir.appendingPathComponent(name))
        return path(name)
    }

    func bytes(_ name: String) throws -> Data { try Data(contentsOf: dir.appendingPathComponent(name)) }

    /// Removes the ciphertext and damaged copies a test wrote (tens of MB), keeping models and keys.
    func removeScratch() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        for name in names where name.hasSuffix(".ct") || name.hasPrefix("cut.") || ["fp.evk", "res.evk", "tail.evk"].contains(name) {
            try? FileManager.default.removeItem(at: dir.appendingPathComponent(name))
        }
    }
}

@Suite(.serialized) struct EncryptedChainTests {
    let chain = EncryptedChain.shared

    @Test(arguments: ["single", "batch"])
    func separateProcessesReproduceThePlaintextPolynomialModel(_ mode: String) throws {
        defer { chain.removeScratch() }
        let (e, i, d) = try chain.run(mode: mode)
        #expect(e.status == 0, "\(e.stderr)")
        #expect(i.status == 0, "\(i.stderr)")
        #expect(d.status == 0, "\(d.stderr)")
        let report = try JSONDecoder().decode(DecryptReport.self, from: Data(d.stdout.utf8))
        #expect(d.stdout.hasPrefix("{\"predictions\":"))

        // The plaintext polynomial model on the same rows.
        let model = try EncryptedModel.load(from: chain.path("a.he.json"))
        let table = try CSVReader.read(path: chain.path("test.csv"))
        let flat = try table.numericMatrix(columns: model.featureNames)
        let rows = stride(from: 0, to: flat.count, by: model.featureCount).map { Array(flat[$0..<($0 + model.featureCount)]) }
        #expect(rows.count == 171 && report.predictions.count == 171 && report.probabilities.count == 171)
        let expectedLabels = rows.map { model.classLabels[model.predictClass(raw: $0)] }
        #expect(report.predictions == expectedLabels, "all 171 encrypted predictions equal the polynomial model's")
        var worst = 0.0
        for (row, p) in zip(rows, report.probabilities) {
            for (a, b) in zip(model.probabilities(raw: row), p) { worst = max(worst, abs(a - b)) }
        }
        #expect(worst < 1e-3, "max probability error \(worst)")
        // The target column in the CSV was ignored, and the labels are the CSV's.
        #expect(Set(report.predictions).isSubset(of: ["benign", "malignant"]))
    }

    @Test func theServerCommandTakesNoSecretKeyAndTheSecretKeyFileIsPrivate() throws {
        let help = try CLI.run(["infer", "--help"])
        #expect(help.status == 0 && help.stdout.contains("--eval-keys"))
        #expect(!help.stdout.contains("--secret-key"))
        let attributes = try FileManager.default.attributesOfItem(atPath: chain.path("a.sk"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    /// Runs `arguments`; expects exit ≠ 0 and one stderr line containing every word of `mentions`.
    func expectRefusal(_ arguments: [String], mentions: [String], _ what: String) throws {
        let r = try CLI.run(arguments)
        #expect(r.status != 0, "\(what): accepted")
        #expect(r.errorLines.count == 1, "\(what): stderr \(r.stderr)")
        for word in mentions { #expect(r.stderr.contains(word), "\(what): '\(word)' not in \(r.stderr)") }
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack"))
    }

    func infer(evk: String, query: String) -> [String] {
        ["infer", "--model", chain.path("a.he.json"), "--eval-keys", evk, "--in", query, "--out", chain.path("x.ct")]
    }
    func decrypt(sk: String, result: String) -> [String] {
        ["decrypt", "--model", chain.path("a.he.json"), "--secret-key", sk, "--in", result]
    }

    @Test func damagedEvaluationKeysAreRefused() throws {
        defer { chain.removeScratch() }
        _ = try chain.run(mode: "batch")
        let evk = try chain.bytes("a.evk")
        let query = chain.path("q-batch.ct")
        for cut in [0, 3, 31, 40, 1000, evk.count / 2, evk.count - 1] {
            try expectRefusal(infer(evk: try chain.write(evk.prefix(cut), "cut.evk"), query: query),
                              mentions: [cut < 5 ? "not an encml" : "truncated"], "evaluation keys cut at \(cut)")
        }
        var flipped = evk
        flipped[10] ^= 0x01  // context fingerprint
        try expectRefusal(infer(evk: try chain.write(flipped, "fp.evk"), query: query), mentions: ["other CKKS parameters", "re-run encml keygen"], "fingerprint")
        var residue = evk
        for k in 0..<8 { residue[residue.count - 8 + k] = 0xff }
        try expectRefusal(infer(evk: try chain.write(residue, "res.evk"), query: query), mentions: ["not below its prime"], "residue")
        try expectRefusal(infer(evk: try chain.write(evk + Data([1, 2]), "tail.evk"), query: query), mentions: ["more than the", "bytes this model"], "trailing")
        try expectRefusal(infer(evk: chain.path("b.evk"), query: query), mentions: ["another model", "re-run encml keygen"], "keys of model B")
        try expectRefusal(infer(evk: chain.path("a.sk"), query: query), mentions: ["holds a secret key"], "secret key as evaluation keys")
        try expectRefusal(infer(evk: chain.path("missing.evk"), query: query), mentions: ["no such file"], "missing keys")
    }

    @Test func damagedOrMismatchedCiphertextsAreRefused() throws {
        defer { chain.removeScratch() }
        _ = try chain.run(mode: "single")
        let q = try chain.bytes("q-single.ct")
        let evk = chain.path("a.evk")
        for cut in [5, 32, 47, 48, 60, q.count / 3, q.count - 1] {
            try expectRefusal(infer(evk: evk, query: try chain.write(q.prefix(cut), "cut.ct")), mentions: ["truncated"], "query cut at \(cut)")
        }
        var residue = q
        for k in 0..<8 { residue[40 + 16 + 12 + k] = 0xff }  // first residue of the first c0
        try expectRefusal(infer(evk: evk, query: try chain.write(residue, "res.ct")), mentions: ["not below its prime"], "residue")
        var version = q
        version[6] = 9
        try expectRefusal(infer(evk: evk, query: try chain.write(version, "v.ct")), mentions: ["version 9"], "version")
        var scale = q
        for k in 0..<8 { scale[40 + 16 + 4 + k] = 0xff }  // NaN scale
        try expectRefusal(infer(evk: evk, query: try chain.write(scale, "nan.ct")), mentions: ["scale"], "scale")
        // A result where a query is expected, and the reverse.
        try expectRefusal(infer(evk: evk, query: chain.path("r-single.ct")), mentions: ["encrypted result", "encml encrypt"], "result as query")
        try expectRefusal(decrypt(sk: chain.path("a.sk"), result: chain.path("q-single.ct")), mentions: ["encrypted query", "encml infer"], "query as result")
        // Model B's client cannot decrypt or query model A.
        try expectRefusal(decrypt(sk: chain.path("b.sk"), result: chain.path("r-single.ct")), mentions: ["another model"], "secret key of model B")
        let encryptB = try CLI.run(["encrypt", "--model", chain.path("b.he.json"), "--secret-key", chain.path("b.sk"),
                                    "--data", chain.path("test.csv"), "--out", chain.path("qb.ct")])
        #expect(encryptB.status == 0)
        try expectRefusal(infer(evk: evk, query: chain.path("qb.ct")), mentions: ["another model", "re-run encml encrypt"], "query of model B")
        // Bad options.
        try expectRefusal(["encrypt", "--model", chain.path("a.he.json"), "--secret-key", chain.path("a.sk"), "--data", chain.path("test.csv"),
                           "--out", chain.path("x.ct"), "--mode", "diagonal"], mentions: ["--mode", "'single'", "'batch'"], "bad mode")
        try expectRefusal(["encrypt", "--model", chain.path("a.he.json"), "--secret-key", chain.path("a.sk"), "--data", chain.path("a.he.json"),
                           "--out", chain.path("x.ct")], mentions: ["a.he.json"], "not a CSV")
    }
}
