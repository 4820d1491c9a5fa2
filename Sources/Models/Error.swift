import Foundation

/// Errors raised by the Models module: reading, validating and running model files.
public enum ModelError: Error, CustomStringConvertible, Equatable, Sendable, LocalizedError {
    /// The model file is not valid JSON of the expected shape.
    case malformed(file: String, reason: String)
    /// The model file's format or version is not one this build reads.
    case unsupportedVersion(file: String, found: Int, supported: Int)
    /// The model's contents are inconsistent (shapes, counts, non-finite values).
    case invalid(reason: String)
    /// An input row does not have the number of features the model expects.
    case featureCountMismatch(expected: Int, found: Int)

    public var description: String {
        switch self {
        case let .malformed(file, reason):
            return "\(file): not a valid model file: \(reason). Train one with `encml train`."
        case let .unsupportedVersion(file, found, supported):
            return "\(file): model format version \(found) is not supported (this build reads version \(supported)). Re-create it with this version of encml."
        case let .invalid(reason):
            return "invalid model: \(reason)"
        case let .featureCountMismatch(expected, found):
            return "input has \(found) features but the model expects \(expected)"
        }
    }
}

/// Errors raised while converting a trained model to its encrypted-inference form
/// (calibration, polynomial approximation, planning, parameter choice).
public enum ConversionError: Error, CustomStringConvertible, Equatable, Sendable, LocalizedError {
    /// An approximation interval is empty or not finite.
    case invalidInterval(context: String, lower: Double, upper: Double)
    /// A fixed polynomial degree outside the supported range.
    case invalidDegree(Int)
    /// No degree up to `maxDegree` meets the error target on the interval.
    case unreachableError(context: String, function: String, target: Double, best: Double, maxDegree: Int, interval: Interval)
    /// The requested output precision cannot be met by any 128-bit CKKS parameter set.
    case impossiblePrecision(bits: Int, reason: String)
    /// The calibration data is empty or does not fit the model.
    case calibrationMismatch(source: String, reason: String)
    /// An option does not apply to this model.
    case unsupportedOption(option: String, reason: String)

    /// One line: what went wrong, where, and how to fix it.
    public var description: String {
        switch self {
        case let .invalidInterval(context, lower, upper):
            return "\(context): approximation interval [\(lower), \(upper)] is empty or not finite; check the calibration data"
        case let .invalidDegree(d):
            return "polynomial degree \(d) is not supported; use a degree between 1 and 1023"
        case let .unreachableError(context, function, target, best, maxDegree, interval):
            let bestText = best.isFinite ? String(format: "%.3g", best) : "none"
            return "\(context): \(function) cannot be approximated within \(String(format: "%.3g", target)) on \(interval) with degree ≤ \(maxDegree) (best max error \(bestText)); raise --max-error or --max-degree, set --degree, or calibrate on data with a narrower range"
        case let .impossiblePrecision(bits, reason):
            return "precision of \(bits) bits is impossible at 128-bit security: \(reason); lower --precision or the polynomial degrees"
        case let .calibrationMismatch(source, reason):
            return "\(source): \(reason)"
        case let .unsupportedOption(option, reason):
            return "\(option): \(reason)"
        }
    }
}

extension ModelError {
    /// The one-line description (`LocalizedError`).
    public var errorDescription: String? { description }
}

extension ConversionError {
    /// The one-line description (`LocalizedError`).
    public var errorDescription: String? { description }
}
