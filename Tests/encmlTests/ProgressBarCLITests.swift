import Foundation
import Testing

/// On a terminal, `encml train` draws a progress bar with the loss on stderr. `script`
/// (util-linux, part of every Debian install) gives the command a pseudo-terminal.
@Test func trainingShowsAProgressBarWithLossOnATerminal() throws {
    let dir = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = dir.appendingPathComponent("m.json").path
    let command = [CLI.executable.path, "train", "--data", CLI.data("iris"), "--model", "mlp",
                   "--epochs", "40", "--seed", "1", "--out", model].joined(separator: " ")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    process.arguments = ["-qec", command, "/dev/null"]
    let out = Pipe()
    process.standardOutput = out
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(text)")
    #expect(text.contains("\repoch"), "\(text)")
    #expect(text.contains("40/40 [==============================] loss 0."), "\(text)")
}
