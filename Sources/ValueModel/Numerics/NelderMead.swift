/// Nelder-Mead exactly as SciPy's `minimize(method="Nelder-Mead")` (the original's optimiser): reflection 1,
/// expansion 2, contraction 0.5, shrink 0.5; the initial simplex perturbs each coordinate of `x0` by 5%
/// (0.00025 if it is 0); stops when the simplex's spread in x is ≤ `xatol` and in f is ≤ `fatol`, or at the
/// iteration or evaluation limit. Limits follow SciPy: neither given → `200 · n` each; only one given → the
/// other is unlimited.
public struct NelderMead: Sendable {
    public var xatol = 1e-4
    public var fatol = 1e-4
    /// SciPy's `maxiter` (nil: see the type's description).
    public var maxIterations: Int?
    /// SciPy's `maxfev`.
    public var maxEvaluations: Int?

    /// One iteration's best vertex.
    public struct Step: Sendable, Codable {
        public var iteration: Int
        public var evaluations: Int
        public var x: [Double]
        public var f: Double
    }

    public struct Result: Sendable, Codable {
        /// The start point `x0`.
        public var start: [Double]
        public var x: [Double]
        public var f: Double
        public var iterations: Int
        public var evaluations: Int
        public var converged: Bool
        /// Best vertex after every iteration (the optimiser path).
        public var path: [Step]
    }

    public init(xatol: Double = 1e-4, fatol: Double = 1e-4, maxIterations: Int? = nil, maxEvaluations: Int? = nil) {
        self.xatol = xatol
        self.fatol = fatol
        self.maxIterations = maxIterations
        self.maxEvaluations = maxEvaluations
    }

    public func minimize(_ f: ([Double]) -> Double, from x0: [Double]) -> Result {
        let n = x0.count
        precondition(n > 0, "Nelder-Mead needs at least one variable")
        let maxIter: Int, maxFun: Int
        switch (maxIterations, maxEvaluations) {
        case (nil, nil): (maxIter, maxFun) = (200 * n, 200 * n)
        case let (nil, evaluations?): (maxIter, maxFun) = (Int.max, evaluations)
        case let (iterations?, nil): (maxIter, maxFun) = (iterations, Int.max)
        case let (iterations?, evaluations?): (maxIter, maxFun) = (iterations, evaluations)
        }
        var calls = 0
        func eval(_ x: [Double]) -> Double {
            calls += 1
            let v = f(x)
            return v.isNaN ? .infinity : v
        }
        var sim: [[Double]] = [x0]
        for k in 0..<n {
            var y = x0
            y[k] = y[k] != 0 ? 1.05 * y[k] : 0.00025
            sim.append(y)
        }
        var fsim = sim.map(eval)
        func sortSimplex() {
            let order = fsim.indices.sorted { fsim[$0] < fsim[$1] || (fsim[$0] == fsim[$1] && $0 < $1) }
            sim = order.map { sim[$0] }
            fsim = order.map { fsim[$0] }
        }
        sortSimplex()
        var iterations = 1
        var path = [Step(iteration: 0, evaluations: calls, x: sim[0], f: fsim[0])]
        var converged = false
        func combine(_ a: Double, _ x: [Double], _ b: Double, _ y: [Double]) -> [Double] {
            (0..<n).map { a * x[$0] + b * y[$0] }
        }
        while calls < maxFun && iterations < maxIter {
            var xSpread = 0.0, fSpread = 0.0
            for j in 1...n {
                for i in 0..<n { xSpread = max(xSpread, abs(sim[j][i] - sim[0][i])) }
                fSpread = max(fSpread, abs(fsim[0] - fsim[j]))
            }
            if xSpread <= xatol && fSpread <= fatol { converged = true; break }
            var xbar = [Double](repeating: 0, count: n)
            for j in 0..<n { for i in 0..<n { xbar[i] += sim[j][i] } }
            for i in 0..<n { xbar[i] /= Double(n) }
            let worst = sim[n]
            let xr = combine(2, xbar, -1, worst)
            let fxr = eval(xr)
            if fxr < fsim[0] {
                let xe = combine(3, xbar, -2, worst)
                let fxe = eval(xe)
                if fxe < fxr { sim[n] = xe; fsim[n] = fxe } else { sim[n] = xr; fsim[n] = fxr }
            } else if fxr < fsim[n - 1] {
                sim[n] = xr; fsim[n] = fxr
            } else {
                var shrink = false
                if fxr < fsim[n] {
                    let xc = combine(1.5, xbar, -0.5, worst)
                    let fxc = eval(xc)
                    if fxc <= fxr { sim[n] = xc; fsim[n] = fxc } else { shrink = true }
                } else {
                    let xcc = combine(0.5, xbar, 0.5, worst)
                    let fxcc = eval(xcc)
                    if fxcc < fsim[n] { sim[n] = xcc; fsim[n] = fxcc } else { shrink = true }
                }
                if shrink {
                    for j in 1...n {
                        sim[j] = combine(0.5, sim[0], 0.5, sim[j])
                        fsim[j] = eval(sim[j])
                    }
                }
            }
            iterations += 1
            sortSimplex()
            path.append(Step(iteration: iterations - 1, evaluations: calls, x: sim[0], f: fsim[0]))
        }
        return Result(start: x0, x: sim[0], f: fsim[0], iterations: iterations, evaluations: calls, converged: converged, path: path)
    }
}
