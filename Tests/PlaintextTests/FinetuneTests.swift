import Foundation
import Models
import Plaintext
import Testing

/// Share of hidden pre-activations of `model` on `rows` outside `polynomials`' intervals.
private func outsideShare(_ model: TrainedModel, _ polynomials: [PolynomialApproximation], rows: [[Double]]) -> Double {
    var outside = 0, total = 0
    for row in rows {
        var x = model.standardizer.transform(row)
        for (l, p) in polynomials.enumerated() {
            x = model.layers[l].apply(x)
            outside += x.filter { !p.interval.contains($0) }.count
            total += x.count
            x = x.map(p.value)
        }
    }
    return Double(outside) / Double(max(total, 1))
}

/// Fine-tuning with fixed polynomials (degree 3 and 7, relu): the same seed gives the same
/// weights, another seed other weights; the polynomial model's accuracy on the training rows
/// does not fall and on the held-out rows it comes within 2 points of the original model; the
/// interval penalty keeps the pre-activations inside the intervals (outside share ≤ 1 %).
@Test(arguments: [("breast_cancer", 3), ("digits", 7)])
func finetuningWithFixedPolynomialsIsDeterministicAndRecoversAccuracy(_ name: String, _ degree: Int) throws {
    let (train, test) = try Fixtures.split(name)
    let model = try Trainer.train(train, kind: .mlp, hidden: [32], activation: .relu, seed: 1)
    let rows = (0..<train.count).map(train.row), testRows = (0..<test.count).map(test.row)
    let calibration = CalibrationSet(rows: rows, labels: train.labels, source: name)
    var options = ConversionOptions()
    options.degree = .fixed(degree)
    let stage = try ModelConverter.approximate(model, calibration: calibration, options: options)
    let finetuner = PolynomialFinetuner(epochs: 40, seed: 3)
    let first = try finetuner.finetune(model, stage: stage, calibration: calibration, options: options)
    let again = try finetuner.finetune(model, stage: stage, calibration: calibration, options: options)
    var other = finetuner
    other.seed = 4
    let reseeded = try other.finetune(model, stage: stage, calibration: calibration, options: options)
    #expect(first.summary.method == .fixedPolynomials && first.stage == stage)
    #expect(first.model.layers == again.model.layers)
    #expect(!first.summary.kept || first.model.layers != reseeded.model.layers)
    #expect(first.summary.epochs >= 1 && first.summary.epochs <= 40)
    #expect(first.summary.accuracyAfter >= first.summary.accuracyBefore)

    func accuracy(_ predict: ([Double]) -> Int, _ rows: [[Double]], _ labels: [Int]) -> Double {
        Double(zip(rows, labels).filter { predict($0) == $1 }.count) / Double(labels.count)
    }
    let original = accuracy(model.predictClass, testRows, test.labels)
    let plain = accuracy({ stage.predictClass(model, raw: $0) }, testRows, test.labels)
    let tuned = accuracy({ stage.predictClass(first.model, raw: $0) }, testRows, test.labels)
    let outside = outsideShare(first.model, stage.activations, rows: rows)
    print("\(name) relu degree \(degree): held-out original \(original), polynomial \(plain), fine-tuned \(tuned) (\(first.summary.epochs) epochs, loss \(first.summary.initialLoss) → \(first.summary.finalLoss)); outside share \(outsideShare(model, stage.activations, rows: rows)) → \(outside)")
    #expect(tuned >= original - 0.02)
    #expect(outside <= 0.01)
}

/// Fine-tuning refuses what it cannot do: a logistic regression, rows without labels.
@Test func finetuningRefusesModelsWithoutActivationsAndUnlabelledRows() throws {
    let (train, _) = try Fixtures.split("iris")
    let rows = (0..<train.count).map(train.row)
    let logistic = try Trainer.train(train, kind: .logistic)
    let stage = try ModelConverter.approximate(logistic, calibration: CalibrationSet(rows: rows, labels: train.labels, source: "iris"),
                                               options: ConversionOptions())
    #expect(throws: ConversionError.self) {
        try PolynomialFinetuner().finetune(logistic, stage: stage, calibration: CalibrationSet(rows: rows, labels: train.labels, source: "iris"),
                                           options: ConversionOptions())
    }
    let mlp = try Trainer.train(train, kind: .mlp, hidden: [4], activation: .tanh, epochs: 5)
    let mlpStage = try ModelConverter.approximate(mlp, calibration: CalibrationSet(rows: rows, labels: nil, source: "iris"),
                                                  options: ConversionOptions())
    #expect(throws: ConversionError.self) {
        try PolynomialFinetuner().finetune(mlp, stage: mlpStage, calibration: CalibrationSet(rows: rows, labels: nil, source: "iris"),
                                           options: ConversionOptions())
    }
}
