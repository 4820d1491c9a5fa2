import Models

/// The one-level evaluation of a folded degree-2 activation (`SquareFold`, a plan step of
/// degree 2 and depth 1): the layer before already holds the shift and normalization, the
/// layer after the leading coefficient and constant, so what is left is `x·x`.
///
/// The product of `x` (level ℓ, scale S) with itself is relinearized and rescaled once: the
/// result is at level ℓ − 1 with scale exactly `S²/q_ℓ` — not Δ, since `q_ℓ` is only close
/// to Δ; the next linear layer encodes its diagonals at `q·Δ/(S²/q_ℓ)` and lands on Δ again
/// (`LinearLayerCircuit.outputScale`). `landingScale` gives that scale without computing.
public enum FoldedSquare {
    /// `x ⊙ x` slot-wise, one level down. Cost: one relinearized product, one rescale.
    /// - Throws: `.levelExhausted` at level 0; errors of the product (missing relinearization key).
    public static func apply<E: SlotEvaluator>(_ x: E.Operand, evaluator: E) throws -> E.Operand {
        try evaluator.check(x, "folded square")
        guard x.level >= 1 else {
            throw EncryptedMLError.levelExhausted(
                "a folded square needs one level, but the ciphertext is at level 0; use parameters planned for this model")
        }
        var y = try evaluator.multiplyWithoutRescale(x, x)
        try evaluator.rescale(&y)
        return y
    }

    /// The scale `apply` lands on for an input at `level` with `scale`: `scale²/q_level`.
    public static func landingScale(inputScale scale: Double, level: Int, prime: (Int) -> Double) -> Double {
        scale * scale / prime(level)
    }
}
