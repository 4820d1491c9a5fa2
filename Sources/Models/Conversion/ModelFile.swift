import Foundation

/// A model file of either kind — `MODEL.json` (trained) or `MODEL.he.json` (converted) —
/// recognised by its `format` field, with the plaintext prediction both offer.
///
/// This is what `encml evaluate` needs to accept either file: on a converted model the
/// prediction runs the polynomial model in plaintext (folded layers, Chebyshev activations,
/// the client-side link), so its accuracy is the one encrypted inference can reach.
public enum ModelFile: Sendable {
    /// A trained plaintext model.
    case trained(TrainedModel)
    /// A model converted for encrypted inference.
    case converted(EncryptedModel)

    /// Reads and validates either kind of file. Throws `ModelError` naming the file.
    public static func load(from path: String) throws -> ModelFile {
        try decode(JSONDocumentReader.read(path: path), file: path)
    }

    /// Decodes either kind from JSON; `file` names the source in errors.
    public static func decode(_ data: Data, file: String) throws -> ModelFile {
        struct Header: Decodable { var format: String? }
        let format = (try? JSONDecoder().decode(Header.self, from: data))?.format
        if format == EncryptedModel.formatName { return .converted(try EncryptedModel.decode(data, file: file)) }
        return .trained(try TrainedModel.decode(data, file: file))
    }

    /// Feature columns in model order.
    public var featureNames: [String] {
        switch self { case let .trained(m): m.featureNames; case let .converted(m): m.featureNames }
    }
    /// Target column of the training CSV.
    public var targetName: String {
        switch self { case let .trained(m): m.targetName; case let .converted(m): m.targetName }
    }
    /// Class labels in class-index order.
    public var classLabels: [String] {
        switch self { case let .trained(m): m.classLabels; case let .converted(m): m.classLabels }
    }
    /// A short description: `logistic`, `mlp`, or `converted mlp (polynomial)`.
    public var kindDescription: String {
        switch self {
        case let .trained(m): m.kind.rawValue
        case let .converted(m): "converted \(m.sourceKind.rawValue) (polynomial)"
        }
    }

    /// Predicted class index for one raw row (the polynomial model for a converted file).
    public func predictClass(raw row: [Double]) -> Int {
        switch self { case let .trained(m): m.predictClass(raw: row); case let .converted(m): m.predictClass(raw: row) }
    }

    /// Class probabilities for one raw row (the polynomial model for a converted file).
    public func probabilities(raw row: [Double]) -> [Double] {
        switch self { case let .trained(m): m.probabilities(raw: row); case let .converted(m): m.probabilities(raw: row) }
    }
}
