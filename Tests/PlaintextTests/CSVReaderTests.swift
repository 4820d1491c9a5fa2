import Foundation
import Plaintext
import Testing

@Test func quotedFieldsWithCommasQuotesAndNewlinesAreRead() throws {
    let text = "a,\"b, with comma\",c\n1,\"say \"\"hi\"\"\",\"multi\nline\"\n2, 3 ,x\n"
    let table = try CSVReader.parse(text, file: "q.csv")
    #expect(table.header == ["a", "b, with comma", "c"])
    #expect(table.rows == [["1", "say \"hi\"", "multi\nline"], ["2", "3", "x"]])
    #expect(table.rowNumbers == [2, 4])  // the quoted newline moves row 3 to line 4
}

@Test func crlfLineEndingsAndByteOrderMarkAreAccepted() throws {
    var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
    bytes += Array("x,y,label\r\n1,2,a\r\n3,4,b\r\n\r\n".utf8)
    let table = try CSVReader.parse(Data(bytes), file: "crlf.csv")
    #expect(table.header == ["x", "y", "label"])
    #expect(table.rows == [["1", "2", "a"], ["3", "4", "b"]])
    let data = try Dataset(table: table)
    #expect(data.features == [1, 2, 3, 4])
    #expect(data.classLabels == ["a", "b"])
}

@Test func missingFinalNewlineAndBlankLinesAreTolerated() throws {
    let table = try CSVReader.parse("x,y\n\n1,a\n\n2,b", file: "m.csv")
    #expect(table.rows == [["1", "a"], ["2", "b"]])
    #expect(table.rowNumbers == [3, 5])
}

struct BadInput: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var target: String?
    var expected: DataError
    var testDescription: String { name }
}

let badInputs: [BadInput] = [
    BadInput(name: "empty file", text: "", expected: .emptyFile(file: "bad.csv")),
    BadInput(name: "whitespace only", text: "\n  \n", expected: .emptyFile(file: "bad.csv")),
    BadInput(name: "header only", text: "x,y,label\n", expected: .headerOnly(file: "bad.csv")),
    BadInput(name: "ragged row", text: "x,y,label\n1,2,a\n3,b\n",
             expected: .raggedRow(file: "bad.csv", row: 3, expected: 3, found: 2)),
    BadInput(name: "missing value", text: "x,y,label\n1,2,a\n3,,b\n",
             expected: .missingValue(file: "bad.csv", row: 3, column: "y")),
    BadInput(name: "missing label", text: "x,y,label\n1,2,a\n3,4,\n",
             expected: .missingValue(file: "bad.csv", row: 3, column: "label")),
    BadInput(name: "non-numeric feature", text: "x,y,label\n1,2,a\nthree,4,b\n",
             expected: .nonNumeric(file: "bad.csv", row: 3, column: "x", value: "three")),
    BadInput(name: "NaN", text: "x,y,label\n1,NaN,a\n3,4,b\n",
             expected: .nonFinite(file: "bad.csv", row: 2, column: "y", value: "NaN")),
    BadInput(name: "infinity", text: "x,y,label\n1,2,a\n-inf,4,b\n",
             expected: .nonFinite(file: "bad.csv", row: 3, column: "x", value: "-inf")),
    BadInput(name: "unknown target", text: "x,y,label\n1,2,a\n3,4,b\n", target: "class",
             expected: .unknownTarget(file: "bad.csv", target: "class", columns: ["x", "y", "label"])),
    BadInput(name: "one class", text: "x,y,label\n1,2,a\n3,4,a\n",
             expected: .oneClass(file: "bad.csv", target: "label", label: "a")),
    BadInput(name: "unterminated quote", text: "x,y,label\n1,2,a\n3,\"4,b\n",
             expected: .unterminatedQuote(file: "bad.csv", row: 3)),
    BadInput(name: "duplicate column", text: "x,x,label\n1,2,a\n",
             expected: .badHeader(file: "bad.csv", reason: "column name 'x' appears twice")),
]

@Test(arguments: badInputs)
func badInputRaisesATypedErrorNamingFileRowAndColumn(_ input: BadInput) {
    #expect(throws: input.expected) {
        try Dataset(table: CSVReader.parse(input.text, file: "bad.csv"), target: input.target)
    }
    // The message is one line and names the file.
    let message = input.expected.description
    #expect(!message.contains("\n") && message.hasPrefix("bad.csv"))
}

@Test func unreadablePathIsATypedError() {
    #expect(throws: DataError.unreadable(file: "/nonexistent/x.csv")) {
        try CSVReader.read(path: "/nonexistent/x.csv")
    }
}
