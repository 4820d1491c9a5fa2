import ArgumentParser
import EncryptedMLCollaboration
import Foundation
import Models
import Plaintext

/// `encml collab join`: one data owner's side of a training session.
struct CollabJoinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Join a collaboration session with a data shard and write the joint model.",
        discussion: """
        Sends only metadata (column names, labels, row count), encrypted sums and decryption \
        shares of checked sums. Prints one JSON object on stdout: party, parties, rounds, rows, \
        accuracy of the joint model on this shard, bytes and CPU per round.
        """
    )

    @Option(help: "Coordinator URL (encml collab serve).")
    var server: String

    @Option(help: "This party's rows (CSV with a header row).")
    var data: String

    @Option(help: "Target column name (default: the last column).")
    var target: String?

    @Option(help: "Name shown to the other parties (default: the file name).")
    var name: String?

    @Option(help: "Ed25519 identity file (created when missing; default: a fresh identity for this run).")
    var identity: String?

    @Option(help: "Seconds to wait for the other parties at each step.")
    var timeout: Double = 60

    @Option(help: "Where to write the joint model (JSON).")
    var out: String

    func run() async throws {
        let result = try await runParty(server: server, data: data, target: target, name: name, identity: identity,
                                        timeout: timeout, mode: .train)
        guard let model = result.model else { throw CollaborationError.invalid("the session produced no model") }
        try model.save(to: out)
        let local = try Dataset(table: CSVReader.read(path: data), featureNames: model.featureNames,
                                targetName: model.targetName, classLabels: model.classLabels)
        let correct = (0..<local.count).filter { model.predictClass(raw: local.row($0)) == local.labels[$0] }.count
        try printJSONLine([
            "party": result.party, "parties": result.description.members.count,
            "rounds": result.rounds.filter { $0.round >= 1 }.count, "aggregation": result.description.training.aggregation.rawValue,
            "rows": result.statistics.rows,
            "shard_accuracy": Double(correct) / Double(max(local.count, 1)), "out": out,
            "mean_round": meanRound(result.rounds.filter { $0.round >= 1 }),
            "per_round": result.rounds.map { ["round": $0.round, "bytes_sent": $0.bytesSent,
                                              "bytes_received": $0.bytesReceived, "cpu_s": $0.cpuSeconds] },
        ])
    }
}

/// Reads the shard, makes or loads the identity and runs the party; progress on a TTY.
func runParty(server: String, data: String, target: String?, name: String?, identity: String?, timeout: Double,
              mode: SessionMode) async throws -> CollaborationParty.Result {
    guard timeout > 0, timeout <= 86400 else {
        throw CLIError.invalidValue(option: "--timeout", value: "\(timeout)", expected: "seconds in (0, 86400]")
    }
    let table = try CSVReader.read(path: data)
    let key = try identity.map { try PartyIdentity.loadOrCreate(path: $0) } ?? PartyIdentity()
    let client = try CoordinatorClient(server: server, timeout: timeout)
    let party = CollaborationParty(name: name ?? URL(fileURLWithPath: data).lastPathComponent, table: table,
                                   target: target, identity: key, client: client, mode: mode)
    let tty = standardErrorIsTTY
    return try await party.run { report in
        guard tty else { return }
        let loss = report.loss.isNaN ? "" : String(format: ", local loss %.4f", report.loss)
        printToStandardError(String(format: "round %d%@: sent %.1f KB, received %.1f KB, CPU %.2f s", report.round, loss,
                                    Double(report.bytesSent) / 1024, Double(report.bytesReceived) / 1024, report.cpuSeconds))
    }
}

/// Mean bytes and CPU seconds over training rounds (JSON object).
func meanRound(_ rounds: [CollaborationParty.RoundReport]) -> [String: Double] {
    let n = Double(max(rounds.count, 1))
    return ["bytes_sent": Double(rounds.reduce(0) { $0 + $1.bytesSent }) / n,
            "bytes_received": Double(rounds.reduce(0) { $0 + $1.bytesReceived }) / n,
            "cpu_s": rounds.reduce(0) { $0 + $1.cpuSeconds } / n]
}
