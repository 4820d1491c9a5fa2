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
        POST /v1/keys (evaluation keys, application/octet-stream) → {"id": …};
        POST /v1/infer/{id} (encrypted query) → encrypted result; GET /v1/model; GET /health; GET /metrics.
        Everything under /v1 needs 'Authorization: Bearer TOKEN' with a token of --tokens; without tokens the server refuses to start unless --insecure-no-auth is given. \
        Prints "listening on http://HOST:PORT" on stdout once bound (--port 0 picks a free port); \
        logs one line per request on stderr (never key, token or ciphertext content). Stops on SIGINT/SIGTERM.
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

    @Option(name: .customLong("max-key-memory"), help: "Memory budget of the registered evaluation keys, in bytes (as held in memory, about 5–7× their upload size), split evenly between the tokens.")
    var maxKeyMemory: Int = ServiceLimits().maxKeyMemoryBytes

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

    @Option(name: .customLong("log-level"), help: "Log level.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
        for (option, value) in [("--max-key-memory", maxKeyMemory), ("--max-key-mb", maxKeyMB), ("--max-query-mb", maxQueryMB),
                                ("--max-ciphertexts", maxCiphertexts), ("--max-clients", maxClients),
                                ("--max-uploads", maxUploads), ("--read-timeout", readTimeout),
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
                                   maxKeyMemoryBytes: maxKeyMemory, inferenceWorkers: workers, maxQueuedInferences: maxQueue,
                                   maxConcurrentUploads: maxUploads, readTimeoutSeconds: readTimeout)
        let model = modelOption.model
        let (service, ms) = try timed {
            try EncryptedInferenceService(modelPath: model, limits: limits, owners: authentication.principalCount)
        }
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "encml.serve")
        logger.logLevel = logLevel
        logger.info("model loaded", metadata: [
            "model": "\(model)", "weights": "\(service.model.weightsFingerprint)",
            "poly_degree": "\(service.context.degree)", "load_ms": "\(String(format: "%.0f", ms))",
            "key_bytes": "\(service.evaluationKeyBytes)", "key_memory_bytes": "\(service.evaluationKeyMemoryBytes)",
            "workers": "\(limits.inferenceWorkers)",
        ])
        switch authentication {
        case let .bearerTokens(tokens):
            logger.info("authentication: bearer tokens", metadata: ["tokens": "\(tokens.count)"])
        case .insecureNone:
            logger.warning("INSECURE: --insecure-no-auth: /v1 accepts requests without a token; anyone who reaches this port can upload keys and run inference")
        }
        let host = self.host
        try await runServer(service: service, configuration: ServerConfiguration(host: host, port: port, authentication: authentication),
                            logger: logger) { bound in
            // Flushed at once: scripts and tests wait for this line to learn the port.
            FileHandle.standardOutput.write(Data("listening on http://\(host):\(bound)\n".utf8))
        }
    }
}
