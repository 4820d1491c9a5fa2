import ArgumentParser
import EncryptedMLServer
import EncryptedMLService
import Foundation
import Logging

/// `encml serve`: an HTTP server answering encrypted queries for one converted model.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve encrypted inference for a converted model over HTTP (server side, no secret key).",
        discussion: """
        POST /v1/keys (evaluation keys, application/octet-stream) → {"id": …};
        POST /v1/infer/{id} (encrypted query) → encrypted result; GET /v1/model; GET /health; GET /metrics.
        Prints "listening on http://HOST:PORT" on stdout once bound (--port 0 picks a free port);
        logs one line per request on stderr (never key or ciphertext content). Stops on SIGINT/SIGTERM.
        """
    )

    @Option(help: "Converted model (MODEL.he.json).")
    var model: String

    @Option(help: "Address to bind.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to bind (0: any free port).")
    var port: Int = 8080

    @Option(name: .customLong("max-key-mb"), help: "Largest evaluation-keys upload, in MiB.")
    var maxKeyMB: Int = 256

    @Option(name: .customLong("max-query-mb"), help: "Largest query body, in MiB.")
    var maxQueryMB: Int = 64

    @Option(name: .customLong("max-ciphertexts"), help: "Most ciphertexts per query.")
    var maxCiphertexts: Int = 1024

    @Option(name: .customLong("max-clients"), help: "Most registered clients (least recently used evicted beyond).")
    var maxClients: Int = 32

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func run() throws {
        try reportingErrors {
            guard (0...65535).contains(port) else {
                throw CLIError.invalidValue(option: "--port", value: "\(port)", expected: "a port number in 0...65535")
            }
            for (option, value) in [("--max-key-mb", maxKeyMB), ("--max-query-mb", maxQueryMB),
                                    ("--max-ciphertexts", maxCiphertexts), ("--max-clients", maxClients)] where value < 1 {
                throw CLIError.invalidValue(option: option, value: "\(value)", expected: "a positive number")
            }
            guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
                throw CLIError.invalidValue(option: "--log-level", value: logLevel,
                                            expected: "one of trace, debug, info, notice, warning, error, critical")
            }
            let limits = ServiceLimits(maxKeyBytes: maxKeyMB << 20, maxQueryBytes: maxQueryMB << 20,
                                       maxCiphertextsPerQuery: maxCiphertexts, maxRegisteredClients: maxClients)
            let (service, ms) = try timed { try EncryptedInferenceService(modelPath: model, limits: limits) }
            LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
            var logger = Logger(label: "encml.serve")
            logger.logLevel = level
            logger.info("model loaded", metadata: [
                "model": "\(model)", "weights": "\(service.model.weightsFingerprint)",
                "poly_degree": "\(service.context.degree)", "load_ms": "\(String(format: "%.0f", ms))",
            ])
            let server = EncryptedMLHTTPServer(service: service, host: host, port: port, logger: logger)
            let host = self.host
            do {
                try runBlocking {
                    try await server.run { bound in
                        // Flushed at once: scripts and tests wait for this line to learn the port.
                        FileHandle.standardOutput.write(Data("listening on http://\(host):\(bound)\n".utf8))
                    }
                }
            } catch where String(describing: error).contains("bind") {
                throw CLIError.invalidValue(option: "--host/--port", value: "\(host):\(port)",
                                            expected: "an address this machine can bind (\(oneLineMessage(for: error))); use another --port, or --port 0 for any free one")
            }
        }
    }
}

/// Runs async `work` from synchronous code (the CLI's entry point is synchronous) and
/// returns its outcome; the calling thread waits while the work runs on the concurrency pool.
func runBlocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let box = OutcomeBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { box.set(.success(try await work())) } catch { box.set(.failure(error)) }
        done.signal()
    }
    done.wait()
    return try box.get().get()
}

/// A lock-protected slot for a result crossing threads.
final class OutcomeBox<T: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is only accessed under `lock`.
    private let lock = NSLock()
    private var value: Result<T, any Error>?
    func set(_ outcome: Result<T, any Error>) { lock.lock(); value = outcome; lock.unlock() }
    func get() -> Result<T, any Error> {
        lock.lock()
        defer { lock.unlock() }
        return value ?? .failure(CocoaError(.featureUnsupported))
    }
}
