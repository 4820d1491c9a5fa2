extension NTTTables {
    /// Forward negacyclic NTT in place. Input in `[0, 4q)`; output in `[0, 4q)` (no final
    /// reduction; `[0, q)` on the floating-point path). Primes below 2^47 take the
    /// floating-point butterflies (`forwardFloating`, about twice as fast), the others the
    /// integer ones (`forwardLazyInteger`); both give the same residues.
    /// Cost: (N/2)·log N butterflies.
    @inlinable
    public func forwardLazy(_ a: UnsafeMutablePointer<UInt64>) {
        if usesFloatingPoint { forwardFloating(a) } else { forwardLazyInteger(a) }
    }

    /// Forward negacyclic NTT in place with Harvey lazy butterflies and Shoup twiddles, on any
    /// prime below 2^62. Input in `[0, 4q)`; output in `[0, 4q)` (no final reduction).
    /// Cost: (N/2)·log N butterflies, each one Shoup multiplication.
    @inlinable
    public func forwardLazyInteger(_ a: UnsafeMutablePointer<UInt64>) {
        let q = modulus.value
        let twoQ = modulus.twiceValue
        let n = degree
        forwardRoots.withUnsafeBufferPointer { rootsBuffer in
            forwardRootsShoup.withUnsafeBufferPointer { shoupBuffer in
                let roots = rootsBuffer.baseAddress!
                let shoup = shoupBuffer.baseAddress!
                var m = 1
                var t = n >> 1
                while m < n {
                    if t == 1 {
                        // Last stage: one butterfly per twiddle; a flat loop over the pairs
                        // (interleaved accesses) lets LLVM vectorize across twiddles.
                        for i in 0..<m {
                            let w = roots[m + i]
                            let ws = shoup[m + i]
                            var u = a[2 * i]
                            u = Swift.min(u, u &- twoQ)
                            let v = a[2 * i + 1]
                            let hi = v.multipliedFullWidth(by: ws).high
                            let p = v &* w &- hi &* q
                            a[2 * i] = u &+ p
                            a[2 * i + 1] = u &- p &+ twoQ
                        }
                        break
                    }
                    if t == 4 {
                        for i in 0..<m {
                            let w = roots[m + i]
                            let ws = shoup[m + i]
                            let x = a + 8 * i
                            for j in 0..<4 {
                                var u = x[j]
                                u = Swift.min(u, u &- twoQ)
                                let v = x[j + 4]
                                let p = v &* w &- v.multipliedFullWidth(by: ws).high &* q
                                x[j] = u &+ p
                                x[j + 4] = u &- p &+ twoQ
                            }
                        }
                        m <<= 1
                        t >>= 1
                        continue
                    }
                    if t == 2 {
                        for i in 0..<m {
                            let w = roots[m + i]
                            let ws = shoup[m + i]
                            let x = a + 4 * i
                            var u0 = x[0]
                            u0 = Swift.min(u0, u0 &- twoQ)
                            var u1 = x[1]
                            u1 = Swift.min(u1, u1 &- twoQ)
                            let v0 = x[2], v1 = x[3]
                            let p0 = v0 &* w &- v0.multipliedFullWidth(by: ws).high &* q
                            let p1 = v1 &* w &- v1.multipliedFullWidth(by: ws).high &* q
                            x[0] = u0 &+ p0
                            x[1] = u1 &+ p1
                            x[2] = u0 &- p0 &+ twoQ
                            x[3] = u1 &- p1 &+ twoQ
                        }
                        m <<= 1
                        t >>= 1
                        continue
                    }
                    var x = a
                    for i in 0..<m {
                        let w = roots[m + i]
                        let ws = shoup[m + i]
                        let y = x + t
                        for j in 0..<t {
                            var u = x[j]
                            u = Swift.min(u, u &- twoQ)
                            let v = y[j]
                            let hi = v.multipliedFullWidth(by: ws).high
                            let p = v &* w &- hi &* q
                            x[j] = u &+ p
                            y[j] = u &- p &+ twoQ
                        }
                        x += 2 * t
                    }
                    m <<= 1
                    t >>= 1
                }
            }
        }
    }

    /// Forward negacyclic NTT in place: input in `[0, 4q)`, output in `[0, q)`.
    /// Cost: `forwardLazy` plus one pass of conditional subtractions.
    @inlinable
    public func forward(_ a: UnsafeMutablePointer<UInt64>) {
        if usesFloatingPoint {
            forwardFloating(a)  // already in [0, q)
            return
        }
        forwardLazyInteger(a)
        let q = modulus.value
        let twoQ = modulus.twiceValue
        for j in 0..<degree {
            var u = a[j]
            u = Swift.min(u, u &- twoQ)
            a[j] = Swift.min(u, u &- q)
        }
    }

    /// Inverse negacyclic NTT in place, including the `N^(−1)` factor. Input in `[0, 2q)`;
    /// output in `[0, q)`. Primes below 2^47 take the floating-point butterflies
    /// (`inverseFloating`), the others the integer ones (`inverseInteger`).
    /// Cost: (N/2)·log N butterflies plus N multiplications.
    @inlinable
    public func inverse(_ a: UnsafeMutablePointer<UInt64>) {
        if usesFloatingPoint { inverseFloating(a) } else { inverseInteger(a) }
    }

    /// Inverse negacyclic NTT in place (Gentleman–Sande lazy butterflies, Shoup twiddles), on
    /// any prime below 2^62, including the `N^(−1)` factor. Input in `[0, 2q)`; output in `[0, q)`.
    /// Cost: (N/2)·log N butterflies plus N Shoup multiplications.
    @inlinable
    public func inverseInteger(_ a: UnsafeMutablePointer<UInt64>) {
        let q = modulus.value
        let twoQ = modulus.twiceValue
        let n = degree
        inverseRoots.withUnsafeBufferPointer { rootsBuffer in
            inverseRootsShoup.withUnsafeBufferPointer { shoupBuffer in
                let roots = rootsBuffer.baseAddress!
                let shoup = shoupBuffer.baseAddress!
                var m = n >> 1
                var t = 1
                if m > 1 {
                    // First stage (t = 1): flat loop over the pairs, vectorizable across twiddles.
                    for i in 0..<m {
                        let w = roots[m + i]
                        let ws = shoup[m + i]
                        let u = a[2 * i]
                        let v = a[2 * i + 1]
                        let s = u &+ v
                        a[2 * i] = Swift.min(s, s &- twoQ)
                        let d = u &- v &+ twoQ
                        a[2 * i + 1] = d &* w &- d.multipliedFullWidth(by: ws).high &* q
                    }
                    m >>= 1
                    t <<= 1
                }
                if m > 1 {
                    // Second stage (t = 2), flat as well.
                    for i in 0..<m {
                        let w = roots[m + i]
                        let ws = shoup[m + i]
                        let x = a + 4 * i
                        for j in 0..<2 {
                            let u = x[j]
                            let v = x[j + 2]
                            let s = u &+ v
                            x[j] = Swift.min(s, s &- twoQ)
                            let d = u &- v &+ twoQ
                            x[j + 2] = d &* w &- d.multipliedFullWidth(by: ws).high &* q
                        }
                    }
                    m >>= 1
                    t <<= 1
                }
                while m > 1 {
                    var x = a
                    for i in 0..<m {
                        let w = roots[m + i]
                        let ws = shoup[m + i]
                        let y = x + t
                        for j in 0..<t {
                            let u = x[j]
                            let v = y[j]
                            let s = u &+ v
                            x[j] = Swift.min(s, s &- twoQ)
                            let d = u &- v &+ twoQ
                            let hi = d.multipliedFullWidth(by: ws).high
                            y[j] = d &* w &- hi &* q
                        }
                        x += 2 * t
                    }
                    m >>= 1
                    t <<= 1
                }
                // Last stage (m = 1) merged with the N^(−1) scaling.
                let half = n >> 1
                let nInv = degreeInverse
                let nInvShoup = degreeInverseShoup
                let w = modulus.multiply(roots[1], nInv)
                let ws = modulus.shoup(w)
                let y = a + half
                for j in 0..<half {
                    let u = a[j]
                    let v = y[j]
                    let s = u &+ v
                    let hi0 = s.multipliedFullWidth(by: nInvShoup).high
                    let r0 = s &* nInv &- hi0 &* q
                    a[j] = Swift.min(r0, r0 &- q)
                    let d = u &- v &+ twoQ
                    let hi1 = d.multipliedFullWidth(by: ws).high
                    let r1 = d &* w &- hi1 &* q
                    y[j] = Swift.min(r1, r1 &- q)
                }
            }
        }
    }

    /// Schoolbook negacyclic product `a·b mod (X^N + 1, q)` of two coefficient vectors.
    /// Cost: O(N²); a reference for tests, never used in hot paths.
    public func schoolbookNegacyclicProduct(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        precondition(a.count == degree && b.count == degree)
        var result = [UInt64](repeating: 0, count: degree)
        for i in 0..<degree {
            for j in 0..<degree {
                let p = modulus.multiply(a[i], b[j])
                let k = i + j
                if k < degree {
                    result[k] = modulus.add(result[k], p)
                } else {
                    result[k - degree] = modulus.subtract(result[k - degree], p)
                }
            }
        }
        return result
    }
}
