import ArgumentParser
import EncryptedML
import Foundation
import Models
import Plaintext

/// `encml demo`: the whole pipeline on one data set, with one report: train → convert →
/// keygen → encrypt → infer → decrypt in both packings, every key and ciphertext going
/// through its file format (written to `--out`, read back) as between client and server.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Train, convert and run encrypted inference on a bundled data set; print accuracy, agreement, latency and sizes.",
        discussion: """
        Splits the data 70/30 (stratified), trains on the 70 %, converts with the training rows as \
        calibration, then encrypts the held-out rows, evaluates them under encryption (server \
        side: evaluation keys only) and decrypts them, in single-query and batch packing. \
        Compares the encrypted predictions with the plaintext polynomial model's.
        """
    )

    @Option(help: "CSV data set (default: notebooks-data/breast_cancer.csv).")
    var data: String?

    @Option(help: "Target column name (default: the last column).")
    var target: String?

    @Option(help: "Model kind.")
    var model: ModelKind = .logistic

    @Option(help: "MLP hidden layer widths, comma-separated.")
    var hidden: String = "32"

    @Option(help: "MLP hidden activation.")
    var activation: ActivationKind = .square

    @Option(help: "Random seed of the split and the training.")
    var seed: UInt64 = 0

    @Option(help: "Keep the model, key and ciphertext files in this folder (default: a temporary folder, removed at the end).")
    var out: String?

    /// The bundled CSV: in the working directory's `notebooks-data`, or next to the package
    /// the executable was built in.
    static func bundledData(_ name: String) -> String? {
        let relative = "notebooks-data/\(name).csv"
        if FileManager.default.fileExists(atPath: relative) { return relative }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = url.appendingPathComponent(relative).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            url.deleteLastPathComponent()
        }
        return nil
    }

    struct ModeRow {
        var mode: PackingMode
        var encryptMs = 0.0, inferMs = 0.0, decryptMs = 0.0
        var queryBytes = 0, queryBytesUnseeded = 0, resultBytes = 0, ciphertexts = 0
        var accuracy = 0.0, agreement = 0.0, maxProbabilityError = 0.0, maxOutputError = 0.0
    }

    func run() throws {
        let kind = model, activationKind = activation
        let widths = try parseHidden(hidden)
        guard let path = data ?? Self.bundledData("breast_cancer") else {
            throw CLIError.invalidValue(option: "--data", value: "(default)",
                                        expected: "a CSV path: notebooks-data/breast_cancer.csv was not found from here")
        }
        let folder = out ?? FileManager.default.temporaryDirectory.appendingPathComponent("encml-demo-\(UUID().uuidString)").path
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw CLIError.cannotWrite(path: folder, reason: error.localizedDescription)
        }
        // A temporary folder goes away at the end, on success or error: ciphertexts can take hundreds of MB.
        defer { if out == nil { try? FileManager.default.removeItem(atPath: folder) } }
        func file(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

        // Plaintext: split, train, convert.
        let dataset = try Dataset.load(csv: path, target: target)
        let (train, test) = try dataset.stratifiedSplit(testFraction: 0.3, seed: seed)
        let (trained, trainMs) = try timed {
            try Trainer.train(train, options: TrainingOptions(kind: kind, hidden: widths, activation: activationKind, seed: seed))
        }
        let trainRows = (0..<train.count).map(train.row)
        let testRows = (0..<test.count).map(test.row)
        let (conversion, convertMs) = try timed {
            try ModelConverter.convert(trained, calibration: CalibrationSet(rows: trainRows, labels: train.labels, source: path),
                                       finetuner: PolynomialFinetuner(seed: seed))
        }
        try conversion.model.save(to: file("model.he.json"))
        let heModel = conversion.model
        let plainAccuracy = accuracy(testRows.map(trained.predictClass(raw:)), test.labels)
        let polyOutputs = testRows.map(heModel.outputs(raw:))
        let polyClasses = polyOutputs.map(heModel.predictedClass(outputs:))
        let polyProbabilities = polyOutputs.map(heModel.probabilities(outputs:))
        let polyAccuracy = accuracy(polyClasses, test.labels)

        // Client: keys, written to files; the server reads the evaluation keys back.
        let session = try ModelSession(path: file("model.he.json"))
        let client = try InferenceClient(model: session.model, context: session.context)
        let ((sk, evk), keygenMs) = try timed { () throws -> (CKKSSecretKey, CKKSEvaluationKeys) in
            let sk = client.generateSecretKey()
            return (sk, try client.generateEvaluationKeys(secretKey: sk))
        }
        let keySet = EncMLFormat.newKeySet()
        let skBytes = try sk.serialized(context: session.context, modelTag: session.tag, keySet: keySet)
        try writeBinary(skBytes, to: file("client.sk"), secret: true)
        let (evkBytes, evkWriteMs) = try timed { () throws -> Data in
            let bytes = try evk.serialized(context: session.context, modelTag: session.tag, keySet: keySet)
            try writeBinary(bytes, to: file("client.evk"))
            return bytes
        }
        let keyCount = 1 + evk.galois.count
        let keyModuli = session.context.ciphertextModuli + session.context.specialModuli
        let evkUnseeded = evkBytes.count + keyCount * (evk.relinearization.digitCount
            * EncMLFormat.residueBytes(moduli: keyModuli, degree: session.context.degree) - EncMLFormat.seedSize)
        let (serverKeys, evkReadMs) = try timed { try session.readEvaluationKeys(file("client.evk")).keys }
        let clientKey = try session.readSecretKey(file("client.sk")).key
        let server = try InferenceServer(model: session.model, context: session.context)

        var rows: [ModeRow] = []
        for mode in PackingMode.allCases {
            var row = ModeRow(mode: mode)
            let (query, encryptMs) = try timed { try client.encrypt(rows: testRows, mode: mode, secretKey: clientKey) }
            row.encryptMs = encryptMs
            let queryBundle = CiphertextBundle(role: .query, mode: mode, rowCount: query.rowCount, width: heModel.featureCount,
                                               ciphertexts: query.ciphertexts, keySet: keySet)
            let queryBytes = try queryBundle.serialized(context: session.context, modelTag: session.tag)
            try writeBinary(queryBytes, to: file("query-\(mode.rawValue).ct"))
            row.queryBytes = queryBytes.count
            row.queryBytesUnseeded = queryBytes.count + query.ciphertexts.reduce(0) {
                $0 + EncMLFormat.residueBytes(moduli: Array(session.context.ciphertextModuli[0...$1.level]), degree: $1.degree)
                    - EncMLFormat.seedSize
            }
            row.ciphertexts = query.ciphertexts.count

            let received = try session.readBundle(file("query-\(mode.rawValue).ct"), role: .query, keySet: keySet)
            let (result, inferMs) = try timed {
                try server.infer(EncryptedQuery(mode: received.mode, rowCount: received.rowCount, ciphertexts: received.ciphertexts),
                                 evaluationKeys: serverKeys)
            }
            row.inferMs = inferMs
            let resultBytes = try CiphertextBundle(role: .result, mode: mode, rowCount: result.rowCount, width: heModel.outputCount,
                                                   ciphertexts: result.ciphertexts, keySet: keySet).serialized(context: session.context, modelTag: session.tag)
            try writeBinary(resultBytes, to: file("result-\(mode.rawValue).ct"))
            row.resultBytes = resultBytes.count

            let back = try session.readBundle(file("result-\(mode.rawValue).ct"), role: .result, keySet: keySet)
            let (predictions, decryptMs) = try timed {
                try client.decrypt(EncryptedResult(mode: back.mode, rowCount: back.rowCount, ciphertexts: back.ciphertexts), secretKey: clientKey)
            }
            row.decryptMs = decryptMs
            row.accuracy = accuracy(predictions.map(\.classIndex), test.labels)
            row.agreement = accuracy(predictions.map(\.classIndex), polyClasses)
            for (i, p) in predictions.enumerated() {
                for (a, b) in zip(p.probabilities, polyProbabilities[i]) { row.maxProbabilityError = max(row.maxProbabilityError, abs(a - b)) }
                for (a, b) in zip(p.outputs, polyOutputs[i]) { row.maxOutputError = max(row.maxOutputError, abs(a - b)) }
            }
            rows.append(row)
        }

        let shape = ([trained.featureCount] + trained.layers.map(\.outputCount)).map(String.init).joined(separator: "-")
        let name = (path as NSString).lastPathComponent
        print("encml demo: \(kind.rawValue) \(shape) on \(name), target \(dataset.targetName), \(train.count) training / \(test.count) test rows")
        print("parameters: \(session.context.parameters), depth \(heModel.plan.depth), 128-bit security, single-query block \(heModel.plan.single.blockSize)")
        print("")
        print(pad("stage", 26) + pad("time", 12) + "result")
        print(pad("train (plaintext)", 26) + pad(ms(trainMs), 12) + "test accuracy " + pct(plainAccuracy))
        print(pad("convert", 26) + pad(ms(convertMs), 12) + "polynomial model test accuracy " + pct(polyAccuracy))
        print(pad("keygen (client)", 26) + pad(ms(keygenMs), 12)
              + "secret key \(formatBytes(skBytes.count)); evaluation keys \(formatBytes(evkBytes.count)) "
              + "(relinearization + \(evk.galois.count) rotation keys; \(formatBytes(evkUnseeded)) without seeds; "
              + "serialize+write \(ms(evkWriteMs)), read+validate+expand \(ms(evkReadMs)))")
        for row in rows {
            let m = row.mode.rawValue
            print(pad("encrypt \(m) (client)", 26) + pad(ms(row.encryptMs), 12)
                  + "\(row.ciphertexts) ciphertexts, \(formatBytes(row.queryBytes)) (\(formatBytes(row.queryBytesUnseeded)) without seeds)")
            let perRow = row.inferMs / Double(test.count)
            var throughput = String(format: "%.3f ms per row, %.0f predictions/s", perRow, 1000 / perRow)
            if row.mode == .batch {
                // A set holds N/2 rows whatever how many are filled: the time of a full set.
                let slots = session.context.slotCount
                let sets = heModel.setCount(rows: test.count)
                throughput = String(format: "%d sets of %d slots: %.0f predictions/s on full sets", sets, slots,
                                    Double(sets * slots) / row.inferMs * 1000)
            }
            print(pad("infer \(m) (server)", 26) + pad(ms(row.inferMs), 12) + throughput + "; result " + formatBytes(row.resultBytes))
            print(pad("decrypt \(m) (client)", 26) + pad(ms(row.decryptMs), 12)
                  + "encrypted accuracy \(pct(row.accuracy)), agreement with the polynomial model \(pct(row.agreement)), "
                  + String(format: "max |Δ probability| %.2e, max |Δ output| %.2e", row.maxProbabilityError, row.maxOutputError))
        }
        print("")
        if out != nil { print("model, keys and ciphertexts in \(folder)") }
    }

    private func accuracy(_ predicted: [Int], _ expected: [Int]) -> Double {
        guard !expected.isEmpty else { return 0 }
        return Double(zip(predicted, expected).filter { $0 == $1 }.count) / Double(expected.count)
    }
    private func pct(_ x: Double) -> String { String(format: "%.2f %%", 100 * x) }
    private func ms(_ x: Double) -> String { String(format: "%.1f ms", x) }
    private func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
}
