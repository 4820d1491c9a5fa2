import Foundation

/// A hidden-layer activation function of an MLP.
///
/// `square` and `poly` are polynomial already and convert to encrypted form
/// exactly; `relu`, `tanh` and `sigmoid` are approximated by Chebyshev
/// polynomials at conversion time.
public enum ActivationKind: String, Codable, Sendable, CaseIterable {
    case relu, tanh, sigmoid, square, poly
}

/// An activation with its parameters: for `poly`, the learnable coefficients
/// `[c0, c1, c2]` of `c0 + c1·x + c2·x²` (ascending powers); empty otherwise.
public struct Activation: Codable, Sendable, Equatable {
    /// Which function this is.
    public var kind: ActivationKind
    /// Power-basis coefficients in ascending order (`poly` only).
    public var coefficients: [Double]

    /// Creates an activation; `poly` defaults to `0.25·x² + 0.5·x` (close to
    /// softplus-like shape near 0) when no coefficients are given.
    public init(_ kind: ActivationKind, coefficients: [Double] = []) {
        self.kind = kind
        if kind == .poly && coefficients.isEmpty {
            self.coefficients = [0, 0.5, 0.25]
        } else {
            self.coefficients = coefficients
        }
    }

    /// The activation's value at `x`. O(1).
    @inlinable
    public func apply(_ x: Double) -> Double {
        switch kind {
        case .relu: return x > 0 ? x : 0
        case .tanh: return Foundation.tanh(x)
        case .sigmoid: return 1 / (1 + Foundation.exp(-x))
        case .square: return x * x
        case .poly:
            var acc = 0.0
            for c in coefficients.reversed() { acc = acc * x + c }
            return acc
        }
    }

    /// The derivative at `x` (used by the trainers). O(1).
    @inlinable
    public func derivative(_ x: Double) -> Double {
        switch kind {
        case .relu: return x > 0 ? 1 : 0
        case .tanh: let t = Foundation.tanh(x); return 1 - t * t
        case .sigmoid: let s = 1 / (1 + Foundation.exp(-x)); return s * (1 - s)
        case .square: return 2 * x
        case .poly:
            var acc = 0.0
            for i in stride(from: coefficients.count - 1, through: 1, by: -1) {
                acc = acc * x + Double(i) * coefficients[i]
            }
            return acc
        }
    }

    /// Whether the activation is a polynomial (converts to encrypted form without approximation).
    public var isPolynomial: Bool { kind == .square || kind == .poly }
}
