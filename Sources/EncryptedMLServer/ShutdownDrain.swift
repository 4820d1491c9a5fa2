import EncryptedMLService
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The first step of a graceful shutdown: stop taking new work and let the work in flight
/// finish, before the HTTP server closes its connections. On SIGTERM/SIGINT every new request
/// but `/health` and `/metrics` is answered 503 with Retry-After (a client of several replicas
/// goes to another one), the requests in flight (inferences included) run to their end, and
/// their responses get a moment to leave the socket: Hummingbird's own quiescing closes a
/// connection right after queueing a response's last part, which cuts a large response short.
/// Thread-safe.
final class ShutdownDrain: Service, @unchecked Sendable {
    // @unchecked: `draining` and `inFlight` are only touched under `lock`.
    private let lock = NSLock()
    private var draining = false
    private var inFlight = 0
    /// Longest wait for the requests in flight.
    let deadline: Duration
    let logger: Logger

    init(deadline: Duration, logger: Logger) {
        self.deadline = deadline
        self.logger = logger
    }

    /// Admits a request (counted until it returns), or refuses it with 503 while draining.
    func admit() throws {
        try lock.withLock {
            guard !draining else {
                throw APIError(status: 503, code: "shutting_down",
                               error: "the server is shutting down; retry in 1 s (another replica, or this one after its restart)",
                               retryAfterSeconds: 1)
            }
            inFlight += 1
        }
    }

    /// Marks an admitted request as done.
    func done() { lock.withLock { inFlight -= 1 } }

    func run() async throws {
        try? await gracefulShutdown()
        let waiting = lock.withLock { () -> Int in
            draining = true
            return inFlight
        }
        logger.info("shutting down: refusing new requests, finishing those in flight", metadata: ["in_flight": "\(waiting)"])
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        while lock.withLock({ inFlight }) > 0 && clock.now < end {
            try? await Task.sleep(for: .milliseconds(20), clock: clock)
        }
        try? await Task.sleep(for: .milliseconds(500))  // the last responses' bytes leave the socket
    }
}

/// Counts requests for `ShutdownDrain` and refuses new ones once it drains (health and metrics stay open).
struct DrainMiddleware<Context: RequestContext>: RouterMiddleware {
    let drain: ShutdownDrain

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path == "/health" || path == "/metrics" { return try await next(request, context) }
        try drain.admit()
        defer { drain.done() }
        return try await next(request, context)
    }
}
