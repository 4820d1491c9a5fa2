/// Choices made when converting a trained model (the `encml convert` flags).
public struct ConversionOptions: Sendable, Equatable {
    /// How approximated activations get their degree (`--degree D` is `.fixed(D)`,
    /// `--max-error E` is `.automatic(maxError: E, …)`; by default `.searched`: the plan search
    /// chooses it, see `ModelConverter.convert`). Polynomial activations ignore it.
    public var degree: DegreeChoice = .searched
    /// Fraction of the calibrated range added on each side of the approximation interval.
    public var margin: Double = 0.1
    /// Share of calibration pre-activations the range must cover (1 = min…max; 0.999 drops
    /// the 0.05 % most extreme values on each side, which are then reported as outside).
    public var coverage: Double = 1.0
    /// Evaluate the output sigmoid under encryption (binary models only) instead of on the client.
    public var encryptedSigmoid: Bool = false
    /// Required precision of the decrypted outputs in bits (`−log2` of the absolute error
    /// CKKS may add); sets the scale (see `ParameterChoice`).
    public var precisionBits: Int = 20
    /// Evaluate every hidden degree-2 activation as one square (1 level instead of 2), its
    /// leading coefficient and constant folded into the next layer (`SquareFold`).
    public var foldSquares: Bool = true

    /// The defaults: searched degrees, 10 % margin, full coverage, client-side link, 20 bits.
    public init() {}

    /// Checks value ranges; throws `ConversionError.unsupportedOption`.
    public func validate() throws {
        guard margin >= 0, margin <= 10, margin.isFinite else {
            throw ConversionError.unsupportedOption(option: "margin", reason: "\(margin) must be between 0 and 10")
        }
        guard coverage > 0.5, coverage <= 1 else {
            throw ConversionError.unsupportedOption(option: "coverage", reason: "\(coverage) must be in (0.5, 1]")
        }
        guard (1...62).contains(precisionBits) else {
            throw ConversionError.impossiblePrecision(bits: precisionBits, reason: "precision must be between 1 and 62 bits")
        }
        if case let .automatic(maxError?, maxDegree) = degree {
            guard maxError > 0, maxError.isFinite else {
                throw ConversionError.unsupportedOption(option: "--max-error", reason: "\(maxError) must be a positive number")
            }
            guard (1...1023).contains(maxDegree) else { throw ConversionError.invalidDegree(maxDegree) }
        }
        if case let .fixed(d) = degree, !(1...1023).contains(d) { throw ConversionError.invalidDegree(d) }
    }
}
