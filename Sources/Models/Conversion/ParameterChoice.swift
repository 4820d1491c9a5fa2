import Foundation

/// CKKS parameters chosen for a plan at 128-bit security (HomomorphicEncryption.org
/// table, `SecurityTable`), in the shape `CKKSParameters` takes.
///
/// Rule: the modulus chain is one 60-bit first prime (it holds the decrypted output,
/// `60 − scaleBits` bits of integer headroom), `depth` scale primes of `scaleBits`
/// bits (one consumed per rescale) and one 60-bit special prime for key switching,
/// so `log QP = 60 + depth·scaleBits + 60`. When the outputs need more bits above the
/// scale than the first prime leaves (a wide scale for `convert --shared-results`, large
/// logits), the output level holds two primes — 60 bits and an output prime of the missing
/// bits (at least 30) — that no rescale consumes: the result then arrives at level 1
/// (`outputLevel`), as SEAL users size a larger first modulus. The scale is the required precision
/// plus the noise CKKS adds: `scaleBits = precisionBits + ⌈log2(N)/2⌉ + 16`
/// (encoding and encryption noise grows like √N; 16 bits cover rescaling, key
/// switching and the noise gain of a folded standardizer). Checked on the CKKS core:
/// the LR models of the bundled data sets evaluated single-query with this plan's BSGS
/// rotations at N = 8192 reach 22.8 (breast_cancer, raw features with spreads down to
/// 0.003, so large folded weights), 27.0 (digits) and 27.8 (iris) bits for a 20-bit
/// target; with 13 bits breast_cancer reached only 19.3. The allowance is
/// model-independent on purpose: models of one shape get one parameter set.
/// N is the smallest ring degree ≥ 4096 whose bound admits log QP and whose N/2
/// slots hold a single-query block.
public struct ParameterChoice: Codable, Sendable, Equatable {
    /// Ring degree N (slots: N/2).
    public var polyDegree: Int
    /// Bit sizes of the ciphertext primes, first (60) then one per level.
    public var ciphertextModulusBits: [Int]
    /// Bit sizes of the special (key-switching) primes.
    public var specialModulusBits: [Int]
    /// log2 of the encoding scale Δ.
    public var scaleBits: Int
    /// Total `log2(Q·P)` in bits.
    public var logQP: Int
    /// The 128-bit bound for this N.
    public var maxLogQP: Int
    /// Security level (always 128 here).
    public var securityBits: Int
    /// The output precision asked for, in bits.
    public var precisionBits: Int

    /// Bits of the first prime.
    public static let firstPrimeBits = 60
    /// Bits of the special prime.
    public static let specialPrimeBits = 60
    /// Smallest ring degree considered.
    public static let minimumPolyDegree = 4096
    /// Smallest size of the second output prime, when the output level needs one.
    public static let minimumOutputPrimeBits = 30

    /// Noise allowance in bits for ring degree `n`: `⌈log2(n)/2⌉ + 13`.
    public static func noiseBits(polyDegree n: Int) -> Int {
        let log = Int(log2(Double(n)).rounded())
        return (log + 1) / 2 + 16
    }

    /// Number of levels available above the bottom prime (scale primes, plus the second
    /// output prime when there is one).
    public var levels: Int { ciphertextModulusBits.count - 1 }

    /// The level results arrive at: the number of output primes beyond the first (0 or 1).
    /// `levels − outputLevel` levels are consumed by rescales. O(1).
    public var outputLevel: Int {
        ciphertextModulusBits.count >= 2 && ciphertextModulusBits[1] != scaleBits
            && ciphertextModulusBits[0] + ciphertextModulusBits[1] > Self.firstPrimeBits ? 1 : 0
    }

    /// Chooses parameters for `depth` rescales, `precisionBits` of output precision and
    /// outputs of magnitude up to `outputMagnitude`; single-query packing needs `minimumSlots`.
    ///
    /// - Throws: `ConversionError.impossiblePrecision` when the scale would exceed 60 bits,
    ///   the outputs would not fit above the scale in the first prime, or no ring degree in
    ///   the 128-bit table admits the modulus.
    public static func choose(depth: Int, precisionBits: Int, outputMagnitude: Double,
                              minimumSlots: Int) throws -> ParameterChoice {
        precondition(depth >= 0)
        let magnitudeBits = outputMagnitude > 1 ? Int(ceil(log2(outputMagnitude))) : 0
        let smallestScale = precisionBits + noiseBits(polyDegree: minimumPolyDegree)
        guard smallestScale <= 60 else {
            throw ConversionError.impossiblePrecision(
                bits: precisionBits,
                reason: "it needs a scale of at least \(smallestScale) bits (\(precisionBits) + \(noiseBits(polyDegree: minimumPolyDegree)) bits of CKKS noise at N = \(minimumPolyDegree)), but primes are at most 60 bits")
        }
        var lastReason = ""
        for (n, bound) in SecurityTable.maxLogQP128 where n >= minimumPolyDegree && n / 2 >= minimumSlots {
            let scaleBits = precisionBits + noiseBits(polyDegree: n)
            guard scaleBits <= 60 else {
                lastReason = "N = \(n) needs a \(scaleBits)-bit scale, but primes are at most 60 bits"
                continue
            }
            // The output level holds the scale plus the outputs' integer bits plus a sign bit.
            let outputBits = scaleBits + magnitudeBits + 1
            let outputPrimes = outputBits <= firstPrimeBits
                ? [firstPrimeBits]
                : [firstPrimeBits, max(minimumOutputPrimeBits, outputBits - firstPrimeBits)]
            guard outputPrimes.count == 1 || outputPrimes[1] != scaleBits else {
                lastReason = "N = \(n): an output prime of \(scaleBits) bits would read as a scale prime"
                continue
            }
            let logQP = outputPrimes.reduce(0, +) + depth * scaleBits + specialPrimeBits
            guard logQP <= bound else {
                lastReason = "depth \(depth) at a \(scaleBits)-bit scale with outputs up to \(String(format: "%.3g", outputMagnitude)) needs log QP = \(logQP), above \(bound) (N = \(n))"
                continue
            }
            return ParameterChoice(polyDegree: n,
                                   ciphertextModulusBits: outputPrimes + Array(repeating: scaleBits, count: depth),
                                   specialModulusBits: [specialPrimeBits], scaleBits: scaleBits, logQP: logQP,
                                   maxLogQP: bound, securityBits: 128, precisionBits: precisionBits)
        }
        if lastReason.isEmpty { lastReason = "no ring degree offers \(minimumSlots) slots" }
        throw ConversionError.impossiblePrecision(bits: precisionBits, reason: lastReason)
    }

    /// Checks the parameters against the 128-bit table and their own arithmetic.
    public func validate() throws {
        guard let bound = SecurityTable.maxLogQP(polyDegree: polyDegree) else {
            throw ModelError.invalid(reason: "plan ring degree \(polyDegree) is not in the 128-bit table")
        }
        let sum = ciphertextModulusBits.reduce(0, +) + specialModulusBits.reduce(0, +)
        guard !ciphertextModulusBits.isEmpty, !specialModulusBits.isEmpty,
              (ciphertextModulusBits + specialModulusBits).allSatisfy({ (20...60).contains($0) }),
              sum == logQP, logQP <= bound, maxLogQP == bound, securityBits == 128,
              (20...60).contains(scaleBits) else {
            throw ModelError.invalid(reason: "plan parameters are inconsistent or above the 128-bit bound (log QP \(logQP), bound \(bound) for N = \(polyDegree))")
        }
    }
}
