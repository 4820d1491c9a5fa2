import ArgumentParser
import EncryptedMLPostgresStore
import EncryptedMLService
import EncryptedMLSQLiteStore
import Foundation

/// Where `encml serve` keeps evaluation keys (`--key-store`): in memory only, in an SQLite
/// file (the default, beside the model), or in PostgreSQL (shared by replicas).
enum KeyStoreLocation: Equatable, ExpressibleByArgument {
    /// Memory only: a restart forgets the keys.
    case memory
    /// An SQLite file.
    case sqlite(path: String)
    /// A PostgreSQL database, `postgres://USER@HOST:PORT/DB` (password from PGPASSWORD).
    case postgres(url: String)

    init?(argument: String) {
        if argument == "memory" {
            self = .memory
        } else if argument.hasPrefix("sqlite:"), argument.count > "sqlite:".count {
            self = .sqlite(path: String(argument.dropFirst("sqlite:".count)))
        } else if (try? PostgresKeyStore.parse(argument)) != nil {
            self = .postgres(url: argument)
        } else {
            return nil
        }
    }

    /// The default store of a model file: `MODEL.he.keys.sqlite` beside `MODEL.he.json`.
    /// - Parameter model: the converted model's path.
    /// - Returns: the SQLite location.
    static func beside(model: String) -> KeyStoreLocation {
        let url = URL(fileURLWithPath: model)
        let base = url.pathExtension == "json" ? url.deletingPathExtension() : url
        return .sqlite(path: base.path + ".keys.sqlite")
    }

    /// Opens the store (nil for memory).
    /// - Returns: the store.
    /// - Throws: `KeyStoreError` when it cannot be opened.
    func open() async throws -> (any EvaluationKeyStore)? {
        switch self {
        case .memory: return nil
        case let .sqlite(path): return try await SQLiteKeyStore.open(path: path)
        case let .postgres(url): return try await PostgresKeyStore.open(url: url)
        }
    }

    /// For the start-up log.
    var summary: String {
        switch self {
        case .memory: "memory (keys are lost on restart)"
        case let .sqlite(path): "sqlite:\(path)"
        case let .postgres(url): url
        }
    }
}
