import ArgumentParser
import EncryptedMLCollaboration
import Foundation

/// `encml collab`: several data owners train one model (or compute joint statistics) under
/// threshold CKKS, with a coordinator that never sees rows or local models.
struct CollabCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collab",
        abstract: "Train jointly with other data owners under threshold CKKS (coordinator and parties over HTTP).",
        subcommands: [CollabServeCommand.self, CollabJoinCommand.self, CollabStatsCommand.self]
    )
}

/// Writes one JSON object as one line on stdout (sorted keys).
func printJSONLine(_ object: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

/// Whether standard error is a terminal (progress lines only then).
var standardErrorIsTTY: Bool { isatty(FileHandle.standardError.fileDescriptor) != 0 }
