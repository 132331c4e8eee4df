/// Small dense symmetric positive-definite systems (Cholesky), for Newton steps in a handful of
/// dimensions (logistic regression, the Plackett-Luce fit).
enum SymmetricSolve {
    /// Lower Cholesky factor of the row-major `[n, n]` matrix `a`, or nil if it is not positive definite.
    static func cholesky(_ a: [Double], dimension n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0, sum.isFinite else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        return l
    }

    /// `x` with `a x = b`.
    static func solve(_ a: [Double], _ b: [Double], dimension n: Int) -> [Double]? {
        guard let l = cholesky(a, dimension: n) else { return nil }
        var y = b
        for i in 0..<n {
            for k in 0..<i { y[i] -= l[i * n + k] * y[k] }
            y[i] /= l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for k in (i + 1)..<n { y[i] -= l[k * n + i] * y[k] }
            y[i] /= l[i * n + i]
        }
        return y
    }

    /// `x` with `(a + λI) x = b` for the first λ in 0, 10⁻⁶·max(1, max|a_ii|), then ×10 each time, up to
    /// `maximumDamping`, at which `a + λI` is positive definite: a Newton step that falls back towards gradient
    /// descent where the Hessian is not positive definite. Nil when no λ up to the limit works.
    static func dampedSolve(_ a: [Double], _ b: [Double], dimension n: Int, maximumDamping: Double) -> [Double]? {
        let scale = max(1, (0..<n).map { abs(a[$0 * n + $0]) }.max() ?? 1)
        var damping = 0.0
        while damping <= maximumDamping {
            var damped = a
            for i in 0..<n { damped[i * n + i] += damping }
            if let x = solve(damped, b, dimension: n) { return x }
            damping = damping == 0 ? 1e-6 * scale : damping * 10
        }
        return nil
    }

    /// `a⁻¹` (row-major).
    static func inverse(_ a: [Double], dimension n: Int) -> [Double]? {
        var out = [Double](repeating: 0, count: n * n)
        for c in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[c] = 1
            guard let column = solve(a, e, dimension: n) else { return nil }
            for r in 0..<n { out[r * n + c] = column[r] }
        }
        return out
    }
}
