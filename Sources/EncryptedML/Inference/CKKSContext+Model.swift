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
