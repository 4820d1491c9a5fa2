import Dispatch
import EncryptedMLService
import Foundation
import Hummingbird
import Logging

/// The HTTP front of an `EncryptedInferenceService` on Hummingbird:
///
/// | endpoint | body in | body out |
/// |---|---|---|
/// | `POST /v1/keys` | evaluation keys (`application/octet-stream`) | `{"id": "…"}` |
/// | `POST /v1/infer/{id}` | encrypted query (`application/octet-stream`) | encrypted result (`application/octet-stream`) |
/// | `GET /v1/model` | – | `ServedModelDescription` JSON |
/// | `GET /health` | – | `{"status": "ok", …}` |
/// | `GET /metrics` | – | Prometheus text |
///
/// Refusals are 4xx with a JSON `APIError` body (413 too large, 400 malformed, 409 other
/// model or parameters, 404 unknown id, 415 not `application/octet-stream`); the server
/// keeps serving. Inference runs on Dispatch worker threads, never on the event loops,
/// so health checks and uploads stay responsive under load.
public struct EncryptedMLHTTPServer: Sendable {
    /// The service answering the requests.
    public let service: EncryptedInferenceService
    /// Address to bind (loopback by default).
    public var host: String
    /// Port to bind; 0 picks a free one (reported to `onListening`).
    public var port: Int
    /// Where request and lifecycle logs go.
    public var logger: Logger

    /// A server for `service` on `host:port`.
    public init(service: EncryptedInferenceService, host: String = "127.0.0.1", port: Int = 8080,
                logger: Logger = Logger(label: "encml.serve")) {
        self.service = service
        self.host = host
        self.port = port
        self.logger = logger
    }

    /// The router with every endpoint and the error/logging middleware, for embedding in
    /// another Hummingbird application or for tests. Cost: O(1).
    public func buildRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: AccessLogMiddleware(metrics: service.metrics, logger: logger))
        router.add(middleware: JSONErrorMiddleware())
        let service = self.service
        let limits = service.limits

        router.get("/health") { _, _ in
            try json(HealthReport(status: "ok", model: service.model.weightsFingerprint,
                                  registeredClients: service.registry.statistics.clients))
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: service.prometheusMetrics())))
        }
        router.get("/v1/model") { _, _ in
            try json(service.modelDescription)
        }
        router.post("/v1/keys") { request, _ in
            let body = try await binaryBody(request, limit: limits.maxKeyBytes, what: "the evaluation keys")
            let id = try await offloaded { () throws(ServiceError) in try service.registerEvaluationKeys(body) }
            return try json(KeyRegistration(id: id), status: .created)
        }
        router.post("/v1/infer/:id") { request, context in
            let id = try context.parameters.require("id")
            guard service.isRegistered(id) else { throw APIError(ServiceError.unknownClient(id: id)) }
            let body = try await binaryBody(request, limit: limits.maxQueryBytes, what: "the query")
            let result = try await offloaded { () throws(ServiceError) in try service.infer(clientID: id, query: body) }
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: result)))
        }
        return router
    }

    /// Binds, reports the bound port to `onListening`, and serves until SIGINT/SIGTERM
    /// (then finishes in-flight requests and returns).
    /// - Throws: when the address cannot be bound.
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let logger = self.logger
        let host = self.host
        let app = Application(
            router: buildRouter(),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "encml"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                logger.info("listening", metadata: ["host": "\(host)", "port": "\(bound)"])
                onListening(bound)
            },
            logger: logger)
        try await app.runService()
    }
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
func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return Response(status: status, headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
}

/// The request body as `Data` after checking its content type (415 unless
/// `application/octet-stream`) and size (413 beyond `limit`, from Content-Length before reading).
func binaryBody(_ request: Request, limit: Int, what: String) async throws -> Data {
    let type = request.headers[.contentType]?.split(separator: ";").first?
        .trimmingCharacters(in: .whitespaces).lowercased()
    guard type == "application/octet-stream" else {
        throw APIError(status: 415, code: "unsupported_media_type",
                       error: "\(what) must be sent as Content-Type: application/octet-stream (got \(type.map { "'\($0)'" } ?? "none"))")
    }
    if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
        throw APIError(ServiceError.bodyTooLarge(what: what, size: length, limit: limit))
    }
    let buffer: ByteBuffer
    do {
        buffer = try await request.body.collect(upTo: limit)
    } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
        throw APIError(status: 413, code: "body_too_large", error: "\(what) exceeds the server's limit of \(limit) bytes; send fewer rows per request")
    }
    return buffer.withUnsafeReadableBytes { Data($0) }
}

/// Runs CPU-bound service work on a Dispatch worker thread and awaits it, keeping the
/// event loops and the cooperative pool free.
func offloaded<T: Sendable>(_ work: @escaping @Sendable () throws(ServiceError) -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async {
            do throws(ServiceError) {
                continuation.resume(returning: try work())
            } catch {
                continuation.resume(throwing: APIError(error))
            }
        }
    }
}
