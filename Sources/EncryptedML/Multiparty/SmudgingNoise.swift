import Foundation

/// Wide Gaussian noise for noise flooding ("smudging") in collective decryption and public-key
/// switching: rounded normal samples of standard deviation σ (up to 2^56) from secret randomness.
///
/// The design value: a share `s_i·c_1 + e` must hide `s_i` behind `e`, whose width dominates the
/// ciphertext's own noise bound B by the statistical security parameter λ:
/// `σ = B · 2^λ` (λ = 40 by default), so that the statistical distance between a share and a
/// share of fresh noise is about 2^−λ per coefficient.
public enum SmudgingNoise {
    /// The default statistical security parameter λ, in bits.
    public static let defaultStatisticalSecurity = 40
    /// The largest σ accepted (6σ must stay below 2^62 in a signed 64-bit word).
    public static let maximumSigma = 0x1p56

    /// The smudging standard deviation for a ciphertext noise bound and λ: `B·2^λ`.
    /// - Throws: `.invalidArgument` for a non-positive bound, λ outside 0…60, or σ above 2^56.
    public static func sigma(noiseBound: Double, statisticalSecurity: Int) throws -> Double {
        guard noiseBound.isFinite, noiseBound > 0 else {
            throw MultipartyError.invalidArgument("noise bound \(noiseBound) must be a positive finite number")
        }
        guard (0...60).contains(statisticalSecurity) else {
            throw MultipartyError.invalidArgument("statistical security \(statisticalSecurity) bits must be in 0…60")
        }
        let sigma = noiseBound * Double(sign: .plus, exponent: statisticalSecurity, significand: 1)
        guard sigma <= maximumSigma else {
            throw MultipartyError.invalidArgument(
                "smudging σ = 2^\(String(format: "%.1f", log2(sigma))) exceeds 2^56; lower the statistical security or the ciphertext noise")
        }
        return sigma
    }

    /// `count` rounded normal samples of standard deviation `sigma` (Box–Muller over 53-bit
    /// uniforms from the system CSPRNG stream, two samples per pair of words).
    /// Cost: 16 random bytes, one log, one sqrt, one sin/cos pair per two samples.
    public static func sample(count: Int, sigma: Double) -> [Int64] {
        precondition(sigma >= 0 && sigma <= maximumSigma, "smudging σ out of range")
        let pairs = (count + 1) / 2
        let words = Sampling.secureRandomWords(2 * pairs)
        return [Int64](unsafeUninitializedCapacity: count) { out, initialized in
            words.withUnsafeBufferPointer { w in
                for p in 0..<pairs {
                    // u1 in (0, 1] so that log(u1) is finite; u2 in [0, 1).
                    let u1 = Double((w[2 * p] >> 11) + 1) * 0x1p-53
                    let u2 = Double(w[2 * p + 1] >> 11) * 0x1p-53
                    let radius = sigma * (-2 * log(u1)).squareRoot()
                    let angle = 2 * Double.pi * u2
                    out[2 * p] = Int64((radius * cos(angle)).rounded())
                    if 2 * p + 1 < count { out[2 * p + 1] = Int64((radius * sin(angle)).rounded()) }
                }
            }
            initialized = count
        }
    }

    /// Samples written into the limbs of `moduli` and transformed to evaluation form.
    /// Cost: `count` samples, limbs·N reductions, one NTT per limb.
    static func polynomial(sigma: Double, moduli: [Modulus], tables: [NTTTables], degree n: Int)
        -> RNSPolynomial<Evaluation>
    {
        let e = sample(count: n, sigma: sigma)
        return RNSPolynomial<Coefficient>(degree: n, limbCount: moduli.count) { out in
            e.withUnsafeBufferPointer { e in
                for (i, m) in moduli.enumerated() {
                    let limb = out + i * n
                    for k in 0..<n { limb[k] = m.reduce(signed: e[k]) }
                }
            }
        }.forwardNTT(tables)
    }
}
