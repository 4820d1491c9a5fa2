/// Limited-memory BFGS minimiser (Nocedal & Wright, Algorithm 7.4 and 7.5) with a
/// bisection line search for the weak Wolfe conditions (Lewis & Overton).
///
/// Each iteration costs one or a few objective/gradient evaluations plus O(m·n)
/// vector work for the two-loop recursion (m = `memory`, n = parameter count).
struct LBFGS {
    /// Number of correction pairs kept.
    var memory = 10
    /// Stop when `max |gradient|` falls below this.
    var gradientTolerance = 1e-6
    /// Iteration budget.
    var maxIterations = 1000

    /// The objective writes the gradient into its second argument and returns the value.
    typealias Objective = (_ x: UnsafePointer<Double>, _ gradient: UnsafeMutablePointer<Double>) -> Double

    /// Minimises from `x` in place; returns the final objective value and iterations used.
    /// `report(iteration, value)` is called after every iteration.
    func minimize(_ x: inout [Double], objective: Objective, report: (Int, Double) -> Void) -> (value: Double, iterations: Int) {
        let n = x.count
        var g = [Double](repeating: 0, count: n)
        var f = x.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { objective(xp.baseAddress!, $0.baseAddress!) } }
        var s: [[Double]] = [], y: [[Double]] = [], rho: [Double] = []
        var d = [Double](repeating: 0, count: n)
        var xNew = x, gNew = g
        var alpha = [Double](repeating: 0, count: memory)
        var iteration = 0
        while iteration < maxIterations {
            if maxAbs(g) <= gradientTolerance { break }
            // Two-loop recursion: d = -H·g.
            for i in 0..<n { d[i] = -g[i] }
            for k in stride(from: s.count - 1, through: 0, by: -1) {
                alpha[k] = rho[k] * dot(s[k], d)
                axpy(-alpha[k], y[k], &d)
            }
            if let last = s.indices.last {
                let gamma = dot(s[last], y[last]) / dot(y[last], y[last])
                for i in 0..<n { d[i] *= gamma }
            } else {
                let scale = 1 / max(norm(g), 1e-12)
                for i in 0..<n { d[i] *= scale }
            }
            for k in 0..<s.count {
                let beta = rho[k] * dot(y[k], d)
                axpy(alpha[k] - beta, s[k], &d)
            }
            var slope = dot(g, d)
            if slope >= 0 {  // not a descent direction: restart with steepest descent
                s.removeAll(); y.removeAll(); rho.removeAll()
                for i in 0..<n { d[i] = -g[i] / max(norm(g), 1e-12) }
                slope = dot(g, d)
            }
            // Weak Wolfe line search by bracketing and bisection.
            var lo = 0.0, hi = Double.infinity, t = 1.0, fNew = f, accepted = false
            for _ in 0..<50 {
                for i in 0..<n { xNew[i] = x[i] + t * d[i] }
                fNew = xNew.withUnsafeBufferPointer { xp in gNew.withUnsafeMutableBufferPointer { objective(xp.baseAddress!, $0.baseAddress!) } }
                if !fNew.isFinite || fNew > f + 1e-4 * t * slope {
                    hi = t
                } else if dot(gNew, d) < 0.9 * slope {
                    lo = t
                } else {
                    accepted = true
                    break
                }
                t = hi.isFinite ? (lo + hi) / 2 : 2 * lo
            }
            if !accepted && !(fNew.isFinite && fNew < f) { break }  // no progress possible
            var sk = [Double](repeating: 0, count: n), yk = sk
            for i in 0..<n { sk[i] = xNew[i] - x[i]; yk[i] = gNew[i] - g[i] }
            let sy = dot(sk, yk)
            if sy > 1e-12 * max(dot(yk, yk), 1e-300) {
                if s.count == memory { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
                s.append(sk); y.append(yk); rho.append(1 / sy)
            }
            let previous = f
            swap(&x, &xNew); swap(&g, &gNew); f = fNew
            iteration += 1
            report(iteration, f)
            if abs(previous - f) <= 1e-14 * max(abs(f), 1) { break }
        }
        return (f, iteration)
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        a.withUnsafeBufferPointer { p in b.withUnsafeBufferPointer { q in BLAS.dot(a.count, p.baseAddress!, q.baseAddress!) } }
    }
    private func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        x.withUnsafeBufferPointer { p in y.withUnsafeMutableBufferPointer { BLAS.axpy(x.count, alpha: alpha, p.baseAddress!, $0.baseAddress!) } }
    }
    private func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }
    private func maxAbs(_ a: [Double]) -> Double { a.reduce(0) { max($0, abs($1)) } }
}
