import EncryptedML
import Foundation
import Models

/// A client's key pair for one model: the secret key (stays on the device), the serialized
/// evaluation keys (sent to servers) and the key-set identifier both carry, fixed when they
/// were generated together.
public struct ClientKeys: Sendable {
    /// The secret key.
    public let secretKey: CKKSSecretKey
    /// The key set shared by the secret key, the evaluation keys, queries and results.
    public let keySet: UInt64
    /// The evaluation keys as uploaded (an `ENCML` evaluation-keys file).
    public let evaluationKeyBytes: Data

    /// Wraps keys read elsewhere.
    /// - Parameters:
    ///   - secretKey: the secret key.
    ///   - keySet: its key set.
    ///   - evaluationKeyBytes: the serialized evaluation keys of the same key set.
    public init(secretKey: CKKSSecretKey, keySet: UInt64, evaluationKeyBytes: Data) {
        self.secretKey = secretKey
        self.keySet = keySet
        self.evaluationKeyBytes = evaluationKeyBytes
    }

    /// Generates a fresh pair for `client`'s model (system CSPRNG): the secret key, the
    /// relinearization key and exactly the model's rotation keys, under a new key set.
    /// Cost: one key-switching key per rotation + 1 (tens to hundreds of ms).
    /// - Parameter client: the model's inference client.
    /// - Returns: the keys.
    public static func generate(for client: InferenceClient) throws -> ClientKeys {
        let secretKey = client.generateSecretKey()
        let keySet = EncMLFormat.newKeySet()
        let evaluationKeys = try client.generateEvaluationKeys(secretKey: secretKey)
        let tag = try EncMLFormat.modelTag(for: client.model)
        let bytes = try evaluationKeys.serialized(context: client.context, modelTag: tag, keySet: keySet)
        return ClientKeys(secretKey: secretKey, keySet: keySet, evaluationKeyBytes: bytes)
    }
}
