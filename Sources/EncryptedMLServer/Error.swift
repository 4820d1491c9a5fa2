import EncryptedMLService
import Foundation
import Hummingbird

/// A refused request, answered with its status and a JSON body
/// `{"status": 413, "code": "body_too_large", "error": "…one line…"}` (plus `Retry-After` on
/// 503). Conforms to `HTTPResponseError`, so Hummingbird renders it wherever it is thrown.
public struct APIError: Error, Sendable, Encodable, HTTPResponseError, LocalizedError {
    /// HTTP status code.
    public var status: HTTPResponse.Status
    /// Stable machine-readable code (`ServiceError.code` or an HTTP-level one).
    public var code: String
    /// One-line message saying what is wrong and how to fix it; never key or ciphertext content.
    public var error: String
    /// Seconds after which a retry may succeed (503 only).
    public var retryAfterSeconds: Int?
    /// The methods the path accepts (405 only), sent as the `Allow` header.
    public var allowedMethods: [String]?

    enum CodingKeys: String, CodingKey { case status, code, error }

    /// An error with explicit fields.
    /// - Parameters:
    ///   - status: the HTTP status code.
    ///   - code: the stable snake_case code.
    ///   - error: the one-line message.
    ///   - retryAfterSeconds: the Retry-After value, for 503.
    public init(status: Int, code: String, error: String, retryAfterSeconds: Int? = nil) {
        self.status = HTTPResponse.Status(code: status)
        self.code = code
        self.error = error
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The answer to a service error.
    /// - Parameter failure: the service's refusal.
    public init(_ failure: ServiceError) {
        self.init(status: failure.statusCode, code: failure.code, error: failure.description,
                  retryAfterSeconds: failure.retryAfterSeconds)
    }

    /// The one-line message, for `LocalizedError`.
    public var errorDescription: String? { error }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Int(status.code), forKey: .status)
        try container.encode(code, forKey: .code)
        try container.encode(error, forKey: .error)
    }

    /// The JSON response (`HTTPResponseError`). Cost: one small JSON encoding.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(self)) ?? Data("{\"status\":\(status.code)}".utf8)
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        if let allowedMethods { headers[.allow] = allowedMethods.joined(separator: ", ") }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The answer to any error a handler, a middleware or Hummingbird threw.
    /// - Parameter error: what was thrown.
    /// - Returns: the `APIError` to render.
    static func from(_ error: any Error) -> APIError {
        if let error = error as? APIError { return error }
        if let error = error as? ServiceError { return APIError(error) }
        if let error = error as? any HTTPResponseError {
            let status = Int(error.status.code)
            switch error.status {
            case .notFound:
                return APIError(status: status, code: "not_found", error: "no such endpoint; see GET /health, GET /v1/model, POST /v1/keys, GET /v1/keys, DELETE /v1/keys/{id}, POST /v1/infer/{id}, GET /metrics")
            case .contentTooLarge:
                return APIError(status: status, code: "body_too_large", error: "the request body exceeds the server's limit; send fewer rows per request")
            case .methodNotAllowed:
                return APIError(status: status, code: "method_not_allowed", error: "this endpoint does not accept that method")
            case .unauthorized:
                return .unauthorized
            default:
                return APIError(status: status, code: "http_error", error: error.status.reasonPhrase)
            }
        }
        return APIError(status: 500, code: "internal", error: "internal server error")
    }

    /// 401: no or an unknown bearer token.
    static let unauthorized = APIError(
        status: 401, code: "unauthorized",
        error: "this endpoint needs an 'Authorization: Bearer TOKEN' header with a token the server accepts (encml query --token-file FILE)")
}


/// Why the HTTP server could not start. One line saying what and how to fix it.
public enum ServerError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// Another process listens on the address (`EADDRINUSE`).
    case addressInUse(host: String, port: Int)
    /// The address cannot be bound for another reason (not an address of this machine, no permission).
    case cannotBind(host: String, port: Int, reason: String)
    /// The tokens file is unreadable or holds no valid token.
    case tokens(String)

    /// One-line message.
    public var description: String {
        switch self {
        case let .addressInUse(host, port):
            "\(host):\(port) is already in use by another process; use another --port, or --port 0 for any free one"
        case let .cannotBind(host, port, reason):
            "cannot listen on \(host):\(port) (\(reason)); use an address of this machine and a port above 1023, or --port 0"
        case let .tokens(reason):
            "--tokens: \(reason)"
        }
    }

    /// The same message, for `LocalizedError`.
    public var errorDescription: String? { description }
}
