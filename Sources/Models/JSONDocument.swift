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

/// The reading side of the model files, shared by `TrainedModel`, `EncryptedModel` and
/// `ModelFile`: a size-bounded read and a header check before the full decode.
enum JSONDocumentReader {
    /// The fields read before the full decode.
    private struct DocumentHeader: Decodable { var format: String?; var version: Int? }

    /// The largest model file read (512 MiB); a larger one is refused before it is loaded.
    static let maxFileBytes = 512 << 20

    /// Reads `path` after checking its size. Throws `ModelError.malformed` naming the file.
    static func read(path: String) throws -> Data {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        guard let size else { throw ModelError.malformed(file: path, reason: "cannot read file") }
        guard size <= maxFileBytes else {
            throw ModelError.malformed(file: path, reason: "file is \(size) bytes, above the \(maxFileBytes)-byte limit")
        }
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else {
            throw ModelError.malformed(file: path, reason: "cannot read file")
        }
        return data
    }

    /// Decodes `data` as `T` once its `format` and `version` fields are the expected ones;
    /// `hint` adds advice for a file of the wrong format (given the format it found).
    /// Validation of the decoded value is the caller's. O(size).
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String, format: String, version: Int,
                                     hint: (String?) -> String = { _ in "" }) throws -> T {
        guard let header = try? JSONDecoder().decode(DocumentHeader.self, from: data) else {
            throw ModelError.malformed(file: file, reason: "not a JSON object")
        }
        guard header.format == format else {
            throw ModelError.malformed(
                file: file, reason: "format is \"\(header.format ?? "missing")\", expected \"\(format)\"\(hint(header.format))")
        }
        guard header.version == version else {
            throw ModelError.unsupportedVersion(file: file, found: header.version ?? 0, supported: version)
        }
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw ModelError.malformed(file: file, reason: "\(error)")
        }
    }
}
