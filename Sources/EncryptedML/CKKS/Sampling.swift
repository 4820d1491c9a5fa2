import Crypto
import _CryptoExtras
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Randomness for key generation and encryption.
///
/// - Secret material (secrets, errors, encryption masks, seeds) comes from the operating
///   system CSPRNG: glibc's `arc4random_buf` (kernel `getrandom`) on Linux,
///   `SystemRandomNumberGenerator` elsewhere; bulk noise from AES-256-CTR keyed by fresh
///   system randomness (`fillSecureStream`).
/// - Public uniform polynomials `a` are expanded from a 32-byte seed with AES-256-CTR, so
///   a key or symmetric ciphertext can be stored as a seed instead of `a`.
public enum Sampling {
    /// The error distribution's standard deviation σ.
    public static let gaussianSigma = 3.19
    /// Errors are bounded to `|e| ≤ gaussianBound` (⌊6σ⌋).
    public static let gaussianBound = 19

    /// Fills `buffer` from the system CSPRNG. Cost: a few syscalls per call, ~1 GB/s.
    public static func fillSecureRandom(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        #if canImport(Glibc)
        // glibc ≥ 2.36: arc4random_buf draws from the kernel CSPRNG (getrandom) and never fails.
        arc4random_buf(base, buffer.count)
        #else
        var rng = SystemRandomNumberGenerator()
        var offset = 0
        while offset < buffer.count {
            var word = rng.next()
            let take = min(8, buffer.count - offset)
            withUnsafeBytes(of: &word) { (base + offset).copyMemory(from: $0.baseAddress!, byteCount: take) }
            offset += take
        }
        #endif
    }

    /// Fills `buffer` with secret random bytes: up to 4 KiB straight from the system CSPRNG;
    /// beyond, AES-256-CTR keyed by 32 fresh bytes of the system CSPRNG (a CTR-DRBG: one
    /// syscall per call, AES-NI speed, the same construction SEAL uses with its seeded PRNG).
    public static func fillSecureStream(_ buffer: UnsafeMutableRawBufferPointer) {
        guard buffer.count > 4096 else { return fillSecureRandom(buffer) }
        let key = SymmetricKey(data: freshSeed())
        guard let nonce = try? AES._CTR.Nonce(nonceBytes: [UInt8](repeating: 0, count: 16)),
              let stream = try? AES._CTR.encrypt(Data(count: buffer.count), using: key, nonce: nonce),
              stream.count == buffer.count
        else { return fillSecureRandom(buffer) }
        stream.copyBytes(to: buffer)
    }

    /// `count` secret random words (see `fillSecureStream`).
    public static func secureRandomWords(_ count: Int) -> [UInt64] {
        [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
            fillSecureStream(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// A fresh 32-byte seed from the system CSPRNG.
    public static func freshSeed() -> [UInt8] {
        var seed = [UInt8](repeating: 0, count: 32)
        seed.withUnsafeMutableBytes { fillSecureRandom($0) }
        return seed
    }

    /// Signed ternary coefficients, uniform over {−1, 0, 1}, from secret randomness: coefficient
    /// `⌊3u/2^64⌋ − 1` of a uniform 64-bit `u` (branch-free; statistical distance from uniform
    /// below 2^−62 per coefficient). Cost: 8 random bytes and one product per coefficient.
    public static func ternary(count: Int) -> [Int8] {
        let words = secureRandomWords(count)
        return [Int8](unsafeUninitializedCapacity: count) { out, initialized in
            words.withUnsafeBufferPointer { w in
                for k in 0..<count {
                    out[k] = Int8(truncatingIfNeeded: Int64(w[k].multipliedFullWidth(by: 3).high) - 1)
                }
            }
            secureZero(words)
            initialized = count
        }
    }

    /// Cumulative thresholds of |e| for the bounded discrete Gaussian, scaled to 2^63:
    /// `|e| = #{t : u ≥ threshold[t]}` for a uniform 63-bit `u`.
    @usableFromInline static let gaussianThresholds: [UInt64] = {
        let s2 = 2 * gaussianSigma * gaussianSigma
        var weights = [Double](repeating: 0, count: gaussianBound + 1)
        for k in 0...gaussianBound { weights[k] = (k == 0 ? 1.0 : 2.0) * exp(-Double(k * k) / s2) }
        let total = weights.reduce(0, +)
        var cumulative = 0.0
        var thresholds: [UInt64] = []
        for k in 0..<gaussianBound {
            cumulative += weights[k] / total
            thresholds.append(UInt64(min(cumulative, 1.0) * 0x1p63))
        }
        return thresholds
    }()

    /// Bounded discrete Gaussian coefficients (σ = 3.19, |e| ≤ 19) from secret randomness by a
    /// constant-time cumulative-table scan: every threshold is compared for every sample, one
    /// threshold at a time over all samples (vectorizable). Cost: 8 random bytes and 19
    /// comparisons per coefficient.
    public static func gaussian(count: Int) -> [Int8] {
        let words = secureRandomWords(count)
        var magnitude = [UInt64](repeating: 0, count: count)
        magnitude.withUnsafeMutableBufferPointer { m in
            words.withUnsafeBufferPointer { w in
                for threshold in gaussianThresholds {
                    for k in 0..<count {
                        let u = w[k] & 0x7fff_ffff_ffff_ffff
                        // u ≥ threshold as the sign bit of threshold − 1 − u (both below 2^63): no branch.
                        m[k] &+= (threshold &- 1 &- u) >> 63
                    }
                }
            }
        }
        return [Int8](unsafeUninitializedCapacity: count) { out, initialized in
            for k in 0..<count {
                // Sign from the top bit, branch-free conditional negation: (m XOR −s) + s.
                let negative = words[k] >> 63
                let value = (magnitude[k] ^ (0 &- negative)) &+ negative
                out[k] = Int8(truncatingIfNeeded: Int64(bitPattern: value))
            }
            secureZero(words)
            secureZero(magnitude)
            initialized = count
        }
    }

    /// Writes the residues of small signed coefficients into `moduli.count` limbs at `out`.
    @inlinable
    static func writeSmall(_ coefficients: [Int8], moduli: [Modulus], degree n: Int, to out: UnsafeMutablePointer<UInt64>) {
        coefficients.withUnsafeBufferPointer { c in
            for (i, m) in moduli.enumerated() {
                let limb = out + i * n
                let q = m.value
                for k in 0..<n {
                    let v = Int64(c[k])
                    // v mod q without branches: q + v when negative, v otherwise.
                    let r = UInt64(bitPattern: v) &+ (q & UInt64(bitPattern: v >> 63))
                    limb[k] = r
                }
            }
        }
    }

    /// A polynomial with uniform residues modulo each of `moduli`, expanded deterministically
    /// from `seed` (32 bytes) by AES-256-CTR with one nonce per (domain, limb, chunk) and
    /// rejection sampling. Uniform residues are uniform in either form, so the result is
    /// used directly as an evaluation-form polynomial.
    /// Cost: about 8·N·limbs keystream bytes (AES-NI) plus N comparisons per limb.
    public static func uniform(seed: [UInt8], domain: UInt32, moduli: [Modulus], limbOffset: Int = 0,
                               degree n: Int) throws -> RNSPolynomial<Evaluation> {
        guard seed.count == 32 else {
            throw EncryptedMLError.randomnessFailure("seed has \(seed.count) bytes; expected 32")
        }
        let key = SymmetricKey(data: seed)
        return try RNSPolynomial<Evaluation>(degree: n, limbCount: moduli.count) { out in
            for (i, m) in moduli.enumerated() {
                let limb = out + i * n
                let q = m.value
                let mask: UInt64 = m.bitWidth >= 64 ? ~0 : (UInt64(1) << UInt64(m.bitWidth)) - 1
                var filled = 0
                var chunk: UInt32 = 0
                while filled < n {
                    var nonceBytes = [UInt8](repeating: 0, count: 16)
                    withUnsafeBytes(of: domain.littleEndian) { nonceBytes.replaceSubrange(0..<4, with: $0) }
                    withUnsafeBytes(of: UInt32(i + limbOffset).littleEndian) { nonceBytes.replaceSubrange(4..<8, with: $0) }
                    withUnsafeBytes(of: chunk.littleEndian) { nonceBytes.replaceSubrange(8..<12, with: $0) }
                    let nonce: AES._CTR.Nonce
                    let stream: Data
                    do {
                        nonce = try AES._CTR.Nonce(nonceBytes: nonceBytes)
                        let wanted = (n - filled) + (n - filled) / 16 + 8
                        stream = try AES._CTR.encrypt(Data(count: wanted * 8), using: key, nonce: nonce)
                    } catch {
                        throw EncryptedMLError.randomnessFailure("AES-CTR expansion failed: \(error)")
                    }
                    stream.withUnsafeBytes { raw in
                        let wordCount = raw.count / 8
                        var index = 0
                        while index < wordCount && filled < n {
                            let w = raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)
                            index += 1
                            let candidate = UInt64(littleEndian: w) & mask
                            if candidate < q {
                                limb[filled] = candidate
                                filled += 1
                            }
                        }
                    }
                    chunk += 1
                }
            }
        }
    }
}
