import Foundation

/// A one-line progress bar with the current loss, redrawn in place on standard error.
/// Silent unless standard error is a terminal, so logs and pipes stay clean.
/// Redraws at most every 50 ms; O(1) per update.
final class ProgressBar {
    private let enabled: Bool
    private let label: String
    private var lastDraw = Date.distantPast
    private var drawn = false

    /// A bar titled `label`; `enabled` defaults to "stderr is a TTY".
    init(label: String, enabled: Bool = isatty(FileHandle.standardError.fileDescriptor) == 1) {
        self.label = label
        self.enabled = enabled
    }

    /// Shows `step` of `total` with the training (and optional validation) loss.
    func update(step: Int, total: Int, loss: Double, validationLoss: Double? = nil) {
        guard enabled else { return }
        let now = Date()
        guard step == total || now.timeIntervalSince(lastDraw) >= 0.05 else { return }
        lastDraw = now
        let width = 30
        let filled = total > 0 ? min(width, step * width / total) : width
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        var line = "\r\(label) \(String(format: "%5d", step))/\(total) [\(bar)] loss \(String(format: "%.4f", loss))"
        if let validationLoss { line += " val \(String(format: "%.4f", validationLoss))" }
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    /// Ends the bar's line (if one was drawn).
    func finish() {
        if enabled && drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
