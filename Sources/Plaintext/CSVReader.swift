import Foundation

/// A parsed CSV file: the header and the data rows as strings.
///
/// Row numbers are 1-based line numbers in the file (the header is row 1), so
/// errors point at the line an editor shows.
public struct CSVTable: Sendable, Equatable {
    /// File name used in error messages.
    public let file: String
    /// Column names from the header row, trimmed.
    public let header: [String]
    /// Data rows; each has exactly `header.count` fields.
    public let rows: [[String]]
    /// The line on which each data row starts (parallel to `rows`).
    public let rowNumbers: [Int]

    /// Index of the column named `name`, or nil.
    public func columnIndex(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// The named columns as a row-major `rows.count × columns.count` matrix of finite Doubles.
    /// Throws `DataError.missingColumn`, `.missingValue`, `.nonNumeric` or `.nonFinite` naming
    /// the row and column. O(rows · columns).
    public func numericMatrix(columns: [String]) throws -> [Double] {
        var indices: [Int] = []
        indices.reserveCapacity(columns.count)
        for name in columns {
            guard let index = columnIndex(name) else { throw DataError.missingColumn(file: file, column: name) }
            indices.append(index)
        }
        var out = [Double](repeating: 0, count: rows.count * columns.count)
        var k = 0
        for (r, row) in rows.enumerated() {
            for (c, index) in indices.enumerated() {
                out[k] = try number(row[index], row: rowNumbers[r], column: columns[c])
                k += 1
            }
        }
        return out
    }

    /// Parses one feature cell as a finite Double or throws a typed error.
    func number(_ text: String, row: Int, column: String) throws -> Double {
        if text.isEmpty { throw DataError.missingValue(file: file, row: row, column: column) }
        guard let value = Double(text) else {
            throw DataError.nonNumeric(file: file, row: row, column: column, value: text)
        }
        guard value.isFinite else { throw DataError.nonFinite(file: file, row: row, column: column, value: text) }
        return value
    }
}

/// A small RFC 4180 CSV reader: a header row, comma-separated fields, double-quoted
/// fields with `""` escapes and embedded commas or newlines, LF or CRLF line ends,
/// an optional UTF-8 byte-order mark, blank lines skipped, unquoted fields trimmed
/// of spaces and tabs.
///
/// One pass over the bytes, O(file size) time and memory.
public enum CSVReader {
    /// Largest file the reader accepts (1 GiB); checked before the file is loaded.
    public static let maximumBytes = 1 << 30

    /// Reads and parses the CSV file at `path`.
    /// Throws `DataError.unreadable`, `.tooLarge`, `.emptyFile`, `.headerOnly`, `.badHeader`,
    /// `.raggedRow` or `.unterminatedQuote`.
    public static func read(path: String) throws -> CSVTable {
        let url = URL(fileURLWithPath: path).resolvingSymlinksInPath()
        // Regular files only: a directory, FIFO or device (/dev/zero) would never end or fail oddly.
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              (attributes[.type] as? FileAttributeType) == .typeRegular else {
            throw DataError.unreadable(file: path)
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maximumBytes else { throw DataError.tooLarge(file: path, bytes: size, limit: maximumBytes) }
        guard let data = try? Data(contentsOf: url) else { throw DataError.unreadable(file: path) }
        return try parse(data, file: path)
    }

    /// Parses CSV text held in memory; `file` names the source in errors.
    public static func parse(_ text: String, file: String) throws -> CSVTable {
        try parse(Data(text.utf8), file: file)
    }

    /// Parses CSV bytes held in memory; `file` names the source in errors. O(bytes).
    public static func parse(_ data: Data, file: String) throws -> CSVTable {
        guard data.count <= maximumBytes else {
            throw DataError.tooLarge(file: file, bytes: data.count, limit: maximumBytes)
        }
        let records = try data.withUnsafeBytes { raw in
            try splitRecords(raw.bindMemory(to: UInt8.self), file: file)
        }
        guard let first = records.first else { throw DataError.emptyFile(file: file) }
        let header = first.fields
        for (index, name) in header.enumerated() {
            if name.isEmpty { throw DataError.badHeader(file: file, reason: "column \(index + 1) has no name") }
            if header[..<index].contains(name) {
                throw DataError.badHeader(file: file, reason: "column name '\(DataError.clip(name))' appears twice")
            }
        }
        guard records.count > 1 else { throw DataError.headerOnly(file: file) }
        var rows: [[String]] = []
        var numbers: [Int] = []
        rows.reserveCapacity(records.count - 1)
        numbers.reserveCapacity(records.count - 1)
        for record in records.dropFirst() {
            guard record.fields.count == header.count else {
                throw DataError.raggedRow(file: file, row: record.line, expected: header.count, found: record.fields.count)
            }
            rows.append(record.fields)
            numbers.append(record.line)
        }
        return CSVTable(file: file, header: header, rows: rows, rowNumbers: numbers)
    }

    private struct Record { var fields: [String]; var line: Int }

    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","),
                       cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"),
                       space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

    /// Splits the bytes into records of fields; skips a BOM and blank lines.
    private static func splitRecords(_ bytes: UnsafeBufferPointer<UInt8>, file: String) throws -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        field.reserveCapacity(64)
        var quoted = false, inQuotes = false
        var line = 1, recordLine = 1
        var i = 0
        let n = bytes.count
        if n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }

        func finishField() {
            if quoted {
                fields.append(String(decoding: field, as: UTF8.self))
            } else {
                var lo = 0, hi = field.count
                while lo < hi && (field[lo] == space || field[lo] == tab) { lo += 1 }
                while hi > lo && (field[hi - 1] == space || field[hi - 1] == tab) { hi -= 1 }
                fields.append(String(decoding: field[lo..<hi], as: UTF8.self))
            }
            field.removeAll(keepingCapacity: true)
            quoted = false
        }
        func finishRecord() {
            let wasQuoted = quoted
            finishField()
            if !(fields.count == 1 && fields[0].isEmpty && !wasQuoted) {  // skip blank lines
                records.append(Record(fields: fields, line: recordLine))
            }
            fields.removeAll(keepingCapacity: true)
        }

        while i < n {
            let b = bytes[i]
            if inQuotes {
                if b == quote {
                    if i + 1 < n && bytes[i + 1] == quote { field.append(quote); i += 2; continue }
                    inQuotes = false
                } else {
                    if b == lf { line += 1 }
                    field.append(b)
                }
                i += 1
                continue
            }
            switch b {
            case quote where field.allSatisfy({ $0 == space || $0 == tab }) && !quoted:
                field.removeAll(keepingCapacity: true)
                inQuotes = true
                quoted = true
            case comma:
                finishField()
            case cr, lf:
                if b == cr && i + 1 < n && bytes[i + 1] == lf { i += 1 }
                finishRecord()
                line += 1
                recordLine = line
            default:
                if !(quoted && (b == space || b == tab)) { field.append(b) }  // spaces after a closing quote
            }
            i += 1
        }
        if inQuotes { throw DataError.unterminatedQuote(file: file, row: recordLine) }
        if !field.isEmpty || !fields.isEmpty || quoted { finishRecord() }
        return records
    }
}
