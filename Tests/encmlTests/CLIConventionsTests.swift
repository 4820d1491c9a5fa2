import Foundation
import Testing

/// argument-parser conventions: `--version`, help text wrapped by the parser (not in the
/// source), choices listed from their enums.
@Suite struct CLIConventionsTests {
    @Test func versionPrintsOneLine() throws {
        let r = try CLI.run(["--version"])
        #expect(r.status == 0)
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3, "\(r.stdout)")
    }

    /// Greedy wrapping at width W never breaks a line before a word that would still fit:
    /// a line break inside a paragraph with room left for the next word was typed in the source.
    @Test(arguments: ["train", "encrypt", "convert", "query", "evaluate"])
    func helpParagraphsAreWrappedByTheParserNotInTheSource(_ command: String) throws {
        let r = try CLI.run([command, "--help"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let width = lines.map(\.count).max() ?? 80
        guard let overview = lines.firstIndex(where: { $0.hasPrefix("OVERVIEW:") }),
              let usage = lines.firstIndex(where: { $0.hasPrefix("USAGE:") }) else {
            Issue.record("no OVERVIEW/USAGE in \(command) --help")
            return
        }
        for i in overview..<(usage - 1) {
            let line = lines[i], next = lines[i + 1]
            guard !line.isEmpty, !next.isEmpty, let word = next.split(separator: " ").first else { continue }
            // argument-parser fills lines to at most 79 columns at its default width of 80.
            #expect(line.count + 1 + word.count >= min(width + 1, 80), "\(command): a hard line break after '\(line)'")
        }
    }

    @Test func choicesAreListedInHelpFromTheirEnums() throws {
        let r = try CLI.run(["train", "--help"])
        #expect(r.stdout.contains("logistic") && r.stdout.contains("mlp"))
        #expect(r.stdout.contains("relu") && r.stdout.contains("square"))
    }
}
