import EncryptedMLService
import Foundation
import Hummingbird

/// A refused request, answered with its status and a JSON body
/// `{"status": 413, "code": "body_too_large", "error": "…one line…"}`.
public struct APIError: Error, Sendable, Encodable {
    /// HTTP status code.
    public var status: Int
    /// Stable machine-readable code (`ServiceError.code` or an HTTP-level one).
    public var code: String
    /// One-line message saying what is wrong and how to fix it; never key or ciphertext content.
    public var error: String

    /// An error with explicit fields.
    public init(status: Int, code: String, error: String) {
        self.status = status
        self.code = code
        self.error = error
    }

    /// The answer to a service error.
    public init(_ failure: ServiceError) {
        self.init(status: failure.statusCode, code: failure.code, error: failure.description)
    }

    /// The answer to any error a handler or Hummingbird threw.
    static func from(_ error: any Error) -> APIError {
        if let error = error as? APIError { return error }
        if let error = error as? ServiceError { return APIError(error) }
        if let error = error as? any HTTPResponseError {
            let status = Int(error.status.code)
            switch error.status {
            case .notFound:
                return APIError(status: status, code: "not_found", error: "no such endpoint; see GET /health, GET /v1/model, POST /v1/keys, POST /v1/infer/{id}, GET /metrics")
            case .contentTooLarge:
                return APIError(status: status, code: "body_too_large", error: "the request body exceeds the server's limit; send fewer rows per request")
            case .methodNotAllowed:
                return APIError(status: status, code: "method_not_allowed", error: "this endpoint does not accept that method")
            default:
                return APIError(status: status, code: "http_error", error: error.status.reasonPhrase)
            }
        }
        return APIError(status: 500, code: "internal", error: "internal server error")
    }

    /// The JSON response.
    var response: Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(self)) ?? Data("{\"status\":\(status)}".utf8)
        return Response(status: HTTPResponse.Status(code: status),
                        headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
