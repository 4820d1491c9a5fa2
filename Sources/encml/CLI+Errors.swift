import ArgumentParser
import Foundation

/// Errors of the command-line layer: option values that parse as text but make no sense,
/// and output files that cannot be written.
enum CLIError: Error, CustomStringConvertible {
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
}

/// Writes one line to standard error.
func printToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// The one-line message for any error: its description with newlines folded.
func oneLineMessage(for error: Error) -> String {
    let text = String(describing: error)  // our errors are CustomStringConvertible
    return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
}

/// Runs a command body; any error is printed as a single `error: …` line on stderr and the
/// command exits with status 1 (no stack trace, no usage dump).
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        printToStandardError("error: " + oneLineMessage(for: error))
        throw ExitCode.failure
    }
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

/// Parses an enum option value, listing the accepted values in the error.
func parseChoice<T: RawRepresentable & CaseIterable>(_ text: String, option: String, as _: T.Type) throws -> T where T.RawValue == String {
    guard let value = T(rawValue: text.lowercased()) else {
        throw CLIError.invalidValue(option: option, value: text, expected: "one of " + T.allCases.map(\.rawValue).joined(separator: ", "))
    }
    return value
}
