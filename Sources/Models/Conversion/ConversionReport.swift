/// The conversion summary `encml convert --json` prints: the keys DESIGN.md lists, plus the
/// predicted latency, the alternatives the plan search considered and why it chose this one.
public struct ConversionReport: Codable, Sendable, Equatable {
    /// The parameter summary.
    public struct Parameters: Codable, Sendable, Equatable {
        /// Ring degree N.
        public var polyDegree: Int
        /// Total modulus bits log2(QP).
        public var logQP: Int
        /// Security level in bits.
        public var securityBits: Int
        /// log2 of the scale Δ.
        public var scaleBits: Int? = nil
        /// The output noise `NoiseEstimate` predicts at these parameters, in bits above the
        /// scale's last bit (tail included): outputs keep `scaleBits − noiseBits` bits.
        public var noiseBits: Double? = nil
    }

    /// One polynomial activation (the output sigmoid, when encrypted, comes last).
    public struct ActivationSummary: Codable, Sendable, Equatable {
        /// Function approximated (relu, tanh, sigmoid, square, poly, …).
        public var function: String
        /// `[a, b]`.
        public var interval: [Double]
        /// Polynomial degree.
        public var degree: Int
        /// Max error on the interval (dense grid).
        public var maxError: Double
        /// Share of calibration pre-activations outside the interval.
        public var outsideFraction: Double

        enum CodingKeys: String, CodingKey {
            case function, interval, degree
            case maxError = "max_error"
            case outsideFraction = "outside_fraction"
        }
    }

    /// Estimated file sizes (`SizeEstimate`) a user plans with, single-query packing.
    public struct Sizes: Codable, Sendable, Equatable {
        /// The evaluation-key file keygen writes (relinearization + the plan's rotation keys).
        public var evaluationKeyBytes: Int
        /// One encrypted query row (one seeded ciphertext).
        public var queryBytesPerRow: Int
        /// One encrypted result row (one ciphertext at level 0).
        public var resultBytesPerRow: Int

        /// The figures of `estimate`.
        public init(_ estimate: SizeEstimate) {
            evaluationKeyBytes = estimate.singleQueryEvaluationKeyBytes
            queryBytesPerRow = estimate.queryCiphertextBytes
            resultBytesPerRow = estimate.resultCiphertextBytes
        }

        enum CodingKeys: String, CodingKey {
            case evaluationKeyBytes = "evaluation_key_bytes"
            case queryBytesPerRow = "query_bytes_per_row"
            case resultBytesPerRow = "result_bytes_per_row"
        }
    }

    /// Accuracy of the original model on the calibration data (nil without labels).
    public var originalAccuracy: Double?
    /// Accuracy of the polynomial model in plaintext on the calibration data (nil without labels).
    public var polynomialAccuracy: Double?
    /// Multiplicative depth.
    public var depth: Int
    /// Chosen parameters.
    public var parameters: Parameters
    /// Number of rotation (Galois) keys for single-query inference: exactly those keygen makes.
    public var rotations: Int
    /// Per polynomial activation.
    public var activations: [ActivationSummary]
    /// Estimated sizes of keys, queries and results.
    public var sizes: Sizes
    /// Predicted server time of the plan (`LatencyModel.standard`).
    public var predictedLatency: LatencyModel.Prediction
    /// The plans the search considered (empty when the degree was given: no search).
    public var alternatives: [PlanAlternative] = []
    /// Why the search chose this plan (nil without search).
    public var choice: String?

    enum CodingKeys: String, CodingKey {
        case depth, parameters, rotations, activations, sizes, alternatives, choice
        case predictedLatency = "predicted_latency"
        case originalAccuracy = "original_accuracy"
        case polynomialAccuracy = "polynomial_accuracy"
    }

    /// Encodes nil accuracies as JSON null (not by omitting the key).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(originalAccuracy, forKey: .originalAccuracy)
        try c.encode(polynomialAccuracy, forKey: .polynomialAccuracy)
        try c.encode(depth, forKey: .depth)
        try c.encode(parameters, forKey: .parameters)
        try c.encode(rotations, forKey: .rotations)
        try c.encode(activations, forKey: .activations)
        try c.encode(sizes, forKey: .sizes)
        try c.encode(predictedLatency, forKey: .predictedLatency)
        try c.encode(alternatives, forKey: .alternatives)
        try c.encode(choice, forKey: .choice)
    }

    /// Accuracy lost by the conversion in percentage points (nil without labels).
    public var accuracyDropPoints: Double? {
        guard let original = originalAccuracy, let polynomial = polynomialAccuracy else { return nil }
        return (original - polynomial) * 100
    }
}
