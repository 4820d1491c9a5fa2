/// Fast (approximate) RNS basis conversion from a source basis `{q_i}` to a target basis
/// `{t_j}`: `x ↦ Σ_i [x_i·(Q/q_i)^(−1)]_{q_i} · (Q/q_i) mod t_j`. The result is `x + u·Q` with
/// `0 ≤ u < #source`, the usual error of ModUp/ModDown (HPS / Bajard et al.), harmless
/// in key switching because a multiple of Q vanishes under the gadget or the division by P.
/// Works on coefficient-form limbs.
public struct BasisConverter: Sendable {
    /// Source primes.
    public let source: [Modulus]
    /// Target primes.
    public let target: [Modulus]
    /// `(Q/q_i)^(−1) mod q_i` and Shoup constants.
    @usableFromInline let hatInverse: [UInt64]
    @usableFromInline let hatInverseShoup: [UInt64]
    /// `(Q/q_i) mod t_j`, row-major by target: `hatModTarget[j·#source + i]`.
    @usableFromInline let hatModTarget: [UInt64]
    /// Shoup constants of `hatModTarget` (the products in `convert` are by fixed constants).
    @usableFromInline let hatModTargetShoup: [UInt64]
    /// `Q mod t_j`, to remove the overflow multiple in exact conversions.
    @usableFromInline let productModTarget: [UInt64]
    /// `1/q_i` as Doubles, to find the overflow multiple.
    @usableFromInline let sourceInverse: [Double]

    /// Precomputes the conversion tables. Cost: O(#source² · #target) modular products.
    public init(source: [Modulus], target: [Modulus]) {
        self.source = source
        self.target = target
        var hatInverse: [UInt64] = []
        for (i, qi) in source.enumerated() {
            var hat: UInt64 = 1
            for (k, qk) in source.enumerated() where k != i { hat = qi.multiply(hat, qi.reduce(qk.value)) }
            hatInverse.append(qi.inverse(hat)!)
        }
        self.hatInverse = hatInverse
        self.hatInverseShoup = zip(hatInverse, source).map { $1.shoup($0) }
        var table: [UInt64] = []
        for tj in target {
            for i in source.indices {
                var hat: UInt64 = 1
                for (k, qk) in source.enumerated() where k != i { hat = tj.multiply(hat, tj.reduce(qk.value)) }
                table.append(hat)
            }
        }
        self.hatModTarget = table
        self.hatModTargetShoup = (0..<table.count).map { target[$0 / source.count].shoup(table[$0]) }
        self.productModTarget = target.map { t in source.reduce(UInt64(1)) { t.multiply($0, t.reduce($1.value)) } }
        self.sourceInverse = source.map { 1.0 / Double($0.value) }
    }

    /// For exact conversion: the overflow multiples `v_k = ⌊Σ_i y_i/q_i⌋` of prepared values
    /// (`y = Σ_i y_i·(Q/q_i) − v·Q` is then the exact residue in `[0, Q)`), as words.
    /// Exact except when the fraction is within ~2^−50 of an integer. Cost: #source·N flops.
    @inlinable
    public func overflowMultiples(prepared: UnsafePointer<UInt64>, degree n: Int, into out: UnsafeMutablePointer<UInt64>) {
        let s = source.count
        sourceInverse.withUnsafeBufferPointer { inv in
            for k in 0..<n {
                var sum = 0.0
                for i in 0..<s { sum += Double(prepared[i * n + k]) * inv[i] }
                out[k] = UInt64(sum)
            }
        }
    }

    /// Exact conversion: `convert(prepared:…)` minus `v_k·Q` (see `overflowMultiples`), giving the
    /// residue modulo `t_j` of the value's representative in `[0, Q)`. Cost: as `convert` plus N products.
    @inlinable
    public func convertExact(prepared: UnsafePointer<UInt64>, overflow: UnsafePointer<UInt64>, degree n: Int,
                             targetIndex j: Int, to output: UnsafeMutablePointer<UInt64>) {
        convert(prepared: prepared, degree: n, targetIndex: j, to: output)
        if source.count == 1 { return }
        let t = target[j]
        let w = productModTarget[j]
        let ws = t.shoup(w)
        for k in 0..<n {
            output[k] = t.subtract(output[k], t.multiplyShoup(overflow[k], w, ws))
        }
    }

    /// First step of a conversion: `scratch_i = [x_i·(Q/q_i)^(−1)]_{q_i}` for the `source.count`
    /// coefficient-form limbs at `input`. Returns the pointer the second step reads (the
    /// input itself when there is a single source prime). Cost: #source·N Shoup products.
    @inlinable
    public func prepare(_ input: UnsafePointer<UInt64>, degree n: Int,
                        scratch: UnsafeMutablePointer<UInt64>) -> UnsafePointer<UInt64> {
        let s = source.count
        if s == 1 { return input }
        for i in 0..<s {
            let qi = source[i]
            let w = hatInverse[i]
            let ws = hatInverseShoup[i]
            let x = input + i * n
            let y = scratch + i * n
            for k in 0..<n { y[k] = qi.multiplyShoup(x[k], w, ws) }
        }
        return UnsafePointer(scratch)
    }

    /// Second step: writes the residues modulo `target[targetIndex]` of the value prepared at
    /// `prepared` into one limb at `output` (coefficient form, in `[0, t)`).
    /// Cost: #source·N word products and N 128-bit reductions (N single-word reductions when
    /// there is one source prime).
    @inlinable
    public func convert(prepared: UnsafePointer<UInt64>, degree n: Int, targetIndex j: Int,
                        to output: UnsafeMutablePointer<UInt64>) {
        let s = source.count
        let t = target[j]
        if s == 1 {
            LimbKernels.reduce(output, prepared, count: n, modulus: t)
            return
        }
        // Σ_i y_i·[Q/q_i]_t with Shoup products by the fixed table constants, accumulated lazily
        // below 2t one source limb at a time (vectorizable loops).
        let tv = t.value
        let twoT = t.twiceValue
        hatModTarget.withUnsafeBufferPointer { table in
            hatModTargetShoup.withUnsafeBufferPointer { tableShoup in
                let w0 = table[j * s], w0s = tableShoup[j * s]
                for k in 0..<n {
                    let y = prepared[k]
                    output[k] = y &* w0 &- y.multipliedFullWidth(by: w0s).high &* tv
                }
                for i in 1..<s {
                    let w = table[j * s + i], ws = tableShoup[j * s + i]
                    let limb = prepared + i * n
                    for k in 0..<n {
                        let y = limb[k]
                        let sum = output[k] &+ (y &* w &- y.multipliedFullWidth(by: ws).high &* tv)
                        output[k] = Swift.min(sum, sum &- twoT)
                    }
                }
                for k in 0..<n {
                    let v = output[k]
                    output[k] = Swift.min(v, v &- tv)
                }
            }
        }
    }

    /// Single-prime source only: writes the residues modulo `target[targetIndex]` of the
    /// *centered* representatives `x ∈ (−q/2, q/2]` of `input` (values `< q`). Centered digits
    /// halve the key-switching noise. Cost: N reductions (none when the target exceeds q/2).
    @inlinable
    public func convertCentered(_ input: UnsafePointer<UInt64>, degree n: Int, targetIndex j: Int,
                                to output: UnsafeMutablePointer<UInt64>) {
        precondition(source.count == 1, "centered conversion is defined for a single source prime")
        let q = source[0].value
        let half = q >> 1
        let t = target[j]
        if half < t.value {
            // |x| ≤ q/2 < t: the magnitude is its own residue, no reduction (the common case:
            // every target but a smaller prime than a digit's own large one).
            let tv = t.value
            for k in 0..<n {
                let x = input[k]
                output[k] = x > half ? x &+ (tv &- q) : x
            }
            return
        }
        for k in 0..<n {
            let x = input[k]
            let negative = x > half
            let magnitude = negative ? q &- x : x
            let r = t.reduce(magnitude)
            let negated = t.negate(r)
            output[k] = negative ? negated : r
        }
    }
}
