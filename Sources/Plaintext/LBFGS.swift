/// Limited-memory BFGS minimiser (Nocedal & Wright, Algorithm 7.4 and 7.5) with a
/// bisection line search for the weak Wolfe conditions (Lewis & Overton), in reverse
/// communication: the caller evaluates the objective and its gradient at `point` and hands
/// them to `observe`, until `point` is nil. The same state machine drives the single-party
/// trainer (`minimize`, with a closure) and federated training, where every evaluation is a
/// round of encrypted gradient aggregation and every peer runs its own copy of the minimiser on
/// the same decrypted sums.
///
/// Deterministic: the vector arithmetic is plain sequential Swift (no BLAS, no reassociation),
/// so peers on different machines take bit-identical steps from bit-identical observations.
/// Each iteration costs one or a few evaluations plus O(m·n) vector work for the two-loop
/// recursion (m = `memory`, n = parameter count).
public struct LBFGS: Sendable {
    /// Number of correction pairs kept.
    public let memory: Int
    /// Stop when `max |gradient|` falls below this.
    public let gradientTolerance: Double
    /// Iteration budget.
    public let maxIterations: Int
    /// Evaluations a line search may take before the iteration ends (with the last trial point
    /// if it decreased the objective, else the minimisation stops).
    public let lineSearchSteps: Int

    /// The current iterate (the start until the first iteration completes).
    public private(set) var x: [Double]
    /// The objective at `x` (nan before the first observation).
    public private(set) var value = Double.nan
    /// The gradient at `x` (zeros before the first observation).
    public private(set) var gradient: [Double]
    /// Completed iterations.
    public private(set) var iterations = 0
    /// Where the objective must be evaluated next; nil once the minimisation has ended
    /// (gradient below tolerance, budget spent, or no progress possible).
    public private(set) var point: [Double]?

    private var s: [[Double]] = [], y: [[Double]] = [], rho: [Double] = []
    private var alpha: [Double]
    private var direction: [Double]
    private var slope = 0.0, lo = 0.0, hi = Double.infinity, t = 1.0, trials = 0
    private var searching = false

    /// A minimiser starting at `start`; its first `point` is `start`. O(n).
    public init(start: [Double], memory: Int = 10, gradientTolerance: Double = 1e-6, maxIterations: Int = 1000,
                lineSearchSteps: Int = 50) {
        self.memory = memory
        self.gradientTolerance = gradientTolerance
        self.maxIterations = maxIterations
        self.lineSearchSteps = lineSearchSteps
        x = start
        gradient = [Double](repeating: 0, count: start.count)
        direction = gradient
        alpha = [Double](repeating: 0, count: memory)
        point = start
    }

    /// Takes the objective's value and gradient at `point` and moves on to the next point.
    /// Returns true when this observation completed an iteration (`x`, `value`, `gradient` and
    /// `iterations` then describe the new iterate). O(m·n).
    /// - Precondition: `point` is not nil and `gradient` has its length.
    @discardableResult
    public mutating func observe(value f: Double, gradient g: [Double]) -> Bool {
        precondition(point != nil && g.count == x.count, "LBFGS.observe after the end or with a gradient of another length")
        guard searching else {
            value = f
            gradient = g
            beginIteration()
            return false
        }
        trials += 1
        if !f.isFinite || f > value + 1e-4 * t * slope {
            hi = t
        } else if Self.dot(g, direction) < 0.9 * slope {
            lo = t
        } else {
            return endIteration(value: f, gradient: g, accepted: true)
        }
        t = hi.isFinite ? (lo + hi) / 2 : 2 * lo
        guard trials < lineSearchSteps else { return endIteration(value: f, gradient: g, accepted: false) }
        point = trial()
        return false
    }

    /// The next direction by the two-loop recursion (`d = −H·g`) and the line search's first
    /// trial, or the end.
    private mutating func beginIteration() {
        guard iterations < maxIterations, Self.maxAbs(gradient) > gradientTolerance else {
            point = nil
            return
        }
        let n = x.count
        for i in 0..<n { direction[i] = -gradient[i] }
        for k in stride(from: s.count - 1, through: 0, by: -1) {
            alpha[k] = rho[k] * Self.dot(s[k], direction)
            Self.axpy(-alpha[k], y[k], &direction)
        }
        if let last = s.indices.last {
            let gamma = Self.dot(s[last], y[last]) / Self.dot(y[last], y[last])
            for i in 0..<n { direction[i] *= gamma }
        } else {
            let scale = 1 / max(Self.norm(gradient), 1e-12)
            for i in 0..<n { direction[i] *= scale }
        }
        for k in 0..<s.count {
            let beta = rho[k] * Self.dot(y[k], direction)
            Self.axpy(alpha[k] - beta, s[k], &direction)
        }
        slope = Self.dot(gradient, direction)
        if slope >= 0 {  // not a descent direction: restart with steepest descent
            s.removeAll(); y.removeAll(); rho.removeAll()
            for i in 0..<n { direction[i] = -gradient[i] / max(Self.norm(gradient), 1e-12) }
            slope = Self.dot(gradient, direction)
        }
        lo = 0
        hi = .infinity
        t = 1
        trials = 0
        searching = true
        point = trial()
    }

    /// `x + t·d`.
    private func trial() -> [Double] {
        var p = x
        for i in p.indices { p[i] = x[i] + t * direction[i] }
        return p
    }

    /// Ends the line search at the last trial point (`point`, value `f`, gradient `g`).
    private mutating func endIteration(value f: Double, gradient g: [Double], accepted: Bool) -> Bool {
        searching = false
        guard accepted || (f.isFinite && f < value), let xNew = point else {  // no progress possible
            point = nil
            return false
        }
        let n = x.count
        var sk = [Double](repeating: 0, count: n), yk = sk
        for i in 0..<n { sk[i] = xNew[i] - x[i]; yk[i] = g[i] - gradient[i] }
        let sy = Self.dot(sk, yk)
        if sy > 1e-12 * max(Self.dot(yk, yk), 1e-300) {
            if s.count == memory { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
            s.append(sk); y.append(yk); rho.append(1 / sy)
        }
        let previous = value
        x = xNew
        gradient = g
        value = f
        iterations += 1
        if abs(previous - f) <= 1e-14 * max(abs(f), 1) {
            point = nil
        } else {
            beginIteration()
        }
        return true
    }

    /// The objective writes the gradient into its second argument and returns the value.
    typealias Objective = (_ x: UnsafePointer<Double>, _ gradient: UnsafeMutablePointer<Double>) -> Double

    /// Minimises from `x` in place with a closure objective; returns the final objective value
    /// and iterations used. `report(iteration, value)` is called after every iteration.
    static func minimize(_ x: inout [Double], memory: Int = 10, gradientTolerance: Double = 1e-6,
                         maxIterations: Int = 1000, objective: Objective,
                         report: (Int, Double) -> Void) -> (value: Double, iterations: Int) {
        var solver = LBFGS(start: x, memory: memory, gradientTolerance: gradientTolerance, maxIterations: maxIterations)
        var g = [Double](repeating: 0, count: x.count)
        while let p = solver.point {
            let f = p.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { objective(xp.baseAddress!, $0.baseAddress!) } }
            if solver.observe(value: f, gradient: g) { report(solver.iterations, solver.value) }
        }
        x = solver.x
        return (solver.value, solver.iterations)
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in a.indices { sum += a[i] * b[i] }
        return sum
    }
    static func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        for i in x.indices { y[i] += alpha * x[i] }
    }
    static func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }
    static func maxAbs(_ a: [Double]) -> Double { a.reduce(0) { max($0, abs($1)) } }
}
