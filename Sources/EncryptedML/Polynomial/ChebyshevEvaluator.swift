import Models

/// A Chebyshev series `p(t) = Σ c_k T_k(t)` ready to be evaluated on every slot of a
/// ciphertext (values expected in [−1, 1], where the series is meant to be used): a circuit
/// type over a context, like `EncodedLinearLayer`.
///
/// Method: baby-step/giant-step in the Chebyshev basis. With depth `D = ⌈log2(d+1)⌉`
/// the baby steps are `T_1 … T_{g−1}` (`g = 2^⌈D/2⌉`) and the giant steps the powers of
/// two `T_g, T_2g, …`. The series is split recursively at the largest power of two
/// `m ≤ deg`: `p = q·T_m + r` with `T_i = 2T_m·T_{i−m} − T_{2m−i}`; a part whose terms
/// are all in the basis and deep enough becomes a leaf `Σ c_i·T_i + c_0` (constants, no
/// ciphertext product). The powers cost `g − 2 + log2(d/g) + 1 ≈ √d + log2 d` products and
/// each split one more; a leaf that would need one level more than its place in the tree
/// allows (a non-power-of-two degree multiplied by a small giant step) is split again
/// instead, which keeps the depth at exactly `⌈log2(d+1)⌉` for every degree at the price
/// of a few extra products.
///
/// Levels and scales are planned top-down so nothing drifts: a node asked to land at
/// level ℓ and scale S evaluates its quotient at ℓ+1 with scale `S·q_{ℓ+1}/scale(T_m)`,
/// so the relinearized product rescaled once lands exactly on (ℓ, S); a leaf encodes
/// each constant `c_i` as the integer `round(c_i·S·q_{ℓ+1}/scale(T_i))`, so every term
/// lands on `S·q_{ℓ+1}` and one rescale gives exactly S. The result is at level
/// `x.level − D` with scale exactly `outputScale` (default Δ).
public struct ChebyshevEvaluator: Sendable {
    /// The coefficients with trailing zeros removed.
    public let coefficients: [Double]
    /// The degree d.
    public let degree: Int
    /// The levels one evaluation consumes, `⌈log2(d+1)⌉`.
    public let depth: Int

    /// Prepares `series`. Cost: O(d).
    /// - Throws: `.invalidOperand` for a non-finite coefficient.
    public init(_ series: ChebyshevSeries) throws {
        var c = series.coefficients
        while c.count > 1, c.last == 0 { c.removeLast() }
        guard c.allSatisfy(\.isFinite) else {
            throw EncryptedMLError.invalidOperand("polynomial has a non-finite coefficient; refit it")
        }
        coefficients = c
        degree = max(c.count - 1, 0)
        depth = ChebyshevSeries.depth(forDegree: degree)
    }

    /// `p(x)` slot-wise at level `x.level − depth` with scale exactly `outputScale` (default Δ).
    /// Cost: ≈ √(2d) + log2 d relinearized products and as many rescales.
    /// - Throws: `.levelExhausted` when `x` has fewer than `depth` levels; errors of the
    ///   primitives (missing relinearization key, foreign context).
    public func apply(_ x: CKKSCiphertext, context: CKKSContext, evaluationKeys: CKKSEvaluationKeys,
                      outputScale: Double? = nil) throws -> CKKSCiphertext {
        try apply(x, evaluator: CKKSSlotEvaluator(context: context, keys: evaluationKeys), outputScale: outputScale)
    }

    /// `p(x)` with any `SlotEvaluator` (the same tree of products, levels and scales).
    public func apply<E: SlotEvaluator>(_ x: E.Operand, evaluator: E, outputScale: Double? = nil) throws -> E.Operand {
        try evaluator.check(x, "polynomial evaluation")
        let c = coefficients
        let target = outputScale ?? evaluator.defaultScale
        if degree == 0 {
            var r = try evaluator.multiply(x, byInteger: 0)
            try evaluator.add(&r, constant: c.first ?? 0)
            return r
        }
        guard x.level >= depth else {
            throw EncryptedMLError.levelExhausted(
                "a degree-\(degree) polynomial needs \(depth) levels, but the ciphertext is at level \(x.level); use parameters planned for this model")
        }
        let babySteps = 1 << ((depth + 1) / 2)
        let powers = ChebyshevPowers(x, babySteps: babySteps, evaluator: evaluator)
        return try evaluateNode(c, level: x.level - depth, scale: target, evaluator: evaluator, powers: powers)
    }

    /// `Σ c_i T_i` landing at exactly `level` and `scale`.
    func evaluateNode<E: SlotEvaluator>(_ c: [Double], level: Int, scale: Double, evaluator: E, powers: ChebyshevPowers<E>) throws -> E.Operand {
        var d = c.count - 1
        while d > 0, c[d] == 0 { d -= 1 }
        let leafOK = d == 0 || (1...d).allSatisfy { i in
            c[i] == 0 || (powers.isAvailable(i) && powers.level(of: i) >= level + 1)
        }
        if leafOK {
            return try evaluateLeaf(Array(c[0...d]), level: level, scale: scale, evaluator: evaluator, powers: powers)
        }
        var k = 0
        while (2 << k) <= d { k += 1 }
        let m = 1 << k
        var r = Array(c[0..<m])
        if d == m {
            // p = c_m·T_m + r: the top term is a leaf term on T_m.
            var top = [Double](repeating: 0, count: m + 1)
            top[m] = c[m]
            var result = try evaluateLeaf(top, level: level, scale: scale, evaluator: evaluator, powers: powers)
            if r.count > 1, r[1...].contains(where: { $0 != 0 }) {
                try evaluator.add(&result, evaluateNode(r, level: level, scale: scale, evaluator: evaluator, powers: powers))
            } else {
                try evaluator.add(&result, constant: r[0])
            }
            return result
        }
        var q = [Double](repeating: 0, count: d - m + 1)
        q[0] = c[m]
        for i in (m + 1)...d {
            q[i - m] = 2 * c[i]
            r[2 * m - i] -= c[i]
        }
        let tm = try powers.power(m)
        let prime = evaluator.prime(atLevel: level + 1)
        let qct = try evaluateNode(q, level: level + 1, scale: scale * prime / tm.scale, evaluator: evaluator, powers: powers)
        var result = try evaluator.multiplyWithoutRescale(qct, tm)
        try evaluator.rescale(&result)
        evaluator.setScale(&result, scale)
        if r.count > 1, r[1...].contains(where: { $0 != 0 }) {
            try evaluator.add(&result, evaluateNode(r, level: level, scale: scale, evaluator: evaluator, powers: powers))
        } else {
            try evaluator.add(&result, constant: r[0])
        }
        return result
    }

    /// `c_0 + Σ c_i T_i` with every `T_i` at a level above `level`: constants times powers at
    /// level+1 summed at scale `S·q_{level+1}`, one rescale to exactly (level, S).
    func evaluateLeaf<E: SlotEvaluator>(_ c: [Double], level: Int, scale: Double, evaluator: E, powers: ChebyshevPowers<E>) throws -> E.Operand {
        let top = level + 1
        let prime = evaluator.prime(atLevel: top)
        let productScale = scale * prime
        var acc: E.Operand?
        for i in 1..<max(c.count, 1) where c[i] != 0 {
            var t = try evaluator.dropLevel(powers.power(i), to: top)
            let constantScale = productScale / t.scale
            guard (c[i] * constantScale).rounded() != 0 else { continue }
            try evaluator.multiply(&t, constant: c[i], scale: constantScale)
            evaluator.setScale(&t, productScale)
            if acc == nil { acc = t } else { try evaluator.add(&acc!, t) }
        }
        if acc == nil {
            var zero = try evaluator.multiply(evaluator.dropLevel(powers.power(1), to: top), byInteger: 0)
            evaluator.setScale(&zero, productScale)
            acc = zero
        }
        var result = acc!
        if let c0 = c.first, c0 != 0 { try evaluator.add(&result, constant: c0) }
        try evaluator.rescale(&result)
        evaluator.setScale(&result, scale)
        return result
    }
}
