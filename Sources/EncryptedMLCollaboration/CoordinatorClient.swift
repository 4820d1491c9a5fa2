import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A party's HTTP client for the coordinator (URLSession): JSON requests, polling with a
/// deadline, and a count of the bytes sent and received (bodies).
public final class CoordinatorClient: @unchecked Sendable {
    // @unchecked: the byte counters are only touched under `lock`.
    /// Base URL without a trailing slash.
    public let base: String
    /// Seconds a step may take before the party gives up.
    public let timeout: Double
    private let session: URLSession
    private let lock = NSLock()
    private var sent = 0
    private var received = 0

    /// A client for `server` (an http URL).
    /// - Throws: `CollaborationError.invalid` for a malformed URL.
    public init(server: String, timeout: Double) throws {
        var base = server
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw CollaborationError.invalid("--server '\(server)' is not a URL such as http://127.0.0.1:8090")
        }
        self.base = base
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = max(timeout, 5)
        configuration.timeoutIntervalForResource = max(timeout, 5) * 4
        session = URLSession(configuration: configuration)
    }

    /// Bytes of request and response bodies so far.
    public var traffic: (sent: Int, received: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (sent, received)
    }

    /// One request (`body` sent as JSON); returns the status and body. Transport failures become `.transport`.
    public func request(_ method: String, _ path: String, body: Data? = nil,
                        contentType: String = "application/json") async throws -> (Int, Data) {
        guard let url = URL(string: base + path) else { throw CollaborationError.invalid("bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let body {
            request.httpBody = body
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        let (data, response): (Data, URLResponse) = try await withCheckedThrowingContinuation { continuation in
            session.dataTask(with: request) { data, response, error in
                if let data, let response {
                    continuation.resume(returning: (data, response))
                } else {
                    continuation.resume(throwing: CollaborationError.transport(
                        url: url.absoluteString, reason: error.map { "\($0.localizedDescription)" } ?? "no answer"))
                }
            }.resume()
        }
        lock.withLock {
            sent += body?.count ?? 0
            received += data.count
        }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    /// A JSON request expecting 200 (or, with `pending`, 202 meaning "not yet": returns nil).
    public func call<T: Decodable>(_ method: String, _ path: String, body: (some Encodable)?, as type: T.Type,
                            pending: Bool = false) async throws -> T? {
        let encoded = try body.map { try JSONEncoder().encode($0) }
        let (status, data) = try await request(method, path, body: encoded)
        if status == 202 && pending { return nil }
        guard status == 200 else { throw failure(status: status, data: data) }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw CollaborationError.transport(url: base + path, reason: "unexpected answer (not a \(type))")
        }
    }

    /// Posts a signed message (binary) to its round and step.
    func post(_ message: SignedMessage) async throws {
        let path = "/v1/rounds/\(message.round)/\(message.step.rawValue)"
        let (status, data) = try await request("POST", path, body: message.encoded(), contentType: "application/octet-stream")
        guard status == 200 else { throw failure(status: status, data: data) }
    }

    /// Polls a round's step until all N messages are published (binary reply), or `.timedOut`.
    func pollPhase(round: Int, step: SessionStep) async throws -> PhaseReply {
        let deadline = Date().addingTimeInterval(timeout)
        let path = "/v1/rounds/\(round)/\(step.rawValue)"
        while true {
            let (status, data) = try await request("GET", path)
            if status == 200 { return try PhaseReply.decode(data) }
            guard status == 202 else { throw failure(status: status, data: data) }
            guard Date() < deadline else {
                throw CollaborationError.timedOut(what: "the \(step.rawValue) messages of round \(round)", seconds: timeout)
            }
            try await Task.sleep(nanoseconds: 25_000_000)
        }
    }

    /// The error of a refused request (410: the session failed).
    func failure(status: Int, data: Data) -> CollaborationError {
        let reason = (try? JSONDecoder().decode(ErrorReply.self, from: data))?.error ?? "HTTP \(status)"
        if status == 410 { return .sessionFailed(reason.replacingOccurrences(of: "the session failed: ", with: "")) }
        return .refused(status: status, message: reason)
    }

    /// Polls `path` every 25 ms until it answers 200, or throws `.timedOut` after `timeout` seconds.
    func poll<T: Decodable>(_ path: String, as type: T.Type, what: String) async throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let value = try await call("GET", path, body: Optional<ErrorReply>.none, as: type, pending: true) { return value }
            guard Date() < deadline else { throw CollaborationError.timedOut(what: what, seconds: timeout) }
            try await Task.sleep(nanoseconds: 25_000_000)
        }
    }
}
