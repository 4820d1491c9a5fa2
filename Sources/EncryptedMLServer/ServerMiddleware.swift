import EncryptedMLService
import Foundation
import Hummingbird
import Logging

/// Turns every error thrown below it (service errors, body limits, unknown routes) into a
/// response with a JSON body (`APIError`), so clients always get a status and a reason.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return APIError.from(error).response
        }
    }
}

/// Counts and times every request into `ServiceMetrics` and writes one structured log line
/// per request: method, route template, status, body sizes, latency. Never logs bodies,
/// headers or query strings, so no key or ciphertext content reaches the log.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics
    let logger: Logger

    /// The route template of a path, so client ids do not multiply metric series.
    static func route(of path: String) -> String {
        switch path {
        case "/health", "/metrics", "/v1/model", "/v1/keys": return path
        default: return path.hasPrefix("/v1/infer/") ? "/v1/infer/{id}" : "other"
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let route = Self.route(of: request.uri.path)
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = APIError.from(error).response
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let status = Int(response.status.code)
        metrics.recordRequest(method: request.method.rawValue, route: route, status: status, seconds: seconds)
        if route != "/metrics" && route != "/health" {
            logger.info("request", metadata: [
                "method": "\(request.method.rawValue)", "route": "\(route)", "status": "\(status)",
                "request_bytes": "\(request.headers[.contentLength] ?? "-")",
                "response_bytes": "\(response.body.contentLength.map(String.init) ?? "-")",
                "ms": "\(String(format: "%.1f", seconds * 1000))",
            ])
        }
        return response
    }
}
