import ArgumentParser
import EncryptedML
import Foundation
import Logging
import Models

/// Errors of the command-line layer: option values that parse as text but make no sense,
/// and output files that cannot be written.
enum CLIError: Error, CustomStringConvertible, LocalizedError {
    /// An option's value is not one of the accepted ones.
    case invalidValue(option: String, value: String, expected: String)
    /// A file could not be written.
    case cannotWrite(path: String, reason: String)

    var description: String {
        switch self {
        case let .invalidValue(option, value, expected):
            return "\(option): '\(value)' is not valid; expected \(expected)."
        case let .cannotWrite(path, reason):
            return "\(path): cannot write the file (\(reason)); check that the folder exists and is writable."
        }
    }

    var errorDescription: String? { description }
}

/// Writes one line to standard error.
func printToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// The one-line message for any error: its description with newlines folded.
func oneLineMessage(for error: any Error) -> String {
    let text = String(describing: error)  // our errors are CustomStringConvertible
    return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
}

/// Parses a `--hidden 32,16` list of layer widths.
func parseHidden(_ text: String) throws -> [Int] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
    let widths = parts.map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !parts.isEmpty, widths.allSatisfy({ $0 != nil && $0! > 0 }) else {
        throw CLIError.invalidValue(option: "--hidden", value: text, expected: "comma-separated positive layer widths such as 32 or 32,16")
    }
    return widths.map { $0! }
}

// Choices parse as enums: argument-parser lists the accepted values in `--help` and in the error.
extension PackingMode: ExpressibleByArgument {}
extension ModelKind: ExpressibleByArgument {}
extension ActivationKind: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
