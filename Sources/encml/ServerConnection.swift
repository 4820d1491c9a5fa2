import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Why talking to an `encml serve` server failed; one line saying what and how to fix it.
enum QueryError: Error, CustomStringConvertible {
    /// The server could not be reached (connection refused, timeout, bad URL).
    case unreachable(url: String, reason: String)
    /// The server refused the request with a 4xx/5xx status and its JSON reason.
    case refused(url: String, status: Int, code: String, message: String)
    /// The server answered something this client cannot use.
    case unexpectedReply(url: String, reason: String)

    var description: String {
        switch self {
        case let .unreachable(url, reason):
            return "\(url): cannot reach the server (\(reason)); check --server and that encml serve is running"
        case let .refused(url, status, code, message):
            return "\(url): the server refused the request (HTTP \(status) \(code)): \(message)"
        case let .unexpectedReply(url, reason):
            return "\(url): unexpected answer from the server (\(reason)); is this an encml serve server?"
        }
    }
}

/// A blocking HTTP/1.1 client for one server (URLSession from FoundationNetworking).
final class ServerConnection: Sendable {
    /// A server answer.
    struct Reply: Sendable {
        var status: Int
        var body: Data
    }

    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:8080`.
    let base: String
    private let session: URLSession

    /// A client for `server` (http or https URL).
    init(server: String) throws {
        var base = server
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host != nil else {
            throw CLIError.invalidValue(option: "--server", value: server, expected: "a URL such as http://127.0.0.1:8080")
        }
        self.base = base
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 600
        configuration.timeoutIntervalForResource = 1800
        session = URLSession(configuration: configuration)
    }

    /// Sends one request and waits for the whole answer. Does not interpret the status.
    func send(_ method: String, _ path: String, body: Data? = nil,
              contentType: String = "application/octet-stream") throws -> Reply {
        let url = base + path
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        if let body {
            request.httpBody = body
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
            request.setValue("", forHTTPHeaderField: "Expect")  // no 100-continue round trip for large bodies
        }
        let box = OutcomeBox<Reply>()
        let done = DispatchSemaphore(value: 0)
        session.dataTask(with: request) { data, response, error in
            if let error {
                box.set(.failure(QueryError.unreachable(url: url, reason: error.localizedDescription)))
            } else if let http = response as? HTTPURLResponse {
                box.set(.success(Reply(status: http.statusCode, body: data ?? Data())))
            } else {
                box.set(.failure(QueryError.unexpectedReply(url: url, reason: "not an HTTP response")))
            }
            done.signal()
        }.resume()
        done.wait()
        return try box.get().get()
    }

    /// The error for a non-2xx reply, with the server's JSON reason when present.
    func refusal(_ reply: Reply, path: String) -> QueryError {
        struct Body: Decodable { var code: String?; var error: String? }
        let body = try? JSONDecoder().decode(Body.self, from: reply.body)
        return .refused(url: base + path, status: reply.status, code: body?.code ?? "http_error",
                        message: body?.error ?? String(decoding: reply.body.prefix(200), as: UTF8.self))
    }

    /// Sends and requires a 2xx status; decodes a JSON answer into `T`.
    func json<T: Decodable>(_ type: T.Type, _ method: String, _ path: String, body: Data? = nil) throws -> T {
        let reply = try send(method, path, body: body)
        guard (200..<300).contains(reply.status) else { throw refusal(reply, path: path) }
        do {
            return try JSONDecoder().decode(T.self, from: reply.body)
        } catch {
            throw QueryError.unexpectedReply(url: base + path, reason: "the JSON does not decode as \(T.self)")
        }
    }
}
