/// The representation a polynomial's residues are in: a phantom type, so that an
/// operation that is only meaningful in one form (pointwise product in evaluation
/// form, Galois permutation of NTT slots) does not compile on the other.
public protocol PolyFormat: Sendable {}

/// Coefficient form: limb `i` holds the coefficients modulo prime `i`.
public enum Coefficient: PolyFormat {}

/// Evaluation (NTT) form: limb `i` holds the values at the 2N-th roots of unity modulo prime `i`,
/// in the bit-reversed order of `NTTTables`.
public enum Evaluation: PolyFormat {}

/// A polynomial of `Z_Q[X]/(X^N + 1)` in residue-number-system form: one contiguous,
/// limb-major buffer of `limbCount × N` words, limb `i` reduced modulo the `i`-th prime
/// of whatever basis the caller pairs it with (the polynomial does not own its moduli,
/// so dropping the last limb is a truncation).
public struct RNSPolynomial<Format: PolyFormat>: Sendable, Equatable {
    /// Residues, limb-major: `data[i·N + k]` is coefficient/slot `k` modulo prime `i`.
    public var data: [UInt64]
    /// Ring degree N.
    public let degree: Int

    /// A zero polynomial with `limbCount` limbs. Cost: one zeroed allocation.
    public init(degree: Int, limbCount: Int) {
        self.degree = degree
        self.data = [UInt64](repeating: 0, count: degree * limbCount)
    }

    /// Wraps existing limb-major residues. - Precondition: `data.count` is a multiple of `degree`.
    public init(degree: Int, data: [UInt64]) {
        precondition(degree > 0 && data.count % degree == 0, "buffer is not a whole number of limbs")
        self.degree = degree
        self.data = data
    }

    /// An uninitialized-then-filled polynomial: `body` must write every word. No zeroing cost.
    @inlinable
    public init(degree: Int, limbCount: Int, fill body: (UnsafeMutablePointer<UInt64>) throws -> Void) rethrows {
        self.degree = degree
        let count = degree * limbCount
        self.data = try [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
            try body(buffer.baseAddress!)
            initialized = count
        }
    }

    /// Number of RNS limbs.
    @inlinable public var limbCount: Int { data.count / degree }

    /// Reinterprets the residues as the other format without touching them (for kernels
    /// that transform the buffer in place). Cost: none.
    @inlinable
    public func unsafeReinterpreted<Other: PolyFormat>(as _: Other.Type = Other.self) -> RNSPolynomial<Other> {
        RNSPolynomial<Other>(degree: degree, data: data)
    }

    /// Removes the last `count` limbs (the modulus drops the matching primes). Cost: O(1).
    @inlinable
    public mutating func dropLastLimbs(_ count: Int) {
        precondition(count >= 0 && count < limbCount, "cannot drop \(count) of \(limbCount) limbs")
        data.removeLast(count * degree)
    }

    /// The first `count` limbs as a new polynomial. Cost: one copy of `count·N` words.
    @inlinable
    public func prefix(limbs count: Int) -> RNSPolynomial<Format> {
        precondition(count >= 1 && count <= limbCount)
        return RNSPolynomial(degree: degree, data: Array(data[0..<(count * degree)]))
    }
}

extension RNSPolynomial where Format == Coefficient {
    /// Transforms every limb to evaluation form in place (`tables[i]` for limb `i`).
    /// Input residues in `[0, 4q)`; output in `[0, q)`. Cost: `limbCount` forward NTTs.
    @inlinable
    public consuming func forwardNTT(_ tables: [NTTTables]) -> RNSPolynomial<Evaluation> {
        let n = degree
        let limbs = limbCount
        precondition(tables.count >= limbs)
        data.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<limbs { tables[i].forward(buffer.baseAddress! + i * n) }
        }
        return unsafeReinterpreted()
    }
}

extension RNSPolynomial where Format == Evaluation {
    /// Transforms every limb to coefficient form in place. Input in `[0, 2q)`; output in `[0, q)`.
    /// Cost: `limbCount` inverse NTTs.
    @inlinable
    public consuming func inverseNTT(_ tables: [NTTTables]) -> RNSPolynomial<Coefficient> {
        let n = degree
        let limbs = limbCount
        precondition(tables.count >= limbs)
        data.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<limbs { tables[i].inverse(buffer.baseAddress! + i * n) }
        }
        return unsafeReinterpreted()
    }
}
