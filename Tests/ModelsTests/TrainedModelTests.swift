import Foundation
import Models
import Testing

private func tinyMLP() throws -> TrainedModel {
    try TrainedModel(
        kind: .mlp, featureNames: ["a", "b"], targetName: "y", classLabels: ["no", "yes"],
        standardizer: Standardizer(mean: [1, 2], scale: [2, 4]),
        layers: [
            DenseLayer(inputCount: 2, outputCount: 2, weights: [1, -1, 0.5, 2], bias: [0.1, -0.2]),
            DenseLayer(inputCount: 2, outputCount: 1, weights: [1.5, -0.5], bias: [0.3]),
        ],
        activations: [Activation(.square)], link: .sigmoid)
}

@Test func forwardPassMatchesHandComputation() throws {
    let model = try tinyMLP()
    // standardized: (3-1)/2 = 1, (6-2)/4 = 1 → h = [1-1+0.1, 0.5+2-0.2] = [0.1, 2.3] → squared
    let expected = 1.5 * 0.01 - 0.5 * 5.29 + 0.3
    #expect(abs(model.logits(raw: [3, 6])[0] - expected) < 1e-12)
    let p = model.probabilities(raw: [3, 6])
    #expect(abs(p[1] - 1 / (1 + exp(-expected))) < 1e-12)
    #expect(model.predictClass(raw: [3, 6]) == 0)
}

@Test func jsonRoundTripKeepsTheModel() throws {
    let model = try tinyMLP()
    let decoded = try TrainedModel.decode(try model.encoded(), file: "mem")
    #expect(decoded == model)
}

@Test func wrongVersionIsRefusedWithItsNumber() throws {
    var json = String(decoding: try tinyMLP().encoded(), as: UTF8.self)
    json = json.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 7")
    #expect(throws: ModelError.unsupportedVersion(file: "m.json", found: 7, supported: 1)) {
        try TrainedModel.decode(Data(json.utf8), file: "m.json")
    }
}

@Test func inconsistentShapesAreRefused() {
    #expect(throws: ModelError.self) {
        try TrainedModel(
            kind: .logistic, featureNames: ["a"], targetName: "y", classLabels: ["0", "1"],
            standardizer: Standardizer(mean: [0], scale: [1]),
            layers: [DenseLayer(inputCount: 2, outputCount: 1, weights: [1, 1], bias: [0])],
            activations: [], link: .sigmoid)
    }
}

@Test func securityTableMatchesTheStandard() {
    #expect(SecurityTable.maxLogQP(polyDegree: 8192) == 218)
    #expect(SecurityTable.maxLogQP(polyDegree: 16384) == 438)
    #expect(SecurityTable.smallestPolyDegree(forLogQP: 200) == 8192)
    #expect(SecurityTable.smallestPolyDegree(forLogQP: 219) == 16384)
    #expect(SecurityTable.smallestPolyDegree(forLogQP: 2000) == nil)
}

@Test func polyActivationDerivativeMatchesFiniteDifference() {
    let f = Activation(.poly, coefficients: [0.1, 0.5, 0.25])
    for x in stride(from: -3.0, through: 3.0, by: 0.5) {
        let numeric = (f.apply(x + 1e-6) - f.apply(x - 1e-6)) / 2e-6
        #expect(abs(numeric - f.derivative(x)) < 1e-6)
    }
}
