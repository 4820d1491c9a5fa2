import ArgumentParser
import Foundation

extension EncML {
    /// Entry point. Same as ArgumentParser's, except that an error — including a usage error
    /// such as a missing option — is printed as ONE `error: …` line on stderr (no usage dump),
    /// with ArgumentParser's exit code. `--help` output is unchanged.
    static func main() {
        do {
            var command = try parseAsRoot()
            if let asyncCommand = command as? any AsyncParsableCommand {
                // `collab` subcommands are async; run them on the concurrency pool.
                nonisolated(unsafe) let asyncCommand = asyncCommand
                try runBlocking {
                    var command = asyncCommand
                    try await command.run()
                }
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                let text = fullMessage(for: error)
                if !text.isEmpty { print(text) }
                Foundation.exit(0)
            }
            var text = message(for: error)
            if text.isEmpty { Foundation.exit(code.rawValue) }  // already reported (reportingErrors)
            if let firstLine = text.split(whereSeparator: \.isNewline).first { text = String(firstLine) }
            if text.hasPrefix("Error: ") { text.removeFirst("Error: ".count) }
            printToStandardError("error: " + text)
            Foundation.exit(code.rawValue)
        }
    }
}
