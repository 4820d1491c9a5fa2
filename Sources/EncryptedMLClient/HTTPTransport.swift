import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP exchange as the client sees it.
public struct HTTPExchange: Sendable {
    /// `GET` or `POST`.
    public var method: String
    /// Path and query below the server's base URL, e.g. `/v1/model`.
    public var path: String
    /// Request headers.
    public var headers: [String: String]
    /// Request body (nil for none).
    public var body: Data?

    /// An exchange.
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - path: the path below the base URL.
    ///   - headers: request headers.
    ///   - body: the request body.
    public init(method: String, path: String, headers: [String: String] = [:], body: Data? = nil) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }
}

/// A server's answer.
public struct HTTPReply: Sendable {
    /// Status code.
    public var status: Int
    /// Response headers (names lowercased).
    public var headers: [String: String]
    /// Response body.
    public var body: Data

    /// An answer.
    /// - Parameters:
    ///   - status: the status code.
    ///   - headers: response headers, names lowercased.
    ///   - body: the body.
    public init(status: Int, headers: [String: String] = [:], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Sends requests to one server. `URLSessionTransport` is the real one; tests plug in
/// Hummingbird's in-process router client.
public protocol HTTPTransport: Sendable {
    /// A description of the server for messages (its base URL).
    var serverName: String { get }
    /// Sends one request and waits for the whole answer; does not interpret the status.
    /// - Parameter exchange: the request.
    /// - Returns: the answer.
    /// - Throws: `ClientError.unreachable` when no answer came.
    func send(_ exchange: HTTPExchange) async throws -> HTTPReply
}

/// HTTP/1.1 over `URLSession` (FoundationNetworking on Linux).
public struct URLSessionTransport: HTTPTransport {
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:8080`.
    public let base: String
    private let session: URLSession

    /// A transport to `server` (an http or https URL).
    /// - Parameters:
    ///   - server: the base URL.
    ///   - timeout: seconds to wait for one answer (inference of large batches takes a while).
    /// - Throws: `ClientError.invalidServerURL` for anything but an http(s) URL with a host.
    public init(server: String, timeout: TimeInterval = 600) throws {
        var base = server
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host != nil else {
            throw ClientError.invalidServerURL(server)
        }
        self.base = base
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = 3 * timeout
        session = URLSession(configuration: configuration)
    }

    public var serverName: String { base }

    public func send(_ exchange: HTTPExchange) async throws -> HTTPReply {
        let url = base + exchange.path
        guard let target = URL(string: url) else { throw ClientError.invalidServerURL(url) }
        var request = URLRequest(url: target)
        request.httpMethod = exchange.method
        for (name, value) in exchange.headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body = exchange.body {
            request.httpBody = body
            request.setValue("", forHTTPHeaderField: "Expect")  // no 100-continue round trip for large bodies
        }
        let session = self.session
        return try await withCheckedThrowingContinuation { continuation in
            session.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(throwing: ClientError.unreachable(server: url, reason: error.localizedDescription))
                } else if let http = response as? HTTPURLResponse {
                    var headers: [String: String] = [:]
                    for (name, value) in http.allHeaderFields {
                        if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
                    }
                    continuation.resume(returning: HTTPReply(status: http.statusCode, headers: headers, body: data ?? Data()))
                } else {
                    continuation.resume(throwing: ClientError.unexpectedReply(server: url, reason: "not an HTTP response"))
                }
            }.resume()
        }
    }
}
