import Foundation

/// Why a call to an EncryptedML server failed; one line saying what and how to fix it.
public enum ClientError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The server URL is not an http(s) URL with a host.
    case invalidServerURL(String)
    /// The server could not be reached (connection refused, timeout).
    case unreachable(server: String, reason: String)
    /// The server refused the request with a 4xx/5xx status and its JSON reason.
    case refused(server: String, status: Int, code: String, message: String)
    /// The server answered something this client cannot use.
    case unexpectedReply(server: String, reason: String)
    /// The server serves another model than the client's.
    case otherModel(server: String, served: String, local: String)

    /// One-line message.
    public var description: String {
        switch self {
        case let .invalidServerURL(url):
            return "--server: '\(url)' is not valid; expected a URL such as http://127.0.0.1:8080"
        case let .unreachable(server, reason):
            return "\(server): cannot reach the server (\(reason)); check --server and that encml serve is running"
        case let .refused(server, status, code, message):
            return "\(server): the server refused the request (HTTP \(status) \(code)): \(message)"
        case let .unexpectedReply(server, reason):
            return "\(server): unexpected answer from the server (\(reason)); is this an encml serve server?"
        case let .otherModel(server, served, local):
            return "\(server): the server serves model \(served), the local model is \(local); query it with the model it serves"
        }
    }

    /// The same message, for `LocalizedError`.
    public var errorDescription: String? { description }
}
