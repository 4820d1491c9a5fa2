import Foundation

/// CKKS parameters for a collaboration session that sums fresh encryptions of N parties and
/// decrypts the sum collectively, with the modulus bits the smudging noise needs reserved.
///
/// The ring is N = 8192 with `Q = 2 × 60` bits and `P = 60` bits (log QP = 180 ≤ 218, 128-bit
/// secure). Vectors are encoded at the top level with the scale `Δ = 2^scaleBits`, chosen as large
/// as the values allow: `scaleBits = log2(Q) − 2 − valueBits`. The collective decryption floods
/// with `σ = B·2^λ` per party (B: `CollectiveDecryption.freshNoiseBound` of the N-party sum), which
/// shows in the decoded slots as an error below `6σ·√(parties·N)/Δ`: `floodBits` is its log2,
/// `precisionBits = scaleBits − floodBits` the absolute precision that remains.
public struct CollaborativeParameters: Sendable {
    /// The CKKS parameters (shared by every party and the coordinator).
    public let parameters: CKKSParameters
    /// Number of parties.
    public let partyCount: Int
    /// The statistical security parameter λ of the smudging noise (bits).
    public let statisticalSecurity: Int
    /// Values to encrypt must satisfy |v| < 2^valueBits.
    public let valueBits: Int
    /// log2 of the encoding scale Δ of joint vectors.
    public let scaleBits: Int
    /// The noise bound B of a sum of N fresh encryptions (smudging σ = B·2^λ).
    public let noiseBound: Double
    /// log2 of the bound on the decoded error the smudging noise causes.
    public let floodBits: Double
    /// Expected absolute precision of decoded sums, in bits (`scaleBits − floodBits`).
    public var precisionBits: Double { Double(scaleBits) - floodBits }
    /// The encoding scale Δ.
    public var scale: Double { Double(sign: .plus, exponent: scaleBits, significand: 1) }

    /// The smallest absolute precision accepted, in bits.
    public static let minimumPrecisionBits = 20.0

    /// Chooses the parameters for `parties` parties and values below `2^valueBits`. O(1).
    /// - Throws: `MultipartyError.invalidArgument` when the smudging noise leaves fewer than 20
    ///   bits of precision (too many parties, too large values or too large λ).
    public init(parties: Int, valueBits: Int = 36,
                statisticalSecurity: Int = SmudgingNoise.defaultStatisticalSecurity) throws {
        guard parties >= 2, parties <= 1024 else {
            throw MultipartyError.invalidArgument("a session has 2…1024 parties, not \(parties)")
        }
        guard (1...100).contains(valueBits) else {
            throw MultipartyError.invalidArgument("valueBits \(valueBits) must be in 1…100")
        }
        let parameters = try CKKSParameters(polyDegree: 8192, ciphertextModulusBits: [60, 60], specialModulusBits: [60],
                                            scaleBits: 40)
        let degree = Double(parameters.polyDegree)
        let bound = CollectiveDecryption.freshNoiseBound(degree: parameters.polyDegree, parties: parties, summands: parties)
        let sigma = try SmudgingNoise.sigma(noiseBound: bound, statisticalSecurity: statisticalSecurity)
        let flood = log2(6 * sigma * (Double(parties) * degree).squareRoot())
        let logQ = Double(parameters.ciphertextModulusBits.reduce(0, +))
        let scaleBits = Int(logQ) - 2 - valueBits
        guard Double(scaleBits) - flood >= Self.minimumPrecisionBits else {
            throw MultipartyError.invalidArgument(
                "with \(parties) parties, λ = \(statisticalSecurity) and values below 2^\(valueBits), the smudging noise (2^\(String(format: "%.1f", flood))) leaves \(String(format: "%.1f", Double(scaleBits) - flood)) bits of precision under the 2^\(scaleBits) scale; use fewer value bits or a lower λ")
        }
        self.parameters = parameters
        self.partyCount = parties
        self.statisticalSecurity = statisticalSecurity
        self.valueBits = valueBits
        self.scaleBits = scaleBits
        self.noiseBound = bound
        self.floodBits = flood
    }
}
