import Foundation
import Models
import Plaintext
import Synchronization
import Testing

/// The L2 logistic objective's gradient at the trained weights, in plain Double loops
/// (no BLAS): Σ_i (p_i − y_i)·x_i + W/C over standardized rows. Zero at the optimum.
private func plainGradientNorm(_ model: TrainedModel, _ data: Dataset) -> Double {
    let layer = model.layers[0]
    var gradient = [Double](repeating: 0, count: layer.weights.count)
    for i in 0..<data.count {
        let x = model.standardizer.transform(data.row(i))
        let p = model.probabilities(raw: data.row(i))
        for o in 0..<layer.outputCount {
            let residual = layer.outputCount == 1 ? p[1] - Double(data.labels[i])
                                                  : p[o] - (data.labels[i] == o ? 1 : 0)
            for j in 0..<layer.inputCount { gradient[o * layer.inputCount + j] += residual * x[j] }
        }
    }
    for k in gradient.indices { gradient[k] += layer.weights[k] }  // C = 1
    return gradient.map { $0 * $0 }.reduce(0, +).squareRoot()
}

@Test(arguments: ["breast_cancer", "iris"])
func logisticRegressionReachesTheRegularisedOptimum(_ name: String) throws {
    let (train, _) = try Fixtures.split(name)
    let model = try Trainer.train(train, kind: .logistic)
    #expect(model.link == (train.classCount == 2 ? .sigmoid : .softmax))
    // Mean-objective tolerance 1e-6 → summed gradient below n·1e-6·√params, with slack.
    #expect(plainGradientNorm(model, train) < 1e-3)
}

@Test func trainingIsReproducibleForASeedAndDiffersAcrossSeeds() throws {
    let (train, _) = try Fixtures.split("iris")
    let a = try Trainer.train(train, kind: .mlp, hidden: [8], epochs: 30, seed: 5)
    let b = try Trainer.train(train, kind: .mlp, hidden: [8], epochs: 30, seed: 5)
    let c = try Trainer.train(train, kind: .mlp, hidden: [8], epochs: 30, seed: 6)
    #expect(a == b)
    #expect(a != c)
}

@Test(arguments: [ActivationKind.tanh, .sigmoid, .square, .poly])
func everyActivationTrainsAnAccurateBreastCancerModel(_ kind: ActivationKind) throws {
    let (train, test) = try Fixtures.split("breast_cancer")
    let model = try Trainer.train(train, kind: .mlp, hidden: [16], activation: kind, seed: 3)
    #expect(model.activations.map(\.kind) == [kind])
    #expect(accuracy(model, on: test) >= 0.94)
}

@Test func polyActivationLearnsItsCoefficients() throws {
    let (train, test) = try Fixtures.split("digits")
    let model = try Trainer.train(train, kind: .mlp, hidden: [32], activation: .poly, seed: 2)
    let learned = model.activations[0].coefficients
    #expect(learned.count == 3 && learned != Activation(.poly).coefficients)
    #expect(accuracy(model, on: test) >= 0.95)
}

@Test(arguments: [[16, 16], [32, 16, 8]])
func deeperNetworksTrain(_ hidden: [Int]) throws {
    let (train, test) = try Fixtures.split("digits")
    let model = try Trainer.train(train, kind: .mlp, hidden: hidden, activation: .relu, seed: 4)
    #expect(model.layers.map(\.outputCount) == hidden + [10])
    #expect(accuracy(model, on: test) >= 0.93)
}

@Test func optionsOutOfRangeAreRefused() throws {
    let (train, _) = try Fixtures.split("iris")
    #expect(throws: DataError.self) { try Trainer.train(train, kind: .mlp, hidden: [], epochs: 1) }
    #expect(throws: DataError.self) { try Trainer.train(train, kind: .mlp, hidden: [4, 4, 4, 4], epochs: 1) }
    #expect(throws: DataError.self) { try Trainer.train(train, kind: .mlp, epochs: 0) }
}

@Test func progressIsReportedEveryEpochWithAFiniteLoss() throws {
    let (train, _) = try Fixtures.split("iris")
    let recorded = Mutex<[Double]>([])
    var options = TrainingOptions(kind: .mlp, hidden: [8], epochs: 12, seed: 1)
    options.earlyStopping = false
    _ = try Trainer.train(train, options: options) { report in recorded.withLock { $0.append(report.loss) } }
    let losses = recorded.withLock { $0 }
    #expect(losses.count == 12 && losses.allSatisfy(\.isFinite))
    #expect(losses.last! < losses.first!)
}

@Test func smallDataStopsOnTheTrainingLossWithoutAValidationSplit() throws {
    // scikit-learn's default: no hold-out on small data; stop after more than 10 epochs
    // without a training-loss improvement of 1e-4.
    let defaults = TrainingOptions(kind: .mlp)
    #expect(!defaults.usesValidation(rows: 105) && !defaults.usesValidation(rows: 1257))
    #expect(defaults.usesValidation(rows: 10_000), "a hold-out of 1000 rows is worth its cost")
    var forced = defaults
    forced.earlyStopping = true
    #expect(forced.usesValidation(rows: 105))
    #expect(defaults.effectiveEpochs(rows: 105) == 200 && defaults.patience == 10 && defaults.lossTolerance == 1e-4)

    let (train, _) = try Fixtures.split("iris")
    final class Box: @unchecked Sendable { var reports: [TrainingProgress] = [] }
    let box = Box()
    _ = try Trainer.train(train, options: TrainingOptions(kind: .mlp, hidden: [8], seed: 1)) { box.reports.append($0) }
    #expect(box.reports.allSatisfy { $0.validationLoss == nil }, "every row trains")
    // A large tolerance makes every epoch "no improvement": the run stops after patience + 1 epochs.
    let stopped = Box()
    var options = TrainingOptions(kind: .mlp, hidden: [8], seed: 1, patience: 3, lossTolerance: 10)
    options.epochs = 200
    _ = try Trainer.train(train, options: options) { stopped.reports.append($0) }
    #expect(stopped.reports.count == 5, "epoch 1 sets the best loss, epochs 2…5 do not improve it by 10")
}
