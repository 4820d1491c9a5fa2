/// A fully connected layer `y = W·x + b` with `W` stored row-major (`outputCount × inputCount`).
public struct DenseLayer: Codable, Sendable, Equatable {
    /// Input width.
    public var inputCount: Int
    /// Output width.
    public var outputCount: Int
    /// Row-major weights: `weights[o * inputCount + i]`.
    public var weights: [Double]
    /// One bias per output.
    public var bias: [Double]

    /// Creates a layer; the caller guarantees `weights.count == outputCount * inputCount`.
    public init(inputCount: Int, outputCount: Int, weights: [Double], bias: [Double]) {
        self.inputCount = inputCount
        self.outputCount = outputCount
        self.weights = weights
        self.bias = bias
    }

    /// The weight from input `i` to output `o`.
    @inlinable
    public func weight(output o: Int, input i: Int) -> Double { weights[o * inputCount + i] }

    /// `W·x + b` for one input vector. O(inputCount · outputCount).
    public func apply(_ x: [Double]) -> [Double] {
        var y = bias
        weights.withUnsafeBufferPointer { w in
            for o in 0..<outputCount {
                var acc = 0.0
                let row = o * inputCount
                for i in 0..<inputCount { acc += w[row + i] * x[i] }
                y[o] += acc
            }
        }
        return y
    }

    /// Checks shapes and finiteness.
    public func validate(name: String) throws {
        guard inputCount > 0, outputCount > 0 else {
            throw ModelError.invalid(reason: "\(name) has shape \(outputCount)×\(inputCount)")
        }
        guard weights.count == inputCount * outputCount, bias.count == outputCount else {
            throw ModelError.invalid(reason: "\(name): expected \(outputCount * inputCount) weights and \(outputCount) biases, found \(weights.count) and \(bias.count)")
        }
        guard weights.allSatisfy(\.isFinite), bias.allSatisfy(\.isFinite) else {
            throw ModelError.invalid(reason: "\(name) has a non-finite weight or bias")
        }
    }
}
