import Foundation
import Models

/// How decrypted outputs are released (IND-CPA-D, Li–Micciancio 2020): CKKS decryption
/// returns the message plus a noise that depends on the secret key, and whoever sees enough
/// exact decryptions of chosen ciphertexts (a malicious server can choose them) learns the
/// key. Two protections:
///
/// - `.rounding` (default): every output is rounded to the plan's precision (a multiple of
///   `2^-precisionBits`) before anything else sees it. It removes the low-order noise bits
///   that carry most of the leak for honest results; it is not a proof against a malicious server.
/// - `.flooding(statisticalBits:)`: as OpenFHE's `NOISE_FLOODING_DECRYPT`, Gaussian noise
///   much wider than the decryption noise is added to every released output, so the released
///   values are statistically independent of the key up to `2^-statisticalBits`. The noise
///   bound `E` is estimated per ciphertext as the larger of the plan's noise floor
///   `2^-precisionBits` and the largest imaginary part of its slots (pure noise: the model
///   only produces real values); the flooding standard deviation is `E · 2^(s/2 + 1)`
///   (Li, Micciancio, Schultz, Sorrell 2022, Theorem 3, one decryption). Results then agree
///   with the plaintext model to about `precisionBits − s/2 − 1` bits: convert with
///   `encml convert --shared-results`, which reserves those bits (`floodingReserveBits`).
public struct DecryptionOptions: Sendable, Equatable {
    /// What protects the released outputs.
    public enum Protection: Sendable, Equatable {
        /// Round to the plan's precision.
        case rounding
        /// Add Gaussian flooding noise for `statisticalBits` of statistical security.
        case flooding(statisticalBits: Int)
    }

    /// The protection applied.
    public var protection: Protection

    /// Options with `protection` (default: rounding).
    /// - Parameter protection: rounding or flooding.
    public init(protection: Protection = .rounding) {
        self.protection = protection
    }

    /// Flooding with the default statistical parameter of 30 bits.
    public static let flooding = DecryptionOptions(protection: .flooding(statisticalBits: defaultStatisticalBits))

    /// The default statistical security parameter of flooding (bits).
    public static let defaultStatisticalBits = 30

    /// Bits of precision flooding costs, which `convert --shared-results` adds to the precision
    /// target: `s/2 + 1`. Cost: O(1).
    /// - Parameter statisticalBits: the statistical security parameter `s`.
    /// - Returns: the bits to reserve.
    public static func floodingReserveBits(statisticalBits: Int = defaultStatisticalBits) -> Int {
        (statisticalBits + 1) / 2 + 1
    }

    /// The flooding standard deviation for a noise bound `noiseBound`: `E · 2^(s/2 + 1)`.
    /// - Parameters:
    ///   - noiseBound: the estimated bound `E` of the decryption noise (value units).
    ///   - statisticalBits: the statistical security parameter `s`.
    /// - Returns: the standard deviation of the added Gaussian noise.
    public static func floodingDeviation(noiseBound: Double, statisticalBits: Int) -> Double {
        noiseBound * Foundation.pow(2, Double(statisticalBits) / 2 + 1)
    }
}

/// Gaussian samples from the system CSPRNG (Box–Muller on 53-bit uniforms): flooding noise is
/// secret randomness.
struct FloodingSampler {
    private var generator = SystemRandomNumberGenerator()

    /// One sample of N(0, σ²).
    mutating func next(deviation: Double) -> Double {
        let u1 = (Double(generator.next() >> 11) + 1) / 9_007_199_254_740_992  // (0, 1]
        let u2 = Double(generator.next() >> 11) / 9_007_199_254_740_992  // [0, 1)
        return deviation * (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }
}
