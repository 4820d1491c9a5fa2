import Dispatch
import Foundation

/// The public facade of one CKKS parameter set. Everything precomputed lives in four
/// components with one job each, built once (O(N·(L+K)) work) and only read afterwards, so
/// one context is shared by all threads:
/// - `chain` (`CKKSLevelChain`): per level ℓ the primes `q_0 … q_ℓ`, NTT tables, rescaling
///   constants and CRT tables (SEAL's chain of `ContextData`);
/// - `encoder` (`CKKSEncoder`): the special FFT's twiddles and exact CRT decoding;
/// - `keySwitcher` (`CKKSKeySwitcher`): ModUp/ModDown converters, the fused ModDown+rescale,
///   key-switching key assembly;
/// - `sampler` (`CKKSSampler`): ternary, Gaussian and seeded uniform polynomials.
/// New protocols (threshold CKKS, other key kinds) use the components through `package`
/// access; circuits are types over a context (`EncodedLinearLayer`, `ChebyshevEvaluator`).
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

    /// Per-level tables (primes, NTT tables, rescaling and CRT constants): SEAL's `ContextData` chain.
    package let chain: CKKSLevelChain
    /// Slot values ↔ polynomials (FFT twiddles, exact CRT decoding).
    package let encoder: CKKSEncoder
    /// Hybrid key switching over `Q·P` (ModUp/ModDown converters, fused rescale, key assembly).
    package let keySwitcher: CKKSKeySwitcher
    /// Secret, error and seeded uniform polynomials over the context's primes.
    package let sampler: CKKSSampler

    /// Generates the primes and precomputes all tables. Cost: O(N·(L+K)) modular products
    /// plus prime generation (milliseconds).
    /// - Parameter parallel: process independent limbs on several threads (Dispatch).
    /// - Throws: the errors of `CKKSParameters.validate()` (checked again here, whatever built
    ///   the value); `EncryptedMLError.invalidParameters` when not enough NTT-friendly primes exist.
    public init(parameters: CKKSParameters, parallel: Bool = false) throws {
        try parameters.validate()
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
        let tables = try all.map { try NTTTables(modulus: $0, degree: n) }

        // Fingerprint: FNV-1a over N and the primes.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for word in [UInt64(n), UInt64(qCount)] + primes {
            for byte in 0..<8 {
                h ^= (word >> UInt64(8 * byte)) & 0xff
                h = h &* 0x0000_0100_0000_01b3
            }
        }
        self.fingerprint = h
        let chain = CKKSLevelChain(primes: q, tables: Array(tables[0..<qCount]))
        self.chain = chain
        self.encoder = CKKSEncoder(degree: n, chain: chain)
        self.keySwitcher = CKKSKeySwitcher(degree: n, q: q, p: p, tables: tables, fingerprint: h, parallel: parallel)
        self.sampler = CKKSSampler(degree: n, keyModuli: all, keyTables: tables)
    }

    /// Number of complex slots (N/2).
    public var slotCount: Int { degree / 2 }
    /// Highest level L.
    public var maxLevel: Int { ciphertextModuli.count - 1 }
    /// The default scale Δ = 2^scaleBits.
    public var defaultScale: Double { parameters.scale }

    /// `log2` of the ciphertext modulus at `level`.
    public func logModulus(atLevel level: Int) -> Double { chain[level].logModulus }

    /// The Q primes `q_0 … q_level`, precomputed in the level chain (no allocation).
    package func moduli(level: Int) -> [Modulus] { chain[level].moduli }

    /// Runs `body(0) … body(count − 1)`, on several threads when the context is `parallel`.
    /// Iterations must touch disjoint memory.
    func forEachIndex(_ count: Int, _ body: (Int) -> Void) { forEachLimb(count, parallel: parallel, body) }

    // MARK: - Component forwarding
    // The operations live in the components (`chain`, `encoder`, `keySwitcher`, `sampler`);
    // these names are kept for the layers and protocols written against the context.

    /// NTT tables of `q_0 … q_L`.
    var qTables: [NTTTables] { chain.tables }
    /// NTT tables of the special primes.
    var pTables: [NTTTables] { keySwitcher.pTables }
    /// `q_0 … q_L, p_0 … p_{K−1}`: the basis of key material.
    package var keyModuli: [Modulus] { keySwitcher.keyModuli }
    /// NTT tables of the key basis.
    package var keyTables: [NTTTables] { keySwitcher.keyTables }
    /// Primes per key-switching digit (α = K).
    package var digitSize: Int { keySwitcher.digitSize }
    /// `P mod q_i`.
    package var pModQ: [UInt64] { keySwitcher.pModQ }
    /// Number of key-switching digits at `level`: ⌈(level+1)/α⌉.
    package func digitCount(level: Int) -> Int { keySwitcher.digitCount(level: level) }
    /// Limb index in the key basis of extended limb `r` at `level`.
    package func keyLimbIndex(_ r: Int, level: Int) -> Int { keySwitcher.keyLimbIndex(r, level: level) }
    /// ModUp of every digit of `c` (see `CKKSKeySwitcher.decompose`).
    package func decompose(_ c: RNSPolynomial<Evaluation>) -> KeySwitchDecomposition { keySwitcher.decompose(c) }
    /// `Σ_j σ(d_j)·(b_j, a_j)` (see `CKKSKeySwitcher.innerProduct`).
    package func innerProduct(_ d: KeySwitchDecomposition, key: KeySwitchingKey, permutation: GaloisPermutation?)
        -> (RNSPolynomial<Evaluation>, RNSPolynomial<Evaluation>)
    {
        keySwitcher.innerProduct(d, key: key, permutation: permutation)
    }
    /// ModDown from `Q_l·P` to `Q_l` (see `CKKSKeySwitcher.modDown`).
    package func modDown(_ x: consuming RNSPolynomial<Evaluation>, level: Int) -> RNSPolynomial<Evaluation> {
        keySwitcher.modDown(x, level: level)
    }
    /// ModDown of `x + noise + P·message` (see `CKKSKeySwitcher.modDown(_:level:noise:message:)`).
    package func modDown(_ x: consuming RNSPolynomial<Evaluation>, level: Int, noise: [Int8]?,
                         message: RNSPolynomial<Coefficient>?) -> RNSPolynomial<Evaluation> {
        keySwitcher.modDown(x, level: level, noise: noise, message: message)
    }
    /// Fused ModDown and rescale (see `CKKSKeySwitcher.modDownAndRescale`).
    package func modDownAndRescale(_ x: consuming RNSPolynomial<Evaluation>, adding d: RNSPolynomial<Evaluation>,
                                   level: Int) -> RNSPolynomial<Evaluation> {
        keySwitcher.modDownAndRescale(x, adding: d, level: level)
    }
    /// Key switching of `c` under `key` (see `CKKSKeySwitcher.keySwitch`).
    package func keySwitch(_ c: RNSPolynomial<Evaluation>, key: KeySwitchingKey)
        -> (RNSPolynomial<Evaluation>, RNSPolynomial<Evaluation>)
    {
        keySwitcher.keySwitch(c, key: key)
    }
    /// A key-switching key from `target` to `secretKey` (see `CKKSKeySwitcher.makeKey`).
    package func generateKeySwitchingKey(from target: RNSPolynomial<Evaluation>, secretKey: CKKSSecretKey,
                                         permutation: GaloisPermutation? = nil) throws -> KeySwitchingKey {
        try keySwitcher.makeKey(from: target, secret: secretKey.poly, sampler: sampler, permutation: permutation)
    }

    /// A small signed polynomial in evaluation form over `moduli` (see `CKKSSampler`).
    package func smallPolynomial(_ coefficients: [Int8], moduli: [Modulus], tables: [NTTTables])
        -> RNSPolynomial<Evaluation>
    {
        sampler.smallPolynomial(coefficients, moduli: moduli, tables: tables)
    }
    /// Checks an encoding target and returns the level to use (see `CKKSEncoder`).
    package func resolveEncoding(count: Int, level: Int?, scale: Double) throws -> Int {
        try encoder.resolveEncoding(count: count, level: level, scale: scale)
    }
    /// Writes encoded coefficients into limbs `0…level` (see `CKKSEncoder`).
    package func writeEncodedCoefficients(real: [Double], imaginary: [Double]?, scale: Double, level: Int,
                                          noise: [Int8]? = nil, to out: UnsafeMutablePointer<UInt64>) throws {
        try encoder.writeEncodedCoefficients(real: real, imaginary: imaginary, scale: scale, level: level,
                                             noise: noise, to: out)
    }
    /// Evaluation-form polynomial → slot values (see `CKKSEncoder`).
    package func decodeComplexParts(_ poly: RNSPolynomial<Evaluation>, scale: Double)
        -> (real: [Double], imaginary: [Double])
    {
        encoder.decodeComplexParts(poly, scale: scale)
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

/// Runs `body(0) … body(count − 1)`, on several threads (Dispatch) when `parallel` and
/// `count > 1`. Iterations must touch disjoint memory.
func forEachLimb(_ count: Int, parallel: Bool, _ body: (Int) -> Void) {
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

extension CKKSContext {
    /// `transform` of every item, on every core when the context is `parallel` (the items
    /// must be independent, e.g. the ciphertexts of a batch set); the first error is rethrown
    /// after every item ran. Cost: `transform` per item.
    func concurrentMap<Item, Result>(_ items: [Item], _ transform: (Item) throws -> Result) throws -> [Result] {
        guard parallel, items.count > 1 else { return try items.map(transform) }
        var results = [Result?](repeating: nil, count: items.count)
        let firstError = FirstError()
        results.withUnsafeMutableBufferPointer { out in
            forEachIndex(items.count) { i in
                do { out[i] = try transform(items[i]) } catch { firstError.record(error) }
            }
        }
        if let error = firstError.error { throw error }
        return results.map { $0! }
    }
}

/// The first of the errors recorded from several threads.
final class FirstError: @unchecked Sendable {
    // @unchecked: `stored` is only touched under `lock`.
    private let lock = NSLock()
    private var stored: Error?
    /// Keeps `error` unless one was recorded before.
    func record(_ error: Error) { lock.lock(); if stored == nil { stored = error }; lock.unlock() }
    /// The first recorded error.
    var error: Error? { lock.lock(); defer { lock.unlock() }; return stored }
}

/// Carries a value across a concurrency boundary whose safety the caller guarantees.
@usableFromInline struct UncheckedSendableBox<Value>: @unchecked Sendable {
    @usableFromInline let value: Value
    @usableFromInline init(_ value: Value) { self.value = value }
}
