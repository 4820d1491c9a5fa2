import Foundation

/// Replicas of one service (several `encml serve` sharing a PostgreSQL key store): a request
/// goes to the replica that answered last, and when that one cannot be reached (connection
/// refused, reset, timed out) to the next, each at most once per request. Every endpoint is
/// safe to repeat: an upload of the same keys returns the same id, an inference is a pure
/// function of its inputs. The replicas share one `serverName`, so a client's cached key id
/// is used at whichever replica answers (the store has the keys). Thread-safe.
public final class FailoverTransport: HTTPTransport, @unchecked Sendable {
    // @unchecked: `current` is only touched under `lock`.
    /// The replicas, in order of preference.
    public let replicas: [any HTTPTransport]
    private let lock = NSLock()
    private var current = 0

    /// A transport over `replicas`.
    /// - Parameter replicas: at least one transport.
    public init(replicas: [any HTTPTransport]) {
        precondition(!replicas.isEmpty, "FailoverTransport needs at least one replica")
        self.replicas = replicas
    }

    /// A transport over the http(s) base URLs `servers`.
    /// - Parameter servers: the replicas' base URLs.
    /// - Throws: `ClientError.invalidServerURL` for an empty list or an invalid URL.
    public convenience init(servers: [String]) throws {
        guard !servers.isEmpty else { throw ClientError.invalidServerURL("") }
        self.init(replicas: try servers.map { try URLSessionTransport(server: $0) })
    }

    /// The replicas' names joined by commas: one name for the service.
    public var serverName: String { replicas.map(\.serverName).joined(separator: ",") }

    /// Sends to the preferred replica, then the others while unreachable. Cost: one request,
    /// plus one connection attempt per unreachable replica.
    /// - Parameter exchange: the request.
    /// - Returns: the first answer (any status).
    /// - Throws: the last `ClientError.unreachable` when no replica answered.
    public func send(_ exchange: HTTPExchange) async throws -> HTTPReply {
        let start = lock.withLock { current }
        var lastError: (any Error)?
        for offset in 0..<replicas.count {
            let index = (start + offset) % replicas.count
            do {
                let reply = try await replicas[index].send(exchange)
                lock.withLock { current = index }
                return reply
            } catch let error as ClientError {
                guard case .unreachable = error else { throw error }
                lastError = error
            }
        }
        throw lastError ?? ClientError.unreachable(server: serverName, reason: "no replica")
    }
}
