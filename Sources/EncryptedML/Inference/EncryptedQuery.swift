import Models

/// Encrypted rows sent by the client to the server.
///
/// Layout. `.single`: one ciphertext per row, the row's features in slots `0..<n`, zero
/// padded to the plan's block D and replicated with period D over all N/2 slots.
/// `.batch`: ⌈rows / (N/2)⌉ ciphertext sets, each of `featureCount` ciphertexts (feature
/// f of sample s in slot s), stored set-major: `ciphertexts[set·featureCount + f]`.
/// Every ciphertext is fresh: top level, scale Δ.
public struct EncryptedQuery: Sendable {
    /// How the rows are packed.
    public var mode: PackingMode
    /// Number of encrypted rows.
    public var rowCount: Int
    /// The ciphertexts, in the layout of `mode`.
    public var ciphertexts: [CKKSCiphertext]
    /// The key set the ciphertexts were made under (0: unbound); carried into the result.
    public var keySet: UInt64

    /// Wraps ciphertexts (e.g. read from a file); the server validates the layout.
    /// - Parameters:
    ///   - mode: the packing.
    ///   - rowCount: encrypted rows.
    ///   - ciphertexts: the ciphertexts in the layout of `mode`.
    ///   - keySet: the key set they were made under (0: unbound).
    public init(mode: PackingMode, rowCount: Int, ciphertexts: [CKKSCiphertext], keySet: UInt64 = 0) {
        self.keySet = keySet
        self.mode = mode
        self.rowCount = rowCount
        self.ciphertexts = ciphertexts
    }
}

/// The server's encrypted outputs for a query.
///
/// Layout. `.single`: one ciphertext per row, output o in slot o. `.batch`: per set,
/// `outputCount` ciphertexts (output o of sample s in slot s), set-major. All at level 0.
public struct EncryptedResult: Sendable {
    /// Packing of the query this answers.
    public var mode: PackingMode
    /// Number of rows.
    public var rowCount: Int
    /// The ciphertexts, in the layout of `mode`.
    public var ciphertexts: [CKKSCiphertext]
    /// The key set of the query this answers (0: unbound).
    public var keySet: UInt64

    /// Wraps ciphertexts (e.g. read from a file); the client validates the layout.
    /// - Parameters:
    ///   - mode: the packing.
    ///   - rowCount: rows.
    ///   - ciphertexts: the ciphertexts in the layout of `mode`.
    ///   - keySet: the key set of the query (0: unbound).
    public init(mode: PackingMode, rowCount: Int, ciphertexts: [CKKSCiphertext], keySet: UInt64 = 0) {
        self.keySet = keySet
        self.mode = mode
        self.rowCount = rowCount
        self.ciphertexts = ciphertexts
    }
}

/// One decrypted prediction.
public struct InferencePrediction: Sendable, Equatable {
    /// The model's outputs after decryption (logits, or the encrypted sigmoid's value).
    public var outputs: [Double]
    /// Class probabilities (after the client-side link).
    public var probabilities: [Double]
    /// The predicted class index.
    public var classIndex: Int
    /// The predicted class label, as in the training CSV.
    public var label: String
}

extension EncryptedModel {
    /// Number of ciphertexts a query of `rows` rows needs in `mode`.
    public func queryCiphertextCount(rows: Int, mode: PackingMode) -> Int {
        switch mode {
        case .single: return rows
        case .batch: return setCount(rows: rows) * featureCount
        }
    }

    /// Number of ciphertexts the result of `rows` rows has in `mode`.
    public func resultCiphertextCount(rows: Int, mode: PackingMode) -> Int {
        switch mode {
        case .single: return rows
        case .batch: return setCount(rows: rows) * outputCount
        }
    }

    /// Batch ciphertext sets for `rows` rows: ⌈rows / (N/2)⌉.
    public func setCount(rows: Int) -> Int {
        let slots = plan.batch.samplesPerCiphertext
        return (rows + slots - 1) / slots
    }
}
