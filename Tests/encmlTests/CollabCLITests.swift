import Foundation
import Testing
import TestSupport

/// `encml collab` with real processes on loopback: one coordinator and three parties, each
/// holding a shard of a bundled data set (one shard skewed by label), a held-out test split.
@Suite(.serialized) struct CollabCLITests {
    /// A running `encml collab serve`; its URL is read from the `{"listening": URL}` line.
    final class Coordinator: @unchecked Sendable {
        let process = Process()
        let url: String
        private let err = Pipe()

        init(_ arguments: [String]) throws {
            process.executableURL = CLI.executable
            process.arguments = ["collab", "serve", "--host", "127.0.0.1", "--port", "0"] + arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            // The first stdout line is the JSON object with the URL.
            var line = Data()
            while true {
                let byte = out.fileHandleForReading.readData(ofLength: 1)
                if byte.isEmpty || byte == Data("\n".utf8) { break }
                line.append(byte)
            }
            let object = try JSONSerialization.jsonObject(with: line) as? [String: Any]
            url = object?["listening"] as? String ?? ""
        }

        /// Waits for the end of the session; returns the exit status and stderr.
        func finish() -> (Int32, String) {
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }
    }

    /// Runs `encml args…` in the background.
    final class Party: @unchecked Sendable {
        let process = Process()
        private let out = Pipe(), err = Pipe()
        init(_ arguments: [String]) throws {
            process.executableURL = CLI.executable
            process.arguments = arguments
            process.standardOutput = out
            process.standardError = err
            try process.run()
        }
        func finish() -> CLI.Result {
            let o = out.fileHandleForReading.readDataToEndOfFile()
            let e = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return CLI.Result(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                              stderr: String(decoding: e, as: UTF8.self))
        }
    }

    /// Writes test.csv, pooled.csv and shard0…2.csv (shard 0: 80% of its rows of the first label).
    static func shards(_ name: String, in folder: URL) throws -> (test: String, pooled: String, shards: [String]) {
        let split = collaborationShards(csvText: try String(contentsOfFile: CLI.data(name), encoding: .utf8))
        let header = split.header
        func write(_ rows: [String], _ file: String) throws -> String {
            let path = folder.appendingPathComponent(file).path
            try ([header] + rows).joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        return (try write(split.test, "test.csv"), try write(split.pooled, "pooled.csv"),
                try split.shards.enumerated().map { try write($1, "shard\($0).csv") })
    }

    static func accuracy(model: String, data: String) throws -> Double {
        let r = try CLI.run(["evaluate", "--model", model, "--data", data, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return try #require(object?["accuracy"] as? Double, "evaluate: \(r.stderr)")
    }

    /// Coordinator + three `collab join` processes; returns the parties' results and the paths of their models.
    static func train(_ name: String, serve: [String], folder: URL) throws
        -> (parties: [CLI.Result], models: [String], coordinator: (Int32, String), coordinatorModel: String, test: String, pooled: String)
    {
        let files = try shards(name, in: folder)
        let coordinatorModel = folder.appendingPathComponent("coordinator.json").path
        let coordinator = try Coordinator(["--parties", "3", "--out", coordinatorModel, "--timeout", "120"] + serve)
        let models = (0..<3).map { folder.appendingPathComponent("joint\($0).json").path }
        let parties = try (0..<3).map { i in
            try Party(["collab", "join", "--server", coordinator.url, "--data", files.shards[i], "--name", "p\(i)",
                       "--timeout", "120", "--out", models[i]])
        }
        let results = parties.map { $0.finish() }
        return (results, models, coordinator.finish(), coordinatorModel, files.test, files.pooled)
    }

    @Test func threePartyProcessesTrainOneLogisticRegressionWithinOnePointOfPooled() throws {
        let folder = try CLI.temporaryFolder()
        let run = try Self.train("breast_cancer", serve: ["--model", "logistic"], folder: folder)
        for r in run.parties { #expect(r.status == 0, "\(r.stderr)") }
        #expect(run.coordinator.0 == 0, "\(run.coordinator.1)")
        let reference = try Data(contentsOf: URL(fileURLWithPath: run.coordinatorModel))
        for m in run.models { #expect(try Data(contentsOf: URL(fileURLWithPath: m)) == reference, "every JOINT.json is identical") }
        let pooledModel = folder.appendingPathComponent("pooled.json").path
        #expect(try CLI.run(["train", "--data", run.pooled, "--model", "logistic", "--out", pooledModel]).status == 0)
        let joint = try Self.accuracy(model: run.coordinatorModel, data: run.test)
        let pooled = try Self.accuracy(model: pooledModel, data: run.test)
        print("collab LR breast_cancer: joint \(joint), pooled \(pooled)")
        // Gradient aggregation (the default) takes the pooled trainer's L-BFGS steps on the pooled
        // objective: the target, within 1 point (measured: equal).
        #expect(joint >= pooled - 0.01, "joint \(joint) vs pooled \(pooled)")
        // The party's summary line: converged before the default budget of evaluations.
        let summary = try JSONSerialization.jsonObject(with: Data(run.parties[0].stdout.utf8)) as? [String: Any]
        #expect(summary?["parties"] as? Int == 3)
        #expect(summary?["aggregation"] as? String == "gradient")
        let rounds = try #require(summary?["rounds"] as? Int)
        #expect(rounds >= 10 && rounds < 100, "rounds \(rounds)")
    }

    @Test func threePartyProcessesTrainOneMLPWithinTwoPointsOfPooled() throws {
        let folder = try CLI.temporaryFolder()
        let run = try Self.train("digits", serve: ["--model", "mlp", "--hidden", "32"], folder: folder)
        for r in run.parties { #expect(r.status == 0, "\(r.stderr)") }
        let reference = try Data(contentsOf: URL(fileURLWithPath: run.coordinatorModel))
        for m in run.models { #expect(try Data(contentsOf: URL(fileURLWithPath: m)) == reference) }
        let pooledModel = folder.appendingPathComponent("pooled.json").path
        #expect(try CLI.run(["train", "--data", run.pooled, "--model", "mlp", "--hidden", "32", "--out", pooledModel]).status == 0)
        let joint = try Self.accuracy(model: run.coordinatorModel, data: run.test)
        let pooled = try Self.accuracy(model: pooledModel, data: run.test)
        print("collab MLP digits: joint \(joint), pooled \(pooled)")
        // Gradient aggregation: full-batch L-BFGS on the pooled objective against the pooled
        // mini-batch Adam trainer: the target, within 2 points.
        #expect(joint >= pooled - 0.02, "joint \(joint) vs pooled \(pooled)")
    }

    @Test func threePartyProcessesComputeThePooledStatistics() throws {
        let folder = try CLI.temporaryFolder()
        let files = try Self.shards("breast_cancer", in: folder)
        let coordinator = try Coordinator(["--parties", "3", "--timeout", "60"])
        let parties = try files.shards.map {
            try Party(["collab", "stats", "--server", coordinator.url, "--data", $0, "--json"])
        }
        let results = parties.map { $0.finish() }
        #expect(coordinator.finish().0 == 0)
        for r in results { #expect(r.status == 0 && r.stdout == results[0].stdout, "\(r.stderr)") }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(results[0].stdout.utf8)) as? [String: Any])
        let features = try #require(object["features"] as? [String: [String: Double]])
        // Pooled statistics from the training rows directly.
        let lines = try String(contentsOfFile: files.pooled, encoding: .utf8).split(whereSeparator: \.isNewline)
        let header = lines[0].split(separator: ",").map(String.init)
        let rows = lines.dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(object["rows"] as? Int == rows.count)
        for (j, name) in header.dropLast().enumerated() {
            let values = rows.map { Double($0[j])! }
            let mean = values.reduce(0, +) / Double(values.count)
            let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
            let got = try #require(features[name])
            #expect(abs(got["mean"]! - mean) <= 1e-6 * abs(mean) + 1e-12, "\(name) mean")
            #expect(abs(got["std"]! - std) <= 1e-6 * std, "\(name) std")
        }
        let classes = try #require(object["classes"] as? [String: Int])
        #expect(classes.values.reduce(0, +) == rows.count)
    }

    @Test func aPartyWithOtherColumnsIsRefusedNamingThem() throws {
        let folder = try CLI.temporaryFolder()
        let files = try Self.shards("iris", in: folder)
        var text = try String(contentsOfFile: files.shards[2], encoding: .utf8)
        let header = text.prefix { $0 != "\n" }
        let first = header.split(separator: ",")[0]
        text = "petal_size" + text.dropFirst(first.count)
        try text.write(toFile: files.shards[2], atomically: true, encoding: .utf8)
        let coordinator = try Coordinator(["--parties", "3", "--timeout", "5"])
        var parties = try files.shards.prefix(2).map { try Party(["collab", "stats", "--server", coordinator.url, "--data", $0, "--timeout", "5"]) }
        Thread.sleep(forTimeInterval: 1)  // the mismatching party joins last
        parties.append(try Party(["collab", "stats", "--server", coordinator.url, "--data", files.shards[2], "--timeout", "5"]))
        let results = parties.map { $0.finish() }
        #expect(coordinator.finish().0 != 0)
        let refused = results[2]
        #expect(refused.status != 0)
        #expect(refused.errorLines.count == 1 && refused.stderr.contains("petal_size") && refused.stderr.contains(String(first)),
                "\(refused.stderr)")
    }

    @Test func partiesRefuseToDecryptAnythingButTheRoundSum() throws {
        let folder = try CLI.temporaryFolder()
        let files = try Self.shards("iris", in: folder)
        for misbehaviour in ["decrypt-one-contribution", "tamper-contribution", "unsigned-contribution"] {
            let coordinator = try Coordinator(["--parties", "3", "--timeout", "10", "--test-misbehave", misbehaviour])
            let parties = try files.shards.map { try Party(["collab", "stats", "--server", coordinator.url, "--data", $0, "--timeout", "10"]) }
            let results = parties.map { $0.finish() }
            #expect(coordinator.finish().0 != 0)
            for r in results {
                #expect(r.status != 0 && r.errorLines.count == 1, "\(misbehaviour): \(r.stderr)")
                #expect(!r.stdout.contains("rows"), "no statistics released")
            }
            let expected = misbehaviour == "decrypt-one-contribution" ? "not the sum of the signed contributions" : "no valid Ed25519 signature"
            #expect(results.contains { $0.stderr.contains(expected) }, "\(misbehaviour): \(results.map(\.stderr))")
        }
    }

    @Test func aPartyStoppingMidSessionFailsTheOthersWithinTheTimeout() throws {
        let folder = try CLI.temporaryFolder()
        let files = try Self.shards("breast_cancer", in: folder)
        let coordinator = try Coordinator(["--parties", "3", "--timeout", "5", "--aggregation", "fedavg", "--rounds", "1000",
                                           "--local-epochs", "1"])
        let start = Date()
        let parties = try (0..<3).map { i in
            try Party(["collab", "join", "--server", coordinator.url, "--data", files.shards[i], "--name", "p\(i)",
                       "--timeout", "5", "--out", folder.appendingPathComponent("j\(i).json").path])
        }
        // Stop party 2 once the session runs (joins take well under a second; 1000 rounds take far longer than 3 s).
        Thread.sleep(forTimeInterval: 3)
        kill(parties[2].process.processIdentifier, SIGKILL)
        let results = parties.map { $0.finish() }
        let elapsed = Date().timeIntervalSince(start)
        #expect(coordinator.finish().0 != 0)
        for r in results[0..<2] {
            #expect(r.status != 0 && r.errorLines.count == 1, "\(r.stderr)")
            #expect(r.stderr.contains("p2") || r.stderr.contains("did not arrive"), "\(r.stderr)")
        }
        #expect(elapsed < 60, "the others stopped after \(elapsed) s")
    }
}
