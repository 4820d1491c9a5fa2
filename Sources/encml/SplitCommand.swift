import ArgumentParser
import Foundation
import Plaintext

/// `encml split`: a reproducible stratified train/test split of a CSV file.
struct SplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Split a CSV into stratified train and test files (reproducible for a seed).",
        discussion: "The same rule as the test suite and Benchmarks/peers/split.py, so results are comparable."
    )

    @Option(help: "Data to split (CSV with a header row).")
    var data: String

    @Option(help: "Target column name used for stratification (default: the last column).")
    var target: String?

    @Option(help: "Fraction of each class that goes to the test file.")
    var testFraction: Double = 0.3

    @Option(help: "Random seed.")
    var seed: UInt64 = 42

    @Option(help: "Where to write the training rows.")
    var trainOut: String

    @Option(help: "Where to write the test rows.")
    var testOut: String

    func run() throws {
        let table = try CSVReader.read(path: data)
        let dataset = try Dataset(table: table, target: target)
        let (train, test) = try dataset.stratifiedSplitIndices(testFraction: testFraction, seed: seed)
        try write(table, rows: train, to: trainOut)
        try write(table, rows: test, to: testOut)
        print("split \(dataset.count) rows of \(data): \(train.count) → \(trainOut), \(test.count) → \(testOut)")
    }

    private func write(_ table: CSVTable, rows: [Int], to path: String) throws {
        var text = table.header.map(Self.quoted).joined(separator: ",") + "\n"
        for r in rows { text += table.rows[r].map(Self.quoted).joined(separator: ",") + "\n" }
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw CLIError.cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    /// A field quoted when it holds a comma, quote, line break or edge whitespace.
    static func quoted(_ field: String) -> String {
        let needs = field.contains { $0 == "," || $0 == "\"" || $0.isNewline }
            || field.first?.isWhitespace == true || field.last?.isWhitespace == true
        return needs ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }
}
