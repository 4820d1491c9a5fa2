/// Errors of the EncryptedML module. Every message says what went wrong, where,
/// and how to fix it, in one line.
public enum EncryptedMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Parameters that do not describe a valid CKKS instance (sizes, degrees, scales).
    case invalidParameters(String)
    /// Parameters below 128-bit security that were not explicitly allowed.
    case insecureParameters(String)
    /// Operands or keys created under different parameters (different moduli or degree).
    case mismatchedContext(String)
    /// A rotation or conjugation was asked for without the matching Galois key.
    case missingRotationKey(String)
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
        case .insecureParameters(let m): "insecure CKKS parameters: \(m)"
        case .mismatchedContext(let m): "mismatched CKKS context: \(m)"
        case .missingRotationKey(let m): "missing rotation key: \(m)"
        case .levelExhausted(let m): "level exhausted: \(m)"
        case .scaleOverflow(let m): "scale overflow: \(m)"
        case .invalidOperand(let m): "invalid operand: \(m)"
        case .randomnessFailure(let m): "randomness failure: \(m)"
        }
    }
}
