import EncryptedML
import Foundation
import Models
import Plaintext

/// The `inference` object of `encml bench --json` (DESIGN.md, "Performance"): server-side
/// latency of one single-query inference and throughput of one full batch ciphertext set
/// (N/2 samples), for the breast_cancer logistic regression (30 features, logits returned)
/// and a digits MLP 64-32-10 with square activation, trained on the 70 % split (seed 42)
/// and converted with the default options. Medians, single thread (limb-parallel with `--parallel`).
enum BenchInference {
    /// `notebooks-data` in the working directory, next to the executable's package, or `$ENCML_DATA`.
    static func dataDirectory() -> String? {
        var candidates = ["notebooks-data"]
        if let env = ProcessInfo.processInfo.environment["ENCML_DATA"] { candidates.insert(env, at: 0) }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        // .build/<config>/encml → package root
        candidates.append(exe.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("notebooks-data").path)
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/breast_cancer.csv") }
    }

    /// Trains and converts a model on the 70 % split of `name`.
    static func model(_ directory: String, _ name: String, kind: ModelKind, hidden: [Int] = [32],
                      activation: ActivationKind = .square,
                      options: ConversionOptions = ConversionOptions()) throws -> (EncryptedModel, [[Double]]) {
        let (train, test) = try Dataset.load(csv: directory + "/\(name).csv").stratifiedSplit(testFraction: 0.3, seed: 42)
        let trained = try Trainer.train(train, kind: kind, hidden: hidden, activation: activation, seed: 1)
        let calibration = CalibrationSet(rows: (0..<train.count).map(train.row), labels: train.labels, source: name)
        let conversion = try ModelConverter.convert(trained, calibration: calibration, options: options)
        return (conversion.model, (0..<test.count).map(test.row))
    }

    /// Median server times for `model`: single-query ms and batch predictions per second.
    static func time(_ model: EncryptedModel, rows: [[Double]], repetitions: Int, prefix: String,
                     wanted: (String) -> Bool) throws -> [String: Double] {
        let client = try InferenceClient(model: model)
        var result: [String: Double] = [:]
        let wantSingle = wanted(prefix + "_single_ms")
        let wantBatch = wanted(prefix + "_batch_predictions_per_s")
        guard wantSingle || wantBatch else { return result }
        let modes: Set<PackingMode> = wantSingle ? (wantBatch ? [.single, .batch] : [.single]) : [.batch]
        // With `--parallel` the server's context processes limbs on every core.
        let serverContext = BenchPrimitives.parallel
            ? try CKKSContext(parameters: client.context.parameters, parallel: true) : client.context
        let server = try InferenceServer(model: model, context: serverContext, modes: modes)
        let secretKey = client.generateSecretKey()
        let keys = try client.generateEvaluationKeys(secretKey: secretKey, modes: modes)
        if wantSingle {
            let query = try client.encrypt(rows: [rows[0]], mode: .single, secretKey: secretKey)
            result[prefix + "_single_ms"] = try BenchPrimitives.median(repetitions) {
                _ = try server.infer(query, evaluationKeys: keys)
            }
        }
        if wantBatch {
            let slots = client.context.slotCount
            let full = (0..<slots).map { rows[$0 % rows.count] }
            let query = try client.encrypt(rows: full, mode: .batch, secretKey: secretKey)
            let ms = try BenchPrimitives.median(max(1, repetitions / 2)) {
                _ = try server.infer(query, evaluationKeys: keys)
            }
            result[prefix + "_batch_ms"] = ms
            result[prefix + "_batch_predictions_per_s"] = Double(slots) / (ms / 1000)
        }
        return result
    }

    /// The four DESIGN.md figures (plus the batch set times), or nil when the bundled CSVs
    /// cannot be found. `only` restricts to keys with that prefix (for profilers).
    static func measure(repetitions: Int, only: String?) throws -> [String: Double]? {
        guard let directory = dataDirectory() else {
            FileHandle.standardError.write(Data("encml bench: notebooks-data/ not found (run from the package root or set ENCML_DATA); inference figures skipped\n".utf8))
            return nil
        }
        let wanted: (String) -> Bool = { key in only.map { key.hasPrefix($0) || $0.hasPrefix("inference") } ?? true }
        var result: [String: Double] = [:]
        if wanted("lr_breast_cancer_single_ms") || wanted("lr_batch_predictions_per_s") {
            let (lr, rows) = try model(directory, "breast_cancer", kind: .logistic)
            for (key, value) in try time(lr, rows: rows, repetitions: repetitions, prefix: "lr", wanted: { key in
                wanted(key == "lr_single_ms" ? "lr_breast_cancer_single_ms" : key)
            }) {
                result[key == "lr_single_ms" ? "lr_breast_cancer_single_ms" : key] = value
            }
        }
        if wanted("lr_breast_cancer_sigmoid3_single_ms") {
            // The same LR with a degree-3 sigmoid under encryption (TenSEAL's polyval workload).
            var options = ConversionOptions()
            options.encryptedSigmoid = true
            options.degree = .fixed(3)
            let (lr, rows) = try model(directory, "breast_cancer", kind: .logistic, options: options)
            if let ms = try time(lr, rows: rows, repetitions: repetitions, prefix: "s3",
                                 wanted: { $0 == "s3_single_ms" })["s3_single_ms"] {
                result["lr_breast_cancer_sigmoid3_single_ms"] = ms
            }
        }
        if wanted("mlp_digits_single_ms") || wanted("mlp_batch_predictions_per_s") {
            let (mlp, rows) = try model(directory, "digits", kind: .mlp, hidden: [32], activation: .square)
            for (key, value) in try time(mlp, rows: rows, repetitions: repetitions, prefix: "mlp", wanted: { key in
                wanted(key == "mlp_single_ms" ? "mlp_digits_single_ms" : key)
            }) {
                result[key == "mlp_single_ms" ? "mlp_digits_single_ms" : key] = value
            }
        }
        return result
    }
}
