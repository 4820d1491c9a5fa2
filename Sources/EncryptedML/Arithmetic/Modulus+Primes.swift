extension Modulus {
    /// Deterministic Miller–Rabin primality test for any 64-bit integer (the first
    /// twelve prime bases are a proven witness set below 3.3·10^24).
    /// Cost: about 12·64 modular multiplications.
    public static func isPrime(_ n: UInt64) -> Bool {
        if n < 2 { return false }
        let smallPrimes: [UInt64] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37]
        for p in smallPrimes {
            if n == p { return true }
            if n % p == 0 { return false }
        }
        var d = n - 1
        var s = 0
        while d & 1 == 0 { d >>= 1; s += 1 }
        func mulmod(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let p = a.multipliedFullWidth(by: b)
            return n.dividingFullWidth((high: p.high, low: p.low)).remainder
        }
        func powmod(_ b: UInt64, _ e: UInt64) -> UInt64 {
            var result: UInt64 = 1, base = b % n, e = e
            while e > 0 {
                if e & 1 == 1 { result = mulmod(result, base) }
                base = mulmod(base, base)
                e >>= 1
            }
            return result
        }
        witness: for a in smallPrimes {
            var x = powmod(a, d)
            if x == 1 || x == n - 1 { continue }
            for _ in 1..<max(s, 1) {
                x = mulmod(x, x)
                if x == n - 1 { continue witness }
            }
            return false
        }
        return true
    }

    /// Distinct NTT-friendly primes `q ≡ 1 (mod 2N)` of exactly the requested bit sizes,
    /// one per requested size. For each bit size `b` the primes are the largest ones below
    /// `2^b`, the largest going to the last position of that size, then the next to the
    /// previous position — the same primes in the same order as SEAL's `CoeffModulus::Create`.
    /// Cost: a few hundred primality tests per prime.
    /// - Throws: `EncryptedMLError.invalidParameters` when a size is out of `[20, 61]`
    ///   or not enough primes of that size exist for `polyDegree`.
    public static func nttPrimes(bitSizes: [Int], polyDegree: Int) throws -> [UInt64] {
        guard polyDegree >= 2, polyDegree & (polyDegree - 1) == 0 else {
            throw EncryptedMLError.invalidParameters("ring degree \(polyDegree) is not a power of two")
        }
        let step = UInt64(2 * polyDegree)
        var nextCandidate: [Int: UInt64] = [:]
        var result = [UInt64](repeating: 0, count: bitSizes.count)
        // Assigned from the last position backwards, so the last prime of each size is the
        // largest: exactly SEAL's CoeffModulus::Create order.
        for index in bitSizes.indices.reversed() {
            let bits = bitSizes[index]
            guard bits >= 20, bits <= maximumBitWidth else {
                throw EncryptedMLError.invalidParameters(
                    "prime size \(bits) bits is outside [20, \(maximumBitWidth)]; choose sizes in that range")
            }
            let lowerBound: UInt64 = 1 << UInt64(bits - 1)
            // Largest value below 2^bits that is ≡ 1 mod 2N.
            var candidate = nextCandidate[bits] ?? (((UInt64(1) << UInt64(bits)) - 1) / step * step + 1)
            while candidate > lowerBound && !isPrime(candidate) {
                candidate -= step
            }
            guard candidate > lowerBound, candidate < (UInt64(1) << UInt64(bits)) else {
                throw EncryptedMLError.invalidParameters(
                    "not enough \(bits)-bit primes ≡ 1 mod \(step); use fewer or larger primes")
            }
            result[index] = candidate
            nextCandidate[bits] = candidate - step
        }
        return result
    }

    /// A primitive `order`-th root of unity modulo the prime `q` (order a power of two
    /// dividing `q − 1`), the smallest such generator power found by trial.
    public func primitiveRoot(order: UInt64) -> UInt64? {
        guard order >= 2, (value - 1) % order == 0 else { return nil }
        let cofactor = (value - 1) / order
        var g: UInt64 = 2
        while g < value {
            let root = power(g, cofactor)
            // root has order dividing `order`; it is primitive iff root^(order/2) = −1.
            if power(root, order / 2) == value - 1 { return root }
            g += 1
        }
        return nil
    }
}
