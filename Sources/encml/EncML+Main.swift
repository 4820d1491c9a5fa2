import ArgumentParser
import Foundation

extension EncML {
    /// Entry point and the one error path of the tool. Same as ArgumentParser's, except that
    /// an error — a usage error such as a missing option, or any error a command throws — is
    /// printed as ONE `error: …` line on stderr (no usage dump, no stack trace) with
    /// ArgumentParser's exit code (1 for a command's error). `--help` and `--version` output
    /// is unchanged.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
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
            if error is ExitCode { Foundation.exit(code.rawValue) }
            // Usage errors come from ArgumentParser (its wording); everything else is ours.
            var text = code == .validationFailure ? message(for: error) : oneLineMessage(for: error)
            if text.isEmpty { Foundation.exit(code.rawValue) }
            if let firstLine = text.split(whereSeparator: \.isNewline).first { text = String(firstLine) }
            if text.hasPrefix("Error: ") { text.removeFirst("Error: ".count) }
            printToStandardError("error: " + text)
            Foundation.exit(code.rawValue)
        }
    }
}
