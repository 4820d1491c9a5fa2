import Foundation
import Hummingbird
import Logging

/// The coordinator over HTTP (Hummingbird 2); JSON bodies except the round messages, which use
/// the binary formats of `SignedMessage+Binary`:
///
/// - `POST /v1/join` (`JoinRequest`) → `JoinReply`; 409 when the columns differ;
/// - `GET /v1/session` → `SessionDescription` once every party joined, 202 before;
/// - `POST /v1/rounds/{round}/{step}` (`SignedMessage`) → 200; `GET` → `PhaseReply` when complete, 202 before;
/// - `POST /v1/done/{party}`; `POST /v1/abort/{party}` (`ErrorReply`: a party refused, the session fails);
/// - `GET /health`.
///
/// A failed session answers 410 with the reason to every request. Errors are one JSON line `{"error": …}`.
public struct CoordinatorServer: Sendable {
    /// The session state.
    public let coordinator: CollaborationCoordinator
    /// Address to bind.
    public var host: String
    /// Port to bind (0: any free port).
    public var port: Int
    /// Largest request body accepted, bytes.
    public var maxBodyBytes: Int = 256 << 20

    /// A server for `coordinator`.
    public init(coordinator: CollaborationCoordinator, host: String, port: Int) {
        self.coordinator = coordinator
        self.host = host
        self.port = port
    }

    /// The routes. Cost: O(1).
    public func buildRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let coordinator = self.coordinator
        let limit = maxBodyBytes
        router.get("/health") { _, _ in try Self.json(["status": "ok"]) }
        router.post("/v1/join") { request, _ in
            await Self.answer {
                let join = try await Self.decode(JoinRequest.self, request, limit: limit)
                return try Self.json(try await coordinator.join(join))
            }
        }
        router.get("/v1/session") { _, _ in
            await Self.answer {
                guard let description = try await coordinator.description() else { return try Self.json(["status": "waiting"], status: .accepted) }
                return try Self.json(description)
            }
        }
        router.post("/v1/rounds/:round/:step") { request, context in
            await Self.answer {
                let message = try SignedMessage.decode(try await Self.body(request, limit: limit))
                let (round, step) = try Self.phaseParameters(context)
                guard message.round == round, message.step == step else {
                    throw CollaborationError.misbound(what: "a message posted to round \(round) \(step.rawValue)",
                                                      detail: "round \(message.round) step \(message.step.rawValue)")
                }
                try await coordinator.post(message)
                return try Self.json(["status": "accepted"])
            }
        }
        router.get("/v1/rounds/:round/:step") { _, context in
            await Self.answer {
                let (round, step) = try Self.phaseParameters(context)
                guard let reply = try await coordinator.phase(round: round, step: step) else {
                    return try Self.json(["status": "waiting"], status: .accepted)
                }
                return Response(status: .ok, headers: [.contentType: "application/octet-stream"],
                                body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.encoded())))
            }
        }
        router.post("/v1/done/:party") { _, context in
            await Self.answer {
                await coordinator.finished(party: Int(context.parameters.get("party") ?? "") ?? -1)
                return try Self.json(["status": "ok"])
            }
        }
        router.post("/v1/abort/:party") { request, context in
            await Self.answer {
                let reason = try await Self.decode(ErrorReply.self, request, limit: 1 << 16)
                let party = context.parameters.get("party") ?? "?"
                await coordinator.fail("party \(party) stopped: \(reason.error.prefix(500))")
                return try Self.json(["status": "ok"])
            }
        }
        return router
    }

    /// Serves until the session ends; returns its outcome (or throws its failure).
    /// `onListening` receives the bound port once the server accepts connections.
    public func run(logger: Logger, onListening: @escaping @Sendable (Int) -> Void) async throws
        -> CollaborationCoordinator.Outcome
    {
        let app = Application(
            router: buildRouter(),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "encml-collab"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        let coordinator = self.coordinator
        // The server runs beside the session; it is cancelled (not awaited) once the session ends,
        // and a server that stops early (e.g. the port is taken) fails the session.
        let server = Task {
            do {
                try await app.runService()
            } catch {
                await coordinator.fail("the HTTP server stopped: \(error)")
            }
        }
        defer { server.cancel() }
        let outcome: CollaborationCoordinator.Outcome
        do {
            outcome = try await coordinator.run()
        } catch {
            // Keep answering for a moment so that every polling party learns the reason (HTTP 410).
            try? await Task.sleep(nanoseconds: 1_000_000_000)
            throw error
        }
        // Give the parties' last requests a moment to complete before the server stops.
        try? await Task.sleep(nanoseconds: 200_000_000)
        return outcome
    }

    // MARK: - Helpers

    static func phaseParameters(_ context: BasicRequestContext) throws -> (Int, SessionStep) {
        guard let round = context.parameters.get("round").flatMap({ Int($0) }), round >= 0,
              let step = context.parameters.get("step").flatMap({ SessionStep(rawValue: String($0)) })
        else { throw CollaborationError.invalid("no such round or step; steps are public-key, contribution, decryption") }
        return (round, step)
    }

    static func body(_ request: Request, limit: Int) async throws -> Data {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw CollaborationError.invalid("the request body exceeds \(limit) bytes")
        }
        return buffer.withUnsafeReadableBytes { Data($0) }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, limit: Int) async throws -> T {
        let data = try await body(request, limit: limit)
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw CollaborationError.invalid("the request body is not a valid \(type) JSON object")
        }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// Runs a handler body; a thrown error becomes a JSON error response with its status.
    static func answer(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch {
            let status: HTTPResponse.Status
            switch error as? CollaborationError {
            case .sessionFailed?: status = .gone
            case .columnMismatch?: status = .conflict
            default: status = .badRequest
            }
            return (try? json(ErrorReply(error: "\(error)"), status: status))
                ?? Response(status: .internalServerError)
        }
    }
}
