import EncryptedML
import Testing

@Suite struct NTTTests {
    func negacyclicProductByNTT(_ t: NTTTables, _ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var x = a, y = b
        x.withUnsafeMutableBufferPointer { t.forward($0.baseAddress!) }
        y.withUnsafeMutableBufferPointer { t.forward($0.baseAddress!) }
        var z = zip(x, y).map { t.modulus.multiply($0, $1) }
        z.withUnsafeMutableBufferPointer { t.inverse($0.baseAddress!) }
        return z
    }

    /// Hand-computed: (1+2X+3X²+4X³)(5+6X+7X²+8X³) mod (X⁴+1, 17) = 12 + 15X + 2X² + 9X³.
    @Test func handComputedNegacyclicProductKnownAnswer() throws {
        let t = try NTTTables(modulus: Modulus(17), degree: 4)
        #expect(negacyclicProductByNTT(t, [1, 2, 3, 4], [5, 6, 7, 8]) == [12, 15, 2, 9])
        #expect(t.schoolbookNegacyclicProduct([1, 2, 3, 4], [5, 6, 7, 8]) == [12, 15, 2, 9])
    }

    @Test(arguments: [(64, 40), (1024, 60), (4096, 50)])
    func nttProductEqualsSchoolbookNegacyclicProduct(degree: Int, bits: Int) throws {
        let q = try Modulus.nttPrimes(bitSizes: [bits], polyDegree: degree)[0]
        let t = try NTTTables(modulus: Modulus(q), degree: degree)
        var rng = TestRNG(seed: UInt64(degree))
        let a = (0..<degree).map { _ in rng.next() % q }
        let b = (0..<degree).map { _ in rng.next() % q }
        if degree <= 1024 {
            #expect(negacyclicProductByNTT(t, a, b) == t.schoolbookNegacyclicProduct(a, b))
        } else {
            // Sparse b (three terms) keeps the reference O(N): a·(c0 + c1 X^5 + c2 X^(N−1)).
            var sparse = [UInt64](repeating: 0, count: degree)
            sparse[0] = b[0]; sparse[5] = b[1]; sparse[degree - 1] = b[2]
            let m = Modulus(q)
            var expected = [UInt64](repeating: 0, count: degree)
            for (shift, c) in [(0, b[0]), (5, b[1]), (degree - 1, b[2])] {
                for i in 0..<degree {
                    let k = i + shift
                    let p = m.multiply(a[i], c)
                    if k < degree { expected[k] = m.add(expected[k], p) } else { expected[k - degree] = m.subtract(expected[k - degree], p) }
                }
            }
            #expect(negacyclicProductByNTT(t, a, sparse) == expected)
        }
    }

    @Test func forwardNTTSlotKHoldsTheEvaluationAtPsiToItsExponent() throws {
        let q = try Modulus.nttPrimes(bitSizes: [30], polyDegree: 16)[0]
        let m = Modulus(q)
        let t = try NTTTables(modulus: m, degree: 16)
        var rng = TestRNG(seed: 9)
        let a = (0..<16).map { _ in rng.next() % q }
        var x = a
        x.withUnsafeMutableBufferPointer { t.forward($0.baseAddress!) }
        for k in 0..<16 {
            let point = m.power(t.psi, UInt64(t.evaluationExponent(at: k)))
            var value: UInt64 = 0
            for i in (0..<16).reversed() { value = m.add(m.multiply(value, point), a[i]) }
            #expect(x[k] == value)
        }
    }

    @Test func inverseUndoesForwardAndLazyOutputStaysBelowFourQ() throws {
        let q = try Modulus.nttPrimes(bitSizes: [60], polyDegree: 8192)[0]
        let t = try NTTTables(modulus: Modulus(q), degree: 8192)
        var rng = TestRNG(seed: 3)
        let a = (0..<8192).map { _ in rng.next() % q }
        var x = a
        x.withUnsafeMutableBufferPointer { t.forwardLazy($0.baseAddress!) }
        #expect(x.allSatisfy { $0 < 4 * q })
        x = a
        x.withUnsafeMutableBufferPointer { t.forward($0.baseAddress!); t.inverse($0.baseAddress!) }
        #expect(x == a)
    }

    /// The double-precision butterflies give the integer butterflies' residues exactly, over
    /// random inputs and the extremes of the input ranges ([0, 4q) forward, [0, 2q) inverse),
    /// up to the largest eligible prime (47 bits: the forward transform reduces between stages
    /// from 45 bits on) and down to N = 2.
    @Test(arguments: [(2, 30), (4, 40), (16, 44), (4096, 40), (8192, 44), (32768, 40), (32768, 44),
                      (8, 45), (1024, 46), (8192, 47), (16384, 45), (16384, 47), (131072, 47)])
    func floatingPointTransformsEqualTheIntegerTransforms(degree: Int, bits: Int) throws {
        let q = try Modulus.nttPrimes(bitSizes: [bits], polyDegree: degree)[0]
        let t = try NTTTables(modulus: Modulus(q), degree: degree, floatingPoint: true)
        #expect(t.usesFloatingPoint)
        #expect(try NTTTables(modulus: Modulus(q), degree: degree).usesFloatingPoint == NTTTables.floatingPointIsFaster)
        var rng = TestRNG(seed: UInt64(degree * 100 + bits))
        let inputs: [(forward: [UInt64], inverse: [UInt64])] = [
            ((0..<degree).map { _ in rng.next() % (4 * q) }, (0..<degree).map { _ in rng.next() % (2 * q) }),
            ([UInt64](repeating: 4 * q - 1, count: degree), [UInt64](repeating: 2 * q - 1, count: degree)),
            ([UInt64](repeating: 0, count: degree), [UInt64](repeating: 0, count: degree)),
            ((0..<degree).map { $0 % 2 == 0 ? 4 * q - 1 : 0 }, (0..<degree).map { $0 % 2 == 0 ? 0 : 2 * q - 1 }),
        ]
        for (forwardInput, inverseInput) in inputs {
            var integer = forwardInput, floating = forwardInput
            integer.withUnsafeMutableBufferPointer { t.forwardLazyInteger($0.baseAddress!) }
            floating.withUnsafeMutableBufferPointer { t.forwardFloating($0.baseAddress!) }
            #expect(floating == integer.map { $0 % q })
            integer = inverseInput
            floating = inverseInput
            integer.withUnsafeMutableBufferPointer { t.inverseInteger($0.baseAddress!) }
            floating.withUnsafeMutableBufferPointer { t.inverseFloating($0.baseAddress!) }
            #expect(floating == integer)
        }
    }

    /// Primes of 2^47 and more keep the integer butterflies (the error analysis stops there),
    /// and asking for the floating-point ones there is refused.
    @Test func primesFromTwoToTheFortySevenTakeTheIntegerTransforms() throws {
        for bits in [48, 50, 60] {
            let q = try Modulus.nttPrimes(bitSizes: [bits], polyDegree: 1024)[0]
            #expect(!(try NTTTables(modulus: Modulus(q), degree: 1024)).usesFloatingPoint)
            #expect(throws: EncryptedMLError.self) { try NTTTables(modulus: Modulus(q), degree: 1024, floatingPoint: true) }
        }
        #expect(!NTTTables.floatingPointEligible(modulus: (1 << 47) + 1, degree: 1024))
        #expect(NTTTables.floatingPointEligible(modulus: (1 << 47) - 1, degree: 1024))
        #expect(!NTTTables.floatingPointEligible(modulus: 97, degree: 1 << 18))
    }

    @Test func galoisPermutationInEvaluationFormEqualsCoefficientAutomorphism() throws {
        let n = 256
        let q = try Modulus.nttPrimes(bitSizes: [40], polyDegree: n)[0]
        let m = Modulus(q)
        let t = try NTTTables(modulus: m, degree: n)
        var rng = TestRNG(seed: 5)
        let a = (0..<n).map { _ in rng.next() % q }
        for g in [5, 25, 2 * n - 1, GaloisPermutation.rotationElement(steps: -3, degree: n)] {
            // a(X^g) in coefficient form: X^i ↦ ±X^(i·g mod N).
            var automorphism = [UInt64](repeating: 0, count: n)
            for i in 0..<n {
                let e = (i * g) % (2 * n)
                if e < n { automorphism[e] = a[i] } else { automorphism[e - n] = m.negate(a[i]) }
            }
            var expected = automorphism
            expected.withUnsafeMutableBufferPointer { t.forward($0.baseAddress!) }
            var evaluation = a
            evaluation.withUnsafeMutableBufferPointer { t.forward($0.baseAddress!) }
            let permuted = GaloisPermutation(element: g, degree: n)
                .apply(to: RNSPolynomial<Evaluation>(degree: n, data: evaluation))
            #expect(permuted.data == expected, "g = \(g)")
        }
    }

    @Test func basisConversionIsExactUpToAMultipleOfTheSourceModulus() throws {
        let n = 64
        let primes = try Modulus.nttPrimes(bitSizes: [30, 31, 32, 50], polyDegree: n).map(Modulus.init)
        let source = Array(primes[0..<3])
        let target = [primes[3]]
        let converter = BasisConverter(source: source, target: target)
        let bigQ = source.reduce(UInt128(1)) { $0 * UInt128($1.value) }
        var rng = TestRNG(seed: 11)
        let values = (0..<n).map { _ in (UInt128(rng.next()) << 64 | UInt128(rng.next())) % bigQ }
        var input = [UInt64](repeating: 0, count: 3 * n)
        for i in 0..<3 { for k in 0..<n { input[i * n + k] = UInt64(values[k] % UInt128(source[i].value)) } }
        var scratch = [UInt64](repeating: 0, count: 3 * n)
        var output = [UInt64](repeating: 0, count: n)
        input.withUnsafeBufferPointer { inp in
            scratch.withUnsafeMutableBufferPointer { s in
                output.withUnsafeMutableBufferPointer { out in
                    let prepared = converter.prepare(inp.baseAddress!, degree: n, scratch: s.baseAddress!)
                    converter.convert(prepared: prepared, degree: n, targetIndex: 0, to: out.baseAddress!)
                }
            }
        }
        let t = UInt128(target[0].value)
        for k in 0..<n {
            let admissible = (0..<3).map { u in UInt64((values[k] + UInt128(u) * bigQ) % t) }
            #expect(admissible.contains(output[k]))
        }
    }
}
