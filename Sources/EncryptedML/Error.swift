import Foundation

/// Errors of the EncryptedML module. Every message says what went wrong, where,
/// and how to fix it, in one line. Cases carry structured values where a caller can act on
/// them (the missing rotation step, the parameters' sizes); the others carry the message.
public enum EncryptedMLError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// Parameters that do not describe a valid CKKS instance (sizes, degrees, scales).
    case invalidParameters(String)
    /// Parameters above the 128-bit bound `maxLogQP` for N (nil: no bound known for N) that
    /// were not explicitly allowed with `.insecureUnchecked`.
    case insecureParameters(polyDegree: Int, logQP: Int, maxLogQP: Int?)
    /// The special modulus P is smaller than the largest key-switching digit, so key switching
    /// would amplify its noise by `2^(digitBits − specialBits)`; add or enlarge special primes.
    case specialModulusTooSmall(specialBits: Int, digitBits: Int, digit: Int)
    /// Operands or keys created under different parameters (different moduli or degree).
    case mismatchedContext(String)
    /// A rotation by `step` (nil for conjugation), Galois element `galoisElement`, was asked for
    /// without its key; `available` lists the rotation steps the keys cover.
    case missingRotationKey(step: Int?, galoisElement: Int, available: [Int])
    /// An operation needs a modulus level the operand no longer has.
    case levelExhausted(String)
    /// The scale (or a value times the scale) would not fit in the remaining modulus.
    case scaleOverflow(String)
    /// An input vector that does not fit the slots, or other invalid operand.
    case invalidOperand(String)
    /// The random source or AES-CTR expansion failed.
    case randomnessFailure(String)

    /// One-line description for users and the CLI.
    public var description: String {
        switch self {
        case .invalidParameters(let m): "invalid CKKS parameters: \(m)"
        case let .insecureParameters(n, logQP, bound?):
            "insecure CKKS parameters: log2(QP) = \(logQP) bits exceeds the 128-bit bound of \(bound) bits for N = \(n); "
                + "use fewer or smaller primes, a larger polyDegree, or pass security: .insecureUnchecked for tests"
        case let .insecureParameters(n, _, nil):
            "insecure CKKS parameters: no 128-bit bound is known for polyDegree \(n); use N in 1024…65536 or pass security: .insecureUnchecked for tests"
        case let .specialModulusTooSmall(specialBits, digitBits, digit):
            "invalid CKKS parameters: the special modulus P has \(specialBits) bits, below the \(digitBits) bits of key-switching digit \(digit), "
                + "which would lose about \(digitBits - specialBits) bits of precision in every key switch; give specialModulusBits summing to at least \(digitBits) bits (e.g. [\(min(digitBits, 60))]) or use smaller ciphertext primes"
        case .mismatchedContext(let m): "mismatched CKKS context: \(m)"
        case let .missingRotationKey(step?, element, available):
            "missing rotation key: rotate by \(step) needs the Galois key for element \(element), which the evaluation keys lack (they cover rotations \(available)); pass \(step) to generateEvaluationKeys(secretKey:rotations:conjugation:)"
        case let .missingRotationKey(nil, element, _):
            "missing rotation key: conjugate needs the Galois key for element \(element), which the evaluation keys lack; pass conjugation: true to generateEvaluationKeys(secretKey:rotations:conjugation:)"
        case .levelExhausted(let m): "level exhausted: \(m)"
        case .scaleOverflow(let m): "scale overflow: \(m)"
        case .invalidOperand(let m): "invalid operand: \(m)"
        case .randomnessFailure(let m): "randomness failure: \(m)"
        }
    }

    /// The one-line description (`LocalizedError`).
    public var errorDescription: String? { description }
}

/// Why an `ENCML` binary file (key or ciphertexts) was refused or could not be written.
/// Every case names the file, what is wrong and how to fix it, in one line.
public enum SerializationError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The file ends before a field it must contain.
    case truncated(file: String, field: String, needed: Int, available: Int)
    /// The file does not start with the `ENCML` magic bytes.
    case notAnEncMLFile(file: String)
    /// The file holds another kind of object (e.g. a ciphertext where a key was expected).
    case wrongKind(file: String, expected: EncMLFileKind, found: String)
    /// A ciphertext file holding a query where a result is needed, or the reverse.
    case wrongRole(file: String, found: String, expected: String, hint: String)
    /// The format version is not one this build reads.
    case unsupportedVersion(file: String, found: Int, supported: Int)
    /// The file was made for other CKKS parameters (ring degree or primes).
    case mismatchedParameters(file: String, detail: String, fix: String)
    /// The file was made for another model (same parameters, other weights).
    case mismatchedModel(file: String, found: String, expected: String, fix: String)
    /// A header or body field holds a value that is out of range or inconsistent.
    case invalidField(file: String, field: String, reason: String)
    /// A residue is not reduced modulo its prime (corruption or tampering).
    case residueOutOfRange(file: String, field: String, limb: Int, index: Int, modulus: UInt64)
    /// Bytes remain after the last field.
    case trailingBytes(file: String, count: Int)
    /// The file could not be read or written.
    case io(file: String, reason: String)
    /// The file belongs to another key set (another keygen run) than the keys it is used with.
    case mismatchedKeySet(file: String, found: String, expected: String)
    /// Evaluation keys whose rotation steps are not exactly the ones the model needs.
    case unexpectedRotations(file: String, found: [Int], expected: [Int])
    /// A file larger than anything the model implies (checked before it is read).
    case tooLarge(file: String, size: Int, limit: Int)

    /// One-line description for users and the CLI.
    public var description: String {
        switch self {
        case let .truncated(file, field, needed, available):
            return "\(file): truncated at \(field) (needs \(needed) more bytes, \(available) left); the file is incomplete: copy or write it again"
        case let .notAnEncMLFile(file):
            return "\(file): not an encml key or ciphertext file (missing ENCML magic bytes); pass the file written by encml keygen/encrypt/infer"
        case let .wrongKind(file, expected, found):
            return "\(file): holds \(found), but \(expected.article) \(expected) was expected; check the order of the file options"
        case let .wrongRole(file, found, expected, hint):
            return "\(file): holds \(found), but \(expected) is needed here; \(hint)"
        case let .unsupportedVersion(file, found, supported):
            return "\(file): format version \(found) is not supported (this encml reads version \(supported)); re-create the file with this encml"
        case let .mismatchedParameters(file, detail, fix):
            return "\(file): made for other CKKS parameters (\(detail)); \(fix)"
        case let .mismatchedModel(file, found, expected, fix):
            return "\(file): made for another model (weights fingerprint \(found), this model is \(expected)); \(fix)"
        case let .invalidField(file, field, reason):
            return "\(file): invalid \(field): \(reason); the file is corrupt or was tampered with: re-create it"
        case let .residueOutOfRange(file, field, limb, index, modulus):
            return "\(file): \(field) residue \(index) of limb \(limb) is not below its prime \(modulus); the file is corrupt or was tampered with: re-create it"
        case let .trailingBytes(file, count):
            return "\(file): \(count) unexpected bytes after the end of the data; the file is corrupt or two files were concatenated: re-create it"
        case let .io(file, reason):
            return "\(file): \(reason)"
        case let .mismatchedKeySet(file, found, expected):
            return "\(file): belongs to key set \(found), but the keys it is used with are of key set \(expected); use the secret key, evaluation keys and ciphertexts of one encml keygen run"
        case let .unexpectedRotations(file, found, expected):
            let shown = found.count > 12 ? "\(found.count) steps" : "\(found)"
            return "\(file): holds rotation keys for steps \(shown), this model needs exactly \(expected); generate them with encml keygen for this model"
        case let .tooLarge(file, size, limit):
            return "\(file): \(size) bytes, more than the \(limit) bytes this model's files can hold; pass the file made for this model"
        }
    }

    /// The one-line description (`LocalizedError`).
    public var errorDescription: String? { description }
}
