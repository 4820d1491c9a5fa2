import Models

extension EncryptedModel {
    /// Checks what the encrypted runtime relies on beyond `validate()`: the plan's steps are
    /// exactly `linear 0, activation 0, linear 1, …, linear L−1 [, outputSigmoid]` with the
    /// model's degrees and the depth `⌈log2(d+1)⌉` of each polynomial, and the packings fit
    /// `context` (N/2 samples per batch set, block dividing the slots). A tampered file then
    /// gets an error instead of an out-of-range index. O(steps).
    /// - Throws: `EncryptedMLError.invalidOperand` naming the first mismatch.
    func validateForRuntime(context: CKKSContext) throws {
        var expected: [(InferencePlan.Operation, Int, Int)] = []
        for k in layers.indices {
            expected.append((.linear, k, 0))
            if k < activations.count { expected.append((.activation, k, activations[k].degree)) }
        }
        if let sigmoid = outputSigmoid { expected.append((.outputSigmoid, layers.count - 1, sigmoid.degree)) }
        let steps = plan.steps
        guard steps.count == expected.count else {
            throw EncryptedMLError.invalidOperand(
                "the model's plan has \(steps.count) steps, its layers and polynomials need \(expected.count); reconvert the model")
        }
        for (step, (operation, layer, degree)) in zip(steps, expected) {
            let depth = operation == .linear ? 1 : ChebyshevSeries.depth(forDegree: degree)
            guard step.operation == operation, step.layer == layer, step.degree == degree, step.depth == depth else {
                throw EncryptedMLError.invalidOperand(
                    "the model's plan step \(step.operation.rawValue) \(step.layer) (degree \(step.degree), depth \(step.depth)) should be \(operation.rawValue) \(layer) (degree \(degree), depth \(depth)); reconvert the model")
            }
        }
        guard plan.batch.samplesPerCiphertext == context.slotCount, plan.single.slotCount == context.slotCount,
              plan.depth == context.maxLevel else {
            throw EncryptedMLError.invalidOperand(
                "the model's packing (\(plan.batch.samplesPerCiphertext) samples, depth \(plan.depth)) does not fit its parameters (\(context.slotCount) slots, \(context.maxLevel) levels); reconvert the model")
        }
    }
}
