/// The gadget term of a key-switching key, `P·Q̃_j·s'`, in the layout of `KeySwitchingKey`
/// (digit-major over the key basis): modulo `q_i` it is `P·s'` for the primes of digit `j` and 0
/// elsewhere (and 0 modulo P). Shared by the collective relinearization and rotation protocols.
enum KeySwitchingGadget {
    /// Adds `P·Q̃_j·target` to `b` (one digit's polynomial over the key basis).
    /// Cost: α·N Shoup products.
    static func add(_ target: RNSPolynomial<Evaluation>, digit j: Int, to b: inout RNSPolynomial<Evaluation>,
                    context: CKKSContext) {
        let n = context.degree
        let qCount = context.ciphertextModuli.count
        let alpha = context.digitSize
        b.data.withUnsafeMutableBufferPointer { out in
            target.data.withUnsafeBufferPointer { t in
                for i in (j * alpha)..<min((j + 1) * alpha, qCount) {
                    let m = context.keyModuli[i]
                    let w = context.pModQ[i]
                    let ws = m.shoup(w)
                    let o = out.baseAddress! + i * n
                    let src = t.baseAddress! + i * n
                    for k in 0..<n { o[k] = m.add(o[k], m.multiplyShoup(src[k], w, ws)) }
                }
            }
        }
    }

    /// A fresh Gaussian error polynomial (σ = 3.19) over the key basis, evaluation form.
    static func error(context: CKKSContext) -> RNSPolynomial<Evaluation> {
        context.smallPolynomial(Sampling.gaussian(count: context.degree), moduli: context.keyModuli,
                                tables: context.keyTables)
    }

    /// The digits' polynomials concatenated in the `KeySwitchingKey` layout.
    static func words(_ digits: [RNSPolynomial<Evaluation>]) -> [UInt64] {
        var out: [UInt64] = []
        out.reserveCapacity(digits.reduce(0) { $0 + $1.data.count })
        for d in digits { out.append(contentsOf: d.data) }
        return out
    }
}
