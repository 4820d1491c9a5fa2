import EncryptedML
import Testing

@Suite struct CKKSParallelTests {
    /// The limb-parallel switch changes scheduling, not results: the same operands and keys give
    /// bit-identical ciphertexts in a serial and a parallel context.
    @Test func parallelContextComputesBitIdenticalResults() throws {
        let f = Fixture.n8192
        let parallel = try CKKSContext(parameters: f.context.parameters, parallel: true)
        let x = randomVector(f.context.slotCount, seed: 60), y = randomVector(f.context.slotCount, seed: 61)
        let a = try f.context.encrypt(x, publicKey: f.publicKey), b = try f.context.encrypt(y, publicKey: f.publicKey)
        let serialProduct = try f.context.multiply(a, b, evaluationKeys: f.keys)
        let parallelProduct = try parallel.multiply(a, b, evaluationKeys: f.keys)
        #expect(serialProduct.c0 == parallelProduct.c0 && serialProduct.c1 == parallelProduct.c1)
        let serialRotations = try f.context.rotateHoisted(a, by: [1, -3, 17], evaluationKeys: f.keys)
        let parallelRotations = try parallel.rotateHoisted(a, by: [1, -3, 17], evaluationKeys: f.keys)
        for (s, p) in zip(serialRotations, parallelRotations) { #expect(s.c0 == p.c0 && s.c1 == p.c1) }
        let rescaled = try parallel.rescale(try parallel.multiplyWithoutRescale(a, try parallel.encode(y)))
        #expect(precisionBits(try parallel.decrypt(rescaled, secretKey: f.secretKey), zip(x, y).map(*)) >= 20)
    }

    /// Every key-switching path (ModUp of one- and multi-prime digits with a partial last digit,
    /// the inner product with and without a permutation, ModDown with one and two special primes,
    /// the fused ModDown+rescale) gives bit-identical results on several threads, at the top level
    /// and one level down, and the parallel results decrypt to the Double products and rotations.
    @Test(arguments: ["n8192", "n4096Hybrid"])
    func everyKeySwitchPathIsBitIdenticalInParallel(_ name: String) throws {
        let f = name == "n8192" ? Fixture.n8192 : Fixture.n4096Hybrid
        let serial = f.context
        let parallel = try CKKSContext(parameters: serial.parameters, parallel: true)
        let n = serial.slotCount
        let x = randomVector(n, seed: 62), y = randomVector(n, seed: 63)
        let top = try serial.encrypt(x, publicKey: f.publicKey), other = try serial.encrypt(y, publicKey: f.publicKey)
        let lower = try serial.multiply(top, try serial.encode(Array(repeating: 1.0, count: n)))
        for (a, b) in [(top, other), (lower, other)] {
            func same(_ op: (CKKSContext) throws -> CKKSCiphertext) throws -> CKKSCiphertext {
                let s = try op(serial), p = try op(parallel)
                #expect(s.c0 == p.c0 && s.c1 == p.c1 && s.scale == p.scale)
                return p
            }
            let product = try same { try $0.multiply(a, b, evaluationKeys: f.keys) }
            let unscaled = try same { try $0.multiplyWithoutRescale(a, b, evaluationKeys: f.keys) }
            let rotated = try same { try $0.rotate(a, by: 1, evaluationKeys: f.keys) }
            let expectedA = try serial.decrypt(a, secretKey: f.secretKey)
            let expectedProduct = zip(expectedA, y).map(*)
            #expect(precisionBits(try parallel.decrypt(product, secretKey: f.secretKey), expectedProduct) >= 18)
            #expect(precisionBits(try parallel.decrypt(unscaled, secretKey: f.secretKey), expectedProduct) >= 18)
            #expect(precisionBits(try parallel.decrypt(rotated, secretKey: f.secretKey),
                                  (0..<n).map { expectedA[($0 + 1) % n] }) >= 18)
        }
    }
}
