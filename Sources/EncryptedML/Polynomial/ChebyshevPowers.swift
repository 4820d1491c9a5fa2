/// The Chebyshev polynomials `T_i(x)` of one ciphertext, computed on demand and cached:
/// the baby steps `T_1 … T_{g−1}` and the powers of two `T_2, T_4, …` (giant steps).
///
/// `T_i` is built as `T_{a+b} = 2·T_a·T_b − T_{a−b}` with `a = 2^(⌈log2 i⌉−1)`, so it sits
/// at depth `⌈log2 i⌉` (level `inputLevel − ⌈log2 i⌉`). Scales are tracked exactly: the
/// product is formed without rescale, `T_{a−b}` is brought to the product's scale by an
/// integer constant (no level), and one rescale follows; the leaves of the evaluation then
/// absorb whatever scale each power has.
final class ChebyshevPowers<E: SlotEvaluator> {
    let evaluator: E
    /// Level of `T_1`, the input.
    let inputLevel: Int
    /// Baby steps g: `T_i` for `i < g` are available besides the powers of two.
    let babySteps: Int
    private var cache: [Int: E.Operand]
    /// Ciphertext products performed (for tests and cost reports).
    private(set) var products = 0

    init(_ x: E.Operand, babySteps: Int, evaluator: E) {
        self.evaluator = evaluator
        inputLevel = x.level
        self.babySteps = babySteps
        cache = [1: x]
    }

    /// `⌈log2 i⌉`.
    static func ceilLog2(_ i: Int) -> Int {
        var k = 0
        while (1 << k) < i { k += 1 }
        return k
    }

    /// Whether `T_i` is part of the basis (baby step or power of two).
    func isAvailable(_ i: Int) -> Bool { i >= 1 && (i < babySteps || i & (i - 1) == 0) }

    /// The level `T_i` has (or will have).
    func level(of i: Int) -> Int { inputLevel - Self.ceilLog2(i) }

    /// `T_i(x)` for `i ≥ 1`. Cost: at most one relinearized product, one rescale per new power.
    func power(_ i: Int) throws -> E.Operand {
        if let cached = cache[i] { return cached }
        precondition(i >= 2)
        let a = 1 << (Self.ceilLog2(i) - 1)
        let b = i - a
        let ta = try power(a)
        let tb = try power(b)
        var product = try evaluator.multiplyWithoutRescale(ta, tb)
        products += 1
        product = try evaluator.multiply(product, byInteger: 2)
        if a == b {
            try evaluator.add(&product, constant: -1.0)
        } else {
            var t = try evaluator.dropLevel(power(a - b), to: product.level)
            try evaluator.multiply(&t, constant: 1.0, scale: product.scale / t.scale)
            try evaluator.subtract(&product, t)
        }
        try evaluator.rescale(&product)
        cache[i] = product
        return product
    }
}
