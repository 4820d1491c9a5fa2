import Foundation
import Testing

/// One bad input: a CSV body (or nil for "no file"), extra arguments, and words the single
/// stderr line must contain.
struct BadCase: Sendable, CustomTestStringConvertible {
    var name: String
    var csv: String?
    var arguments: [String] = []
    var mentions: [String]
    var testDescription: String { name }
}

let badTrainingInputs: [BadCase] = [
    BadCase(name: "missing file", csv: nil, mentions: ["cannot read"]),
    BadCase(name: "empty file", csv: "", mentions: ["empty"]),
    BadCase(name: "header only", csv: "a,b,y\n", mentions: ["no data rows"]),
    BadCase(name: "ragged row", csv: "a,b,y\n1,2,x\n3,z\n", mentions: ["row 3", "expected 3 fields", "found 2"]),
    BadCase(name: "missing value", csv: "a,b,y\n1,2,x\n3,,z\n", mentions: ["row 3", "'b'", "missing value"]),
    BadCase(name: "non-numeric feature", csv: "a,b,y\n1,2,x\n3,abc,z\n", mentions: ["row 3", "'b'", "'abc' is not a number"]),
    BadCase(name: "NaN feature", csv: "a,b,y\n1,nan,x\n3,4,z\n", mentions: ["row 2", "'b'", "not a finite number"]),
    BadCase(name: "infinite feature", csv: "a,b,y\n1,2,x\ninf,4,z\n", mentions: ["row 3", "'a'", "not a finite number"]),
    BadCase(name: "unknown target", csv: "a,b,y\n1,2,x\n3,4,z\n", arguments: ["--target", "label"],
            mentions: ["no column named 'label'", "a, b, y"]),
    BadCase(name: "one class", csv: "a,b,y\n1,2,x\n3,4,x\n", mentions: ["'y'", "single class"]),
    BadCase(name: "unterminated quote", csv: "a,b,y\n1,2,\"x\n", mentions: ["row 2", "quoted field"]),
    BadCase(name: "bad model kind", csv: "a,b,y\n1,2,x\n3,4,z\n", arguments: ["--model", "forest"],
            mentions: ["--model", "'forest'", "'logistic'", "'mlp'"]),
    BadCase(name: "bad hidden list", csv: "a,b,y\n1,2,x\n3,4,z\n", arguments: ["--hidden", "32,x"], mentions: ["--hidden"]),
    BadCase(name: "four hidden layers", csv: "a,b,y\n1,2,x\n3,4,z\n", arguments: ["--hidden", "4,4,4,4"], mentions: ["1 to 3 hidden layers"]),
    BadCase(name: "bad activation", csv: "a,b,y\n1,2,x\n3,4,z\n", arguments: ["--activation", "gelu"], mentions: ["--activation", "relu"]),
]

@Test(arguments: badTrainingInputs)
func badTrainingInputExitsNonZeroWithOneClearLine(_ bad: BadCase) throws {
    let dir = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let csv = dir.appendingPathComponent("bad.csv")
    if let body = bad.csv { try Data(body.utf8).write(to: csv) }
    var arguments = ["train", "--data", csv.path, "--out", dir.appendingPathComponent("m.json").path]
    if !bad.arguments.contains("--model") { arguments += ["--model", "mlp"] }
    let result = try CLI.run(arguments + bad.arguments)
    #expect(result.status != 0)
    #expect(result.errorLines.count == 1, "stderr: \(result.stderr)")
    let line = result.errorLines.first ?? ""
    #expect(line.hasPrefix("error: "))
    if !bad.arguments.contains(where: { $0.hasPrefix("--") && $0 != "--target" }) { #expect(line.contains(csv.path)) }
    for word in bad.mentions { #expect(line.contains(word), "\(line)") }
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("m.json").path))
}

@Test func missingRequiredOptionIsOneLine() throws {
    let result = try CLI.run(["train", "--data", CLI.data("iris"), "--out", "/tmp/never.json"])
    #expect(result.status != 0)
    #expect(result.errorLines == ["error: Missing expected argument '--model <model>'"])
}

@Test func evaluateRefusesBadModelsAndMismatchedData() throws {
    let dir = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = dir.appendingPathComponent("m.json").path
    #expect(try CLI.run(["train", "--data", CLI.data("iris"), "--model", "logistic", "--out", model]).status == 0)

    func expectOneLine(_ arguments: [String], mentioning words: [String]) throws {
        let result = try CLI.run(arguments)
        #expect(result.status != 0)
        #expect(result.errorLines.count == 1, "stderr: \(result.stderr)")
        for word in words { #expect(result.errorLines.first?.contains(word) == true, "\(result.stderr)") }
    }
    // A CSV is not a model.
    try expectOneLine(["evaluate", "--model", CLI.data("iris"), "--data", CLI.data("iris")], mentioning: ["not a valid model file"])
    // A model of a future format version.
    let future = dir.appendingPathComponent("future.json")
    let text = try String(contentsOfFile: model, encoding: .utf8).replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 9")
    try Data(text.utf8).write(to: future)
    try expectOneLine(["evaluate", "--model", future.path, "--data", CLI.data("iris")], mentioning: ["version 9"])
    // Data without the model's columns.
    try expectOneLine(["evaluate", "--model", model, "--data", CLI.data("breast_cancer")], mentioning: ["species"])
    // A label the model does not know.
    let odd = dir.appendingPathComponent("odd.csv")
    try Data("sepal_length_(cm),sepal_width_(cm),petal_length_(cm),petal_width_(cm),species\n5,3,1,0.2,tulip\n".utf8).write(to: odd)
    try expectOneLine(["evaluate", "--model", model, "--data", odd.path], mentioning: ["row 2", "'tulip'", "setosa"])
}
