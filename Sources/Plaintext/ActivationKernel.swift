import Foundation
import Models

/// Element-wise forward and backward passes of hidden activations over contiguous
/// buffers; the `switch` is outside the loops so each loop is straight-line code. O(count).
@usableFromInline
enum ActivationKernel {
    /// `act[i] = f(pre[i])`. `coefficients` are `[c0, c1, c2]` for `poly`.
    @inlinable
    static func forward(_ kind: ActivationKind, coefficients c: UnsafePointer<Double>,
                        pre: UnsafePointer<Double>, act: UnsafeMutablePointer<Double>, count: Int) {
        switch kind {
        case .relu: for i in 0..<count { let z = pre[i]; act[i] = z > 0 ? z : 0 }
        case .tanh: for i in 0..<count { act[i] = tanh(pre[i]) }
        case .sigmoid: for i in 0..<count { act[i] = 1 / (1 + exp(-pre[i])) }
        case .square: for i in 0..<count { let z = pre[i]; act[i] = z * z }
        case .poly:
            let c0 = c[0], c1 = c[1], c2 = c[2]
            for i in 0..<count { let z = pre[i]; act[i] = (c2 * z + c1) * z + c0 }
        }
    }

    /// Given `grad = ∂L/∂act`, replaces it by `∂L/∂pre = grad ⊙ f'(pre)`; for `poly` also adds
    /// `∂L/∂c_k = Σ grad · pre^k` into `coefficientGradient[k]`.
    @inlinable
    static func backward(_ kind: ActivationKind, coefficients c: UnsafePointer<Double>,
                         pre: UnsafePointer<Double>, act: UnsafePointer<Double>,
                         grad: UnsafeMutablePointer<Double>, count: Int,
                         coefficientGradient: UnsafeMutablePointer<Double>) {
        switch kind {
        case .relu: for i in 0..<count where pre[i] <= 0 { grad[i] = 0 }
        case .tanh: for i in 0..<count { let a = act[i]; grad[i] *= 1 - a * a }
        case .sigmoid: for i in 0..<count { let a = act[i]; grad[i] *= a * (1 - a) }
        case .square: for i in 0..<count { grad[i] *= 2 * pre[i] }
        case .poly:
            let c1 = c[1], twoC2 = 2 * c[2]
            var g0 = 0.0, g1 = 0.0, g2 = 0.0
            for i in 0..<count {
                let z = pre[i], g = grad[i]
                g0 += g
                g1 += g * z
                g2 += g * z * z
                grad[i] = g * (twoC2 * z + c1)
            }
            coefficientGradient[0] += g0
            coefficientGradient[1] += g1
            coefficientGradient[2] += g2
        }
    }
}
