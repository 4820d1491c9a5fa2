import EncryptedMLService
import Foundation
import Hummingbird
import HummingbirdAuth
import Logging
import NIOCore

/// The request context of the server: Hummingbird's, plus the authenticated `Principal`.
public typealias ServerRequestContext = BasicAuthRequestContext<Principal>

/// Where and how the server listens.
public struct ServerConfiguration: Sendable {
    /// Address to bind (loopback by default).
    public var host: String
    /// Port to bind; 0 picks a free one (reported to `onListening`).
    public var port: Int
    /// How `/v1` requests are authenticated.
    public var authentication: ClientAuthentication

    /// A configuration.
    /// - Parameters:
    ///   - host: the address to bind.
    ///   - port: the port (0: any free one).
    ///   - authentication: bearer tokens, or explicitly none.
    public init(host: String = "127.0.0.1", port: Int = 8080, authentication: ClientAuthentication) {
        self.host = host
        self.port = port
        self.authentication = authentication
    }
}

/// The router of an EncryptedML server over `service`:
///
/// | endpoint | token | body in | body out |
/// |---|---|---|---|
/// | `GET /health` | no | – | `{"status": "ok", …}` |
/// | `GET /metrics` | no | – | Prometheus text |
/// | `GET /v1/model` | yes | – | `ServedModelDescription` JSON |
/// | `POST /v1/keys` | yes | evaluation keys (`application/octet-stream`) | `{"id": "…"}` |
/// | `POST /v1/infer/{id}` | yes | encrypted query (`application/octet-stream`) | encrypted result |
///
/// Refusals are JSON `APIError`s (401 no token, 413 too large, 400 malformed or keys not of
/// this model, 409 other model, parameters or key set, 404 unknown id, 415 not octet-stream,
/// 408 body too slow, 503 busy with Retry-After). Inference runs on the service's bounded
/// executor; health, metrics and key management never wait behind it.
/// Cost: O(1); embed it in another application or drive it in tests with `app.test(.router)`.
/// - Parameters:
///   - service: the inference service.
///   - authentication: how `/v1` requests are authenticated.
///   - logger: where request logs go.
/// - Returns: the router with every endpoint and middleware.
public func buildRouter(service: EncryptedInferenceService, authentication: ClientAuthentication,
                        logger: Logger = Logger(label: "encml.serve")) -> Router<ServerRequestContext> {
    let router = Router(context: ServerRequestContext.self)
    router.add(middleware: AccessLogMiddleware(metrics: service.metrics, logger: logger))
    router.add(middleware: ErrorMappingMiddleware())
    let uploads = UploadGate(limit: service.limits.maxConcurrentUploads)
    let timeout = Duration.seconds(service.limits.readTimeoutSeconds)

    router.get("/health") { _, _ in
        try jsonResponse(HealthReport(status: "ok", model: service.model.weightsFingerprint,
                                      registeredClients: service.registry.statistics.clients))
    }
    router.get("/metrics") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: service.prometheusMetrics())))
    }
    let v1 = router.group("v1")
        .add(middleware: BearerTokenAuthenticator(authentication: authentication))
        .add(middleware: IsAuthenticatedMiddleware())
    v1.get("model") { _, _ in
        try jsonResponse(service.modelDescription)
    }
    v1.post("keys") { request, context in
        let owner = try context.requireIdentity().name
        try requireBinary(request, what: "the evaluation keys")
        if let length = request.headers[.contentLength].flatMap({ Int($0) }) {
            try service.checkKeyUploadSize(length)  // the exact size is known before any byte of the body
        }
        let body = try await uploads.admit {
            try await collectBody(request, limit: min(service.limits.maxKeyBytes, service.evaluationKeyBytes),
                                  timeout: timeout, what: "the evaluation keys")
        }
        let id = try service.registerEvaluationKeys(body, owner: owner)
        return try jsonResponse(KeyRegistration(id: id), status: .created)
    }
    v1.post("infer/:id") { request, context in
        let owner = try context.requireIdentity().name
        let id = try context.parameters.require("id")
        guard service.isRegistered(id, owner: owner) else { throw ServiceError.unknownClient(id: id) }
        try requireBinary(request, what: "the query")
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > service.limits.maxQueryBytes {
            throw ServiceError.bodyTooLarge(what: "the query", size: length, limit: service.limits.maxQueryBytes)
        }
        let body = try await uploads.admit {
            try await collectBody(request, limit: service.limits.maxQueryBytes, timeout: timeout, what: "the query")
        }
        let result = try await service.inferOnExecutor(clientID: id, owner: owner, query: body)
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: result)))
    }
    return router
}

/// The Hummingbird application of an EncryptedML server: `buildRouter` on
/// `configuration.host:port`, HTTP/1.1: a stalled body is answered 408 after
/// `service.limits.readTimeoutSeconds`, and silent connections are closed
/// `idleTimeoutSeconds(readTimeout:)` after their last byte. Run it with `runService()` (stops on SIGINT/SIGTERM
/// after finishing in-flight requests). Cost: O(1).
/// - Parameters:
///   - service: the inference service.
///   - configuration: address and authentication.
///   - logger: where request and lifecycle logs go.
///   - onListening: called with the bound port once the server listens.
/// - Returns: the application.
public func buildApplication(service: EncryptedInferenceService, configuration: ServerConfiguration,
                             logger: Logger = Logger(label: "encml.serve"),
                             onListening: @escaping @Sendable (Int) -> Void = { _ in }) -> some ApplicationProtocol {
    let host = configuration.host
    return Application(
        router: buildRouter(service: service, authentication: configuration.authentication, logger: logger),
        server: .http1(configuration: .init(idleTimeout: .seconds(Int64(idleTimeoutSeconds(readTimeout: service.limits.readTimeoutSeconds))))),
        configuration: ApplicationConfiguration(address: .hostname(host, port: configuration.port), serverName: "encml"),
        onServerRunning: { channel in
            let bound = channel.localAddress?.port ?? 0
            logger.info("listening", metadata: ["host": "\(host)", "port": "\(bound)"])
            onListening(bound)
        },
        logger: logger)
}

/// Runs `buildApplication` until SIGINT/SIGTERM, turning bind failures into `ServerError`
/// (an address in use is recognised from the error's errno, `EADDRINUSE`).
/// - Parameters:
///   - service: the inference service.
///   - configuration: address and authentication.
///   - logger: where request and lifecycle logs go.
///   - onListening: called with the bound port once the server listens.
/// - Throws: `ServerError.addressInUse` or `.cannotBind` when the address cannot be bound.
public func runServer(service: EncryptedInferenceService, configuration: ServerConfiguration,
                      logger: Logger = Logger(label: "encml.serve"),
                      onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
    let app = buildApplication(service: service, configuration: configuration, logger: logger, onListening: onListening)
    do {
        try await app.runService()
    } catch let error as IOError {
        if error.errnoCode == EADDRINUSE {
            throw ServerError.addressInUse(host: configuration.host, port: configuration.port)
        }
        throw ServerError.cannotBind(host: configuration.host, port: configuration.port,
                                     reason: String(cString: strerror(error.errnoCode)))
    } catch let error as SocketAddressError {
        throw ServerError.cannotBind(host: configuration.host, port: configuration.port, reason: "\(error)")
    }
}

/// Seconds of silence before a connection is closed: the read timeout plus at least 10 s,
/// so that the 408 of a stalled body is written before the connection goes, even when the
/// timer runs late on a machine busy with inference. O(1).
func idleTimeoutSeconds(readTimeout: Int) -> Int {
    readTimeout + max(readTimeout, 10)
}

/// `POST /v1/keys` answer.
struct KeyRegistration: Encodable { var id: String }

/// `GET /health` answer.
struct HealthReport: Encodable {
    var status: String
    var model: String
    var registeredClients: Int
}

/// A JSON response of `value`.
func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return Response(status: status, headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
}

/// Refuses (415) a body that is not `application/octet-stream`.
func requireBinary(_ request: Request, what: String) throws {
    let type = request.headers[.contentType]?.split(separator: ";").first?
        .trimmingCharacters(in: .whitespaces).lowercased()
    guard type == "application/octet-stream" else {
        throw APIError(status: 415, code: "unsupported_media_type",
                       error: "\(what) must be sent as Content-Type: application/octet-stream (got \(type.map { "'\($0)'" } ?? "none"))")
    }
}

/// The request body as `Data`, at most `limit` bytes (413 beyond), read within `timeout`
/// (408 when the client sends too slowly: a stalled upload holds no buffer for long).
///
/// The body is read by its own task and raced against a timer through a once-only
/// continuation: reading a body does not react to cancellation, so the handler must not
/// wait for the reader to notice. On timeout the answer is 408 at once; the abandoned reader
/// ends when the connection closes (Hummingbird closes a connection whose body was not
/// consumed). Cost: O(body size), two short-lived tasks.
func collectBody(_ request: Request, limit: Int, timeout: Duration, what: String) async throws -> Data {
    let body = request.body
    let race = BodyRace()
    return try await withCheckedThrowingContinuation { continuation in
        race.install(continuation)
        let reader = Task {
            do {
                let buffer = try await body.collect(upTo: limit)
                race.finish(.success(buffer.withUnsafeReadableBytes { Data($0) }))
            } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
                race.finish(.failure(APIError(status: 413, code: "body_too_large",
                                              error: "\(what) exceeds the server's limit of \(limit) bytes; send fewer rows per request")))
            } catch {
                race.finish(.failure(error))
            }
        }
        let timer = Task {
            try await Task.sleep(for: timeout)
            if race.finish(.failure(APIError(status: 408, code: "body_timeout",
                                             error: "\(what) did not arrive within \(timeout.components.seconds) s; send the body at once"))) {
                reader.cancel()
            }
        }
        race.onFinish { timer.cancel() }
    }
}

/// A continuation resumed exactly once, by whichever of the body reader and the timer
/// finishes first.
final class BodyRace: @unchecked Sendable {
    // @unchecked: every field is only touched under `lock`.
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Data, any Error>?
    private var finished = false
    private var cleanup: (@Sendable () -> Void)?

    /// Installs the continuation to resume.
    func install(_ continuation: CheckedContinuation<Data, any Error>) {
        lock.withLock { self.continuation = continuation }
    }

    /// Runs `action` once the race is decided (at once if it already is).
    func onFinish(_ action: @escaping @Sendable () -> Void) {
        let runNow = lock.withLock { () -> Bool in
            if finished { return true }
            cleanup = action
            return false
        }
        if runNow { action() }
    }

    /// Resumes the continuation with `result` if nobody did yet; returns whether this call won.
    @discardableResult
    func finish(_ result: Result<Data, any Error>) -> Bool {
        let (won, continuation, cleanup) = lock.withLock { () -> (Bool, CheckedContinuation<Data, any Error>?, (@Sendable () -> Void)?) in
            guard !finished else { return (false, nil, nil) }
            finished = true
            defer { self.continuation = nil; self.cleanup = nil }
            return (true, self.continuation, self.cleanup)
        }
        continuation?.resume(with: result)
        cleanup?()
        return won
    }
}

/// Admits at most `limit` request bodies being read at once; beyond, 503 with Retry-After.
final class UploadGate: @unchecked Sendable {
    // @unchecked: `active` is only touched under `lock`.
    private let lock = NSLock()
    private var active = 0
    let limit: Int

    init(limit: Int) { self.limit = max(1, limit) }

    func admit<T: Sendable>(_ work: () async throws -> T) async throws -> T {
        let admitted = lock.withLock { () -> Bool in
            guard active < limit else { return false }
            active += 1
            return true
        }
        guard admitted else {
            throw APIError(status: 503, code: "too_many_uploads",
                           error: "\(limit) uploads are in progress; retry in 1 s", retryAfterSeconds: 1)
        }
        defer { lock.withLock { active -= 1 } }
        return try await work()
    }
}
