import EncryptedML
import Models

/// The public part of a served model's plan: what a client needs to check that it holds
/// the same model, generate matching keys and shape its queries (`GET /v1/model`).
/// Holds no weights beyond their fingerprint.
public struct ServedModelDescription: Codable, Sendable, Equatable {
    /// The model's weights fingerprint (16 hex digits), bound into every key and ciphertext header.
    public var weightsFingerprint: String
    /// The tag every key and ciphertext file of this model carries (16 hex digits): covers the
    /// weights, feature names, class labels and plan (`EncMLFormat.modelTag(for:)`).
    public var modelTag: String
    /// The CKKS context fingerprint (16 hex digits) of the model's parameters.
    public var contextFingerprint: String
    /// Feature columns, in query order.
    public var featureNames: [String]
    /// Class labels as in the training CSV.
    public var classLabels: [String]
    /// Values per result row.
    public var outputCount: Int
    /// How the client turns decrypted outputs into probabilities.
    public var decoding: String
    /// CKKS parameters.
    public var parameters: ParameterChoice
    /// Multiplicative depth of the plan (level of a fresh query ciphertext).
    public var depth: Int
    /// Packings the server accepts.
    public var modes: [String]
    /// Rotation steps the evaluation keys must contain for single-query packing.
    public var singleQueryRotations: [Int]
    /// The exact size of this model's evaluation keys, in bytes (an upload of another size is refused).
    public var evaluationKeyBytes: Int
    /// Rows per ciphertext in batch packing (N/2).
    public var samplesPerCiphertext: Int
    /// The server's request limits.
    public var limits: ServiceLimits
}
