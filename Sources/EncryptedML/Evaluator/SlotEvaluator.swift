/// A value the circuits compute on: a vector of N/2 slots at a level, with an exact scale.
/// `CKKSCiphertext` is one; `PlainSlots` (no encryption) is the other.
public protocol SlotOperand: Sendable {
    /// The level (number of ciphertext primes left − 1).
    var level: Int { get }
    /// The exact scale of the encoded values.
    var scale: Double { get }
}

extension CKKSCiphertext: SlotOperand {}

/// The slot operations the circuits (`EncodedLinearLayer`, `ChebyshevEvaluator`) are written
/// in, with CKKS semantics for levels and scales: products multiply scales, `rescale` divides
/// by the level's last prime, constants are rounded at the scale they are given. Two
/// implementations run the same circuit code: `CKKSSlotEvaluator` (encrypted) and
/// `PlainSlotEvaluator` (plain Double slots, no encryption and no noise — Apple's `NoOpScheme`),
/// so a pipeline can be tested and debugged without noise on the exact encrypted path.
public protocol SlotEvaluator: Sendable {
    /// The values computed on.
    associatedtype Operand: SlotOperand
    /// An encoded plaintext vector (a weight diagonal, a bias).
    associatedtype Encoded: Sendable

    /// Number of slots N/2.
    var slotCount: Int { get }
    /// Highest level L.
    var maxLevel: Int { get }
    /// The default scale Δ.
    var defaultScale: Double { get }
    /// The prime `q_level` as a Double (rescaling at `level` divides the scale by it).
    func prime(atLevel level: Int) -> Double

    /// Encodes up to N/2 values at `level` and `scale`.
    func encode(_ values: [Double], level: Int, scale: Double) throws -> Encoded
    /// Drops `x` to `level` (exact, free).
    func dropLevel(_ x: Operand, to level: Int) throws -> Operand
    /// Divides by the last prime: level − 1, scale / q_level.
    func rescale(_ x: inout Operand) throws
    /// `x += y`, aligning levels and scales as CKKS does.
    func add(_ x: inout Operand, _ y: Operand) throws
    /// `x −= y`, aligning levels and scales as CKKS does.
    func subtract(_ x: inout Operand, _ y: Operand) throws
    /// `x += c` in every slot (`round(c·scale)` added to the message).
    func add(_ x: inout Operand, constant c: Double) throws
    /// `x += p` slot-wise.
    func add(_ x: inout Operand, encoded p: Encoded) throws
    /// `a·b` relinearized, not rescaled.
    func multiplyWithoutRescale(_ a: Operand, _ b: Operand) throws -> Operand
    /// `x·k` for an integer k (exact, no scale change).
    func multiply(_ x: Operand, byInteger k: Int) throws -> Operand
    /// `x·round(c·scale)`, scale multiplied by `scale`.
    func multiply(_ x: inout Operand, constant c: Double, scale: Double) throws
    /// Slot i ← slot i + steps.
    func rotate(_ x: Operand, by steps: Int) throws -> Operand
    /// `x` rotated by each of `steps` (sharing work where the scheme can).
    func rotateHoisted(_ x: Operand, by steps: [Int]) throws -> [Operand]
    /// `Σ_k x_k ⊙ p_k` without rescale, at scale `scale` (= `x_k.scale · p_k.scale`), level
    /// `level` (the operands' level).
    func dotProduct(_ x: [Operand], _ p: [Encoded], level: Int, scale: Double) throws -> Operand
    /// Records `scale` as `x`'s scale, for a value equal to the tracked one up to Double
    /// rounding (`CKKSContext.scaleTolerance`): circuits plan scales exactly and re-state them.
    func setScale(_ x: inout Operand, _ scale: Double)
    /// Checks that `x` belongs to this evaluator (same parameters). `what` names the caller.
    func check(_ x: Operand, _ what: String) throws
    /// `transform` of every item, independent of each other: on several cores where the
    /// evaluator can (a parallel CKKS context), in order otherwise. The results keep the items'
    /// order, so a circuit's result does not depend on it. Cost: `transform` per item.
    func concurrentMap<Item, Result>(_ items: [Item], _ transform: (Item) throws -> Result) throws -> [Result]
}

extension SlotEvaluator {
    /// In order, on the calling thread.
    public func concurrentMap<Item, Result>(_ items: [Item], _ transform: (Item) throws -> Result) throws -> [Result] {
        try items.map(transform)
    }
}
