import Foundation

/// A first-order estimate of the CKKS noise in a converted model's decrypted outputs, from
/// the folded weights, the polynomials and the input magnitudes, for any ring degree and
/// modulus chain: what `ParameterChoice` sizes the scale with, instead of a fixed allowance.
///
/// Noise is tracked as a variance per slot in units of `1/Δ` (the integer noise at scale Δ),
/// so the decrypted error is `deviation / Δ` and the scale needs
/// `precisionBits + log2(deviation) + tailBits` bits. Every source is the canonical
/// embedding of a polynomial with independent coefficients (a slot's real part has
/// variance `N/2` times a coefficient's), with a ternary secret (`‖s‖² ≈ 2N/3`) and
/// Gaussian errors of σ = 3.19:
/// - rounding at a rescale or ModDown: `v_round = N/2 · (1 + 2N/3)/12`;
/// - encoding a plaintext (diagonals, biases, the query): `v_enc = N/2 · 1/12`;
/// - public-key encryption (formed over Q·P, divided by P): `v_enc + v_round`;
/// - a key switch at level ℓ (one-prime digits decomposed centred, one special prime P):
///   `N/2 · (N·σ²/12 · Σ_{i≤ℓ} (q_i/P)² + (1 + 2N/3)/12)`.
///
/// Through the plan's steps (`Stage`):
/// - a linear layer in single-query packing: each output sums `Σ_j W_ij²·(V + v_ks)` (every
///   product term may come from a baby-step rotation; `Σ_j W_ij²·V` when the layer has one
///   diagonal, as logistic regression), `Σ_j a_j²·v_enc` for the rounding
///   of its diagonals against inputs of magnitude `a_j`, one rescale rounding per block
///   folded by the rotate-and-sum, and a key switch per fold (batch packing adds less:
///   no rotations);
/// - a polynomial `p` (folded squares included): `L²·V + A²·v_round`, with `L` the largest
///   `|p′|` on the range the calibration rows reach (first-order propagation) and
///   `A = Σ_k k·|c_k|` bounding the rounding of the rescales inside the evaluation of `T_k`;
/// - relinearization key switches happen at scale Δ², and giant-step rotations before the
///   rescale: both are divided by a prime and left out.
///
/// The estimate is checked against the encrypted runtime on the bundled models
/// (`NoiseEstimateTests`): the measured error stays within the bound `2^tailBits·deviation`.
/// Cost: O(stages + levels) per evaluation.
public struct NoiseEstimate: Sendable, Equatable {
    /// One step of the evaluation, reduced to what noise propagation needs.
    public enum Stage: Sendable, Equatable {
        /// A linear layer: the largest `Σ_j W_ij²` over rows, `Σ_j a_j²` over the inputs'
        /// magnitudes, the number of blocks the rotate-and-sum folds (`D / span`), and whether
        /// the products take baby-step rotations of the input (more than one diagonal).
        case linear(maxRowSquareNorm: Double, inputSquareSum: Double, folds: Int, rotatedInputs: Bool)
        /// A polynomial costing `depth` levels: the largest `|p′(t)|` on its calibrated range
        /// and `Σ_k k·|c_k|` (a folded square: `2·max|u|` and 1).
        case polynomial(slope: Double, roundingGain: Double, depth: Int)
    }

    /// The stages in evaluation order.
    public var stages: [Stage]

    /// Bits between the estimated standard deviation and the bound the precision must hold
    /// against: 3 (8σ; a Gaussian exceeds it with probability 10⁻¹⁵ per output).
    public static let tailBits = 3.0
    /// The error distribution's standard deviation (the CKKS core's `Sampling.gaussianSigma`).
    public static let errorDeviation = 3.19

    /// An estimate of `stages`.
    public init(stages: [Stage]) {
        self.stages = stages
    }

    /// What follows a dense layer, with the range its input (the layer's folded output) takes
    /// on the calibration rows.
    public enum Activation: Sendable, Equatable {
        /// A Chebyshev polynomial evaluated on inputs `t` in `range` (within `[-1, 1]`).
        case polynomial(ChebyshevSeries, range: ClosedRange<Double>)
        /// A folded square of inputs `u` in `range`.
        case square(range: ClosedRange<Double>)
    }

    /// The estimate for dense `layers` (folded: standardizer, unit maps and square folds in
    /// place), `activations[k]` after layer k, an optional output polynomial on its range,
    /// and raw inputs of magnitude up to `inputMagnitudes[j]`, in the single-query blocks the
    /// plan gives these layers (`SingleQueryPacking.blockSize(for:)`). Slopes and magnitudes are
    /// taken on the calibrated ranges: inputs outside them are outside the approximation anyway.
    /// O(Σ m·n + Σ degree·points).
    public init(layers: [DenseLayer], activations: [Activation], output: Activation?, inputMagnitudes: [Double]) {
        let blockSize = SingleQueryPacking.blockSize(for: layers)
        var stages: [Stage] = []
        var magnitudes = inputMagnitudes
        for (index, layer) in layers.enumerated() {
            let norms = (0..<layer.outputCount).map { i in
                (0..<layer.inputCount).reduce(0.0) { $0 + layer.weight(output: i, input: $1) * layer.weight(output: i, input: $1) }
            }
            let span = MatrixDiagonals.span(rows: layer.outputCount, blockSize: blockSize)
            stages.append(.linear(maxRowSquareNorm: norms.max() ?? 0,
                                  inputSquareSum: magnitudes.reduce(0) { $0 + $1 * $1 },
                                  folds: max(1, blockSize / span), rotatedInputs: span > 1))
            guard let activation = index < activations.count ? activations[index] : index == layers.count - 1 ? output : nil else {
                continue
            }
            let (stage, largest) = Self.stage(of: activation)
            stages.append(stage)
            magnitudes = [Double](repeating: largest, count: layer.outputCount)
        }
        self.stages = stages
    }

    /// The stage of `activation` and the largest magnitude of its outputs. A polynomial: its
    /// largest `|p′|` and `|p|` sampled at 1025 points of its range (ends included) and
    /// `Σ_k k·|c_k|`; a square of `u ∈ [a, b]`: slope `2·max|u|`, outputs up to `max u²`.
    /// O(degree · 1025).
    public static func stage(of activation: Activation) -> (stage: Stage, largest: Double) {
        switch activation {
        case let .square(range):
            let u = max(abs(range.lowerBound), abs(range.upperBound))
            return (.polynomial(slope: 2 * u, roundingGain: 1, depth: 1), u * u)
        case let .polynomial(series, range):
            let derivative = series.derivative()
            var slope = 0.0, largest = 0.0
            for i in 0...1024 {
                let t = range.lowerBound + (range.upperBound - range.lowerBound) * Double(i) / 1024
                slope = max(slope, abs(derivative.evaluate(t)))
                largest = max(largest, abs(series.evaluate(t)))
            }
            let gain = series.coefficients.enumerated().reduce(0.0) { $0 + Double($1.offset) * abs($1.element) }
            return (.polynomial(slope: slope, roundingGain: max(gain, 1), depth: series.depth), largest)
        }
    }

    /// The variance of the rounding at a rescale or ModDown, per slot: `N/2 · (1 + 2N/3)/12`.
    public static func roundingVariance(polyDegree n: Int) -> Double {
        let n = Double(n)
        return n / 2 * (1 + 2 * n / 3) / 12
    }

    /// The variance of encoding a plaintext, per slot: `N/24`.
    public static func encodingVariance(polyDegree n: Int) -> Double { Double(n) / 24 }

    /// The variance a key switch adds at a level whose primes have `levelPrimeBits`, with a
    /// special prime of `specialBits` bits (primes taken at their upper bound `2^bits`).
    public static func keySwitchVariance(polyDegree n: Int, levelPrimeBits: ArraySlice<Int>, specialBits: Int) -> Double {
        let ratios = levelPrimeBits.reduce(0.0) { $0 + Foundation.pow(2, 2 * Double($1 - specialBits)) }
        let nd = Double(n)
        return nd / 2 * nd * errorDeviation * errorDeviation / 12 * ratios + roundingVariance(polyDegree: n)
    }

    /// The estimated standard deviation of an output, in units of `1/Δ`, for ring degree `n`,
    /// ciphertext primes of `ciphertextModulusBits` (fresh queries at the top) and one special
    /// prime of `specialBits` bits. O(stages + levels).
    public func deviation(polyDegree n: Int, ciphertextModulusBits: [Int], specialBits: Int) -> Double {
        let round = Self.roundingVariance(polyDegree: n), encode = Self.encodingVariance(polyDegree: n)
        var level = ciphertextModulusBits.count - 1
        var variance = encode + round  // a fresh public-key encryption
        for stage in stages {
            switch stage {
            case let .linear(norm, inputs, folds, rotated):
                let keySwitch = Self.keySwitchVariance(polyDegree: n, levelPrimeBits: ciphertextModulusBits.prefix(max(level, 0) + 1),
                                                       specialBits: specialBits)
                variance = norm * (variance + (rotated ? keySwitch : 0)) + inputs * encode + Double(folds) * round
                    + Double(folds - 1) * keySwitch + encode
                level -= 1
            case let .polynomial(slope, gain, depth):
                variance = slope * slope * variance + gain * gain * round
                level -= depth
            }
        }
        return variance.squareRoot()
    }

    /// Bits of noise above the output's last bit: `log2(deviation) + tailBits`, so that a scale
    /// of `precisionBits + noiseBits` bits keeps outputs within `2^-precisionBits`. O(stages + levels).
    public func noiseBits(polyDegree n: Int, ciphertextModulusBits: [Int], specialBits: Int) -> Double {
        Foundation.log2(max(deviation(polyDegree: n, ciphertextModulusBits: ciphertextModulusBits,
                                      specialBits: specialBits), 1)) + Self.tailBits
    }

    /// `noiseBits` at the ring degree and primes of `parameters`. O(stages + levels).
    public func noiseBits(_ parameters: ParameterChoice) -> Double {
        noiseBits(polyDegree: parameters.polyDegree, ciphertextModulusBits: parameters.ciphertextModulusBits,
                  specialBits: parameters.specialModulusBits.max() ?? ParameterChoice.firstPrimeBits)
    }
}
