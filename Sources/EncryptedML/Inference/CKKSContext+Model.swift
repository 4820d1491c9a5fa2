import Models

extension CKKSParameters {
    /// The CKKS parameters a converted model's plan chose (128-bit checked).
    /// - Throws: `EncryptedMLError.invalidParameters`/`.insecureParameters` for a plan whose
    ///   parameters are malformed or above the 128-bit bound.
    public init(plan: ParameterChoice) throws {
        try self.init(polyDegree: plan.polyDegree, ciphertextModulusBits: plan.ciphertextModulusBits,
                      specialModulusBits: plan.specialModulusBits, scaleBits: plan.scaleBits)
    }
}

extension CKKSContext {
    /// The context of a converted model (same primes on client and server: they are derived
    /// deterministically from the plan). Cost: as `init(parameters:)`, milliseconds.
    public convenience init(model: EncryptedModel) throws {
        try self.init(parameters: CKKSParameters(plan: model.plan.parameters))
    }
}

extension EncryptedModel {
    /// Validates the model (`validate()`: steps, levels, packing, fingerprint — the one check
    /// the runtime relies on) and returns the context to run it in: `context` when it has the
    /// model's parameters, a new one when it is nil. Shared by the client and the server so
    /// that both refuse a foreign context the same way.
    /// - Throws: `ModelError.invalid` for an inconsistent model; `EncryptedMLError.mismatchedContext`
    ///   for a context built for other parameters.
    func runtimeContext(_ context: CKKSContext?) throws -> CKKSContext {
        try validate()
        let context = try context ?? CKKSContext(model: self)
        guard context.parameters == (try CKKSParameters(plan: plan.parameters)) else {
            throw EncryptedMLError.mismatchedContext(
                "the context's parameters \(context.parameters) are not the model's; build it with CKKSContext(model:)")
        }
        return context
    }
}
