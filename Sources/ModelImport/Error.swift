import Foundation

/// Why an ONNX model cannot be imported. Each case says what, where (file, node, tensor)
/// and how to fix it; the CLI prints `description` as one line.
public enum ImportError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    /// The file cannot be read or is larger than `ONNXImporter.maxFileBytes`.
    case unreadable(file: String, reason: String)
    /// The bytes are not an ONNX protobuf (truncated, corrupt, or another format).
    case malformed(file: String, reason: String)
    /// A node's operator is not one an encrypted MLP can evaluate.
    case unsupportedOperator(file: String, operator: String, node: String)
    /// The graph is not a feed-forward chain of the supported shape.
    case unsupportedGraph(file: String, node: String, reason: String)
    /// Tensor dimensions that do not fit together.
    case shapeMismatch(file: String, node: String, reason: String)
    /// A tensor whose data is missing, of another size than its dimensions claim, or too large.
    case invalidTensor(file: String, tensor: String, reason: String)
    /// The data set or `--labels` do not fit the model.
    case dataMismatch(file: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read the ONNX model: \(reason)"
        case let .malformed(file, reason):
            return "\(file): not a valid ONNX model (\(reason)); export it again (skl2onnx or torch.onnx.export)"
        case let .unsupportedOperator(file, op, node):
            return "\(file): node '\(node)' uses operator \(op), which encrypted inference does not support; supported: Gemm, MatMul, Add, Relu, Tanh, Sigmoid, Mul (x·x), Softmax, Scaler, LinearClassifier, and the post-processing ArgMax, ZipMap, Cast, Identity"
        case let .unsupportedGraph(file, node, reason):
            return "\(file): node '\(node)': \(reason)"
        case let .shapeMismatch(file, node, reason):
            return "\(file): node '\(node)': \(reason); the model's layers do not chain"
        case let .invalidTensor(file, tensor, reason):
            return "\(file): tensor '\(tensor)': \(reason)"
        case let .dataMismatch(file, reason):
            return "\(file): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
