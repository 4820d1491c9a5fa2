/// The sampler of one parameter set: ternary secrets, bounded Gaussian errors and uniform
/// polynomials expanded from a seed, written as RNS polynomials over the context's primes.
/// Randomness comes from `Sampling` (system CSPRNG; AES-CTR for seeded expansion). New
/// protocols (threshold CKKS, other key kinds) reach it as `context.sampler`.
package struct CKKSSampler: Sendable {
    /// Ring degree N.
    package let degree: Int
    /// The key basis `q_0 … q_L, p_0 … p_{K−1}` and its NTT tables.
    package let keyModuli: [Modulus]
    package let keyTables: [NTTTables]

    /// N ternary coefficients uniform over {−1, 0, 1} (secret randomness).
    package func ternary() -> [Int8] { Sampling.ternary(count: degree) }
    /// N bounded discrete Gaussian coefficients, σ = 3.19, |e| ≤ 19 (secret randomness).
    package func gaussian() -> [Int8] { Sampling.gaussian(count: degree) }
    /// A fresh 32-byte seed from the system CSPRNG.
    package func freshSeed() -> [UInt8] { Sampling.freshSeed() }

    /// Small signed coefficients written into the limbs of `moduli`, then transformed to
    /// evaluation form with `tables`. Cost: one NTT per limb.
    package func smallPolynomial(_ coefficients: [Int8], moduli: [Modulus], tables: [NTTTables])
        -> RNSPolynomial<Evaluation>
    {
        RNSPolynomial<Coefficient>(degree: degree, limbCount: moduli.count) { out in
            Sampling.writeSmall(coefficients, moduli: moduli, degree: degree, to: out)
        }.forwardNTT(tables)
    }

    /// Small signed coefficients over the whole key basis, evaluation form. Cost: L+K+1 NTTs.
    package func smallKeyPolynomial(_ coefficients: [Int8]) -> RNSPolynomial<Evaluation> {
        smallPolynomial(coefficients, moduli: keyModuli, tables: keyTables)
    }

    /// A uniform polynomial over `moduli` expanded from `seed` in `domain` (see `Sampling.uniform`).
    /// - Throws: `EncryptedMLError.randomnessFailure` for a seed that is not 32 bytes.
    package func uniform(seed: [UInt8], domain: UInt32, moduli: [Modulus]) throws -> RNSPolynomial<Evaluation> {
        try Sampling.uniform(seed: seed, domain: domain, moduli: moduli, degree: degree)
    }

    /// A uniform polynomial over the whole key basis expanded from `seed` in `domain`.
    package func uniformKeyPolynomial(seed: [UInt8], domain: UInt32) throws -> RNSPolynomial<Evaluation> {
        try uniform(seed: seed, domain: domain, moduli: keyModuli)
    }
}
