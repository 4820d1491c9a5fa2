import Foundation

/// A model file stored as JSON: `MODEL.json` (`TrainedModel`) and `MODEL.he.json` (`EncryptedModel`).
public protocol JSONDocument: Encodable {}

extension JSONDocument {
    /// Pretty-printed JSON with sorted keys (stable diffs between versions of a model). O(size).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Writes the document as JSON to `path`, atomically (a reader never sees half a file).
    public func save(to path: String) throws {
        try encoded().write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
