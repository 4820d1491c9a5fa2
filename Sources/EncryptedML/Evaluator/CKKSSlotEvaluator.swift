/// The encrypted `SlotEvaluator`: a context and the client's evaluation keys. Every operation
/// is the context's (cost as documented there); `dotProduct` is the lazy 128-bit
/// multiply–accumulate of `LinearKernels`.
public struct CKKSSlotEvaluator: SlotEvaluator {
    /// The parameters' context.
    public let context: CKKSContext
    /// Relinearization and rotation keys.
    public let keys: CKKSEvaluationKeys

    /// An evaluator over `context` with `keys`.
    public init(context: CKKSContext, keys: CKKSEvaluationKeys) {
        self.context = context
        self.keys = keys
    }

    /// As `SlotEvaluator` requires (CKKS semantics; cost as the matching context operation).
    public var slotCount: Int { context.slotCount }
    /// As `SlotEvaluator` requires (CKKS semantics; cost as the matching context operation).
    public var maxLevel: Int { context.maxLevel }
    /// As `SlotEvaluator` requires (CKKS semantics; cost as the matching context operation).
    public var defaultScale: Double { context.defaultScale }
    /// As `SlotEvaluator` requires (CKKS semantics; cost as the matching context operation).
    public func prime(atLevel level: Int) -> Double { Double(context.ciphertextModuli[level].value) }

    /// As `SlotEvaluator` requires (CKKS semantics; cost as the matching context operation).
    public func encode(_ values: [Double], level: Int, scale: Double) throws -> CKKSPlaintext {
        try context.encode(values, level: level, scale: scale)
    }
    /// As `SlotEvaluator` requires (CKKS semantics; cost as the matching context operation).
    public func dropLevel(_ x: CKKSCiphertext, to level: Int) throws -> CKKSCiphertext {
        try context.dropLevel(x, to: level)
    }
    /// As `SlotEvaluator` requires (CKKS semantics; cost as the matching context operation).
    public func rescale(_ x: inout CKKSCiphertext) throws { try context.rescaleInPlace(&x) }
    /// As `SlotEvaluator` requires (CKKS semantics; cost as the matching context operation).
    public func add(_ x: inout CKKSCiphertext, _ y: CKKSCiphertext) throws { try context.addInPlace(&x, y) }
    /// As `SlotEvaluator` requires (CKKS semantics; cost as the matching context operation).
    public func subtract(_ x: inout CKKSCiphertext, _ y: CKKSCiphertext) throws { try context.subtractInPlace(&x, y) }
    /// As `SlotEvaluator` requires (CKKS semantics; cost as the matching context operation).
    public func add(_ x: inout CKKSCiphertext, constant c: Double) throws { try context.addInPlace(&x, c) }
    /// As `SlotEvaluator` requires (CKKS semantics; cost as the matching context operation).
    public func add(_ x: inout CKKSCiphertext, encoded p: CKKSPlaintext) throws { try context.addInPlace(&x, p) }
    /// As `SlotEvaluator` requires (CKKS semantics; cost as the matching context operation).
    public func multiplyWithoutRescale(_ a: CKKSCiphertext, _ b: CKKSCiphertext) throws -> CKKSCiphertext {
        try context.multiplyWithoutRescale(a, b, evaluationKeys: keys)
    }
    /// As `SlotEvaluator` requires (CKKS semantics; cost as the matching context operation).
    public func multiply(_ x: CKKSCiphertext, byInteger k: Int) throws -> CKKSCiphertext {
        try context.multiply(x, byInteger: k)
    }
    /// As `SlotEvaluator` requires (CKKS semantics; cost as the matching context operation).
    public func multiply(_ x: inout CKKSCiphertext, constant c: Double, scale: Double) throws {
        try context.multiplyByConstantInPlace(&x, c, scale: scale)
    }
    /// As `SlotEvaluator` requires (CKKS semantics; cost as the matching context operation).
    public func rotate(_ x: CKKSCiphertext, by steps: Int) throws -> CKKSCiphertext {
        try context.rotate(x, by: steps, evaluationKeys: keys)
    }
    /// As `SlotEvaluator` requires (CKKS semantics; cost as the matching context operation).
    public func rotateHoisted(_ x: CKKSCiphertext, by steps: [Int]) throws -> [CKKSCiphertext] {
        try context.rotateHoisted(x, by: steps, evaluationKeys: keys)
    }

    /// On every core when the context is parallel (`CKKSContext.concurrentMap`).
    public func concurrentMap<Item, Result>(_ items: [Item], _ transform: (Item) throws -> Result) throws -> [Result] {
        try context.concurrentMap(items, transform)
    }
    /// As `SlotEvaluator` requires (CKKS semantics; cost as the matching context operation).
    /// As `SlotEvaluator` requires.
    public func setScale(_ x: inout CKKSCiphertext, _ scale: Double) { x.scale = scale }
    /// As `SlotEvaluator` requires.
    public func check(_ x: CKKSCiphertext, _ what: String) throws {
        try context.check(x, what)
        try context.checkKey(keys.contextFingerprint, what)
    }

    /// `Σ_k x_k ⊙ p_k` over limbs `0…level` as one lazy 128-bit multiply–accumulate per limb.
    /// Cost: 2·terms·(level+1)·N word products, one reduction per output word.
    public func dotProduct(_ x: [CKKSCiphertext], _ p: [CKKSPlaintext], level: Int, scale: Double) throws
        -> CKKSCiphertext
    {
        let n = context.degree
        let limbs = level + 1
        func component(_ first: Bool) -> RNSPolynomial<Evaluation> {
            RNSPolynomial<Evaluation>(degree: n, limbCount: limbs) { out in
                let polys = x.map { first ? $0.c0 : $0.c1 }
                withPointers(polys.map(\.data)) { a in
                    withPointers(p.map(\.poly.data)) { b in
                        var aLimb = [UnsafePointer<UInt64>](repeating: a[0], count: a.count)
                        var bLimb = [UnsafePointer<UInt64>](repeating: b[0], count: b.count)
                        for i in 0..<limbs {
                            for t in 0..<a.count {
                                aLimb[t] = a[t] + i * n
                                bLimb[t] = b[t] + i * n
                            }
                            aLimb.withUnsafeBufferPointer { ap in
                                bLimb.withUnsafeBufferPointer { bp in
                                    LinearKernels.dotProduct(out + i * n, ap, bp, count: n,
                                                             modulus: context.ciphertextModuli[i])
                                }
                            }
                        }
                    }
                }
            }
        }
        return CKKSCiphertext(c0: component(true), c1: component(false), scale: scale,
                              contextFingerprint: context.fingerprint)
    }
}
