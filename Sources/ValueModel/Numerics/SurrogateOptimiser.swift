import Foundation

/// Minimises the smooth surrogate (`ListMatchingObjective.softLoss`) by BFGS with a backtracking (Armijo) line
/// search, at a sequence of temperatures annealed towards 0, each stage warm-started at the previous answer.
/// The hard losses are step functions of w (the top-K list changes only when two scores cross), so gradient
/// methods on them stall at once; the surrogate has informative gradients everywhere and converges to the
/// hard problem as τ → 0.
public struct AnnealedSurrogateOptimiser: Sendable {
    /// Temperatures in units of the value `w·p` (with Σ|w| = 1 the values of one session spread over ~0.1).
    public var temperatures: [Double] = [0.01, 0.002]
    public var parametrisation = WeightParametrisation.free
    public var maxIterationsPerTemperature = 15
    /// Largest step in x of one line search.
    public var maxStep = 0.2

    public init(temperatures: [Double] = [0.01, 0.002], parametrisation: WeightParametrisation = .free,
                maxIterationsPerTemperature: Int = 15) {
        self.temperatures = temperatures
        self.parametrisation = parametrisation
        self.maxIterationsPerTemperature = maxIterationsPerTemperature
    }

    public struct PathPoint: Sendable, Codable {
        public var evaluations: Int
        public var temperature: Double
        public var weights: [Double]
        public var softLoss: Double
    }

    public struct Stage: Sendable, Codable {
        public var temperature: Double
        public var weights: [Double]
        public var softLoss: Double
        public var iterations: Int
        public var evaluations: Int
    }

    public struct Result: Sendable, Codable {
        public var x: [Double]
        public var weights: [Double]
        public var stages: [Stage]
        public var path: [PathPoint]
        public var evaluations: Int
    }

    public func minimize(_ objective: ListMatchingObjective, from x0: [Double], sessionWeights: [Double]? = nil) -> Result {
        let p = parametrisation
        var x = normalise(x0)
        precondition(x.count == parametrisation.dimension, "start point has \(x.count) values, the parametrisation takes \(parametrisation.dimension)")
        var evaluations = 0
        var path: [PathPoint] = []
        var stages: [Stage] = []
        func evaluate(_ x: [Double], _ tau: Double) -> (Double, [Double]) {
            evaluations += 1
            let r = objective.softLoss(p.weights(x), temperature: tau, sessionWeights: sessionWeights)
            return (r.loss, p.pullback(x, gradient: r.gradient))
        }
        for tau in temperatures {
            let before = evaluations
            var (f, g) = evaluate(x, tau)
            path.append(PathPoint(evaluations: evaluations, temperature: tau, weights: p.weights(x), softLoss: f))
            let n = x.count
            var hInv = identity(n)
            var iterations = 0
            while iterations < maxIterationsPerTemperature {
                iterations += 1
                var d = matVec(hInv, g).map { -$0 }
                var slope = dot(d, g)
                if !(slope < 0) {                       // not a descent direction: reset to steepest descent
                    hInv = identity(n)
                    d = g.map { -$0 }
                    slope = dot(d, g)
                }
                let norm = dot(d, d).squareRoot()
                guard norm > 0, slope < 0 else { break }
                var alpha = min(1, maxStep / norm)
                var accepted = false
                var xNew = x, fNew = f, gNew = g
                for _ in 0..<30 {
                    xNew = zip(x, d).map { $0 + alpha * $1 }
                    (fNew, gNew) = evaluate(xNew, tau)
                    if fNew <= f + 1e-4 * alpha * slope { accepted = true; break }
                    alpha *= 0.5
                }
                guard accepted else { break }
                let s = zip(xNew, x).map { $0 - $1 }
                let y = zip(gNew, g).map { $0 - $1 }
                let sy = dot(s, y)
                let improvement = f - fNew
                x = xNew; f = fNew; g = gNew
                if sy > 1e-12 * dot(s, s).squareRoot() * dot(y, y).squareRoot() {
                    // BFGS inverse update: H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
                    let rho = 1 / sy
                    let hy = matVec(hInv, y)
                    let yhy = dot(y, hy)
                    for i in 0..<n { for j in 0..<n {
                        hInv[i][j] += -rho * (s[i] * hy[j] + hy[i] * s[j]) + (rho * rho * yhy + rho) * s[i] * s[j]
                    } }
                }
                path.append(PathPoint(evaluations: evaluations, temperature: tau, weights: p.weights(x), softLoss: f))
                if p == .free {
                    // Scale-free parametrisation: keep Σ|x| = 1 (w and the loss are unchanged).
                    let scale = x.reduce(0) { $0 + abs($1) }
                    if scale > 0, abs(scale - 1) > 0.05 {
                        for i in 0..<n { x[i] /= scale; g[i] *= scale }
                        hInv = identity(n)
                    }
                }
                if improvement <= 1e-6 * max(1, abs(f)) || dot(s, s).squareRoot() < 1e-9 { break }
            }
            stages.append(Stage(temperature: tau, weights: p.weights(x), softLoss: f, iterations: iterations, evaluations: evaluations - before))
        }
        return Result(x: x, weights: p.weights(x), stages: stages, path: path, evaluations: evaluations)
    }

    private func normalise(_ x: [Double]) -> [Double] {
        guard parametrisation == .free else { return x }
        let scale = x.reduce(0) { $0 + abs($1) }
        return scale > 0 ? x.map { $0 / scale } : x
    }
}

func identity(_ n: Int) -> [[Double]] { (0..<n).map { i in (0..<n).map { i == $0 ? 1 : 0 } } }
func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
func matVec(_ m: [[Double]], _ v: [Double]) -> [Double] { m.map { dot($0, v) } }
