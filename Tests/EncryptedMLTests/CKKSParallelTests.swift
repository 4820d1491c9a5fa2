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
}
