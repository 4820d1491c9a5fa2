/// The operation count of the encrypted Chebyshev evaluation, for the latency model.
extension ChebyshevSeries {
    /// Relinearized ciphertext products (each followed by one rescale) that the runtime's
    /// baby-step/giant-step evaluation (`ChebyshevEvaluator` in EncryptedML) performs for a
    /// degree-`d` series with no zero coefficient: the powers `T_i` it builds plus one product
    /// per split. The same recursion as the evaluator, on integers only (levels relative to
    /// the input); zero coefficients can only lower the count. O(d log d).
    public static func productCount(forDegree d: Int) -> Int {
        guard d >= 2 else { return 0 }
        let depth = Self.depth(forDegree: d)
        let babySteps = 1 << ((depth + 1) / 2)
        var built: Set<Int> = [1]
        var products = 0
        func ceilLog2(_ i: Int) -> Int {
            var k = 0
            while (1 << k) < i { k += 1 }
            return k
        }
        func power(_ i: Int) {
            guard !built.contains(i) else { return }
            let a = 1 << (ceilLog2(i) - 1), b = i - a
            power(a)
            power(b)
            products += 1
            if a != b { power(a - b) }
            built.insert(i)
        }
        func available(_ i: Int) -> Bool { i >= 1 && (i < babySteps || i & (i - 1) == 0) }
        // `node(d, level)`: a series of degree d landing at `level` (input at `depth`).
        func node(_ d: Int, level: Int) {
            if d == 0 { return }
            if (1...d).allSatisfy({ available($0) && depth - ceilLog2($0) >= level + 1 }) {
                for i in 1...d { power(i) }
                return
            }
            var k = 0
            while (2 << k) <= d { k += 1 }
            let m = 1 << k
            if d == m {
                power(m)
                node(m - 1, level: level)
                return
            }
            node(d - m, level: level + 1)
            power(m)
            products += 1
            node(m - 1, level: level)
        }
        node(d, level: 0)
        return products
    }
}
