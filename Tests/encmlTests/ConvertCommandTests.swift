import Foundation
import Testing

/// The `encml convert --json` object: the keys DESIGN.md lists, the predicted latency and the
/// plan search's alternatives and choice.
private struct ConvertReport: Decodable {
    struct Parameters: Decodable { var polyDegree: Int; var logQP: Int; var securityBits: Int; var scaleBits: Int; var noiseBits: Double }
    struct Activation: Decodable {
        var function: String
        var interval: [Double]
        var degree: Int
        var max_error: Double
        var outside_fraction: Double
    }
    var original_accuracy: Double?
    var polynomial_accuracy: Double?
    var depth: Int
    var parameters: Parameters
    var rotations: Int
    var activations: [Activation]
    var sizes: Sizes
    struct Sizes: Decodable { var evaluation_key_bytes: Int; var query_bytes_per_row: Int; var result_bytes_per_row: Int }
    var predicted_latency: Latency
    struct Latency: Decodable {
        var single_query_ms: Double; var batch_set_ms: Double; var batch_rows: Int; var batch_predictions_per_s: Double
    }
    var alternatives: [Alternative]
    struct Alternative: Decodable {
        var degree: Int?; var coverage: Double; var poly_degree: Int; var depth: Int; var calibration_accuracy: Double?
        var predicted_single_query_ms: Double; var predicted_batch_ms: Double; var chosen: Bool
        var finetune_epochs: Int?
    }
    var choice: String?
}

/// The `encml keygen --json` object.
private struct KeygenReport: Decodable {
    var rotations: [Int]
    var secret_key_bytes: Int
    var evaluation_key_bytes: Int
}

/// 128-bit bounds of the HomomorphicEncryption.org table (ternary secret).
private let maxLogQP = [4096: 109, 8192: 218, 16384: 438, 32768: 881, 65536: 1772]

private struct Trained {
    var dir: URL
    var train: String
    var test: String
    var model: String
}

/// Splits a bundled CSV 70/30 and trains a model on the training part.
private func trainModel(_ data: String, _ arguments: [String]) throws -> Trained {
    let dir = try CLI.temporaryFolder()
    let train = dir.appendingPathComponent("train.csv").path, test = dir.appendingPathComponent("test.csv").path
    let model = dir.appendingPathComponent("model.json").path
    let split = try CLI.run(["split", "--data", CLI.data(data), "--train-out", train, "--test-out", test])
    #expect(split.status == 0, "\(split.stderr)")
    let trained = try CLI.run(["train", "--data", train, "--seed", "1", "--out", model] + arguments)
    #expect(trained.status == 0, "\(trained.stderr)")
    return Trained(dir: dir, train: train, test: test, model: model)
}

private func convert(_ t: Trained, _ extra: [String] = []) throws -> (ConvertReport, String) {
    let out = t.dir.appendingPathComponent("model-\(extra.joined()).he.json").path
    let result = try CLI.run(["convert", "--model", t.model, "--calibration", t.train, "--out", out, "--json"] + extra)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.isEmpty)
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    #expect(Set(object?.keys.map { $0 } ?? []) == ["original_accuracy", "polynomial_accuracy", "depth", "parameters", "rotations", "activations", "sizes",
                                                   "predicted_latency", "alternatives", "choice"])
    #expect(Set((object?["sizes"] as? [String: Any])?.keys.map { $0 } ?? []) == ["evaluation_key_bytes", "query_bytes_per_row", "result_bytes_per_row"])
    #expect(Set((object?["parameters"] as? [String: Any])?.keys.map { $0 } ?? []) == ["polyDegree", "logQP", "securityBits", "scaleBits", "noiseBits"])
    for activation in object?["activations"] as? [[String: Any]] ?? [] {
        #expect(Set(activation.keys) == ["function", "interval", "degree", "max_error", "outside_fraction"])
    }
    for alternative in object?["alternatives"] as? [[String: Any]] ?? [] {
        #expect(Set(alternative.keys) == ["degree", "coverage", "poly_degree", "depth", "calibration_accuracy",
                                          "predicted_single_query_ms", "predicted_batch_ms", "chosen", "finetune_epochs"])
    }
    return (try JSONDecoder().decode(ConvertReport.self, from: Data(result.stdout.utf8)), out)
}

/// One source of truth for the packing: keygen makes exactly as many rotation keys as
/// `convert --json` reports, and the evaluation-key file is within 10 % of the estimate.
private func expectKeygenMatchesTheReport(_ report: ConvertReport, model: String, dir: URL) throws {
    let sk = dir.appendingPathComponent("client.sk").path, evk = dir.appendingPathComponent("client.evk").path
    defer { for path in [sk, evk] { try? FileManager.default.removeItem(atPath: path) } }
    let result = try CLI.run(["keygen", "--model", model, "--secret-key", sk, "--eval-keys", evk, "--json"])
    #expect(result.status == 0, "\(result.stderr)")
    let keygen = try JSONDecoder().decode(KeygenReport.self, from: Data(result.stdout.utf8))
    #expect(keygen.rotations.count == report.rotations)
    #expect(keygen.rotations == keygen.rotations.sorted() && keygen.rotations.allSatisfy { $0 > 0 })
    let fileBytes = try #require(try FileManager.default.attributesOfItem(atPath: evk)[.size] as? Int)
    #expect(keygen.evaluation_key_bytes == fileBytes)
    #expect(keygen.secret_key_bytes == (try FileManager.default.attributesOfItem(atPath: sk)[.size] as? Int))
    let ratio = Double(report.sizes.evaluation_key_bytes) / Double(fileBytes)
    print("\(model): \(report.rotations) rotation keys, evaluation keys \(fileBytes) bytes, estimate \(report.sizes.evaluation_key_bytes) (×\(String(format: "%.3f", ratio)))")
    #expect(abs(ratio - 1) <= 0.10, "estimate \(report.sizes.evaluation_key_bytes) vs file \(fileBytes)")
}

private func expectSecure(_ report: ConvertReport) {
    #expect(report.parameters.securityBits == 128)
    let bound = maxLogQP[report.parameters.polyDegree]
    #expect(bound != nil && report.parameters.logQP <= bound!)
    // Output prime(s) and special prime around `depth` scale primes: the scale holds the noise estimate.
    let scale = report.parameters.scaleBits, noise = report.parameters.noiseBits
    let outer = report.parameters.logQP - report.depth * scale
    #expect(outer > 2 * scale && outer <= 150, "log QP \(report.parameters.logQP) for depth \(report.depth) at 2^\(scale)")
    #expect(Double(scale) >= 20 + noise, "a \(scale)-bit scale holds 20 bits above \(noise) bits of estimated noise")
}

@Test(arguments: [("breast_cancer", "diagnosis"), ("digits", ""), ("iris", "species")])
func logisticRegressionConvertsWithoutLosingAccuracy(_ data: String, _ target: String) throws {
    let t = try trainModel(data, ["--model", "logistic"] + (target.isEmpty ? [] : ["--target", target]))
    defer { try? FileManager.default.removeItem(at: t.dir) }
    let (report, out) = try convert(t)
    let original = try #require(report.original_accuracy), polynomial = try #require(report.polynomial_accuracy)
    #expect(abs(original - polynomial) <= 0.01)
    #expect(report.depth == 1 && report.activations.isEmpty)
    expectSecure(report)
    #expect(FileManager.default.fileExists(atPath: out))
    try expectKeygenMatchesTheReport(report, model: out, dir: t.dir)
}

@Test(arguments: [("breast_cancer", "diagnosis"), ("digits", ""), ("iris", "species")])
func reluMLPConvertsWithinOnePointAndFinetuningKeepsIt(_ data: String, _ target: String) throws {
    let t = try trainModel(data, ["--model", "mlp", "--hidden", "32", "--activation", "relu"] + (target.isEmpty ? [] : ["--target", target]))
    defer { try? FileManager.default.removeItem(at: t.dir) }
    for extra in [[], ["--finetune", "100"]] {
        let (report, out) = try convert(t, extra)
        if extra.isEmpty { try expectKeygenMatchesTheReport(report, model: out, dir: t.dir) }
        let original = try #require(report.original_accuracy), polynomial = try #require(report.polynomial_accuracy)
        #expect(original - polynomial <= 0.005 + 1e-9, "\(data) \(extra): \(original) → \(polynomial) (search budget 0.5 point)")
        #expect(report.activations.count == 1)
        let relu = try #require(report.activations.first)
        // A degree-2 relu fine-tuned as a whole network becomes a learnable quadratic (poly), by
        // --finetune or when the search chose a fine-tuned candidate.
        let finetuned = !extra.isEmpty || report.alternatives.contains { $0.chosen && $0.finetune_epochs != nil }
        #expect(relu.function == "relu" || (relu.function == "poly" && relu.degree == 2 && finetuned))
        #expect(report.depth == 2 + (relu.degree == 2 ? 1 : Int(ceil(log2(Double(relu.degree + 1))))))
        #expect(report.depth <= 6, "issue 12's target, with fine-tuned candidates where needed: PlanSearchTests")
        #expect(report.alternatives.filter(\.chosen).count == 1 && report.choice != nil)
        #expect(report.predicted_latency.single_query_ms > 0 && report.predicted_latency.batch_rows == report.parameters.polyDegree / 2)
        expectSecure(report)
        #expect(report.rotations > 0)
    }
}

@Test func textReportSaysWhetherTheAccuracyIsKept() throws {
    let t = try trainModel("iris", ["--model", "mlp", "--activation", "tanh", "--target", "species"])
    defer { try? FileManager.default.removeItem(at: t.dir) }
    let plots = t.dir.appendingPathComponent("plots").path
    let out = t.dir.appendingPathComponent("m.he.json").path
    let result = try CLI.run(["convert", "--model", t.model, "--calibration", t.train, "--out", out, "--plot", plots])
    #expect(result.status == 0, "\(result.stderr)")
    for words in ["layer 0 tanh: interval", "within 1 point", "N = ", "128-bit security", "rotations", "evaluation keys"] {
        #expect(result.stdout.contains(words), "\(words)")
    }
    let svg = try String(contentsOfFile: plots + "/layer0-tanh.svg", encoding: .utf8)
    #expect(svg.hasPrefix("<svg") && svg.contains("<polyline") && svg.contains("calibrated data range"))
    let file = try String(contentsOfFile: out, encoding: .utf8)
    #expect(file.contains("\"format\" : \"encml.he-model\"") && file.contains("\"weightsFingerprint\""))
}

@Test func encryptedSigmoidIsApproximatedAndFolded() throws {
    let t = try trainModel("breast_cancer", ["--model", "logistic"])
    defer { try? FileManager.default.removeItem(at: t.dir) }
    let (report, _) = try convert(t, ["--encrypted-sigmoid", "--max-error", "1e-3"])
    let sigmoid = try #require(report.activations.last)
    #expect(sigmoid.function == "sigmoid" && sigmoid.max_error <= 1e-3)
    #expect(report.depth == 1 + Int(ceil(log2(Double(sigmoid.degree + 1)))))
    #expect(abs(try #require(report.original_accuracy) - (try #require(report.polynomial_accuracy))) <= 0.01)
    expectSecure(report)
}

@Test func squareMLPConvertsExactly() throws {
    let t = try trainModel("digits", ["--model", "mlp", "--hidden", "32", "--activation", "square", "--epochs", "50"])
    defer { try? FileManager.default.removeItem(at: t.dir) }
    let (report, _) = try convert(t)
    #expect(report.original_accuracy == report.polynomial_accuracy)
    #expect(report.activations.first?.degree == 2 && (report.activations.first?.max_error ?? 1) < 1e-9)
    #expect(report.depth == 3, "linear 1 + folded square 1 + linear 1")
    let text = try CLI.run(["convert", "--model", t.model, "--calibration", t.train,
                            "--out", t.dir.appendingPathComponent("text.he.json").path])
    #expect(text.status == 0, "\(text.stderr)")
    #expect(text.stdout.contains("depth: 3 (linear 1 + square 1 + linear 1)"), "\(text.stdout)")
    #expect(text.stdout.contains("degree 2 (depth 1, folded square)"), "\(text.stdout)")
}

private struct BadConvert: Sendable, CustomTestStringConvertible {
    var name: String
    /// Edits the model JSON text (nil: keep it).
    var model: (@Sendable (String) -> String)?
    /// Replaces the calibration CSV (nil: the training split).
    var csv: String?
    var arguments: [String] = []
    var mentions: [String]
    var testDescription: String { name }
}

private let badConversions: [BadConvert] = [
    BadConvert(name: "model version", model: { $0.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 7") },
               mentions: ["version 7", "not supported"]),
    BadConvert(name: "model kind", model: { $0.replacingOccurrences(of: "\"kind\" : \"mlp\"", with: "\"kind\" : \"forest\"") },
               mentions: ["model.json", "forest"]),
    BadConvert(name: "calibration columns", csv: "a,b,species\n1,2,setosa\n", mentions: ["calib.csv", "no column named", "which the model needs"]),
    BadConvert(name: "calibration label", csv: "sepal_length_(cm),sepal_width_(cm),petal_length_(cm),petal_width_(cm),species\n1,2,3,4,tulip\n",
               mentions: ["calib.csv", "row 2", "'tulip'"]),
    BadConvert(name: "impossible precision", arguments: ["--precision", "50"], mentions: ["precision of 50 bits is impossible", "60 bits"]),
    BadConvert(name: "precision at the first prime", arguments: ["--precision", "60"], mentions: ["precision of 60 bits is impossible", "first prime"]),
    BadConvert(name: "unreachable error", arguments: ["--max-error", "1e-12"], mentions: ["cannot be approximated within 1e-12", "--max-error"]),
    BadConvert(name: "encrypted sigmoid on three classes", arguments: ["--encrypted-sigmoid"], mentions: ["--encrypted-sigmoid", "3 classes"]),
    BadConvert(name: "degree zero", arguments: ["--degree", "0"], mentions: ["degree 0"]),
    BadConvert(name: "degree and max error", arguments: ["--degree", "7", "--max-error", "0.1"], mentions: ["--degree", "--max-error"]),
    BadConvert(name: "finetune without target", csv: "sepal_length_(cm),sepal_width_(cm),petal_length_(cm),petal_width_(cm)\n1,2,3,4\n5,6,7,8\n",
               arguments: ["--finetune", "5"], mentions: ["--finetune", "species"]),
]

@Test(arguments: badConversions)
private func badConversionInputExitsNonZeroWithOneClearLine(_ bad: BadConvert) throws {
    let dir = try CLI.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = dir.appendingPathComponent("model.json").path
    let trained = try CLI.run(["train", "--data", CLI.data("iris"), "--model", "mlp", "--hidden", "8", "--epochs", "20", "--out", model])
    #expect(trained.status == 0, "\(trained.stderr)")
    if let edit = bad.model {
        let text = try String(contentsOfFile: model, encoding: .utf8)
        try edit(text).write(toFile: model, atomically: true, encoding: .utf8)
    }
    var calibration = CLI.data("iris")
    if let csv = bad.csv {
        calibration = dir.appendingPathComponent("calib.csv").path
        try csv.write(toFile: calibration, atomically: true, encoding: .utf8)
    }
    let out = dir.appendingPathComponent("out.he.json").path
    let result = try CLI.run(["convert", "--model", model, "--calibration", calibration, "--out", out] + bad.arguments)
    #expect(result.status != 0)
    #expect(result.errorLines.count == 1, "stderr: \(result.stderr)")
    let line = result.errorLines.first ?? ""
    #expect(line.hasPrefix("error: "))
    for word in bad.mentions { #expect(line.contains(word), "\(line)") }
    #expect(!FileManager.default.fileExists(atPath: out))
}

@Test func convertedModelIsRefusedWhereATrainedOneIsExpected() throws {
    let t = try trainModel("iris", ["--model", "logistic", "--target", "species"])
    defer { try? FileManager.default.removeItem(at: t.dir) }
    let (_, out) = try convert(t)
    let again = try CLI.run(["convert", "--model", out, "--calibration", t.train, "--out", t.dir.appendingPathComponent("x.he.json").path])
    #expect(again.status != 0)
    #expect(again.errorLines.count == 1 && again.errorLines[0].contains("encml.he-model"))
}

/// The `encml evaluate --json` object.
private struct EvaluateReport: Decodable {
    var accuracy: Double
    var n: Int
    var predictions: [String]
}

@Test func evaluateOnAConvertedModelRunsThePolynomialModel() throws {
    let t = try trainModel("iris", ["--model", "mlp", "--hidden", "32", "--activation", "relu"])
    defer { try? FileManager.default.removeItem(at: t.dir) }
    // A deliberately coarse relu (degree 3) so that the polynomial model is not the original.
    let (report, converted) = try convert(t, ["--degree", "3"])
    let onCalibration = try CLI.run(["evaluate", "--model", converted, "--data", t.train, "--json"])
    #expect(onCalibration.status == 0, "\(onCalibration.stderr)")
    let polynomial = try JSONDecoder().decode(EvaluateReport.self, from: Data(onCalibration.stdout.utf8))
    #expect(abs(polynomial.accuracy - (try #require(report.polynomial_accuracy))) < 1e-12)

    let text = try CLI.run(["evaluate", "--model", converted, "--data", t.test])
    #expect(text.status == 0 && text.stdout.contains("converted mlp (polynomial)"), "\(text.stderr)")
}

/// `--max-accuracy-loss` and `--latency-budget` pick other points of the searched plans;
/// `--latency-budget` with a fixed degree is refused.
@Test func searchFlagsPickAnotherPlan() throws {
    let t = try trainModel("iris", ["--model", "mlp", "--hidden", "8", "--activation", "tanh", "--target", "species"])
    defer { try? FileManager.default.removeItem(at: t.dir) }
    let (standard, _) = try convert(t)
    #expect(standard.alternatives.count >= 7)
    let (loose, _) = try convert(t, ["--max-accuracy-loss", "100"])
    let fastest = loose.alternatives.map(\.predicted_single_query_ms).min()!
    #expect(loose.alternatives.first { $0.chosen }!.predicted_single_query_ms == fastest)
    let slowest = loose.alternatives.map(\.predicted_single_query_ms).max()!
    let (generous, _) = try convert(t, ["--latency-budget", String(slowest * 1.01)])
    let best = generous.alternatives.compactMap(\.calibration_accuracy).max()!
    #expect(generous.alternatives.first { $0.chosen }!.calibration_accuracy == best)
    #expect(generous.polynomial_accuracy == best)
    let (fixed, _) = try convert(t, ["--degree", "7"])
    #expect(fixed.alternatives.isEmpty && fixed.choice == nil && fixed.activations.first?.degree == 7)
    let refused = try CLI.run(["convert", "--model", t.model, "--calibration", t.train, "--out", t.dir.appendingPathComponent("r.he.json").path,
                               "--degree", "7", "--latency-budget", "10"])
    #expect(refused.status != 0 && refused.errorLines.count == 1 && refused.errorLines[0].contains("--latency-budget"))
}

/// `--finetune` with degree-2 polynomials trains every layer (learnable quadratics, warm
/// start): a relu and a tanh network squeezed to degree 2 (one folded square, depth 3) get
/// their accuracy back, on the calibration rows and on the held-out split.
@Test(arguments: [("digits", "relu"), ("breast_cancer", "tanh")])
func finetuningEveryLayerRecoversALowDegreeConversion(_ data: String, _ activation: String) throws {
    let t = try trainModel(data, ["--model", "mlp", "--hidden", "32", "--activation", activation])
    defer { try? FileManager.default.removeItem(at: t.dir) }
    func heldOut(_ model: String) throws -> Double {
        let result = try CLI.run(["evaluate", "--model", model, "--data", t.test, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return try #require(object?["accuracy"] as? Double)
    }
    let (plain, plainOut) = try convert(t, ["--degree", "2"])
    let (tuned, tunedOut) = try convert(t, ["--degree", "2", "--finetune", "300"])
    let original = try #require(plain.original_accuracy)
    let before = try #require(plain.polynomial_accuracy), after = try #require(tuned.polynomial_accuracy)
    let (originalHeld, beforeHeld, afterHeld) = (try heldOut(t.model), try heldOut(plainOut), try heldOut(tunedOut))
    print("\(data) \(activation) at degree 2: calibration \(original) → \(before), fine-tuned \(after); held-out \(originalHeld) → \(beforeHeld), fine-tuned \(afterHeld)")
    #expect(tuned.depth == 3 && tuned.activations.first?.function == "poly" && tuned.activations.first?.degree == 2)
    #expect(after >= before)
    #expect(after >= original - 0.01)
    #expect(afterHeld >= originalHeld - 0.02)
}
