import Crypto
import Foundation
import Hummingbird
import HummingbirdAuth

/// Who sent a request: the name of the bearer token it carried (`token-` and 12 hex digits
/// of the token's SHA-256, never the token itself), or `anonymous` on a server started with
/// `--insecure-no-auth`. Evaluation keys are registered under it.
public struct Principal: Sendable, Hashable {
    /// The name keys are registered under and logs may show.
    public let name: String

    /// The principal of an unauthenticated server.
    public static let anonymous = Principal(name: "anonymous")
}

/// The bearer tokens a server accepts, kept as SHA-256 digests: a presented token is hashed
/// and looked up, so no comparison runs over the token bytes themselves.
public struct BearerTokens: Sendable {
    private let principals: [String: Principal]

    /// Tokens from a list (blank lines and lines starting with `#` skipped, whitespace trimmed).
    /// - Parameter tokens: the accepted tokens.
    /// - Throws: `ServerError.tokens` for an empty list or a token shorter than 16 characters.
    public init(tokens: [String]) throws(ServerError) {
        var principals: [String: Principal] = [:]
        for (index, raw) in tokens.enumerated() {
            let token = raw.trimmingCharacters(in: .whitespaces)
            if token.isEmpty || token.hasPrefix("#") { continue }
            guard token.count >= 16, token.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw .tokens("line \(index + 1): a token must be at least 16 printable ASCII characters without spaces (e.g. `openssl rand -hex 32`)")
            }
            let digest = Self.digest(token)
            principals[digest] = Principal(name: "token-" + digest.prefix(12))
        }
        guard !principals.isEmpty else {
            throw .tokens("no token found; write one token per line")
        }
        self.principals = principals
    }

    /// Reads one token per line from `path`.
    /// - Parameter path: the tokens file.
    /// - Returns: the accepted tokens.
    /// - Throws: `ServerError.tokens` when the file cannot be read or holds no valid token.
    public static func load(path: String) throws(ServerError) -> BearerTokens {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .tokens("\(path): cannot read the tokens file (\(error.localizedDescription))")
        }
        do {
            return try BearerTokens(tokens: text.split(whereSeparator: \.isNewline).map(String.init))
        } catch {
            if case let .tokens(reason) = error { throw .tokens("\(path): \(reason)") }
            throw error
        }
    }

    /// Number of distinct tokens.
    public var count: Int { principals.count }

    /// The principal a token stands for, nil when the token is not accepted. Cost: one SHA-256.
    /// - Parameter token: the presented token.
    /// - Returns: its principal.
    public func principal(for token: String) -> Principal? { principals[Self.digest(token)] }

    static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// How a server authenticates clients on `/v1`.
public enum ClientAuthentication: Sendable {
    /// `Authorization: Bearer TOKEN` with one of these tokens.
    case bearerTokens(BearerTokens)
    /// No authentication: anyone who reaches the port may upload keys and infer (`--insecure-no-auth`).
    case insecureNone

    /// How many principals share the key memory budget.
    public var principalCount: Int {
        switch self {
        case let .bearerTokens(tokens): tokens.count
        case .insecureNone: 1
        }
    }
}

/// Authenticates `/v1` requests: a known bearer token yields its `Principal`; without one
/// the request is refused with 401 (no further middleware or handler runs).
struct BearerTokenAuthenticator<Context: AuthRequestContext<Principal>>: AuthenticatorMiddleware {
    typealias Identity = Principal
    let authentication: ClientAuthentication

    func authenticate(request: Request, context: Context) async throws -> Principal? {
        switch authentication {
        case .insecureNone:
            return .anonymous
        case let .bearerTokens(tokens):
            guard let bearer = request.headers.bearer, let principal = tokens.principal(for: bearer.token) else {
                throw APIError.unauthorized
            }
            return principal
        }
    }
}
