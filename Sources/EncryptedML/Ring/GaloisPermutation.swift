/// The Galois automorphism `σ_g: a(X) ↦ a(X^g)` (g odd, modulo 2N) as a permutation of
/// NTT slots: in evaluation form `σ_g` only moves values, `out[k] = in[source[k]]`,
/// identical for every prime. Rotation by `k` slots uses `g = 5^k mod 2N`, conjugation `g = 2N − 1`.
public struct GaloisPermutation: Sendable {
    /// The Galois element g.
    public let element: Int
    /// Ring degree N.
    public let degree: Int
    /// `source[k]`: the input slot that lands in output slot `k`.
    public let source: [UInt32]

    /// Builds the permutation. Cost: O(N).
    /// - Precondition: `element` is odd and `degree` a power of two.
    public init(element: Int, degree: Int) {
        precondition(element & 1 == 1 && degree & (degree - 1) == 0)
        self.element = element
        self.degree = degree
        let logN = degree.trailingZeroBitCount
        let mask = 2 * degree - 1
        var source = [UInt32](repeating: 0, count: degree)
        for k in 0..<degree {
            // Slot k evaluates at ψ^e with e = 2·bitrev(k)+1; σ_g(a)(ψ^e) = a(ψ^(e·g)).
            let e = 2 * NTTTables.bitReverse(k, bits: logN) + 1
            let eg = (e * element) & mask
            source[k] = UInt32(NTTTables.bitReverse((eg - 1) >> 1, bits: logN))
        }
        self.source = source
    }

    /// The Galois element of a left rotation by `steps` slots (slot i ← slot i+steps) for
    /// ring degree N: `5^(steps mod N/2) mod 2N`.
    public static func rotationElement(steps: Int, degree: Int) -> Int {
        let slots = degree / 2
        let k = ((steps % slots) + slots) % slots
        var g = 1
        let m = 2 * degree
        for _ in 0..<k { g = (g * 5) % m }
        return g
    }

    /// The Galois element of complex conjugation: `2N − 1`.
    public static func conjugationElement(degree: Int) -> Int { 2 * degree - 1 }

    /// `out[k] = input[source[k]]` over one limb. `out` must not alias `input`. Cost: N loads.
    @inlinable
    public func apply(_ input: UnsafePointer<UInt64>, to out: UnsafeMutablePointer<UInt64>) {
        source.withUnsafeBufferPointer { s in
            for k in 0..<degree { out[k] = input[Int(s[k])] }
        }
    }

    /// Applies the automorphism to every limb of an evaluation-form polynomial. Cost: limbs·N loads.
    public func apply(to poly: RNSPolynomial<Evaluation>) -> RNSPolynomial<Evaluation> {
        let n = degree
        return RNSPolynomial<Evaluation>(degree: n, limbCount: poly.limbCount) { out in
            poly.data.withUnsafeBufferPointer { input in
                for i in 0..<poly.limbCount { apply(input.baseAddress! + i * n, to: out + i * n) }
            }
        }
    }
}
