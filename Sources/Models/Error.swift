/// Errors raised by the Models module: reading, validating and running model files.
public enum ModelError: Error, CustomStringConvertible, Equatable, Sendable {
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
