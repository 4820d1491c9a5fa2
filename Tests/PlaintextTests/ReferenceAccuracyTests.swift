import Models
import Plaintext
import Testing

/// scikit-learn's test accuracies on the same 70/30 stratified splits (seed 42), produced by
/// `python3 Benchmarks/peers/sklearn_reference.py` (scikit-learn 1.9.1, NumPy 2.4.6): standardized
/// inputs, LogisticRegression(C=1, max_iter=1000) and MLPClassifier((32,)) averaged over
/// random_state 0…4. The split fingerprints prove that Python and Swift use the same rows.
struct Reference: Sendable, CustomTestStringConvertible {
    var name: String
    var testCount: Int
    var testIndexSum: Int
    var firstTestIndices: [Int]
    var logisticAccuracy: Double
    var mlpAccuracy: Double
    var testDescription: String { name }
}

let references: [Reference] = [
    Reference(name: "breast_cancer", testCount: 171, testIndexSum: 49625, firstTestIndices: [2, 4, 6, 7, 11, 13, 22, 23],
              logisticAccuracy: 0.9591, mlpAccuracy: 0.9743),
    Reference(name: "digits", testCount: 539, testIndexSum: 494991, firstTestIndices: [2, 5, 9, 15, 16, 25, 30, 34],
              logisticAccuracy: 0.9685, mlpAccuracy: 0.9755),
    Reference(name: "iris", testCount: 45, testIndexSum: 3245, firstTestIndices: [0, 2, 3, 6, 11, 16, 19, 20],
              logisticAccuracy: 1.0, mlpAccuracy: 0.9644),
]

/// Accuracy of `model` on `data` through the Models forward pass (no BLAS).
func accuracy(_ model: TrainedModel, on data: Dataset) -> Double {
    var correct = 0
    for i in 0..<data.count where model.predictClass(raw: data.row(i)) == data.labels[i] { correct += 1 }
    return Double(correct) / Double(data.count)
}

@Test(arguments: references)
func splitIsTheOneThePythonMirrorProduces(_ reference: Reference) throws {
    let data = try Dataset.load(csv: Fixtures.csv(reference.name))
    let (_, test) = try data.stratifiedSplitIndices(testFraction: 0.3, seed: 42)
    #expect(test.count == reference.testCount)
    #expect(test.reduce(0, +) == reference.testIndexSum)
    #expect(Array(test.prefix(8)) == reference.firstTestIndices)
}

@Test(arguments: references)
func logisticRegressionIsWithinOnePointFiveOfScikitLearn(_ reference: Reference) throws {
    let (train, test) = try Fixtures.split(reference.name)
    let model = try Trainer.train(train, kind: .logistic)
    let acc = accuracy(model, on: test)
    print("logistic \(reference.name): \(acc) (scikit-learn \(reference.logisticAccuracy))")
    #expect(acc >= reference.logisticAccuracy - 0.015)
}

@Test(arguments: references)
func mlpIsWithinOnePointFiveOfScikitLearn(_ reference: Reference) throws {
    let (train, test) = try Fixtures.split(reference.name)
    // Mean over five seeds, as the reference is a mean over five scikit-learn seeds (default
    // options on both sides: no validation split on these small sets, stop on the training loss).
    var accuracies: [Double] = []
    for seed: UInt64 in 1...5 {
        let model = try Trainer.train(train, kind: .mlp, hidden: [32], activation: .relu, seed: seed)
        accuracies.append(accuracy(model, on: test))
    }
    let acc = accuracies.reduce(0, +) / 5
    print("mlp \(reference.name): \(accuracies) (scikit-learn \(reference.mlpAccuracy))")
    #expect(acc >= reference.mlpAccuracy - 0.015)
}
