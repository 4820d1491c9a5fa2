import Foundation

/// Errors raised by the Plaintext module: reading CSV data sets and training.
///
/// Every message says what is wrong, where (file, 1-based row counting the header
/// as row 1, column name) and how to fix it, on one line, so the CLI can print it
/// to stderr as is.
public enum DataError: Error, CustomStringConvertible, Equatable, Sendable, LocalizedError {
    /// The file could not be opened or read.
    case unreadable(file: String)
    /// The file has no bytes (or only whitespace).
    case emptyFile(file: String)
    /// The file has a header row but no data rows.
    case headerOnly(file: String)
    /// A header cell is empty or a column name appears twice.
    case badHeader(file: String, reason: String)
    /// A data row has a different number of fields than the header.
    case raggedRow(file: String, row: Int, expected: Int, found: Int)
    /// A quoted field is not closed before the end of the file.
    case unterminatedQuote(file: String, row: Int)
    /// A cell is empty.
    case missingValue(file: String, row: Int, column: String)
    /// A feature cell does not parse as a number.
    case nonNumeric(file: String, row: Int, column: String, value: String)
    /// A feature cell is NaN or infinite.
    case nonFinite(file: String, row: Int, column: String, value: String)
    /// The requested target column is not in the header.
    case unknownTarget(file: String, target: String, columns: [String])
    /// A column the model needs is not in the header.
    case missingColumn(file: String, column: String)
    /// The target column holds a single class; nothing to learn.
    case oneClass(file: String, target: String, label: String)
    /// A target value is not one of the model's class labels.
    case unknownLabel(file: String, row: Int, column: String, value: String, known: [String])
    /// The file is larger than the reader accepts.
    case tooLarge(file: String, bytes: Int, limit: Int)
    /// Training produced a non-finite loss (exploding activations or step size).
    case diverged(epoch: Int)
    /// Training options or data do not fit together (e.g. too few rows per class to split).
    case invalidOptions(reason: String)

    /// The one-line message: what, where (file, row, column) and how to fix it.
    public var description: String {
        switch self {
        case let .unreadable(file):
            return "\(file): cannot read the file; check that the path names a readable regular file."
        case let .emptyFile(file):
            return "\(file): the file is empty; expected a header row and data rows."
        case let .headerOnly(file):
            return "\(file): the file has a header row but no data rows; add at least one row per class."
        case let .badHeader(file, reason):
            return "\(file): row 1 (header): \(reason); give every column a unique name."
        case let .raggedRow(file, row, expected, found):
            return "\(file): row \(row): expected \(expected) fields as in the header, found \(found); fix the row's commas or quotes."
        case let .unterminatedQuote(file, row):
            return "\(file): row \(row): a quoted field is not closed; add the closing double quote."
        case let .missingValue(file, row, column):
            return "\(file): row \(row), column '\(column)': missing value; fill it in or drop the row."
        case let .nonNumeric(file, row, column, value):
            return "\(file): row \(row), column '\(column)': '\(Self.clip(value))' is not a number; features must be numeric."
        case let .nonFinite(file, row, column, value):
            return "\(file): row \(row), column '\(column)': '\(Self.clip(value))' is not a finite number; replace NaN/inf values."
        case let .unknownTarget(file, target, columns):
            return "\(file): no column named '\(target)'; pass --target with one of: \(Self.list(columns))."
        case let .missingColumn(file, column):
            return "\(file): no column named '\(column)', which the model needs; use a CSV with the training columns."
        case let .oneClass(file, target, label):
            return "\(file): target column '\(target)' has a single class ('\(Self.clip(label))'); training needs at least two classes."
        case let .unknownLabel(file, row, column, value, known):
            return "\(file): row \(row), column '\(column)': label '\(Self.clip(value))' is not a class of the model (\(Self.list(known)))."
        case let .tooLarge(file, bytes, limit):
            return "\(file): \(bytes) bytes exceeds the reader's limit of \(limit) bytes; split the file."
        case let .diverged(epoch):
            return "training diverged at epoch \(epoch) (the loss is not finite); try another activation, fewer hidden layers or a lower learning rate."
        case let .invalidOptions(reason):
            return "invalid training options: \(reason)"
        }
    }

    static func clip(_ s: String) -> String {
        s.count > 40 ? String(s.prefix(40)) + "…" : s
    }

    static func list(_ items: [String]) -> String {
        items.count > 12 ? items.prefix(12).joined(separator: ", ") + ", …" : items.joined(separator: ", ")
    }
}

extension DataError {
    /// The one-line description (`LocalizedError`).
    public var errorDescription: String? { description }
}
