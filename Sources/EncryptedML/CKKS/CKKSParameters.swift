import Models

/// Whether a parameter set must meet the 128-bit security bound.
public enum CKKSSecurity: String, Sendable, Hashable, Codable {
    /// Checked against the HomomorphicEncryption.org 128-bit classical bound (the default).
    case classical128
    /// Not checked: for tests and experiments only. Ciphertexts under such parameters are not secure.
    case insecureUnchecked
}

/// CKKS parameters: ring degree N, the bit sizes of the ciphertext primes `q_0 … q_L`
/// (level L = count − 1; `q_0` is the base prime that holds the final result), the
/// special primes `P` used only in key switching, and the default scale `Δ = 2^scaleBits`.
///
/// Validated at construction: N a power of two in 2^10 … 2^16 (2^4 … 2^16 when insecure),
/// prime sizes in 20 … 60 bits, `log2(Q·P)` within the 128-bit bound of `SecurityTable`
/// unless `security: .insecureUnchecked` is passed explicitly, scale below the base prime, and the
/// special modulus P at least as large as every key-switching digit. Decoding validates too.
public struct CKKSParameters: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Ring degree N (slots = N/2).
    public let polyDegree: Int
    /// Bit sizes of the ciphertext primes q_0 … q_L.
    public let ciphertextModulusBits: [Int]
    /// Bit sizes of the special (key-switching) primes P.
    public let specialModulusBits: [Int]
    /// log2 of the default scale Δ.
    public let scaleBits: Int
    /// The security requirement these parameters were checked against.
    public let security: CKKSSecurity

    /// Validates and creates a parameter set. Cost: O(L).
    /// - Throws: `EncryptedMLError.insecureParameters` when `log2(QP)` exceeds the 128-bit
    ///   bound for N and `security` is `.classical128`; `.specialModulusTooSmall` when P is
    ///   smaller than a key-switching digit; `.invalidParameters` for malformed sets.
    public init(polyDegree: Int, ciphertextModulusBits: [Int], specialModulusBits: [Int], scaleBits: Int,
                security: CKKSSecurity = .classical128) throws {
        try Self.validate(polyDegree: polyDegree, ciphertextModulusBits: ciphertextModulusBits,
                          specialModulusBits: specialModulusBits, scaleBits: scaleBits, security: security)
        self.polyDegree = polyDegree
        self.ciphertextModulusBits = ciphertextModulusBits
        self.specialModulusBits = specialModulusBits
        self.scaleBits = scaleBits
        self.security = security
    }

    /// Decodes and validates like `init(polyDegree:…)`: a decoded parameter set is untrusted
    /// input and meets the same checks (an over-sized `log QP` marked `classical128` is refused).
    /// - Throws: `DecodingError` for a malformed document, `EncryptedMLError` as the main init.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(polyDegree: c.decode(Int.self, forKey: .polyDegree),
                      ciphertextModulusBits: c.decode([Int].self, forKey: .ciphertextModulusBits),
                      specialModulusBits: c.decode([Int].self, forKey: .specialModulusBits),
                      scaleBits: c.decode(Int.self, forKey: .scaleBits),
                      security: c.decode(CKKSSecurity.self, forKey: .security))
    }

    /// Re-checks a value (the context does, whatever path built it). Cost: O(L).
    public func validate() throws {
        try Self.validate(polyDegree: polyDegree, ciphertextModulusBits: ciphertextModulusBits,
                          specialModulusBits: specialModulusBits, scaleBits: scaleBits, security: security)
    }

    /// The checks of a parameter set (see the type's documentation). Hybrid key switching
    /// splits the ciphertext primes into digits of α = (number of special primes) consecutive
    /// primes; the special modulus P must be at least as large as the largest digit, or every
    /// key switch adds noise amplified by `digit/P` (Q = [60, 60] with P = [30] loses ≈ 30 bits).
    static func validate(polyDegree: Int, ciphertextModulusBits: [Int], specialModulusBits: [Int], scaleBits: Int,
                         security: CKKSSecurity) throws {
        let minimumDegree = security == .classical128 ? 1024 : 16
        guard polyDegree >= minimumDegree, polyDegree <= 65536, polyDegree & (polyDegree - 1) == 0 else {
            throw EncryptedMLError.invalidParameters(
                "polyDegree \(polyDegree) must be a power of two in \(minimumDegree)…65536")
        }
        guard !ciphertextModulusBits.isEmpty, ciphertextModulusBits.count <= 128 else {
            throw EncryptedMLError.invalidParameters(
                "ciphertextModulusBits has \(ciphertextModulusBits.count) primes; give 1…128 prime sizes")
        }
        guard !specialModulusBits.isEmpty, specialModulusBits.count <= 16 else {
            throw EncryptedMLError.invalidParameters(
                "specialModulusBits has \(specialModulusBits.count) primes; key switching needs 1…16 special primes (e.g. [60])")
        }
        for bits in ciphertextModulusBits + specialModulusBits where bits < 20 || bits > 60 {
            throw EncryptedMLError.invalidParameters("prime size \(bits) bits is outside 20…60")
        }
        guard scaleBits >= 1, scaleBits < ciphertextModulusBits[0] else {
            throw EncryptedMLError.invalidParameters(
                "scaleBits \(scaleBits) must be in 1…\(ciphertextModulusBits[0] - 1) (below the base prime q_0)")
        }
        let alpha = specialModulusBits.count
        let specialBits = specialModulusBits.reduce(0, +)
        for (digit, start) in stride(from: 0, to: ciphertextModulusBits.count, by: alpha).enumerated() {
            let digitBits = ciphertextModulusBits[start..<min(start + alpha, ciphertextModulusBits.count)].reduce(0, +)
            guard specialBits >= digitBits else {
                throw EncryptedMLError.specialModulusTooSmall(specialBits: specialBits, digitBits: digitBits, digit: digit)
            }
        }
        let logQP = ciphertextModulusBits.reduce(0, +) + specialBits
        if security == .classical128 {
            guard let bound = SecurityTable.maxLogQP(polyDegree: polyDegree) else {
                throw EncryptedMLError.insecureParameters(polyDegree: polyDegree, logQP: logQP, maxLogQP: nil)
            }
            guard logQP <= bound else {
                throw EncryptedMLError.insecureParameters(polyDegree: polyDegree, logQP: logQP, maxLogQP: bound)
            }
        }
    }

    /// Number of slots (N/2).
    public var slotCount: Int { polyDegree / 2 }
    /// The highest level L (number of ciphertext primes − 1): the multiplicative depth.
    public var maxLevel: Int { ciphertextModulusBits.count - 1 }
    /// Total modulus size `log2(Q·P)` in bits (sum of the prime sizes).
    public var logQP: Int { ciphertextModulusBits.reduce(0, +) + specialModulusBits.reduce(0, +) }
    /// The default scale Δ.
    public var scale: Double { Double(sign: .plus, exponent: scaleBits, significand: 1) }

    /// One-line summary, e.g. `N=8192 Q=60+40+40 P=60 Δ=2^40`.
    public var description: String {
        "N=\(polyDegree) Q=\(ciphertextModulusBits.map(String.init).joined(separator: "+")) "
            + "P=\(specialModulusBits.map(String.init).joined(separator: "+")) Δ=2^\(scaleBits)"
            + (security == .classical128 ? "" : " (INSECURE)")
    }
}

extension CKKSParameters {
    /// N=4096, Q = 39+30, P = 40, Δ = 2^30 (109 bits, 128-bit secure): depth 1, for small tests.
    /// (P is at least the largest digit, q_0.)
    public static let n4096Depth1 = try! CKKSParameters(
        polyDegree: 4096, ciphertextModulusBits: [39, 30], specialModulusBits: [40], scaleBits: 30)
    /// N=8192, Q = 60+40+40, P = 60, Δ = 2^40 (218 bits, 128-bit secure): depth 2, SEAL's classic set.
    public static let n8192Depth2 = try! CKKSParameters(
        polyDegree: 8192, ciphertextModulusBits: [60, 40, 40], specialModulusBits: [60], scaleBits: 40)
    /// N=16384, Q = 60+5×40, P = 60, Δ = 2^40 (320 bits, 128-bit secure): depth 5.
    public static let n16384Depth5 = try! CKKSParameters(
        polyDegree: 16384, ciphertextModulusBits: [60] + Array(repeating: 40, count: 5),
        specialModulusBits: [60], scaleBits: 40)
    /// N=16384, Q = 59+8×40, P = 59, Δ = 2^40 (438 bits, 128-bit secure): depth 8.
    /// (P is at least the largest digit, q_0.)
    public static let n16384Depth8 = try! CKKSParameters(
        polyDegree: 16384, ciphertextModulusBits: [59] + Array(repeating: 40, count: 8),
        specialModulusBits: [59], scaleBits: 40)
    /// N=32768, Q = 60+18×40, P = 50+50, Δ = 2^40 (880 bits, 128-bit secure): depth 18, hybrid key
    /// switching with two-prime digits.
    public static let n32768Depth18 = try! CKKSParameters(
        polyDegree: 32768, ciphertextModulusBits: [60] + Array(repeating: 40, count: 18),
        specialModulusBits: [50, 50], scaleBits: 40)

    /// The named 128-bit presets, by name.
    public static let presets: [String: CKKSParameters] = [
        "n4096Depth1": n4096Depth1, "n8192Depth2": n8192Depth2, "n16384Depth5": n16384Depth5,
        "n16384Depth8": n16384Depth8, "n32768Depth18": n32768Depth18,
    ]
}
