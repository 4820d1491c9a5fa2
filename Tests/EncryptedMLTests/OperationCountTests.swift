import EncryptedML
import Foundation
import Models
import Synchronization
import Testing

/// A `SlotEvaluator` that counts the relinearized products of another one (the latency
/// model's unit of polynomial cost) and forwards everything.
struct CountingEvaluator<Base: SlotEvaluator>: SlotEvaluator {
    final class Counter: Sendable {
        let value = Mutex(0)
    }
    let base: Base
    let counter = Counter()
    var products: Int { counter.value.withLock { $0 } }

    init(_ base: Base) { self.base = base }

    var slotCount: Int { base.slotCount }
    var maxLevel: Int { base.maxLevel }
    var defaultScale: Double { base.defaultScale }
    func prime(atLevel level: Int) -> Double { base.prime(atLevel: level) }
    func encode(_ values: [Double], level: Int, scale: Double) throws -> Base.Encoded { try base.encode(values, level: level, scale: scale) }
    func dropLevel(_ x: Base.Operand, to level: Int) throws -> Base.Operand { try base.dropLevel(x, to: level) }
    func rescale(_ x: inout Base.Operand) throws { try base.rescale(&x) }
    func add(_ x: inout Base.Operand, _ y: Base.Operand) throws { try base.add(&x, y) }
    func subtract(_ x: inout Base.Operand, _ y: Base.Operand) throws { try base.subtract(&x, y) }
    func add(_ x: inout Base.Operand, constant c: Double) throws { try base.add(&x, constant: c) }
    func add(_ x: inout Base.Operand, encoded p: Base.Encoded) throws { try base.add(&x, encoded: p) }
    func multiplyWithoutRescale(_ a: Base.Operand, _ b: Base.Operand) throws -> Base.Operand {
        counter.value.withLock { $0 += 1 }
        return try base.multiplyWithoutRescale(a, b)
    }
    func multiply(_ x: Base.Operand, byInteger k: Int) throws -> Base.Operand { try base.multiply(x, byInteger: k) }
    func multiply(_ x: inout Base.Operand, constant c: Double, scale: Double) throws { try base.multiply(&x, constant: c, scale: scale) }
    func rotate(_ x: Base.Operand, by steps: Int) throws -> Base.Operand { try base.rotate(x, by: steps) }
    func rotateHoisted(_ x: Base.Operand, by steps: [Int]) throws -> [Base.Operand] { try base.rotateHoisted(x, by: steps) }
    func dotProduct(_ x: [Base.Operand], _ p: [Base.Encoded], level: Int, scale: Double) throws -> Base.Operand {
        try base.dotProduct(x, p, level: level, scale: scale)
    }
    func setScale(_ x: inout Base.Operand, _ scale: Double) { base.setScale(&x, scale) }
    func check(_ x: Base.Operand, _ what: String) throws { try base.check(x, what) }
}

/// The latency model's product count (`ChebyshevSeries.productCount`, integer logic in
/// Models) is exactly what the runtime's Chebyshev tree performs, for every degree to 63.
@Test func chebyshevProductCountIsWhatTheRuntimePerforms() throws {
    let f = Fixture.n4096Deep
    for degree in 1...63 {
        let counting = CountingEvaluator(PlainSlotEvaluator(context: f.context))
        let series = randomSeries(degree: degree, seed: UInt64(degree))
        let input = try counting.encode([0.5], level: f.context.maxLevel, scale: f.context.defaultScale)
        guard f.context.maxLevel >= series.depth else { break }
        _ = try ChebyshevEvaluator(series).apply(input, evaluator: counting)
        #expect(counting.products == ChebyshevSeries.productCount(forDegree: degree), "degree \(degree)")
    }
}

/// A folded square is one product, one level, landing on `Δ²/q_ℓ`; the encrypted square
/// matches the plain one to a stated precision.
@Test func foldedSquareIsOneProductAtOneLevel() throws {
    let f = Fixture.n4096Deep
    let counting = CountingEvaluator(PlainSlotEvaluator(context: f.context))
    let x = randomVector(f.context.slotCount, seed: 5)
    let level = f.context.maxLevel
    let plain = try FoldedSquare.apply(counting.encode(x, level: level, scale: f.context.defaultScale), evaluator: counting)
    #expect(counting.products == 1)
    #expect(plain.level == level - 1)
    let landing = FoldedSquare.landingScale(inputScale: f.context.defaultScale, level: level,
                                            prime: { Double(f.context.ciphertextModuli[$0].value) })
    #expect(abs(plain.scale / landing - 1) < 1e-12)
    let expected = x.map { $0 * $0 }
    let ct = try f.context.encrypt(x, publicKey: f.publicKey)
    let squared = try FoldedSquare.apply(ct, evaluator: CKKSSlotEvaluator(context: f.context, keys: f.keys))
    let bits = precisionBits(try f.context.decrypt(squared, secretKey: f.secretKey), expected)
    print("folded square on N=\(f.context.degree): \(String(format: "%.1f", bits)) bits")
    #expect(precisionBits(plain.values, expected) >= 40)
    #expect(bits >= 14)
}
