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
        guard let tag = EncMLFormat.modelTag(weightsFingerprint: model.weightsFingerprint) else {
            throw SerializationError.invalidField(file: path, field: "weightsFingerprint",
                                                  reason: "'\(model.weightsFingerprint)' is not 16 hex digits")
        }
        self.tag = tag
    }

    func readSecretKey(_ file: String) throws -> CKKSSecretKey {
        try CKKSSecretKey.deserialize(readBinary(file), context: context, modelTag: tag, file: file)
    }

    func readEvaluationKeys(_ file: String) throws -> CKKSEvaluationKeys {
        try CKKSEvaluationKeys.deserialize(readBinary(file), context: context, modelTag: tag, file: file)
    }

    /// Reads a ciphertext file of `role` and checks its width against the model
    /// (features for a query, outputs for a result) and its ciphertext count against the packing.
    func readBundle(_ file: String, role: CiphertextBundle.Role) throws -> CiphertextBundle {
        let bundle = try CiphertextBundle.deserialize(readBinary(file), context: context, modelTag: tag, role: role, file: file)
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

/// Reads a binary file whole, with a one-line error when it is missing or unreadable.
func readBinary(_ path: String) throws -> Data {
    guard FileManager.default.fileExists(atPath: path) else {
        throw SerializationError.io(file: path, reason: "no such file; check the path")
    }
    do {
        return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
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
