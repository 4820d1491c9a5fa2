import ArgumentParser
import EncryptedMLServer
import EncryptedMLService
import Foundation
import Logging

/// `encml serve`: an HTTP server answering encrypted queries for one converted model.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve encrypted inference for a converted model over HTTP (server side, no secret key).",
        discussion: """
        POST /v1/keys (evaluation keys, application/octet-stream) → {"id": …}; GET /v1/keys; DELETE /v1/keys/{id};
        POST /v1/infer/{id} (encrypted query) → encrypted result; GET /v1/model; GET /health; GET /metrics.
        Uploaded keys are kept in --key-store (default: an SQLite file beside the model), so a restart keeps them.
        Everything under /v1 needs 'Authorization: Bearer TOKEN' with a token of --tokens; without tokens the server refuses to start unless --insecure-no-auth is given. \
        Prints "listening on http://HOST:PORT" on stdout once bound (--port 0 picks a free port); \
        logs one line per request on stderr with its request id (never key, token or ciphertext content); GET /openapi.yaml describes the API. \
        Stops gracefully on SIGINT/SIGTERM: refuses new connections, lets requests in flight finish (--shutdown-timeout), closes the key store.
        """
    )

    @OptionGroup var modelOption: ConvertedModelOption

    @Option(help: "Address to bind.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to bind (0: any free port).")
    var port: Int = 8080

    @Option(help: "Bearer tokens the server accepts, one per line (at least 16 characters each, e.g. `openssl rand -hex 32`). Keys are registered under the token that uploaded them.")
    var tokens: String?

    @Flag(name: .customLong("insecure-no-auth"), help: "Serve /v1 without authentication: anyone who reaches the port may upload keys and run inference.")
    var insecureNoAuth = false

    @Option(name: .customLong("max-key-memory"), help: "Memory budget of the registered evaluation keys, in bytes (as held in memory, about 2.5–3× their upload size), split evenly between the tokens.")
    var maxKeyMemory: Int = ServiceLimits().maxKeyMemoryBytes

    @Option(name: .customLong("key-store"), help: "Where evaluation keys are kept: sqlite:PATH (default: MODEL.he.keys.sqlite beside the model), postgres://USER@HOST:PORT/DB (shared by replicas; password in PGPASSWORD) or memory (lost on restart).")
    var keyStore: KeyStoreLocation?

    @Option(name: .customLong("max-stored-key-mb"), help: "Serialized evaluation keys the key store keeps, in MiB, split evenly between the tokens (each token's least recently used deleted beyond, and beyond --max-clients key sets).")
    var maxStoredKeyMB: Int = ServiceLimits().maxStoredKeyBytes >> 20

    @Option(name: .customLong("max-key-mb"), help: "Largest evaluation-keys upload, in MiB (the model's exact key size is enforced too).")
    var maxKeyMB: Int = 256

    @Option(name: .customLong("max-query-mb"), help: "Largest query body, in MiB.")
    var maxQueryMB: Int = 64

    @Option(name: .customLong("max-ciphertexts"), help: "Most ciphertexts per query.")
    var maxCiphertexts: Int = 1024

    @Option(name: .customLong("max-clients"), help: "Most key sets per token (its least recently used evicted beyond).")
    var maxClients: Int = 32

    @Option(name: .customLong("workers"), help: "Inference threads (default: one per core).")
    var workers: Int?

    @Option(name: .customLong("max-queue"), help: "Inferences that may wait for a thread; beyond, 503 with Retry-After (default: twice the workers).")
    var maxQueue: Int?

    @Option(name: .customLong("max-uploads"), help: "Request bodies read at the same time; beyond, 503 with Retry-After.")
    var maxUploads: Int = 4

    @Option(name: .customLong("read-timeout"), help: "Seconds a request body may take to arrive (408 beyond); a silent connection is closed after this plus max(this, 10) seconds.")
    var readTimeout: Int = 30

    @Option(name: .customLong("shutdown-timeout"), help: "Seconds requests in flight (inferences included) may take to finish after SIGTERM/SIGINT; new connections are refused at once and the key store is closed last.")
    var shutdownTimeout: Int = 30

    @Option(name: .customLong("log-level"), help: "Log level.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
        for (option, value) in [("--max-key-memory", maxKeyMemory), ("--max-stored-key-mb", maxStoredKeyMB), ("--max-key-mb", maxKeyMB), ("--max-query-mb", maxQueryMB),
                                ("--max-ciphertexts", maxCiphertexts), ("--max-clients", maxClients),
                                ("--max-uploads", maxUploads), ("--read-timeout", readTimeout), ("--shutdown-timeout", shutdownTimeout),
                                ("--workers", workers ?? 1), ("--max-queue", maxQueue.map { $0 + 1 } ?? 1)] where value < 1 {
            throw ValidationError("\(option) must be positive")
        }
        guard tokens != nil || insecureNoAuth else {
            throw ValidationError("give --tokens FILE (bearer tokens, one per line) or, to serve without authentication, --insecure-no-auth")
        }
        guard tokens == nil || !insecureNoAuth else {
            throw ValidationError("--tokens and --insecure-no-auth exclude each other")
        }
    }

    func run() async throws {
        var authentication = ClientAuthentication.insecureNone
        if let tokens { authentication = .bearerTokens(try BearerTokens.load(path: tokens)) }
        let limits = ServiceLimits(maxKeyBytes: maxKeyMB << 20, maxQueryBytes: maxQueryMB << 20,
                                   maxCiphertextsPerQuery: maxCiphertexts, maxRegisteredClients: maxClients,
                                   maxKeyMemoryBytes: maxKeyMemory, maxStoredKeyBytes: maxStoredKeyMB << 20, inferenceWorkers: workers, maxQueuedInferences: maxQueue,
                                   maxConcurrentUploads: maxUploads, readTimeoutSeconds: readTimeout)
        let model = modelOption.model
        let location = keyStore ?? KeyStoreLocation.beside(model: model)
        let store = try await location.open()
        let loaded: (EncryptedInferenceService, Double)
        do {
            loaded = try timed {
                try EncryptedInferenceService(modelPath: model, limits: limits, owners: authentication.principalCount, store: store)
            }
        } catch {
            try? await store?.close()
            throw error
        }
        let (service, ms) = loaded
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "encml.serve")
        logger.logLevel = logLevel
        logger.info("model loaded", metadata: [
            "model": "\(model)", "weights": "\(service.model.weightsFingerprint)",
            "poly_degree": "\(service.context.degree)", "load_ms": "\(String(format: "%.0f", ms))",
            "key_bytes": "\(service.evaluationKeyBytes)", "key_memory_bytes": "\(service.evaluationKeyMemoryBytes)",
            "workers": "\(limits.inferenceWorkers)", "key_store": "\(location.summary)",
        ])
        switch authentication {
        case let .bearerTokens(tokens):
            logger.info("authentication: bearer tokens", metadata: ["tokens": "\(tokens.count)"])
        case .insecureNone:
            logger.warning("INSECURE: --insecure-no-auth: /v1 accepts requests without a token; anyone who reaches this port can upload keys and run inference")
        }
        let host = self.host
        let configuration = ServerConfiguration(host: host, port: port, authentication: authentication,
                                                shutdownTimeoutSeconds: shutdownTimeout)
        // Stops on SIGTERM/SIGINT: in-flight requests finish (within --shutdown-timeout), then the store is closed.
        try await runServer(service: service, configuration: configuration, logger: logger) { bound in
            // Flushed at once: scripts and tests wait for this line to learn the port.
            FileHandle.standardOutput.write(Data("listening on http://\(host):\(bound)\n".utf8))
        }
    }
}
