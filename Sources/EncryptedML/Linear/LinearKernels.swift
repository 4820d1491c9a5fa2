/// Multiply–accumulate kernels for the linear layers: sums of word products kept as
/// 128-bit lazy sums and reduced once (Barrett) every `chunk` terms instead of after
/// every product.
@usableFromInline
enum LinearKernels {
    /// Terms whose 128-bit lazy sum cannot overflow for residues below a prime of
    /// `bitWidth` bits: each product is below `2^(2·bitWidth)`.
    @inlinable
    static func chunk(bitWidth: Int) -> Int {
        let spare = 127 - 2 * bitWidth
        return spare >= 10 ? 1024 : 1 << max(spare, 0)
    }

    /// `out[c] = Σ_t a_t[c]·b_t[c] mod q` over `terms` pairs of limbs (`a`, `b` hold the
    /// limb pointers; every residue below q). Blocks of 64 words keep their 128-bit lazy sums
    /// in L1 while the terms stream through; one Barrett reduction per word per `chunk`
    /// terms. Cost: terms·count word products.
    @inlinable
    static func dotProduct(_ out: UnsafeMutablePointer<UInt64>, _ a: UnsafeBufferPointer<UnsafePointer<UInt64>>,
                           _ b: UnsafeBufferPointer<UnsafePointer<UInt64>>, count: Int, modulus: Modulus) {
        let terms = a.count
        let step = chunk(bitWidth: modulus.bitWidth)
        let q = modulus.value
        let block = 64
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * block) { sums in
            let lo = sums.baseAddress!
            let hi = lo + block
            var base = 0
            while base < count {
                let width = Swift.min(block, count - base)
                for c in 0..<width { out[base + c] = 0 }
                var start = 0
                while start < terms {
                    let end = Swift.min(start + step, terms)
                    for c in 0..<width { lo[c] = 0; hi[c] = 0 }
                    for t in start..<end {
                        let x = a[t] + base
                        let y = b[t] + base
                        for c in 0..<width {
                            let p = x[c].multipliedFullWidth(by: y[c])
                            let (s, carry) = lo[c].addingReportingOverflow(p.low)
                            lo[c] = s
                            hi[c] = hi[c] &+ p.high &+ (carry ? 1 : 0)
                        }
                    }
                    for c in 0..<width {
                        let s = out[base + c] &+ modulus.reduce(high: hi[c], low: lo[c])
                        out[base + c] = Swift.min(s, s &- q)
                    }
                    start = end
                }
                base += width
            }
        }
    }

    /// `out[c] = (Σ_t x_t[c]·w_t + bias) mod q` for scalar weights `w_t < q` (one per input
    /// limb `x_t`). Same lazy 128-bit accumulation. Cost: terms·count word products.
    @inlinable
    static func scalarDotProduct(_ out: UnsafeMutablePointer<UInt64>, _ x: UnsafeBufferPointer<UnsafePointer<UInt64>>,
                                 _ w: UnsafeBufferPointer<UInt64>, bias: UInt64, count: Int, modulus: Modulus) {
        let terms = x.count
        let step = chunk(bitWidth: modulus.bitWidth)
        let q = modulus.value
        // Blocks of coefficients so the running sums stay in registers/L1.
        let block = 64
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * block) { sums in
            let lo = sums.baseAddress!
            let hi = lo + block
            do {
                var base = 0
                while base < count {
                    let width = Swift.min(block, count - base)
                    for c in 0..<width { out[base + c] = bias }
                    var start = 0
                    while start < terms {
                        let end = Swift.min(start + step, terms)
                        for c in 0..<width { lo[c] = 0; hi[c] = 0 }
                        for t in start..<end {
                            let weight = w[t]
                            let src = x[t] + base
                            for c in 0..<width {
                                let p = src[c].multipliedFullWidth(by: weight)
                                let (s, carry) = lo[c].addingReportingOverflow(p.low)
                                lo[c] = s
                                hi[c] = hi[c] &+ p.high &+ (carry ? 1 : 0)
                            }
                        }
                        for c in 0..<width {
                            let s = out[base + c] &+ modulus.reduce(high: hi[c], low: lo[c])
                            out[base + c] = Swift.min(s, s &- q)
                        }
                        start = end
                    }
                    base += width
                }
            }
        }
    }

    /// Lanes of 64-bit sums per weight half for a prime of `bitWidth` bits, or 0 when the
    /// split kernel does not apply: with `k = ⌈b/2⌉`, `x·w_lo < 2^(b+k)` and `x·w_hi < 2^(b+k)`,
    /// so `2^(64−b−k)` products fit a UInt64 lane.
    @inlinable
    static func splitChunk(bitWidth b: Int) -> Int {
        let k = (b + 1) / 2
        let spare = 64 - b - k
        return spare >= 2 ? 1 << min(spare, 10) : 0
    }

    /// `scalarDotProduct` for primes of at most 41 bits, written so LLVM vectorizes it: each
    /// weight is split into halves `w = w_hi·2^k + w_lo` (`k = ⌈b/2⌉`), the products with the
    /// halves are exact in 64 bits (`vpmullq`), summed in 64-bit lanes for `splitChunk` terms,
    /// then folded into a 128-bit running sum; one Barrett reduction per word at the end.
    /// Cost: 2·terms·count 64-bit multiplies (vectorized), count reductions.
    @inlinable
    static func scalarDotProductSplit(_ out: UnsafeMutablePointer<UInt64>, _ x: UnsafeBufferPointer<UnsafePointer<UInt64>>,
                                      _ w: UnsafeBufferPointer<UInt64>, bias: UInt64, count: Int, modulus: Modulus) {
        let terms = x.count
        let b = modulus.bitWidth
        let k = UInt64((b + 1) / 2)
        let mask: UInt64 = (1 << k) &- 1
        let step = splitChunk(bitWidth: b)
        precondition(step >= 2, "split kernel needs a prime of at most 41 bits")
        let q = modulus.value
        let block = 256
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 4 * block) { buffer in
            let accLo = buffer.baseAddress!
            let accHi = accLo + block
            let sumLo = accHi + block
            let sumHi = sumLo + block
            var base = 0
            while base < count {
                let width = Swift.min(block, count - base)
                for c in 0..<width { sumLo[c] = bias; sumHi[c] = 0 }
                var start = 0
                while start < terms {
                    let end = Swift.min(start + step, terms)
                    for c in 0..<width { accLo[c] = 0; accHi[c] = 0 }
                    for t in start..<end {
                        let wl = w[t] & mask
                        let wh = w[t] >> k
                        let src = x[t] + base
                        for c in 0..<width {
                            let v = src[c]
                            accLo[c] = accLo[c] &+ v &* wl
                            accHi[c] = accHi[c] &+ v &* wh
                        }
                    }
                    for c in 0..<width {
                        // sum += accLo + accHi·2^k (128-bit)
                        let addLo = accHi[c] << k
                        let addHi = accHi[c] >> (64 - k)
                        let (l1, c1) = sumLo[c].addingReportingOverflow(addLo)
                        let (l2, c2) = l1.addingReportingOverflow(accLo[c])
                        sumLo[c] = l2
                        sumHi[c] = sumHi[c] &+ addHi &+ (c1 ? 1 : 0) &+ (c2 ? 1 : 0)
                    }
                    start = end
                }
                for c in 0..<width {
                    let r = modulus.reduce(high: sumHi[c], low: sumLo[c])
                    out[base + c] = Swift.min(r, r &- q)
                }
                base += width
            }
        }
    }
}
