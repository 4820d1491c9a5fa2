import EncryptedML
import Testing

@Suite struct ArithmeticTests {
    static let primes: [UInt64] = [1_152_921_504_606_748_673, 1_099_510_890_497, 1_073_692_673, 134_215_681, 97]

    @Test(arguments: primes)
    func modularOperationsMatchWideIntegerArithmetic(q: UInt64) {
        let m = Modulus(q)
        var rng = TestRNG(seed: q)
        for _ in 0..<2000 {
            let a = rng.next() % q
            let b = rng.next() % q
            #expect(m.add(a, b) == UInt64((UInt128(a) + UInt128(b)) % UInt128(q)))
            #expect(m.subtract(a, b) == UInt64((UInt128(a) + UInt128(q) - UInt128(b)) % UInt128(q)))
            #expect(m.negate(a) == (q - a) % q)
            let product = UInt64((UInt128(a) * UInt128(b)) % UInt128(q))
            #expect(m.multiply(a, b) == product)
            #expect(m.multiplyShoup(a, b, m.shoup(b)) == product)
            let lazy = m.multiplyShoupLazy(rng.next(), b, m.shoup(b))
            #expect(lazy < 2 * q)
            let wide = UInt128(rng.next()) << 64 | UInt128(rng.next())
            #expect(m.reduce(high: UInt64(wide >> 64), low: UInt64(truncatingIfNeeded: wide)) == UInt64(wide % UInt128(q)))
            let word = rng.next()
            #expect(m.reduce(word) == word % q)
        }
        #expect(m.multiply(m.inverse(12345 % q)!, 12345 % q) == 1)
    }

    @Test func primalityKnownAnswers() {
        let primes: [UInt64] = [2, 3, 97, 7681, 12289, 2_305_843_009_213_693_951, 18_446_744_073_709_551_557]
        let composites: [UInt64] = [0, 1, 4, 561, 1105, 3_215_031_751, 2_305_843_009_213_693_953, 18_446_744_073_709_551_615]
        for p in primes { #expect(Modulus.isPrime(p), "\(p) is prime") }
        for c in composites { #expect(!Modulus.isPrime(c), "\(c) is composite") }
    }

    /// Known answers: the primes Microsoft SEAL 4.1's CoeffModulus::Create returns (read with
    /// tenseal.sealapi) for the same degrees and bit sizes, in the same order.
    @Test func primeGenerationMatchesSEALKnownAnswers() throws {
        #expect(try Modulus.nttPrimes(bitSizes: [60, 40, 40, 60], polyDegree: 8192)
            == [1_152_921_504_606_748_673, 1_099_510_890_497, 1_099_511_480_321, 1_152_921_504_606_830_593])
        #expect(try Modulus.nttPrimes(bitSizes: [60, 40, 40, 40, 40, 40, 60], polyDegree: 16384)
            == [1_152_921_504_606_683_137, 1_099_506_352_129, 1_099_506_515_969, 1_099_507_695_617,
                1_099_508_121_601, 1_099_510_054_913, 1_152_921_504_606_748_673])
        #expect(try Modulus.nttPrimes(bitSizes: [40, 30, 39], polyDegree: 4096)
            == [1_099_511_480_321, 1_073_692_673, 549_755_731_969])
        #expect(try Modulus.nttPrimes(bitSizes: [27], polyDegree: 1024) == [134_215_681])
    }

    @Test func generatedPrimesAreDistinctNTTFriendlyAndOfTheRequestedSize() throws {
        let sizes = [50, 50, 50, 30, 30, 60, 20]
        let primes = try Modulus.nttPrimes(bitSizes: sizes, polyDegree: 4096)
        #expect(Set(primes).count == primes.count)
        for (p, bits) in zip(primes, sizes) {
            #expect(Modulus.isPrime(p))
            #expect(p % 8192 == 1)
            #expect(64 - p.leadingZeroBitCount == bits)
        }
    }

    @Test func primeGenerationRefusesWhenTooFewPrimesExist() {
        // Below 2^20 only a handful of primes are ≡ 1 mod 2^17.
        #expect(throws: EncryptedMLError.self) {
            try Modulus.nttPrimes(bitSizes: Array(repeating: 20, count: 12), polyDegree: 65536)
        }
        #expect(throws: EncryptedMLError.self) { try Modulus.nttPrimes(bitSizes: [62], polyDegree: 1024) }
    }
}
