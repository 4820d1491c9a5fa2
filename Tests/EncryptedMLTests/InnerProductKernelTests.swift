import EncryptedML
import Testing

@Suite struct InnerProductKernelTests {
    /// The key-switching sum of products without intermediate reductions equals the exact
    /// `Σ x_j·b_j mod q` computed in 128-bit integers, for decomposition words up to 4q and key
    /// words below q, including digit counts past the 128-bit headroom (the folding path: 70
    /// digits of a 60-bit prime overflow an unreduced sum after 64 terms) and small primes, over
    /// one partial block and over several blocks with a partial last one.
    @Test(arguments: [(UInt64(1_152_921_504_606_748_673), 70), (1_152_921_504_606_748_673, 6),
                      (1_099_510_890_497, 3), (97, 5)])
    func sumOfProductsMatchesWideArithmetic(q: UInt64, digits: Int) {
        let m = Modulus(q)
        for n in [64, 2 * 512 + 77] {
            var rng = TestRNG(seed: q ^ UInt64(digits))
            let x = (0..<(digits * n)).map { _ in rng.next() % (4 * q) }
            let b = (0..<(digits * n)).map { _ in rng.next() % q }
            let a = (0..<(digits * n)).map { k in k % 7 == 0 ? q - 1 : rng.next() % q }
            let xMax = [UInt64](repeating: 4 * q - 1, count: digits * n)
            let kMax = [UInt64](repeating: q - 1, count: digits * n)
            for (xs, bs, as_) in [(x, b, a), (xMax, kMax, kMax)] {
                var out0 = [UInt64](repeating: 0, count: n), out1 = out0
                out0.withUnsafeMutableBufferPointer { o0 in
                    out1.withUnsafeMutableBufferPointer { o1 in
                        InnerProductKernel.sumOfProducts(o0.baseAddress!, o1.baseAddress!, xs, stride: n, bs, as_,
                                                         keyStride: n, digits: digits, count: n, modulus: m)
                    }
                }
                for k in 0..<n {
                    var s0: UInt128 = 0, s1: UInt128 = 0
                    for j in 0..<digits {
                        s0 = (s0 + UInt128(xs[j * n + k]) * UInt128(bs[j * n + k])) % UInt128(q)
                        s1 = (s1 + UInt128(xs[j * n + k]) * UInt128(as_[j * n + k])) % UInt128(q)
                    }
                    #expect(out0[k] == UInt64(s0) && out1[k] == UInt64(s1))
                }
            }
        }
    }
}
