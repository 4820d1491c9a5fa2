import EncryptedML
import Foundation
import Models
import Plaintext
import Testing

/// One model of issue 12's table: trained on the 70/30 training split, searched with the
/// default budget on it, judged on the held-out split.
struct SearchCase: Sendable, CustomTestStringConvertible {
    var data: String
    var kind: ModelKind
    var activation: ActivationKind = .relu
    var encryptedSigmoid = false
    var testDescription: String {
        "\(data) \(kind == .logistic ? "LR" : "MLP \(activation.rawValue)")\(encryptedSigmoid ? " encrypted sigmoid" : "")"
    }
}

let searchCases: [SearchCase] = ["iris", "breast_cancer", "digits"].flatMap { data in
    [SearchCase(data: data, kind: .logistic, encryptedSigmoid: data == "breast_cancer")]
        + [ActivationKind.relu, .tanh, .sigmoid, .square].map { SearchCase(data: data, kind: .mlp, activation: $0) }
}

/// Issue 12's target: by default every one-hidden-layer model (LR with encrypted sigmoid;
/// relu, tanh, sigmoid, square MLPs) on the bundled sets gets N ≤ 16384 and depth ≤ 6, and
/// the converted model is within 0.5 point of the original on the held-out split, which neither
/// training nor fine-tuning sees (breast_cancer relu, digits tanh and digits relu need the
/// fine-tuned candidates: degree and coverage alone give depth 7, N = 32768, or a held-out loss
/// of 1.7 points). The no-encryption runtime (the encrypted circuit without noise) predicts as the polynomial
/// model on held-out rows.
@Test(arguments: searchCases)
func defaultPlanSearchIsSmallShallowAndAccurate(_ testCase: SearchCase) throws {
    let (train, test) = try InferenceData.split(testCase.data)
    let trained = try Trainer.train(train, kind: testCase.kind, hidden: [32], activation: testCase.activation, seed: 1)
    var options = ConversionOptions()
    options.encryptedSigmoid = testCase.encryptedSigmoid
    let calibration = CalibrationSet(rows: InferenceData.rows(train), labels: train.labels, source: "\(testCase.data) train")
    let start = Date()
    let result = try ModelConverter.search(trained, calibration: calibration, options: options,
                                           finetuner: PolynomialFinetuner(seed: 1))
    let seconds = Date().timeIntervalSince(start)
    let model = result.conversion.model
    let plan = model.plan
    let rows = InferenceData.rows(test)
    var original = 0, polynomial = 0
    for (row, label) in zip(rows, test.labels) {
        if trained.predictClass(raw: row) == label { original += 1 }
        if model.predictClass(raw: row) == label { polynomial += 1 }
    }
    let originalAccuracy = Double(original) / Double(rows.count), heldOut = Double(polynomial) / Double(rows.count)
    let chosen = try #require(result.alternatives.first { $0.chosen })
    let degrees = model.activations.map(\.degree) + (model.outputSigmoid.map { [$0.degree] } ?? [])
    print("\(testCase.testDescription): degrees \(degrees)\(chosen.finetuneEpochs.map { ", fine-tuned \($0) epochs" } ?? ""), coverage \(chosen.coverage), N=\(plan.parameters.polyDegree), depth \(plan.depth), predicted \(String(format: "%.1f", result.conversion.report.predictedLatency.singleQueryMs)) ms single, calibration \(String(format: "%.2f", 100 * (result.conversion.report.originalAccuracy ?? 0))) → \(String(format: "%.2f", 100 * (chosen.calibrationAccuracy ?? 0))) %, held-out \(String(format: "%.2f", 100 * originalAccuracy)) → \(String(format: "%.2f", 100 * heldOut)) %, \(result.alternatives.count) plans in \(String(format: "%.2f", seconds)) s")
    #expect(plan.parameters.polyDegree <= 16384)
    #expect(plan.depth <= 6)
    #expect(heldOut >= originalAccuracy - 0.005, "held-out \(heldOut) vs original \(originalAccuracy)")
    #expect((chosen.finetuneEpochs != nil) == (result.finetune != nil))
    #expect(result.alternatives.filter(\.chosen).count == 1)
    #expect(result.conversion.report.alternatives == result.alternatives)
    #expect(seconds < 60, "candidate evaluation (fine-tuning included) must stay cheap")

    let runtime = try PlainInference(model: model)
    for row in rows.prefix(6) {
        #expect(model.predictedClass(outputs: try runtime.outputs(raw: row)) == model.predictClass(raw: row))
    }
}

/// `--latency-budget`: the most accurate plan within the budget; a budget no plan meets gives
/// the fastest plan. `--max-accuracy-loss` 100 gives the fastest plan of all.
@Test func searchBudgetsPickOtherPoints() throws {
    let (train, _) = try InferenceData.split("iris")
    let trained = try Trainer.train(train, kind: .mlp, hidden: [8], activation: .tanh, seed: 1)
    let calibration = CalibrationSet(rows: InferenceData.rows(train), labels: train.labels, source: "iris train")
    var budget = SearchBudget()
    budget.maxAccuracyLoss = 100
    let loose = try ModelConverter.search(trained, calibration: calibration, budget: budget)
    let fastest = loose.alternatives.map(\.predictedSingleQueryMs).min()!
    #expect(loose.alternatives.first { $0.chosen }!.predictedSingleQueryMs == fastest)

    budget = SearchBudget()
    let slowest = loose.alternatives.map(\.predictedSingleQueryMs).max()!
    budget.latencyBudgetMs = slowest
    let generous = try ModelConverter.search(trained, calibration: calibration, budget: budget)
    let best = generous.alternatives.compactMap(\.calibrationAccuracy).max()!
    #expect(generous.alternatives.first { $0.chosen }!.calibrationAccuracy == best)

    budget.latencyBudgetMs = fastest / 10
    let impossible = try ModelConverter.search(trained, calibration: calibration, budget: budget)
    #expect(impossible.alternatives.first { $0.chosen }!.predictedSingleQueryMs == fastest)
    #expect(impossible.reason.contains("no plan"))

    budget = SearchBudget()
    budget.maxAccuracyLoss = -1
    #expect(throws: ConversionError.self) { try ModelConverter.search(trained, calibration: calibration, budget: budget) }
}
