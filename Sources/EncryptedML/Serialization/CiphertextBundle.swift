import Foundation
import Models

/// A list of ciphertexts exchanged between client and server, with what they encode:
/// an encrypted query (the client's rows) or an encrypted result (the server's outputs),
/// in single-query packing (one row per ciphertext) or batch packing (one ciphertext per
/// value column, rows across the slots).
public struct CiphertextBundle: Sendable {
    /// What the ciphertexts carry.
    public enum Role: UInt8, Sendable, CustomStringConvertible {
        /// Encrypted input rows (written by `encml encrypt`, read by `encml infer`).
        case query = 1
        /// Encrypted model outputs (written by `encml infer`, read by `encml decrypt`).
        case result = 2

        /// "query" or "result".
        public var description: String { self == .query ? "an encrypted query" : "an encrypted result" }
    }

    /// Query or result.
    public var role: Role
    /// Packing of the rows.
    public var mode: PackingMode
    /// Number of data rows (samples) encoded.
    public var rowCount: Int
    /// Values per row: features for a query, model outputs for a result.
    public var width: Int
    /// The ciphertexts, in the order of the packing.
    public var ciphertexts: [CKKSCiphertext]
    /// The key set the ciphertexts were made under (`EncMLFormat.newKeySet()` at keygen; 0: unbound).
    public var keySet: UInt64

    /// Assembles a bundle. Cost: O(1).
    /// - Parameters:
    ///   - role: query or result.
    ///   - mode: the packing.
    ///   - rowCount: data rows encoded.
    ///   - width: values per row.
    ///   - ciphertexts: the ciphertexts in the packing's order.
    ///   - keySet: the key set they were made under (0: unbound).
    public init(role: Role, mode: PackingMode, rowCount: Int, width: Int, ciphertexts: [CKKSCiphertext], keySet: UInt64 = 0) {
        self.keySet = keySet
        self.role = role
        self.mode = mode
        self.rowCount = rowCount
        self.width = width
        self.ciphertexts = ciphertexts
    }

    /// Checks that the counts fit together for `slotCount` slots: single packing holds at least
    /// one row per ciphertext; batch packing holds `width` ciphertexts per group of up to
    /// `slotCount` rows. Returns the reason when they do not.
    static func inconsistency(mode: PackingMode, rowCount: Int, width: Int, count: Int, slotCount: Int) -> String? {
        guard rowCount >= 1, width >= 1, width <= slotCount, count >= 1 else {
            return "\(rowCount) rows of \(width) values in \(count) ciphertexts"
        }
        switch mode {
        case .single:
            guard count <= rowCount, rowCount <= count * slotCount else {
                return "single packing of \(rowCount) rows cannot take \(count) ciphertexts"
            }
        case .batch:
            let groups = (rowCount + slotCount - 1) / slotCount
            guard count == groups * width else {
                return "batch packing of \(rowCount) rows × \(width) values needs \(groups * width) ciphertexts, not \(count)"
            }
        }
        return nil
    }
}
