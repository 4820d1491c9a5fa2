/// How the degree of a Chebyshev approximation is chosen.
public enum DegreeChoice: Sendable, Equatable {
    /// Exactly this degree.
    case fixed(Int)
    /// The smallest depth `k` (degree `2^k − 1`, the largest degree that costs `k` levels)
    /// whose measured max error meets `maxError`, up to `maxDegree`. A nil `maxError`
    /// uses the function's default target (`ApproximatedFunction.defaultTargetError`).
    case automatic(maxError: Double?, maxDegree: Int)

    /// The default automatic choice: each function's default target, degree ≤ 255 (depth ≤ 8).
    public static let standard = DegreeChoice.automatic(maxError: nil, maxDegree: 255)
}
