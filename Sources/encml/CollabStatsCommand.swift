import ArgumentParser
import EncryptedMLCollaboration
import Foundation

/// `encml collab stats`: joint per-feature mean/std and per-class counts over all parties' rows.
struct CollabStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Compute joint statistics with the other parties (encrypted sums, collective decryption).",
        discussion: """
        --json prints {"rows": n, "features": {"NAME": {"mean": …, "std": …}}, "classes": {"LABEL": count}}.
        """
    )

    @Option(help: "Coordinator URL (encml collab serve).")
    var server: String

    @Option(help: "This party's rows (CSV with a header row).")
    var data: String

    @Option(help: "Target column name (default: the last column).")
    var target: String?

    @Option(help: "Seconds to wait for the other parties at each step.")
    var timeout: Double = 60

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() async throws {
        let result = try await runParty(server: server, data: data, target: target, name: nil, identity: nil,
                                        timeout: timeout, mode: .stats)
        let stats = result.statistics
        if json {
            try printJSONLine(stats.jsonObject)
        } else {
            print("rows: \(stats.rows)")
            for (j, name) in stats.features.enumerated() {
                print("\(name): mean \(stats.mean[j]), std \(stats.std[j])")
            }
            for (k, label) in stats.labels.enumerated() { print("class \(label): \(stats.classCounts[k])") }
        }
    }
}
