/// The kind of object an `ENCML` binary file holds (header byte 5).
public enum EncMLFileKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// A `CKKSSecretKey` (client only).
    case secretKey = 1
    /// A `CKKSPublicKey`.
    case publicKey = 2
    /// `CKKSEvaluationKeys` (relinearization + Galois keys, for the server).
    case evaluationKeys = 3
    /// A `CiphertextBundle`: encrypted query or encrypted result.
    case ciphertexts = 4

    /// Human name used in messages.
    public var description: String {
        switch self {
        case .secretKey: "secret key"
        case .publicKey: "public key"
        case .evaluationKeys: "evaluation keys file"
        case .ciphertexts: "ciphertext file"
        }
    }

    /// "a" or "an" for the name.
    var article: String { self == .evaluationKeys ? "an" : "a" }

    /// The command that re-creates a file of this kind (for error messages).
    var remedy: String {
        switch self {
        case .secretKey, .publicKey, .evaluationKeys: "re-run encml keygen for this model"
        case .ciphertexts: "re-run encml encrypt (or infer) with this model's keys"
        }
    }
}
