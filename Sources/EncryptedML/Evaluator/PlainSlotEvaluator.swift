import Foundation

/// N/2 plain slot values with CKKS metadata: `message[k] = value_k · scale` (what the
/// decrypted, decoded CKKS plaintext holds before dividing by the scale), the level and the
/// exact scale.
public struct PlainSlots: SlotOperand, Equatable {
    /// The scaled slot values `value · scale`.
    public var message: [Double]
    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    /// The level (limbs the ciphertext would have − 1).
    public var level: Int
    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    /// The exact scale.
    public var scale: Double

    /// Slots holding `values` (rest zero) at `level` and `scale`.
    public init(_ values: [Double], slotCount: Int, level: Int, scale: Double) {
        var message = [Double](repeating: 0, count: slotCount)
        for (k, v) in values.prefix(slotCount).enumerated() { message[k] = v * scale }
        self.init(message: message, level: level, scale: scale)
    }

    init(message: [Double], level: Int, scale: Double) {
        self.message = message
        self.level = level
        self.scale = scale
    }

    /// The slot values `message / scale` (what `decrypt` would return, without noise).
    public var values: [Double] { message.map { $0 / scale } }
}

/// The no-encryption `SlotEvaluator` (Apple's `NoOpScheme`, STYLE.md "Adopt" 8): the circuits
/// run their exact encrypted path — same diagonals, rotations, Chebyshev tree, levels, scales
/// and constant rounding — on plain Double slots, with no key, no noise and no modular
/// arithmetic. Use it to test and debug a model's runtime; the difference to the encrypted
/// run is the CKKS noise alone. Levels and scales follow the parameters' primes, so every
/// level or scale error the encrypted run would throw is thrown here too.
public struct PlainSlotEvaluator: SlotEvaluator {
    /// The parameters' context (primes, slots; nothing is encrypted).
    public let context: CKKSContext

    /// An evaluator with `context`'s slots, levels and primes.
    public init(context: CKKSContext) { self.context = context }

    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    public var slotCount: Int { context.slotCount }
    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    public var maxLevel: Int { context.maxLevel }
    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    public var defaultScale: Double { context.defaultScale }
    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    public func prime(atLevel level: Int) -> Double { Double(context.ciphertextModuli[level].value) }

    /// `values` at `level` and `scale` (checked like `CKKSContext.encode`).
    public func encode(_ values: [Double], level: Int, scale: Double) throws -> PlainSlots {
        _ = try context.encoder.resolveEncoding(count: values.count, level: level, scale: scale)
        for (k, v) in values.enumerated() where !v.isFinite {
            throw EncryptedMLError.invalidOperand("slot \(k) holds \(v); only finite values can be encoded")
        }
        return PlainSlots(values, slotCount: slotCount, level: level, scale: scale)
    }

    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    public func dropLevel(_ x: PlainSlots, to level: Int) throws -> PlainSlots {
        guard level >= 0, level <= x.level else {
            throw EncryptedMLError.levelExhausted(
                "cannot drop a level-\(x.level) operand to level \(level); levels only go down, to 0 at the lowest")
        }
        var r = x
        r.level = level
        return r
    }

    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    public func rescale(_ x: inout PlainSlots) throws {
        guard x.level >= 1 else {
            throw EncryptedMLError.levelExhausted("rescale needs an operand above level 0 (this one is at level 0)")
        }
        let q = prime(atLevel: x.level)
        for k in x.message.indices { x.message[k] /= q }
        x.scale /= q
        x.level -= 1
    }

    /// CKKS alignment: the operand with more levels is brought to the other's scale by the
    /// integer `round(ratio·q_l)` at scale `round(ratio·q_l)` and a rescale; then levels drop.
    func align(_ a: inout PlainSlots, _ b: inout PlainSlots) throws {
        if !CKKSContext.scalesMatch(a.scale, b.scale) {
            if a.level >= b.level { try adjustScale(&a, to: b.scale) } else { try adjustScale(&b, to: a.scale) }
        }
        let level = min(a.level, b.level)
        a.level = level
        b.level = level
    }

    func adjustScale(_ x: inout PlainSlots, to scale: Double) throws {
        guard x.level >= 1 else {
            throw EncryptedMLError.levelExhausted(
                "aligning scale \(x.scale) needs a level, but the operand is at level 0; keep operand scales equal or use more primes")
        }
        let factor = (scale / x.scale * prime(atLevel: x.level)).rounded()
        try multiply(&x, constant: 1, scale: factor)
        try rescale(&x)
    }

    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    public func add(_ x: inout PlainSlots, _ y: PlainSlots) throws {
        var y = y
        try align(&x, &y)
        for k in x.message.indices { x.message[k] += y.message[k] }
    }

    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    public func subtract(_ x: inout PlainSlots, _ y: PlainSlots) throws {
        var y = y
        try align(&x, &y)
        for k in x.message.indices { x.message[k] -= y.message[k] }
    }

    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    public func add(_ x: inout PlainSlots, constant c: Double) throws {
        let v = (c * x.scale).rounded()
        guard v.isFinite else { throw EncryptedMLError.invalidOperand("constant \(c) is not finite") }
        for k in x.message.indices { x.message[k] += v }
    }

    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    public func add(_ x: inout PlainSlots, encoded p: PlainSlots) throws {
        if !CKKSContext.scalesMatch(x.scale, p.scale) { try adjustScale(&x, to: p.scale) }
        if p.level < x.level { x.level = p.level }
        for k in x.message.indices { x.message[k] += p.message[k] }
    }

    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    public func multiplyWithoutRescale(_ a: PlainSlots, _ b: PlainSlots) throws -> PlainSlots {
        let level = min(a.level, b.level)
        let scale = a.scale * b.scale
        try checkScale(scale, level: level, "multiply")
        return PlainSlots(message: zip(a.message, b.message).map { $0 * $1 }, level: level, scale: scale)
    }

    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    public func multiply(_ x: PlainSlots, byInteger k: Int) throws -> PlainSlots {
        PlainSlots(message: x.message.map { $0 * Double(k) }, level: x.level, scale: x.scale)
    }

    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    public func multiply(_ x: inout PlainSlots, constant c: Double, scale: Double) throws {
        guard scale.isFinite, scale > 0 else {
            throw EncryptedMLError.scaleOverflow("constant scale \(scale) must be finite and positive")
        }
        try checkScale(x.scale * scale, level: x.level, "multiply constant")
        let v = (c * scale).rounded()
        for k in x.message.indices { x.message[k] *= v }
        x.scale *= scale
    }

    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    public func rotate(_ x: PlainSlots, by steps: Int) throws -> PlainSlots {
        let n = x.message.count
        let s = ((steps % n) + n) % n
        return PlainSlots(message: (0..<n).map { x.message[($0 + s) % n] }, level: x.level, scale: x.scale)
    }

    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    public func rotateHoisted(_ x: PlainSlots, by steps: [Int]) throws -> [PlainSlots] {
        try steps.map { try rotate(x, by: $0) }
    }

    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    public func dotProduct(_ x: [PlainSlots], _ p: [PlainSlots], level: Int, scale: Double) throws -> PlainSlots {
        var message = [Double](repeating: 0, count: slotCount)
        for (a, b) in zip(x, p) {
            for k in message.indices { message[k] += a.message[k] * b.message[k] }
        }
        return PlainSlots(message: message, level: level, scale: scale)
    }

    /// As `SlotEvaluator` requires, on plain slots (O(N/2) per operation).
    /// As `SlotEvaluator` requires.
    public func setScale(_ x: inout PlainSlots, _ scale: Double) { x.scale = scale }
    /// As `SlotEvaluator` requires.
    public func check(_ x: PlainSlots, _ what: String) throws {
        guard x.message.count == slotCount else {
            throw EncryptedMLError.invalidOperand("\(what): operand has \(x.message.count) slots, expected \(slotCount)")
        }
    }

    func checkScale(_ scale: Double, level: Int, _ what: String) throws {
        guard scale.isFinite, log2(scale) < context.logModulus(atLevel: level) - 1 else {
            throw EncryptedMLError.scaleOverflow(
                "\(what): the product scale 2^\(log2(scale)) does not fit under the modulus of level \(level); rescale the operands first")
        }
    }
}
