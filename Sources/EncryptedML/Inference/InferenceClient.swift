import Foundation
import Models

/// The client side of encrypted inference: holds the model's public description and
/// context, generates keys, encrypts rows in either packing, and decrypts the server's
/// result into outputs, probabilities (the link applied after decryption: exact, no
/// level spent) and labels. Keys are passed in, never stored, so one client value can
/// serve several key pairs.
public struct InferenceClient: Sendable {
    /// The converted model.
    public let model: EncryptedModel
    /// Its CKKS context.
    public let context: CKKSContext

    /// A client for `model` (validated), building its context unless one is given.
    /// - Parameters:
    ///   - model: the converted model.
    ///   - context: its CKKS context (built when nil; must have the model's parameters).
    /// - Throws: `ModelError.invalid` for an inconsistent model, `EncryptedMLError` for bad parameters.
    public init(model: EncryptedModel, context: CKKSContext? = nil) throws {
        let context = try model.runtimeContext(context)
        self.model = model
        self.context = context
    }

    /// A fresh ternary secret key (system CSPRNG). Keep it on the client. Cost: O(N) plus NTTs.
    /// - Returns: the secret key.
    public func generateSecretKey() -> CKKSSecretKey { context.generateSecretKey() }

    /// The evaluation keys the server needs for `modes`: relinearization, plus exactly the
    /// rotations single-query inference performs (the plan's `single.rotations`) when
    /// `.single` is among the modes; none for batch only. Cost: one key-switching key per rotation + 1.
    /// - Parameters:
    ///   - secretKey: the client's secret key.
    ///   - modes: the packings the server will run.
    /// - Returns: the keys to send to the server.
    public func generateEvaluationKeys(secretKey: CKKSSecretKey,
                                       modes: Set<PackingMode> = Set(PackingMode.allCases)) throws -> CKKSEvaluationKeys {
        let rotations = modes.contains(.single) ? model.plan.single.rotations : []
        return try context.generateEvaluationKeys(secretKey: secretKey, rotations: rotations)
    }

    /// The slot vector of one row in single-query packing: features zero-padded to the
    /// block D, replicated with period D over all N/2 slots. Cost: O(N).
    /// - Parameter row: the features.
    /// - Returns: N/2 slot values.
    public func singleQuerySlots(_ row: [Double]) -> [Double] {
        Self.singleQuerySlots(row, blockSize: model.plan.single.blockSize, slotCount: context.slotCount)
    }

    /// `row` in slots `0..<D` of block D, replicated with period D over `slotCount` slots.
    static func singleQuerySlots(_ row: [Double], blockSize d: Int, slotCount: Int) -> [Double] {
        var slots = [Double](repeating: 0, count: slotCount)
        var base = 0
        while base < slots.count {
            for (i, v) in row.enumerated() where i < d { slots[base + i] = v }
            base += d
        }
        return slots
    }

    /// Encrypts raw feature rows (in `model.featureNames` order, unstandardized) with the
    /// secret key (seeded ciphertexts: half the size). In batch packing the unused slots of
    /// the last set repeat its rows, so every slot holds a realistic input. Cost: one encryption per row
    /// (single) or per feature per N/2 rows (batch).
    /// - Throws: `EncryptedMLError.invalidOperand` naming the row and column of a wrong-width
    ///   row or non-finite value, or when there are no rows.
    public func encrypt(rows: [[Double]], mode: PackingMode, secretKey: CKKSSecretKey) throws -> EncryptedQuery {
        guard !rows.isEmpty else {
            throw EncryptedMLError.invalidOperand("no rows to encrypt; give at least one row")
        }
        let n = model.featureCount
        for (index, row) in rows.enumerated() {
            guard row.count == n else {
                throw EncryptedMLError.invalidOperand(
                    "row \(index + 1) has \(row.count) values, the model reads \(n) features (\(model.featureNames.prefix(3).joined(separator: ", "))…)")
            }
            if let column = row.firstIndex(where: { !$0.isFinite }) {
                throw EncryptedMLError.invalidOperand(
                    "row \(index + 1), feature \(model.featureNames[column]) is not a finite number")
            }
        }
        switch mode {
        case .single:
            let cts = try rows.map { try context.encrypt(singleQuerySlots($0), secretKey: secretKey) }
            return EncryptedQuery(mode: .single, rowCount: rows.count, ciphertexts: cts)
        case .batch:
            let slots = context.slotCount
            var cts: [CKKSCiphertext] = []
            for start in stride(from: 0, to: rows.count, by: slots) {
                let chunk = Array(rows[start..<min(start + slots, rows.count)])
                for f in 0..<n {
                    // Unused slots repeat the set's rows: an empty (all-zero) slot would feed the
                    // polynomials values far outside their interval (raw zeros are not typical
                    // inputs), and one overflowing slot corrupts the whole ciphertext.
                    let values = (0..<slots).map { chunk[$0 % chunk.count][f] }
                    cts.append(try context.encrypt(values, secretKey: secretKey))
                }
            }
            return EncryptedQuery(mode: .batch, rowCount: rows.count, ciphertexts: cts)
        }
    }

    /// Checks that every ciphertext of `result` is where the plan says a result lands — the
    /// plan's final level and the scale Δ — before anything is decrypted: a result of another
    /// shape is refused instead of decoded into plausible-looking numbers. Cost: O(ciphertexts).
    /// - Parameter result: the server's answer.
    /// - Throws: `EncryptedMLError.invalidOperand` naming the first ciphertext off the plan.
    public func checkResultAgainstPlan(_ result: EncryptedResult) throws {
        let level = model.plan.steps.last?.outputLevel ?? 0
        let scale = context.defaultScale
        for (index, ct) in result.ciphertexts.enumerated() {
            guard ct.level == level, ct.scale.isFinite, abs(ct.scale / scale - 1) < 1e-6 else {
                throw EncryptedMLError.invalidOperand(
                    "result ciphertext \(index) is at level \(ct.level) with scale 2^\(String(format: "%.3f", Foundation.log2(ct.scale))); "
                        + "the plan's results are at level \(level) with scale 2^\(String(format: "%.3f", Foundation.log2(scale))): the server did not run this model's plan")
            }
        }
    }

    /// Decrypts the server's result into the model outputs of each row (logits, or the
    /// encrypted sigmoid's value), released as `options` says: rounded to the plan's precision
    /// (default) or flooded (`DecryptionOptions`). The result is first checked against the
    /// plan (`checkResultAgainstPlan`). Cost: one decryption per ciphertext.
    /// - Parameters:
    ///   - result: the server's answer.
    ///   - secretKey: the client's secret key.
    ///   - options: rounding or flooding.
    /// - Returns: one output vector per row.
    /// - Throws: `.invalidOperand` when the result's layout, level or scale does not match the
    ///   plan, `.mismatchedContext` for a result or key of other parameters.
    public func decryptOutputs(_ result: EncryptedResult, secretKey: CKKSSecretKey,
                               options: DecryptionOptions = DecryptionOptions()) throws -> [[Double]] {
        let expected = model.resultCiphertextCount(rows: result.rowCount, mode: result.mode)
        guard result.rowCount >= 1, result.ciphertexts.count == expected else {
            throw EncryptedMLError.invalidOperand(
                "a \(result.mode.rawValue) result of \(result.rowCount) rows has \(expected) ciphertexts for this model, found \(result.ciphertexts.count)")
        }
        try checkResultAgainstPlan(result)
        let m = model.outputCount
        let precisionBits = model.plan.parameters.precisionBits
        var sampler = FloodingSampler()
        /// The released slot values of one ciphertext (`count` of them).
        func release(_ ct: CKKSCiphertext, count: Int) throws -> [Double] {
            let slots = try context.decryptComplex(ct, secretKey: secretKey)
            switch options.protection {
            case .rounding:
                let step = Foundation.pow(2, -Double(precisionBits))
                return slots.prefix(count).map { ($0.real / step).rounded() * step }
            case let .flooding(bits):
                let floor = Foundation.pow(2, -Double(precisionBits))
                let measured = slots.reduce(0) { max($0, abs($1.imaginary)) }
                let deviation = DecryptionOptions.floodingDeviation(noiseBound: max(floor, measured), statisticalBits: bits)
                return slots.prefix(count).map { $0.real + sampler.next(deviation: deviation) }
            }
        }
        switch result.mode {
        case .single:
            return try result.ciphertexts.map { try release($0, count: m) }
        case .batch:
            let slots = context.slotCount
            var rows = [[Double]](repeating: [Double](repeating: 0, count: m), count: result.rowCount)
            for (index, ct) in result.ciphertexts.enumerated() {
                let set = index / m
                let output = index % m
                let count = min(slots, result.rowCount - set * slots)
                let values = try release(ct, count: count)
                for s in 0..<count { rows[set * slots + s][output] = values[s] }
            }
            return rows
        }
    }

    /// Decrypts and applies the output link: outputs, probabilities, class and label per row.
    /// - Parameters:
    ///   - result: the server's answer.
    ///   - secretKey: the client's secret key.
    ///   - options: rounding (default) or flooding.
    /// - Returns: one prediction per row.
    public func decrypt(_ result: EncryptedResult, secretKey: CKKSSecretKey,
                        options: DecryptionOptions = DecryptionOptions()) throws -> [InferencePrediction] {
        try decryptOutputs(result, secretKey: secretKey, options: options).map(prediction(outputs:))
    }

    /// The prediction for decrypted outputs (client-side sigmoid/softmax, or the clamped
    /// encrypted sigmoid).
    public func prediction(outputs: [Double]) -> InferencePrediction {
        let k = model.predictedClass(outputs: outputs)
        return InferencePrediction(outputs: outputs, probabilities: model.probabilities(outputs: outputs),
                                   classIndex: k, label: model.classLabels[k])
    }
}
