import EncryptedMLService
import Foundation
import Hummingbird
import Logging

/// The one error-mapping middleware: whatever is thrown below it (service errors, body
/// limits, unknown routes — 405 for another method on a served path —, authentication) leaves as an `APIError`, which Hummingbird renders
/// as a JSON body with its status, so clients always get a status and a reason.
struct ErrorMappingMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound
                    && AccessLogMiddleware<Context>.route(of: request.uri.path) != "other" {
            // The router found no handler for this method on a path it serves: 405 with Allow, not 404.
            let route = AccessLogMiddleware<Context>.route(of: request.uri.path)
            var refusal = APIError(status: 405, code: "method_not_allowed",
                                   error: "\(request.method.rawValue) is not allowed on \(request.uri.path); see GET /openapi.yaml")
            refusal.allowedMethods = AccessLogMiddleware<Context>.methods(of: route)
            throw refusal
        } catch {
            throw APIError.from(error)
        }
    }
}

/// Counts and times every request into `ServiceMetrics` and writes one structured log line
/// per request: its id (`hb.request.id`, also on every other line logged for it), method,
/// route template, status, body sizes, latency. Never logs bodies,
/// headers or query strings, so no key, token or ciphertext content reaches the log.
/// Sits outside `ErrorMappingMiddleware`, so what it sees thrown is always an `APIError`.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    /// The route template of a path, so client ids do not multiply metric series.
    static func route(of path: String) -> String {
        switch path {
        case "/health", "/metrics", "/openapi.yaml", "/v1/model", "/v1/keys": return path
        default:
            if path.hasPrefix("/v1/infer/") { return "/v1/infer/{id}" }
            return path.hasPrefix("/v1/keys/") ? "/v1/keys/{id}" : "other"
        }
    }

    /// The methods a route template accepts (the `Allow` header of a 405). O(1).
    static func methods(of route: String) -> [String] {
        switch route {
        case "/v1/keys": return ["GET", "POST"]
        case "/v1/keys/{id}": return ["DELETE"]
        case "/v1/infer/{id}": return ["POST"]
        default: return ["GET"]
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let route = Self.route(of: request.uri.path)
        var status = 500
        var responseBytes = "-"
        defer {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            metrics.recordRequest(method: request.method.rawValue, route: route, status: status, seconds: seconds)
            if route != "/metrics" && route != "/health" && route != "/openapi.yaml" {
                context.logger.info("request", metadata: [  // context.logger carries hb.request.id
                    "method": "\(request.method.rawValue)", "route": "\(route)", "status": "\(status)",
                    "request_bytes": "\(request.headers[.contentLength] ?? "-")",
                    "response_bytes": "\(responseBytes)",
                    "ms": "\(String(format: "%.1f", seconds * 1000))",
                ])
            }
        }
        do {
            let response = try await next(request, context)
            status = Int(response.status.code)
            responseBytes = response.body.contentLength.map(String.init) ?? "-"
            return response
        } catch let error as any HTTPResponseError {
            status = Int(error.status.code)
            throw error
        }
    }
}
