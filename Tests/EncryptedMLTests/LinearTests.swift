import EncryptedML
import Foundation
import Models
import Testing

/// Keys for block 64 (g = 8): every baby step 1…7 and giant step 8…56, plus a few more.
/// N = 4096, Q = 60+3×40, P = 60 (insecure test set: small N keeps the suite fast).
let linearFixture = Fixture(
    try! CKKSParameters(polyDegree: 4096, ciphertextModulusBits: [60, 40, 40, 40], specialModulusBits: [60],
                        scaleBits: 40, security: .insecureUnchecked),
    rotations: Array(1..<64), conjugation: false)

struct Shape: Sendable, CustomTestStringConvertible {
    var rows: Int
    var columns: Int
    var testDescription: String { "\(rows)×\(columns)" }
}

let shapes = [Shape(rows: 1, columns: 30), Shape(rows: 3, columns: 4), Shape(rows: 5, columns: 7),
              Shape(rows: 10, columns: 32), Shape(rows: 32, columns: 64), Shape(rows: 64, columns: 20),
              Shape(rows: 17, columns: 33)]

/// Plain `W·x + b`.
func plainAffine(_ w: [Double], _ b: [Double], rows: Int, columns: Int, _ x: [Double]) -> [Double] {
    (0..<rows).map { r in b[r] + (0..<columns).reduce(0.0) { $0 + w[r * columns + $1] * x[$1] } }
}

@Test(arguments: shapes)
func diagonalsReproduceTheMatrixProduct(_ shape: Shape) {
    let w = randomVector(shape.rows * shape.columns, seed: 7)
    let x = randomVector(shape.columns, seed: 8)
    let d = SingleQueryPacking.blockSize(forWidths: [shape.rows, shape.columns])
    let expected = plainAffine(w, [Double](repeating: 0, count: shape.rows), rows: shape.rows, columns: shape.columns, x)
    // Square Halevi–Shoup diagonals and the hybrid (span = power of two ≥ rows) agree with W·x.
    for span in [d, MatrixDiagonals.span(rows: shape.rows, blockSize: d)] {
        let diagonals = MatrixDiagonals(weights: w, rows: shape.rows, columns: shape.columns, blockSize: d, span: span)
        #expect(diagonals.diagonals.count == span)
        #expect(precisionBits(Array(diagonals.apply(x).prefix(shape.rows)), expected) > 45)
    }
}

@Test(arguments: shapes)
func singleQueryMatrixVectorProductMatchesPlainArithmetic(_ shape: Shape) throws {
    let f = linearFixture
    let ctx = f.context
    let d = SingleQueryPacking.blockSize(forWidths: [shape.rows, shape.columns])
    let g = SingleQueryPacking.babySteps(blockSize: d)
    let w = randomVector(shape.rows * shape.columns, seed: UInt64(shape.rows * 100 + shape.columns))
    let b = randomVector(shape.rows, seed: 99)
    let x = randomVector(shape.columns, seed: 5)
    // The plan's analysis (Models) of this layer; the runtime checks its build against it.
    let packing = try LinearLayerPacking(layer: DenseLayer(inputCount: shape.columns, outputCount: shape.rows, weights: w, bias: b),
                                         blockSize: d, babySteps: g)
    let layer = try EncodedLinearLayer(context: ctx, weights: w, rows: shape.rows, columns: shape.columns, bias: b,
                                       blockSize: d, babySteps: g, level: 3, scale: ctx.defaultScale, plan: packing)
    let span = MatrixDiagonals.span(rows: shape.rows, blockSize: d)
    let spanLog = (0...10).first { (span << $0) >= d }!
    #expect(layer.rotationCount <= (min(g, span) - 1) + (span / min(g, span) - 1) + spanLog)
    #expect(layer.rotations == packing.rotations)
    var slots = [Double](repeating: 0, count: ctx.slotCount)
    for base in stride(from: 0, to: ctx.slotCount, by: d) { for i in 0..<shape.columns { slots[base + i] = x[i] } }
    let ct = try ctx.encrypt(slots, secretKey: f.secretKey)
    let y = try layer.apply(ct, context: ctx, evaluationKeys: f.keys)
    #expect(y.level == 2)
    #expect(y.scale == ctx.defaultScale)
    let decrypted = try ctx.decrypt(y, secretKey: f.secretKey)
    let expected = plainAffine(w, b, rows: shape.rows, columns: shape.columns, x)
    let bits = precisionBits(Array(decrypted.prefix(shape.rows)), expected)
    // The output is replicated with period D (next layers rely on it).
    let lastReplica = Array(decrypted[(ctx.slotCount - d)..<(ctx.slotCount - d + shape.rows)])
    print("BSGS \(shape.rows)×\(shape.columns) (D=\(d), g=\(g), \(layer.rotationCount) rotations): \(String(format: "%.1f", bits)) bits")
    #expect(bits > 20)
    #expect(precisionBits(lastReplica, expected) > 20)
}

@Test(arguments: [Shape(rows: 1, columns: 30), Shape(rows: 32, columns: 64), Shape(rows: 10, columns: 32)])
func batchLayerMatchesPlainArithmeticOnEverySlot(_ shape: Shape) throws {
    let f = linearFixture
    let ctx = f.context
    let w = randomVector(shape.rows * shape.columns, seed: 11)
    let b = randomVector(shape.rows, seed: 12)
    let samples = (0..<shape.columns).map { randomVector(ctx.slotCount, seed: 100 + UInt64($0)) }
    let inputs = try samples.map { try ctx.encrypt($0, secretKey: f.secretKey) }
    let layer = try BatchLinearLayer(context: ctx, weights: w, rows: shape.rows, columns: shape.columns, bias: b,
                                     level: 3, scale: ctx.defaultScale)
    let outputs = try layer.apply(inputs, context: ctx)
    #expect(outputs.count == shape.rows)
    var worst = 64.0
    for (o, ct) in outputs.enumerated() {
        #expect(ct.level == 2)
        #expect(ct.scale == ctx.defaultScale)
        let values = try ctx.decrypt(ct, secretKey: f.secretKey)
        let expected = (0..<ctx.slotCount).map { s in
            b[o] + (0..<shape.columns).reduce(0.0) { $0 + w[o * shape.columns + $1] * samples[$1][s] }
        }
        worst = min(worst, precisionBits(values, expected))
    }
    print("batch \(shape.rows)×\(shape.columns): \(String(format: "%.1f", worst)) bits")
    #expect(worst > 20)
}

@Test
func linearLayerRefusesInputsOffThePlan() throws {
    let f = linearFixture
    let ctx = f.context
    let layer = try EncodedLinearLayer(context: ctx, weights: [1, 2, 3, 4], rows: 2, columns: 2, bias: [0, 0],
                                       blockSize: 2, babySteps: 2, level: 2, scale: ctx.defaultScale)
    let low = try ctx.dropLevel(ctx.encrypt([1, 2], secretKey: f.secretKey), to: 1)
    #expect(throws: EncryptedMLError.self) { try layer.apply(low, context: ctx, evaluationKeys: f.keys) }
    #expect(throws: EncryptedMLError.self) {
        try EncodedLinearLayer(context: ctx, weights: [1, 2, 3], rows: 2, columns: 2, bias: [0, 0],
                               blockSize: 2, babySteps: 2, level: 2, scale: ctx.defaultScale)
    }
}
