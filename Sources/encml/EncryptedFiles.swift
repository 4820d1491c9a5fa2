import EncryptedML
import Foundation
import Models
import Plaintext

/// A converted model loaded for the encrypted commands: the model, its CKKS context and
/// the tag that binds key and ciphertext files to it.
struct ModelSession {
    let path: String
    let model: EncryptedModel
    let context: CKKSContext
    /// The model's weights fingerprint as written into every file's header.
    let tag: UInt64

    /// Loads and validates `MODEL.he.json` and builds its context (milliseconds).
    init(path: String) throws {
        self.path = path
        model = try EncryptedModel.load(from: path)  // validated
        context = try CKKSContext(model: model)
        tag = try EncMLFormat.modelTag(for: model)
    }

    /// Reads a secret-key file (header checked first, size exactly what the parameters imply).
    /// - Returns: the key and its key set.
    func readSecretKey(_ file: String) throws -> (key: CKKSSecretKey, keySet: UInt64) {
        let data = try readEncMLFile(file, kind: .secretKey, session: self) { _ in
            EncMLFormat.headerSize + context.degree / 4
        }
        let keySet = EncMLFormat.keySet(of: data) ?? 0
        return (try CKKSSecretKey.deserialize(data, context: context, modelTag: tag, keySet: keySet, file: file), keySet)
    }

    /// The rotation steps this model's evaluation keys hold.
    var requiredRotations: [Int] { model.plan.single.rotations }

    /// Reads an evaluation-keys file: header first, then at most the size this model's keys
    /// have (relinearization and exactly its rotations), then the body.
    /// - Returns: the keys and their key set.
    func readEvaluationKeys(_ file: String) throws -> (keys: CKKSEvaluationKeys, keySet: UInt64) {
        let rotations = requiredRotations
        let data = try readEncMLFile(file, kind: .evaluationKeys, session: self) { _ in
            CKKSEvaluationKeys.serializedSize(context: context, rotationCount: rotations.count)
        }
        let keySet = EncMLFormat.keySet(of: data) ?? 0
        let keys = try CKKSEvaluationKeys.deserialize(data, context: context, modelTag: tag, keySet: keySet,
                                                      requiredSteps: rotations, file: file)
        return (keys, keySet)
    }

    /// Reads a ciphertext file of `role` (header first; the size capped by the ciphertext count
    /// it declares, at the top level with full `c1`, before the rest is read), checks its key
    /// set against `keySet` and its width and ciphertext count against the model.
    func readBundle(_ file: String, role: CiphertextBundle.Role, keySet: UInt64) throws -> CiphertextBundle {
        let data = try readEncMLFile(file, kind: .ciphertexts, session: self) { prefix in
            // Body prefix: role, mode, reserved (4 bytes), rows, width, count (u32 each).
            let at = EncMLFormat.headerSize + 12
            guard prefix.count >= at + 4 else { return EncMLFormat.headerSize + 16 }
            let count = (0..<4).reduce(0) { $0 | Int(prefix[prefix.startIndex + at + $1]) << (8 * $1) }
            return CiphertextBundle.serializedSize(context: context, count: count)
        }
        let bundle = try CiphertextBundle.deserialize(data, context: context, modelTag: tag, role: role, keySet: keySet, file: file)
        let width = role == .query ? model.featureCount : model.outputCount
        let count = role == .query ? model.queryCiphertextCount(rows: bundle.rowCount, mode: bundle.mode)
                                   : model.resultCiphertextCount(rows: bundle.rowCount, mode: bundle.mode)
        guard bundle.width == width, bundle.ciphertexts.count == count else {
            throw SerializationError.invalidField(
                file: file, field: "layout",
                reason: "\(bundle.rowCount) rows of \(bundle.width) values in \(bundle.ciphertexts.count) ciphertexts; "
                    + "this model needs \(width) values per row in \(count) ciphertexts")
        }
        return bundle
    }

    /// Feature rows of a CSV in the model's column order (other columns ignored).
    func readRows(_ csv: String) throws -> [[Double]] {
        let table = try CSVReader.read(path: csv)
        let flat = try table.numericMatrix(columns: model.featureNames)
        let n = model.featureCount
        guard !flat.isEmpty else {
            throw CLIError.invalidValue(option: "--data", value: csv, expected: "a CSV with at least one data row")
        }
        return stride(from: 0, to: flat.count, by: n).map { Array(flat[$0..<($0 + n)]) }
    }
}

/// Reads an `ENCML` file in three steps: the header (checked against the model's parameters
/// and tag before anything else), the size cap `limit` computes from the first bytes (what
/// the model implies; a larger file is refused without being read), then the rest. A 2 GB
/// file of the wrong kind costs 56 bytes of reading. Errors are one line naming the file.
func readEncMLFile(_ path: String, kind: EncMLFileKind, session: ModelSession, limit: (Data) -> Int) throws -> Data {
    guard FileManager.default.fileExists(atPath: path) else {
        throw SerializationError.io(file: path, reason: "no such file; check the path")
    }
    let handle: FileHandle
    do {
        handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    } catch {
        throw SerializationError.io(file: path, reason: "cannot read the file (\(error.localizedDescription))")
    }
    defer { try? handle.close() }
    do {
        let size = Int(try handle.seekToEnd())
        try handle.seek(toOffset: 0)
        let prefix = try handle.read(upToCount: EncMLFormat.headerSize + 16) ?? Data()
        guard prefix.count >= EncMLFormat.headerSize else {
            if prefix.count >= 5, Array(prefix.prefix(5)) == EncMLFormat.magic {
                throw SerializationError.truncated(file: path, field: "header", needed: EncMLFormat.headerSize, available: prefix.count)
            }
            throw SerializationError.notAnEncMLFile(file: path)
        }
        try EncMLFormat.checkHeader(prefix, kind: kind, context: session.context, modelTag: session.tag, file: path)
        let cap = limit(prefix)
        guard size <= cap else { throw SerializationError.tooLarge(file: path, size: size, limit: cap) }
        let rest = try handle.readToEnd() ?? Data()
        return prefix + rest
    } catch let error as SerializationError {
        throw error
    } catch {
        throw SerializationError.io(file: path, reason: "cannot read the file (\(error.localizedDescription))")
    }
}

/// Writes `data` to `path` atomically (a temporary file renamed over it), as a
/// `CLIError.cannotWrite` on failure. A `secret` file is created readable by its owner
/// only (0600) before any byte is written.
func writeBinary(_ data: Data, to path: String, secret: Bool = false) throws {
    do {
        if secret {
            let temporary = path + ".tmp-\(UUID().uuidString)"
            guard FileManager.default.createFile(atPath: temporary, contents: nil,
                                                 attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteNoPermission)
            }
            do {
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
                try handle.write(contentsOf: data)
                try handle.close()
                guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
            } catch {
                try? FileManager.default.removeItem(atPath: temporary)
                throw error
            }
        } else {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    } catch {
        throw CLIError.cannotWrite(path: path, reason: error.localizedDescription)
    }
}

/// `1.23 MB`-style size.
func formatBytes(_ count: Int) -> String {
    let units = ["B", "KB", "MB", "GB"]
    var value = Double(count)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(count) B" : String(format: "%.2f %@", value, units[unit])
}

/// Milliseconds elapsed while running `body`.
func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = try body()
    return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
}
