import Foundation

/// CKKS parameters chosen for a plan at 128-bit security (HomomorphicEncryption.org
/// table, `SecurityTable`), in the shape `CKKSParameters` takes.
///
/// Rule: the modulus chain is an output prime, `depth` scale primes of `scaleBits` bits
/// (one consumed per rescale) and one special prime for key switching as large as the
/// largest ciphertext prime (so a key switch adds about the noise of a fresh encryption).
/// The output prime holds the decrypted outputs: the scale, the outputs' integer bits, a sign
/// bit and `outputHeadroomBits` more (outputs up to 16× the calibrated range still decrypt;
/// at least one bit, 2×, when a single 60-bit prime is all that is left), at most 60 bits.
/// When the outputs need more (a wide scale for `convert --shared-results`, large logits),
/// the output level holds two primes — 60 bits and an output prime of the
/// missing bits (at least 30) — that no rescale consumes: the result then arrives at level 1
/// (`outputLevel`), as SEAL users size a larger first modulus. The scale is the required
/// precision plus the noise the model's evaluation adds, estimated for each candidate ring
/// degree and chain by `NoiseEstimate` (fresh encryption, key switches, rescale and encoding
/// rounding, propagated through the folded weights and polynomials, plus a tail of 3 bits):
/// the smallest scale that holds the precision. N is the smallest ring degree ≥ 4096 whose
/// bound admits log QP and whose N/2 slots hold a single-query block.
public struct ParameterChoice: Codable, Sendable, Equatable {
    /// Ring degree N (slots: N/2).
    public var polyDegree: Int
    /// Bit sizes of the ciphertext primes: the output prime(s), then one per level.
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

    /// Largest prime size; the first of two output primes has it.
    public static let firstPrimeBits = 60
    /// Bits of the output prime above the scale, the outputs' integer bits and the sign.
    public static let outputHeadroomBits = 4
    /// Smallest ring degree considered.
    public static let minimumPolyDegree = 4096
    /// Smallest size of the second output prime, when the output level needs one.
    public static let minimumOutputPrimeBits = 30

    /// Number of levels available above the bottom prime (scale primes, plus the second
    /// output prime when there is one).
    public var levels: Int { ciphertextModulusBits.count - 1 }

    /// The level results arrive at: the number of output primes beyond the first (0 or 1).
    /// `levels − outputLevel` levels are consumed by rescales. O(1).
    public var outputLevel: Int {
        ciphertextModulusBits.count >= 2 && ciphertextModulusBits[1] != scaleBits
            && ciphertextModulusBits[0] + ciphertextModulusBits[1] > Self.firstPrimeBits ? 1 : 0
    }

    /// The output primes for a `scaleBits` scale and outputs of `magnitudeBits` integer bits:
    /// one prime of scale + magnitude + sign + `outputHeadroomBits` bits when that is at most
    /// 60; else one 60-bit prime while it leaves at least one bit of headroom (a second prime
    /// would cost a level's work on every operation); else 60 bits and a second prime of the
    /// rest with the full headroom (at least 30 bits). O(1).
    public static func outputPrimes(scaleBits: Int, magnitudeBits: Int) -> [Int] {
        let outputBits = scaleBits + magnitudeBits + 1
        if outputBits + outputHeadroomBits <= firstPrimeBits { return [outputBits + outputHeadroomBits] }
        if outputBits + 1 <= firstPrimeBits { return [firstPrimeBits] }
        return [firstPrimeBits, max(minimumOutputPrimeBits, outputBits + outputHeadroomBits - firstPrimeBits)]
    }

    /// Chooses parameters for `depth` rescales, `precisionBits` of output precision and
    /// outputs of magnitude up to `outputMagnitude`, with the scale sized by `noise`;
    /// single-query packing needs `minimumSlots`. For each ring degree, from the smallest, the
    /// smallest scale whose estimated noise leaves `precisionBits`; the first that fits the
    /// 128-bit bound wins. Cost: O(degrees · 60 · noise stages).
    ///
    /// - Throws: `ConversionError.impossiblePrecision` when the scale would reach the 60 bits
    ///   of the first prime or no ring degree in the 128-bit table admits the modulus.
    public static func choose(depth: Int, precisionBits: Int, outputMagnitude: Double,
                              minimumSlots: Int, noise: NoiseEstimate) throws -> ParameterChoice {
        precondition(depth >= 0)
        let magnitudeBits = outputMagnitude > 1 ? Int(ceil(log2(outputMagnitude))) : 0
        let smallestScale = max(precisionBits + 1, 20), largestScale = firstPrimeBits - 1  // below the first prime
        guard smallestScale <= largestScale else {
            throw ConversionError.impossiblePrecision(
                bits: precisionBits, reason: "the scale needs more than \(precisionBits) bits, but it must stay below the \(firstPrimeBits)-bit first prime")
        }
        var lastReason = ""
        for (n, bound) in SecurityTable.maxLogQP128 where n >= minimumPolyDegree && n / 2 >= minimumSlots {
            var chosen: (chain: [Int], special: Int, scale: Int, noiseBits: Double)?
            for scale in smallestScale...largestScale {
                let output = outputPrimes(scaleBits: scale, magnitudeBits: magnitudeBits)
                guard output.count == 1 || output[1] != scale else { continue }  // it would read as a scale prime
                let chain = output + Array(repeating: scale, count: depth)
                let special = chain.max()!  // P as large as the largest prime
                let noiseBits = noise.noiseBits(polyDegree: n, ciphertextModulusBits: chain, specialBits: special)
                if Double(scale) >= Double(precisionBits) + noiseBits {
                    chosen = (chain, special, scale, noiseBits)
                    break
                }
            }
            guard let (chain, special, scale, noiseBits) = chosen else {
                lastReason = "at N = \(n) the estimated noise needs a scale of \(firstPrimeBits) bits or more for \(precisionBits) bits of precision, but the scale must stay below the \(firstPrimeBits)-bit first prime"
                continue
            }
            let logQP = chain.reduce(0, +) + special
            guard logQP <= bound else {
                lastReason = "depth \(depth) at a \(scale)-bit scale (\(String(format: "%.1f", noiseBits)) bits of estimated noise) with outputs up to \(String(format: "%.3g", outputMagnitude)) needs log QP = \(logQP), above \(bound) (N = \(n))"
                continue
            }
            return ParameterChoice(polyDegree: n, ciphertextModulusBits: chain, specialModulusBits: [special],
                                   scaleBits: scale, logQP: logQP, maxLogQP: bound, securityBits: 128,
                                   precisionBits: precisionBits)
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
