/// How the degree of a Chebyshev approximation is chosen.
public enum DegreeChoice: Sendable, Equatable {
    /// Exactly this degree.
    case fixed(Int)
    /// The smallest depth `k` (degree `2^k − 1`, the largest degree that costs `k` levels)
    /// whose measured max error meets `maxError`, up to `maxDegree`. A nil `maxError`
    /// uses the function's default target (`ApproximatedFunction.defaultTargetError`).
    case automatic(maxError: Double?, maxDegree: Int)
    /// Chosen by the plan search (`ModelConverter.search`, which `convert` runs for it): the
    /// lowest predicted latency within the accuracy budget on labelled calibration rows. Where
    /// no search runs — a fit on its own, unlabelled calibration rows — it means `.standard`.
    case searched

    /// The default automatic choice: each function's default target, degree ≤ 255 (depth ≤ 8).
    public static let standard = DegreeChoice.automatic(maxError: nil, maxDegree: standardMaxDegree)
    /// The largest degree of the standard automatic choice (depth 8).
    public static let standardMaxDegree = 255
}
