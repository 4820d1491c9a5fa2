import Dispatch
import Foundation

/// Everything precomputed for one CKKS parameter set: the primes, NTT tables, the
/// per-level rescaling constants, key-switching basis converters, encoder twiddles and
/// CRT tables for exact decoding. Building it costs O(N·(L+K)) once; every operation
/// only reads it, so one context is shared by all threads.
///
/// All operations are methods of the context (`context.add(a, b)`, `context.rotate(…)`),
/// checking that operands and keys belong to the same parameters.
public final class CKKSContext: Sendable {
    /// The validated parameters.
    public let parameters: CKKSParameters
    /// Ring degree N.
    public let degree: Int
    /// The ciphertext primes q_0 … q_L.
    public let ciphertextModuli: [Modulus]
    /// The special primes p_0 … p_{K−1}.
    public let specialModuli: [Modulus]
    /// Identifies the parameters (degree and primes): operands must carry the same value.
    public let fingerprint: UInt64
    /// Whether independent limbs are processed on several threads (Dispatch). Off by default;
    /// every measured figure is single-threaded.
    public let parallel: Bool

    @usableFromInline let qTables: [NTTTables]
    @usableFromInline let pTables: [NTTTables]
    /// `q_0 … q_L, p_0 … p_{K−1}`: the basis of key material.
    @usableFromInline let keyModuli: [Modulus]
    @usableFromInline let keyTables: [NTTTables]
    /// Primes per key-switching digit (α = K).
    @usableFromInline let digitSize: Int
    /// `rescaleInverse[l][i] = q_l^(−1) mod q_i` (i < l) and Shoup constants.
    @usableFromInline let rescaleInverse: [[UInt64]]
    @usableFromInline let rescaleInverseShoup: [[UInt64]]
    /// `P^(−1) mod q_i` and Shoup constants.
    @usableFromInline let pInverseModQ: [UInt64]
    @usableFromInline let pInverseModQShoup: [UInt64]
    /// `P mod q_i`.
    @usableFromInline let pModQ: [UInt64]
    /// `(P−1)/2 mod p_k` and `(P−1)/2 mod q_i`: ModDown rounds to nearest by shifting by (P−1)/2.
    @usableFromInline let halfPModP: [UInt64]
    @usableFromInline let halfPModQ: [UInt64]
    /// Converts from the P basis to the Q primes (ModDown).
    @usableFromInline let pToQ: BasisConverter
    /// Fused ModDown + rescale at level l ≥ 1: division by `D_l = q_l·P`. `fusedConverters[l]`
    /// converts from `{q_l, p_0 …}` to the Q primes; `fusedInverse[l][i] = D_l^(−1) mod q_i`;
    /// `fusedHalf[l]` holds `(D_l−1)/2` modulo `q_l, p_0, …` then modulo `q_0 … q_{l−1}`.
    @usableFromInline let fusedConverters: [BasisConverter?]
    @usableFromInline let fusedInverse: [[UInt64]]
    @usableFromInline let fusedHalfSource: [[UInt64]]
    @usableFromInline let fusedHalfTarget: [[UInt64]]
    /// ModUp converters for digit `j` at its full size (`modUpFull[j]`) and for a partial last
    /// digit of `count` primes starting at `start` (`modUpPartial[start·64 + count]`).
    @usableFromInline let modUpConverters: [Int: BasisConverter]
    /// Encoder twiddles, stage by stage (see `CKKSContext+Encoding`).
    @usableFromInline let fftTwiddleReal: [Double]
    @usableFromInline let fftTwiddleImaginary: [Double]
    /// Exact-decoding tables per level.
    @usableFromInline let crtTables: [CRTTables]

    /// Tables for composing residues `q_0 … q_l` into a centered integer.
    @usableFromInline struct CRTTables: Sendable {
        /// `(Q_l/q_i)^(−1) mod q_i` and Shoup constants.
        @usableFromInline let hatInverse: [UInt64]
        @usableFromInline let hatInverseShoup: [UInt64]
        /// `(Q_l/q_i) mod 2^128`.
        @usableFromInline let hatLow: [UInt128]
        /// `Q_l mod 2^128`.
        @usableFromInline let modulusLow: UInt128
        /// `1/q_i` as Doubles.
        @usableFromInline let primeInverse: [Double]
        /// `log2(Q_l)`.
        @usableFromInline let logModulus: Double
    }

    /// Generates the primes and precomputes all tables. Cost: O(N·(L+K)) modular products
    /// plus prime generation (milliseconds).
    /// - Parameter parallel: process independent limbs on several threads (Dispatch).
    /// - Throws: `EncryptedMLError.invalidParameters` when not enough NTT-friendly primes exist.
    public init(parameters: CKKSParameters, parallel: Bool = false) throws {
        self.parameters = parameters
        self.parallel = parallel
        let n = parameters.polyDegree
        self.degree = n
        let qCount = parameters.ciphertextModulusBits.count
        // Same order as SEAL's CoeffModulus::Create(N, Q bits + P bits): identical primes.
        let primes = try Modulus.nttPrimes(bitSizes: parameters.ciphertextModulusBits + parameters.specialModulusBits,
                                           polyDegree: n)
        let all = primes.map(Modulus.init)
        let q = Array(all[0..<qCount])
        let p = Array(all[qCount...])
        self.ciphertextModuli = q
        self.specialModuli = p
        self.keyModuli = all
        let tables = try all.map { try NTTTables(modulus: $0, degree: n) }
        self.keyTables = tables
        self.qTables = Array(tables[0..<qCount])
        self.pTables = Array(tables[qCount...])
        self.digitSize = p.count

        // Fingerprint: FNV-1a over N and the primes.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for word in [UInt64(n), UInt64(qCount)] + primes {
            for byte in 0..<8 {
                h ^= (word >> UInt64(8 * byte)) & 0xff
                h = h &* 0x0000_0100_0000_01b3
            }
        }
        self.fingerprint = h

        var rescaleInverse: [[UInt64]] = [[]]
        var rescaleInverseShoup: [[UInt64]] = [[]]
        for l in stride(from: 1, to: qCount, by: 1) {
            var inv: [UInt64] = []
            var invShoup: [UInt64] = []
            for i in 0..<l {
                let v = q[i].inverse(q[i].reduce(q[l].value))!
                inv.append(v)
                invShoup.append(q[i].shoup(v))
            }
            rescaleInverse.append(inv)
            rescaleInverseShoup.append(invShoup)
        }
        self.rescaleInverse = rescaleInverse
        self.rescaleInverseShoup = rescaleInverseShoup

        var pMod: [UInt64] = []
        var pInv: [UInt64] = []
        for qi in q {
            var prod: UInt64 = 1
            for pk in p { prod = qi.multiply(prod, qi.reduce(pk.value)) }
            pMod.append(prod)
            pInv.append(qi.inverse(prod)!)
        }
        self.pModQ = pMod
        self.halfPModP = p.map { ($0.value - 1) / 2 }
        self.halfPModQ = zip(pMod, q).map { pm, qi in qi.multiply(qi.subtract(pm, 1), (qi.value + 1) / 2) }
        self.pInverseModQ = pInv
        self.pInverseModQShoup = zip(pInv, q).map { $1.shoup($0) }
        self.pToQ = BasisConverter(source: p, target: q)
        var fusedConverters: [BasisConverter?] = [nil]
        var fusedInverse: [[UInt64]] = [[]]
        var fusedHalfSource: [[UInt64]] = [[]]
        var fusedHalfTarget: [[UInt64]] = [[]]
        for l in stride(from: 1, to: qCount, by: 1) {
            let source = [q[l]] + p
            fusedConverters.append(BasisConverter(source: source, target: q))
            var inv: [UInt64] = []
            var half: [UInt64] = []
            for i in 0..<l {
                let dMod = q[i].multiply(pMod[i], q[i].reduce(q[l].value))
                inv.append(q[i].inverse(dMod)!)
                half.append(q[i].multiply(q[i].subtract(dMod, 1), (q[i].value + 1) / 2))
            }
            fusedInverse.append(inv)
            fusedHalfTarget.append(half)
            fusedHalfSource.append(source.map { ($0.value - 1) / 2 })
        }
        self.fusedConverters = fusedConverters
        self.fusedInverse = fusedInverse
        self.fusedHalfSource = fusedHalfSource
        self.fusedHalfTarget = fusedHalfTarget

        var converters: [Int: BasisConverter] = [:]
        for level in 0..<qCount {
            var start = 0
            while start <= level {
                let count = min(p.count, level + 1 - start)
                let key = start * 64 + count
                if converters[key] == nil {
                    converters[key] = BasisConverter(source: Array(q[start..<(start + count)]), target: all)
                }
                start += p.count
            }
        }
        self.modUpConverters = converters

        // Encoder twiddles: stage with half-length h uses entries [h−1, 2h−1).
        let slots = n / 2
        let m = 2 * n
        var rotGroup = [Int](repeating: 1, count: slots)
        for j in 1..<max(slots, 1) { rotGroup[j] = (rotGroup[j - 1] * 5) % m }
        var twRe = [Double](repeating: 0, count: max(slots - 1, 1))
        var twIm = [Double](repeating: 0, count: max(slots - 1, 1))
        var length = 2
        while length <= slots {
            let half = length >> 1
            let quarterInverse = length << 2
            let gap = m / quarterInverse
            for j in 0..<half {
                let idx = (rotGroup[j] % quarterInverse) * gap
                let angle = 2.0 * Double.pi * Double(idx) / Double(m)
                twRe[half - 1 + j] = cos(angle)
                twIm[half - 1 + j] = sin(angle)
            }
            length <<= 1
        }
        self.fftTwiddleReal = twRe
        self.fftTwiddleImaginary = twIm

        var crt: [CRTTables] = []
        for level in 0..<qCount {
            var hatInverse: [UInt64] = []
            var hatLow: [UInt128] = []
            var modulusLow: UInt128 = 1
            for i in 0...level { modulusLow = modulusLow &* UInt128(q[i].value) }
            for i in 0...level {
                var hatModQi: UInt64 = 1
                var hat: UInt128 = 1
                for k in 0...level where k != i {
                    hatModQi = q[i].multiply(hatModQi, q[i].reduce(q[k].value))
                    hat = hat &* UInt128(q[k].value)
                }
                hatInverse.append(q[i].inverse(hatModQi)!)
                hatLow.append(hat)
            }
            crt.append(CRTTables(
                hatInverse: hatInverse,
                hatInverseShoup: zip(hatInverse, q).map { $1.shoup($0) },
                hatLow: hatLow, modulusLow: modulusLow,
                primeInverse: q[0...level].map { 1.0 / Double($0.value) },
                logModulus: q[0...level].reduce(0.0) { $0 + log2(Double($1.value)) }))
        }
        self.crtTables = crt
    }

    /// Number of complex slots (N/2).
    public var slotCount: Int { degree / 2 }
    /// Highest level L.
    public var maxLevel: Int { ciphertextModuli.count - 1 }
    /// The default scale Δ = 2^scaleBits.
    public var defaultScale: Double { parameters.scale }

    /// `log2` of the ciphertext modulus at `level`.
    public func logModulus(atLevel level: Int) -> Double { crtTables[level].logModulus }

    /// The Q primes `q_0 … q_level`.
    @inlinable func moduli(level: Int) -> [Modulus] { Array(ciphertextModuli[0...level]) }

    /// Number of key-switching digits at `level`: ⌈(level+1)/α⌉.
    @inlinable func digitCount(level: Int) -> Int { (level + digitSize) / digitSize }

    /// Runs `body(0) … body(count − 1)`, on several threads when the context is `parallel`.
    /// Iterations must touch disjoint memory.
    @inlinable func forEachIndex(_ count: Int, _ body: (Int) -> Void) {
        if parallel && count > 1 {
            // The iterations write disjoint memory and concurrentPerform returns only when all are
            // done, so handing the non-Sendable closure to the worker threads is safe.
            withoutActuallyEscaping(body) { body in
                let box = UncheckedSendableBox(body)
                DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
            }
        } else {
            for i in 0..<count { body(i) }
        }
    }

    // MARK: - Checks

    @usableFromInline func check(_ ct: CKKSCiphertext, _ what: String) throws {
        guard ct.contextFingerprint == fingerprint else {
            throw EncryptedMLError.mismatchedContext(
                "\(what): ciphertext was created under other parameters than \(parameters); use the context that created it")
        }
    }

    @usableFromInline func check(_ pt: CKKSPlaintext, _ what: String) throws {
        guard pt.contextFingerprint == fingerprint else {
            throw EncryptedMLError.mismatchedContext(
                "\(what): plaintext was encoded under other parameters than \(parameters); encode it with this context")
        }
    }

    @usableFromInline func checkKey(_ keyFingerprint: UInt64, _ what: String) throws {
        guard keyFingerprint == fingerprint else {
            throw EncryptedMLError.mismatchedContext(
                "\(what): key was generated under other parameters than \(parameters); generate keys with this context")
        }
    }
}

/// Carries a value across a concurrency boundary whose safety the caller guarantees.
@usableFromInline struct UncheckedSendableBox<Value>: @unchecked Sendable {
    @usableFromInline let value: Value
    @usableFromInline init(_ value: Value) { self.value = value }
}
