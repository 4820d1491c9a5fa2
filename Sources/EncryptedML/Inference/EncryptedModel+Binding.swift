import Crypto
import Foundation
import Models

extension EncMLFormat {
    /// The model tag the key and ciphertext files of `model` carry: the first 8 bytes of the
    /// SHA-256 of everything they depend on — the weights fingerprint, the feature names (the
    /// slot order of a query), the class labels (what a decrypted output means), the output
    /// decoding and the whole plan (parameters, steps, packing). A model file whose labels
    /// were swapped, or whose plan was edited, gets another tag, so its files and the
    /// original's refuse each other instead of decrypting to flipped labels. Cost: one JSON
    /// encoding of the plan and one hash (microseconds).
    /// - Parameter model: the converted model.
    /// - Returns: the tag (never 0).
    /// - Throws: `SerializationError.invalidField` when the plan cannot be encoded.
    public static func modelTag(for model: EncryptedModel) throws(SerializationError) -> UInt64 {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let plan: Data
        do {
            plan = try encoder.encode(model.plan)
        } catch {
            throw .invalidField(file: "model", field: "plan", reason: "cannot be encoded (\(error))")
        }
        var hasher = SHA256()
        for part in [model.weightsFingerprint] + model.featureNames + ["\u{1}"] + model.classLabels + ["\u{1}", model.decoding.rawValue] {
            hasher.update(data: Data(part.utf8))
            hasher.update(data: Data([0]))
        }
        hasher.update(data: plan)
        let tag = hasher.finalize().prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return tag == 0 ? 1 : tag
    }
}
