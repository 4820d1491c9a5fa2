import EncryptedML
import Foundation
import Models
import Plaintext
import Testing

/// Files written before degree-2 activations were folded (format v2 with degree-2 steps of
/// depth 2) keep loading and running: their steps are evaluated by the Chebyshev tree as
/// before, and the runtime's exact path is the polynomial model.
@Test func modelsWithUnfoldedSquaresStillLoadAndRun() throws {
    let (train, test) = try InferenceData.split("iris")
    let trained = try Trainer.train(train, kind: .mlp, hidden: [8], activation: .square, seed: 1)
    var options = ConversionOptions()
    options.foldSquares = false
    let calibration = CalibrationSet(rows: InferenceData.rows(train), labels: train.labels, source: "iris train")
    let model = try ModelConverter.convert(trained, calibration: calibration, options: options).model
    #expect(model.plan.depth == 4 && model.plan.foldedSquares.isEmpty)
    let reloaded = try EncryptedModel.decode(JSONEncoder().encode(model), file: "unfolded.he.json")
    #expect(reloaded.version == 2)
    let runtime = try PlainInference(model: reloaded)
    for row in InferenceData.rows(test).prefix(10) {
        let a = try runtime.outputs(raw: row), e = reloaded.outputs(raw: row)
        for (x, y) in zip(a, e) { #expect(abs(x - y) <= 1e-6 * max(1, abs(y)), "\(x) vs \(y)") }
    }
}
