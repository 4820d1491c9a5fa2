import EncryptedMLCollaboration
import Foundation
import Logging
import Models
import Plaintext

/// Shards of a bundled data set and an in-process session (coordinator on a loopback port,
/// parties as concurrent tasks talking HTTP to it).
enum SessionHarness {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func table(_ name: String) throws -> CSVTable {
        try CSVReader.read(path: root.appendingPathComponent("notebooks-data/\(name).csv").path)
    }

    /// A CSV table of `rows` of `table` (same header).
    static func subset(_ table: CSVTable, _ rows: [Int], file: String, header: [String]? = nil) throws -> CSVTable {
        var text = (header ?? table.header).joined(separator: ",") + "\n"
        for r in rows { text += table.rows[r].joined(separator: ",") + "\n" }
        return try CSVReader.parse(text, file: file)
    }

    /// A held-out 30% test split and three training shards of the rest; shard 0 is skewed
    /// (it takes 80% of its rows from the first label). Deterministic.
    static func split(_ table: CSVTable, seed: UInt64 = 7) throws -> (test: CSVTable, pooled: CSVTable, shards: [CSVTable]) {
        var rng = SplitMix(state: seed)
        var order = Array(table.rows.indices)
        order.shuffle(using: &rng)
        let testCount = table.rows.count * 3 / 10
        let test = Array(order[..<testCount]), train = Array(order[testCount...])
        let target = table.header.count - 1
        let firstLabel = table.rows[train[0]][target]
        var first = train.filter { table.rows[$0][target] == firstLabel }
        var other = train.filter { table.rows[$0][target] != firstLabel }
        let size = train.count / 3
        var shards: [[Int]] = [[], [], []]
        // Shard 0: 80% first label.
        let skewFirst = min(first.count, size * 8 / 10)
        shards[0] = Array(first.prefix(skewFirst)) + Array(other.prefix(size - skewFirst))
        first.removeFirst(skewFirst)
        other.removeFirst(size - skewFirst)
        let rest = (first + other).shuffled(using: &rng)
        shards[1] = Array(rest[..<(rest.count / 2)])
        shards[2] = Array(rest[(rest.count / 2)...])
        return (try subset(table, test, file: "test.csv"), try subset(table, train, file: "pooled.csv"),
                try shards.enumerated().map { try subset(table, $1, file: "shard\($0).csv") })
    }

    struct Outcome {
        var coordinator: Result<CollaborationCoordinator.Outcome, any Error>
        var parties: [Result<CollaborationParty.Result, any Error>]
        var seconds: Double
    }

    /// Runs a session over `shards`. `silent` parties join and then never send anything.
    static func run(_ shards: [CSVTable], mode: SessionMode = .train, training: TrainingConfiguration = .init(),
                    timeout: Double = 60, misbehaviour: CollaborationCoordinator.Misbehaviour? = nil,
                    silent: Set<Int> = []) async throws -> Outcome {
        let coordinator = try CollaborationCoordinator(parties: shards.count, training: training, timeout: timeout,
                                                       misbehaviour: misbehaviour)
        let server = CoordinatorServer(coordinator: coordinator, host: "127.0.0.1", port: 0)
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let start = Date()
        let serverTask = Task { () -> Result<CollaborationCoordinator.Outcome, any Error> in
            do {
                var logger = Logger(label: "test")
                logger.logLevel = .critical
                return .success(try await server.run(logger: logger) { portSink.yield($0) })
            } catch {
                return .failure(error)
            }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CollaborationError.invalid("server did not start") }
        let url = "http://127.0.0.1:\(port)"
        let results = await withTaskGroup(of: (Int, Result<CollaborationParty.Result, any Error>).self) { group in
            for (i, shard) in shards.enumerated() {
                group.addTask {
                    do {
                        let client = try CoordinatorClient(server: url, timeout: timeout)
                        if silent.contains(i) {
                            try await Task.sleep(nanoseconds: UInt64(i) * 50_000_000)
                            _ = try await client.call("POST", "/v1/join", body: Self.joinRequest(shard, name: "silent\(i)", mode: mode),
                                                      as: JoinReply.self)
                            throw CollaborationError.invalid("silent party")
                        }
                        // Stagger joins so that party indices follow shard order.
                        try await Task.sleep(nanoseconds: UInt64(i) * 50_000_000)
                        let party = CollaborationParty(name: "party\(i)", table: shard, target: nil, identity: PartyIdentity(),
                                                       client: client, mode: mode)
                        return (i, .success(try await party.run()))
                    } catch {
                        return (i, .failure(error))
                    }
                }
            }
            var out = [Result<CollaborationParty.Result, any Error>?](repeating: nil, count: shards.count)
            for await (i, r) in group { out[i] = r }
            return out.map { $0! }
        }
        let outcome = await serverTask.value
        return Outcome(coordinator: outcome, parties: results, seconds: Date().timeIntervalSince(start))
    }

    static func joinRequest(_ table: CSVTable, name: String, mode: SessionMode) -> JoinRequest {
        let columns = Array(table.header.dropLast())
        let labels = Array(Set(table.rows.map { $0.last! })).sorted()
        return JoinRequest(name: name, publicKey: PartyIdentity().publicKey, columns: columns, target: table.header.last!,
                           labels: labels, rows: table.rows.count, mode: mode)
    }

    static func accuracy(_ model: TrainedModel, on table: CSVTable) throws -> Double {
        let data = try Dataset(table: table, featureNames: model.featureNames, targetName: model.targetName,
                               classLabels: model.classLabels)
        let correct = (0..<data.count).filter { model.predictClass(raw: data.row($0)) == data.labels[$0] }.count
        return Double(correct) / Double(data.count)
    }
}

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
