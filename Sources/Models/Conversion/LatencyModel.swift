import Foundation

/// Predicted server time of an `InferencePlan`, from a small table of what our own CKKS
/// operations cost, so that conversion can compare plans (degrees, N, depth) without
/// running them.
///
/// Per operation the cost is a function of the ring degree N and of the number of primes
/// L the operand carries (level + 1):
/// - key-switching operations (relinearized product, rotation, the hoisted decomposition
///   and each hoisted rotation after it): `N·log2(N)·(a·L + b·L²)` — the NTTs are linear in
///   L, the inner product over the digits quadratic; `a` and `b` are solved from the two
///   calibration points;
/// - the others (plaintext product, addition, rescale): `c·N·L`, `c` the mean of the two
///   points.
///
/// A plan's single-query time is the sum over its steps: a linear layer costs one hoisted
/// decomposition, one hoisted rotation per distinct baby step, one rotation per giant block
/// and per rotate-and-sum step, one plaintext product per non-zero diagonal, one rescale and
/// the additions; a polynomial costs `ChebyshevSeries.productCount` relinearized products at
/// the mean level of its tree plus one constant product and addition per coefficient; a
/// folded square one product. A batch set (N/2 rows) costs, per linear layer, one scalar
/// multiply–accumulate per weight on whole ciphertexts (counted as a plaintext product) and
/// one rescale per output, and per activation the polynomial once per ciphertext.
///
/// The prediction is an estimate for ranking plans: it ignores caches, allocation and the
/// client's encryption and decryption.
public struct LatencyModel: Sendable, Equatable {
    /// The operations the model prices.
    public enum Operation: String, CaseIterable, Sendable, Codable {
        /// Relinearized ciphertext product with its rescale.
        case multiplyRelinRescale
        /// One rotation (key switch included).
        case rotate
        /// The shared decomposition of hoisted rotations.
        case decompose
        /// Each hoisted rotation after the decomposition.
        case hoistedRotation
        /// Ciphertext times plaintext vector, no rescale.
        case multiplyPlain
        /// Ciphertext addition.
        case add
        /// One rescale.
        case rescale

        /// Whether the operation switches keys (its cost grows with L²).
        public var switchesKeys: Bool {
            switch self {
            case .multiplyRelinRescale, .rotate, .decompose, .hoistedRotation: return true
            case .multiplyPlain, .add, .rescale: return false
            }
        }
    }

    /// Measured costs (ms) of every operation at one ring degree and prime count.
    public struct Calibration: Sendable, Equatable {
        /// Ring degree N.
        public var polyDegree: Int
        /// Primes of the operands (level + 1).
        public var limbs: Int
        /// Median ms per operation.
        public var costs: [Operation: Double]

        /// A calibration point; `costs` must price every operation.
        public init(polyDegree: Int, limbs: Int, costs: [Operation: Double]) {
            precondition(Operation.allCases.allSatisfy { costs[$0] != nil }, "every operation needs a cost")
            self.polyDegree = polyDegree
            self.limbs = limbs
            self.costs = costs
        }
    }

    /// The default table: `encml bench --json --cpu-time --repetitions 15` (median thread-CPU
    /// ms, single thread, release build with `-target-cpu native`), the median of three runs
    /// on the project's 2-core AMD EPYC (Zen 3, AVX2) on 2026-11-28 on a quiet machine, N = 8192
    /// with Q = 60+40+40, P = 60 (3 primes at the top level) and N = 16384 with Q = 60+5×40,
    /// P = 60 (6 primes); keys `multiply_relin_rescale_ms`, `rotate_ms`, `decompose_ms`,
    /// `rotate_hoisted_extra_ms`, `multiply_plain_ms`, `add_ms`, `rescale_ms`. Re-measure on
    /// other machines to predict absolute times there; the ranking of plans rarely changes.
    public static let measured: [Calibration] = [
        Calibration(polyDegree: 8192, limbs: 3, costs: [
            .multiplyRelinRescale: 2.809, .rotate: 2.284, .decompose: 0.930, .hoistedRotation: 1.276,
            .multiplyPlain: 0.104, .add: 0.0452, .rescale: 0.640]),
        Calibration(polyDegree: 16384, limbs: 6, costs: [
            .multiplyRelinRescale: 14.23, .rotate: 12.65, .decompose: 6.338, .hoistedRotation: 6.272,
            .multiplyPlain: 0.430, .add: 0.156, .rescale: 2.667]),
    ]

    /// The model calibrated from `measured`.
    public static let standard = LatencyModel(calibration: measured)

    /// Per operation: `a` and `b` of `N·log2 N·(a·L + b·L²)` (key switching), or `a` of
    /// `a·N·L` with `b = 0` (the others).
    let coefficients: [Operation: [Double]]

    /// Fits the cost functions to two calibration points with different prime counts.
    public init(calibration points: [Calibration]) {
        precondition(points.count == 2 && points[0].limbs != points[1].limbs, "two points with different prime counts")
        let (p, q) = (points[0], points[1])
        let (l1, l2) = (Double(p.limbs), Double(q.limbs))
        func unit(_ point: Calibration, _ op: Operation) -> Double {
            let n = Double(point.polyDegree)
            return point.costs[op]! / (op.switchesKeys ? n * log2(n) : n * Double(point.limbs))
        }
        var coefficients: [Operation: [Double]] = [:]
        for op in Operation.allCases {
            let (u1, u2) = (unit(p, op), unit(q, op))
            guard op.switchesKeys else {
                coefficients[op] = [(u1 + u2) / 2, 0]
                continue
            }
            var b = (u2 * l1 - u1 * l2) / (l1 * l2 * (l2 - l1))
            var a = (u1 - b * l1 * l1) / l1
            if b < 0 || a < 0 {  // not quadratic: linear in L through the mean
                b = 0
                a = (u1 / l1 + u2 / l2) / 2
            }
            coefficients[op] = [a, b]
        }
        self.coefficients = coefficients
    }

    /// Predicted ms of one operation on operands of `limbs` primes at ring degree `n`. O(1).
    public func cost(_ op: Operation, polyDegree n: Int, limbs: Int) -> Double {
        let l = Double(max(limbs, 1)), c = coefficients[op] ?? [0, 0]
        let size = Double(n)
        return op.switchesKeys ? size * log2(size) * (c[0] * l + c[1] * l * l) : c[0] * size * l
    }

    /// A plan's predicted server time.
    public struct Prediction: Sendable, Equatable, Codable {
        /// One row in single-query packing (ms).
        public var singleQueryMs: Double
        /// One batch set of N/2 rows (ms).
        public var batchSetMs: Double
        /// Rows per batch set (N/2).
        public var batchRows: Int
        /// Batch throughput, predictions per second.
        public var batchPredictionsPerSecond: Double

        /// A prediction; the throughput follows from the batch figures.
        public init(singleQueryMs: Double, batchSetMs: Double, batchRows: Int) {
            self.singleQueryMs = singleQueryMs
            self.batchSetMs = batchSetMs
            self.batchRows = batchRows
            batchPredictionsPerSecond = batchSetMs > 0 ? Double(batchRows) / batchSetMs * 1000 : 0
        }

        enum CodingKeys: String, CodingKey {
            case singleQueryMs = "single_query_ms", batchSetMs = "batch_set_ms", batchRows = "batch_rows"
            case batchPredictionsPerSecond = "batch_predictions_per_s"
        }
    }

    /// The predicted single-query and batch server time of `plan`.
    /// O(steps + Σ non-zero diagonals + Σ d log d).
    public func predict(_ plan: InferencePlan) -> Prediction {
        let n = plan.parameters.polyDegree
        var single = 0.0, batch = 0.0
        func op(_ op: Operation, _ limbs: Int) -> Double { cost(op, polyDegree: n, limbs: limbs) }
        var width = plan.batch.inputCiphertexts
        for step in plan.steps {
            let limbs = step.inputLevel + 1
            switch step.operation {
            case .linear:
                let packing = plan.single.layers[step.layer]
                let g = max(packing.babySteps, 1)
                let babies = Set(packing.nonZeroDiagonals.map { $0 % g }).subtracting([0]).count
                let giants = Set(packing.nonZeroDiagonals.map { $0 / g * g }).subtracting([0]).count
                let sums = packing.sumSteps(blockSize: plan.single.blockSize).count
                let diagonals = packing.nonZeroDiagonals.count
                single += (babies > 0 ? op(.decompose, limbs) + Double(babies) * op(.hoistedRotation, limbs) : 0)
                    + Double(giants) * op(.rotate, limbs) + Double(diagonals) * op(.multiplyPlain, limbs)
                    + op(.rescale, limbs) + Double(sums) * op(.rotate, limbs - 1)
                    + Double(diagonals + giants + sums + 1) * op(.add, limbs)
                batch += Double(packing.columns * packing.rows) * op(.multiplyPlain, limbs)
                    + Double(packing.rows) * op(.rescale, limbs)
                width = packing.rows
            case .activation, .outputSigmoid:
                let one: Double
                if InferencePlan.isFoldedSquare(step) {
                    one = op(.multiplyRelinRescale, limbs)
                } else {
                    let mean = max(limbs - step.depth / 2, 1)
                    one = Double(ChebyshevSeries.productCount(forDegree: step.degree)) * op(.multiplyRelinRescale, mean)
                        + Double(step.degree + 1) * (op(.multiplyPlain, mean) + op(.add, mean))
                }
                single += one
                batch += Double(width) * one
            }
        }
        return Prediction(singleQueryMs: single, batchSetMs: batch, batchRows: n / 2)
    }
}
