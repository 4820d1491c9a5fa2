import Foundation

/// The tables of one level ℓ of the modulus chain (SEAL's `ContextData`): the primes
/// `q_0 … q_ℓ`, the rescaling constants by `q_ℓ`, and the CRT tables that compose residues
/// modulo `Q_ℓ = q_0·…·q_ℓ` exactly. Built once by `CKKSLevelChain`; operations only read it.
package struct CKKSLevel: Sendable {
    /// The level ℓ.
    package let level: Int
    /// `q_0 … q_ℓ` (precomputed: reading it allocates nothing).
    package let moduli: [Modulus]
    /// `q_ℓ^(−1) mod q_i` for `i < ℓ` (empty at level 0) and its Shoup constants.
    package let rescaleInverse: [UInt64]
    package let rescaleInverseShoup: [UInt64]
    /// `(Q_ℓ/q_i)^(−1) mod q_i` and Shoup constants.
    package let hatInverse: [UInt64]
    package let hatInverseShoup: [UInt64]
    /// `(Q_ℓ/q_i) mod 2^128`.
    package let hatLow: [UInt128]
    /// `Q_ℓ mod 2^128`.
    package let modulusLow: UInt128
    /// `1/q_i` as Doubles.
    package let primeInverse: [Double]
    /// `log2(Q_ℓ)`.
    package let logModulus: Double

    /// Precomputes level `level` of the primes `q`. Cost: O(ℓ²) modular products.
    init(level: Int, primes q: [Modulus]) {
        self.level = level
        moduli = Array(q[0...level])
        var inverse: [UInt64] = []
        var inverseShoup: [UInt64] = []
        for i in 0..<level {
            let v = q[i].inverse(q[i].reduce(q[level].value))!
            inverse.append(v)
            inverseShoup.append(q[i].shoup(v))
        }
        rescaleInverse = inverse
        rescaleInverseShoup = inverseShoup
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
        self.hatInverse = hatInverse
        hatInverseShoup = zip(hatInverse, q).map { $1.shoup($0) }
        self.hatLow = hatLow
        self.modulusLow = modulusLow
        primeInverse = q[0...level].map { 1.0 / Double($0.value) }
        logModulus = q[0...level].reduce(0.0) { $0 + log2(Double($1.value)) }
    }
}

/// The chain of levels `0 … L` of one parameter set plus the NTT tables of the ciphertext
/// primes: everything that depends on the level only. Memory: O(L²) words besides the tables.
package struct CKKSLevelChain: Sendable {
    /// `levels[ℓ]` describes level ℓ.
    package let levels: [CKKSLevel]
    /// NTT tables of `q_0 … q_L` (a level-ℓ polynomial uses the first ℓ+1).
    package let tables: [NTTTables]

    /// Builds every level for the primes `q` and their NTT tables. Cost: O(L³) modular products.
    init(primes q: [Modulus], tables: [NTTTables]) {
        levels = q.indices.map { CKKSLevel(level: $0, primes: q) }
        self.tables = tables
    }

    /// The top level L.
    package var maxLevel: Int { levels.count - 1 }
    /// All ciphertext primes `q_0 … q_L`.
    package var moduli: [Modulus] { levels[levels.count - 1].moduli }

    /// Level ℓ. O(1).
    package subscript(level: Int) -> CKKSLevel { levels[level] }
}
