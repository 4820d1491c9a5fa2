import Foundation

/// Runs the built `encml` binary as a subprocess and captures its output.
enum CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The `encml` next to the test binary (same build folder), else `.build/release/encml`.
    static let executable: URL = {
        let besideTests = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("encml")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        let sibling = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("encml")
        if FileManager.default.isExecutableFile(atPath: sibling.path) { return sibling }
        return root.appendingPathComponent(".build/release/encml")
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Non-empty stderr lines.
        var errorLines: [String] { stderr.split(whereSeparator: \.isNewline).map(String.init) }
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes fully before waiting so a large output cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    static func data(_ name: String) -> String { root.appendingPathComponent("notebooks-data/\(name).csv").path }

    /// A fresh temporary folder for one test.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("encml-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
