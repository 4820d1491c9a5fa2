import EncryptedML
import Foundation

/// Why the inference service refused a request. Every case says what is wrong and how to
/// fix it in one line (`description`), and carries the HTTP status a server should answer
/// with (`statusCode`) and a stable machine-readable `code`, so that an HTTP layer maps it
/// without knowing the cases. The messages never contain key or ciphertext content.
public enum ServiceError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The body is larger than the configured limit (HTTP 413).
    case bodyTooLarge(what: String, size: Int, limit: Int)
    /// The query holds more ciphertexts than the configured limit (HTTP 413).
    case tooManyCiphertexts(count: Int, limit: Int)
    /// The bytes are not a valid `ENCML` object of the expected kind: truncated, random,
    /// wrong kind or role, corrupt fields (HTTP 400).
    case malformed(String)
    /// The object is well formed but belongs to other CKKS parameters or another model (HTTP 409).
    case mismatched(String)
    /// No evaluation keys are registered under this id (never uploaded, or evicted) (HTTP 404).
    case unknownClient(id: String)
    /// The query's layout does not fit the model (row/ciphertext counts, levels, keys lacking a rotation) (HTTP 400).
    case invalidQuery(String)
    /// A failure inside the server that the client cannot fix (HTTP 500).
    case internalFailure(String)
    /// Evaluation keys of a size other than the one the model implies (HTTP 400), known from
    /// Content-Length before the body is read.
    case wrongKeySize(size: Int, expected: Int)
    /// One key set needs more memory than the uploader's quota (HTTP 413).
    case keyQuotaExceeded(need: Int, quota: Int)
    /// The query was encrypted under another key set than the evaluation keys (HTTP 409).
    case keySetMismatch(query: String, keys: String)
    /// Every inference worker is busy and the queue is full (HTTP 503, retry later).
    case overloaded(retryAfterSeconds: Int)
    /// The key store cannot be reached or refused the operation (HTTP 503, retry later);
    /// the service keeps serving the keys its cache holds.
    case storeUnavailable(String)
    /// The keys stored under this id failed validation when read back (corrupted or forged
    /// record): the record was deleted and the client must upload its keys again (HTTP 404).
    case storedKeysInvalid(id: String, reason: String)

    /// The same one-line message, for `LocalizedError`.
    public var errorDescription: String? { description }

    /// The HTTP status that answers this error.
    public var statusCode: Int {
        switch self {
        case .bodyTooLarge, .tooManyCiphertexts: 413
        case .malformed, .invalidQuery: 400
        case .mismatched: 409
        case .unknownClient: 404
        case .internalFailure: 500
        case .wrongKeySize: 400
        case .keyQuotaExceeded: 413
        case .keySetMismatch: 409
        case .overloaded, .storeUnavailable: 503
        case .storedKeysInvalid: 404
        }
    }

    /// A stable snake_case identifier of the case, for clients and metrics.
    public var code: String {
        switch self {
        case .bodyTooLarge: "body_too_large"
        case .tooManyCiphertexts: "too_many_ciphertexts"
        case .malformed: "malformed"
        case .mismatched: "mismatched"
        case .unknownClient: "unknown_client"
        case .invalidQuery: "invalid_query"
        case .internalFailure: "internal"
        case .wrongKeySize: "wrong_key_size"
        case .keyQuotaExceeded: "key_quota"
        case .keySetMismatch: "key_set_mismatch"
        case .overloaded: "overloaded"
        case .storeUnavailable: "store_unavailable"
        case .storedKeysInvalid: "stored_keys_invalid"
        }
    }

    /// One-line message for the client and the log.
    public var description: String {
        switch self {
        case let .bodyTooLarge(what, size, limit):
            "\(what) of \(size) bytes exceeds the server's limit of \(limit) bytes; send fewer rows per request (or raise the limit on the server)"
        case let .tooManyCiphertexts(count, limit):
            "the query holds \(count) ciphertexts, the server accepts at most \(limit) per request; split the rows over several requests"
        case let .malformed(message), let .mismatched(message), let .invalidQuery(message), let .internalFailure(message):
            message
        case let .unknownClient(id):
            "no evaluation keys are registered under id '\(id)' (never uploaded, or evicted); upload them again with POST /v1/keys"
        case let .wrongKeySize(size, expected):
            "evaluation keys of \(size) bytes; this model's keys (relinearization and exactly its rotations) take \(expected) bytes: generate them with encml keygen for this model"
        case let .keyQuotaExceeded(need, quota):
            "the evaluation keys need \(need) bytes of server memory, more than this client's quota of \(quota) bytes; ask the operator to raise --max-key-memory"
        case let .keySetMismatch(query, keys):
            "the query was encrypted under key set \(query), the evaluation keys under this id belong to key set \(keys); query with the secret key generated together with these evaluation keys"
        case let .overloaded(seconds):
            "every inference worker is busy and the queue is full; retry in \(seconds) s"
        case let .storeUnavailable(reason):
            "the key store is unavailable (\(reason)); retry in 1 s (keys already held in memory are still served)"
        case let .storedKeysInvalid(id, reason):
            "the keys stored under id '\(id)' failed validation when read back (\(reason)) and were deleted; upload them again with POST /v1/keys"
        }
    }

    /// Seconds after which a retry may succeed (the 503 cases), nil otherwise.
    public var retryAfterSeconds: Int? {
        switch self {
        case let .overloaded(seconds): seconds
        case .storeUnavailable: 1
        default: nil
        }
    }

    /// Classifies an error thrown by the serialization layer or the inference runtime.
    static func from(_ error: any Error) -> ServiceError {
        if let error = error as? ServiceError { return error }
        if let error = error as? SerializationError {
            switch error {
            case .mismatchedParameters, .mismatchedModel, .mismatchedKeySet: return .mismatched(error.description)
            default: return .malformed(error.description)
            }
        }
        if let error = error as? EncryptedMLError {
            switch error {
            case .mismatchedContext: return .mismatched(error.description)
            case .invalidOperand, .missingRotationKey, .levelExhausted, .scaleOverflow: return .invalidQuery(error.description)
            default: return .internalFailure(error.description)
            }
        }
        return .internalFailure(String(describing: error))
    }
}
