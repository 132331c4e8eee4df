import Foundation

/// One session's term of the shown-order likelihood (`ShownOrderLikelihood`): the negative log-probability that
/// the platform showed the session's K distinct videos in their logged order, *given* that it showed that set,
/// when it ranked a pool by Plackett-Luce in `θ·p` and the unshown part of the pool has total weight `R = e^r`.
///
/// With `x_i = exp(θ·p_i)` for the shown videos in display order and `X_k = Σ_{m ≥ k} x_m`, the probability of the
/// logged order *and* set is `Π_k x_k / (X_k + R)` (the unshown pool members compete at every one of the K
/// choices, so the pool enters through R alone). Dividing by its sum over the K! orders of the set gives the
/// conditional probability; that sum is, in the exponential-race form of Plackett-Luce, the probability that all
/// K videos arrive before the first arrival of a rate-R process:
///
///     h = ∫₀^∞ R e^{−Rt} Π_i (1 − e^{−x_i t}) dt,
///
/// computed by the trapezoid rule in z = log t (the integrand is analytic in the strip |Im z| < π/2 and decays
/// at both ends, so a step of 0.25 has a relative error near e^{−π²/0.25} ≈ 1e-17 times the integrand’s range). So
/// `NLL = Σ_k [log(X_k + R) − log x_k] + log h`, with gradient and Hessian in (θ₁..θ₄, r) in closed form.
enum ShownOrderJet {
    /// Values per term: the NLL, its gradient `[5]` in (θ, r) and the Hessian `[5, 5]` row-major.
    static let width = 1 + 5 + 25
    /// Trapezoid step in z = log t.
    static let step = 0.25

    /// Working memory of one thread.
    struct Scratch {
        var score: [Double] = []
        var weight: [Double] = []
        var nodes: [Double] = []
    }

    /// Writes the term of the K videos `items` (candidate indices into `heads`, session base pointer `[N, 4]`)
    /// at (θ, r) into `out[0 ..< width]`. With `full == false` only the value, ∂/∂r (`out[5]`) and ∂²/∂r²
    /// (`out[30]`) are written (what the per-session maximisation over r needs).
    // heads: [N, 4]; items: [K]; out: [31]
    static func evaluate(heads: UnsafePointer<Float>, items: UnsafeBufferPointer<Int32>, theta t: (Double, Double, Double, Double),
                         logRemainder r: Double, full: Bool, scratch: inout Scratch, out: UnsafeMutablePointer<Double>) {
        out.update(repeating: 0, count: width)
        let k = items.count
        guard k > 1 else { return }
        func head(_ i: Int) -> UnsafePointer<Float> { heads + Int(items[i]) * 4 }
        if scratch.score.count < k { scratch.score = [Double](repeating: 0, count: k); scratch.weight = scratch.score }
        var top = -Double.infinity
        for i in 0..<k {
            let q = head(i)
            let s = t.0 * Double(q[0]) + t.1 * Double(q[1]) + t.2 * Double(q[2]) + t.3 * Double(q[3])
            scratch.score[i] = s
            top = max(top, s)
        }
        // Everything relative to the best shown score: x_i ≤ 1, R = e^{r − top}.
        for i in 0..<k { scratch.weight[i] = exp(scratch.score[i] - top) }
        let rr = r - top
        let remainder = exp(rr)

        // Σ_k [log(X_k + R) − log x_k], from the last shown video back to the first.
        var mass = 0.0
        var m1 = [Double](repeating: 0, count: 4), m2 = [Double](repeating: 0, count: 16)
        for i in stride(from: k - 1, through: 0, by: -1) {
            let x = scratch.weight[i], q = head(i)
            mass += x
            let d = mass + remainder
            out[0] += log(d) - (scratch.score[i] - top)
            out[5] += remainder / d
            out[30] += remainder / d - remainder * remainder / (d * d)
            guard full else { continue }
            for a in 0..<4 {
                let xa = x * Double(q[a])
                m1[a] += xa
                for b in a..<4 { m2[a * 4 + b] += xa * Double(q[b]) }
            }
            for a in 0..<4 {
                out[1 + a] += m1[a] / d - Double(q[a])
                for b in a..<4 { out[6 + a * 5 + b] += m2[a * 4 + b] / d - m1[a] * m1[b] / (d * d) }
                out[6 + a * 5 + 4] -= m1[a] * remainder / (d * d)
            }
        }

        // log h by the trapezoid rule over z ∈ [zLow, zHigh]: below zLow the integrand is under
        // (t·max(1, R))^{K+1} ≤ e^{−45}; above zHigh, R t > 40.
        let zLow = -max(0, rr) - 45 / Double(k + 1) - 2
        let zHigh = log(40) - rr
        let count = max(2, Int(((zHigh - zLow) / step).rounded(.up)) + 1)
        if scratch.nodes.count < count { scratch.nodes = [Double](repeating: 0, count: count) }
        var logMax = -Double.infinity
        for n in 0..<count {
            let z = zLow + Double(n) * step, time = exp(z)
            var g = rr - remainder * time + z
            for i in 0..<k { g += log(-expm1(-scratch.weight[i] * time)) }
            scratch.nodes[n] = g
            logMax = max(logMax, g)
        }
        var total = 0.0
        for n in 0..<count { scratch.nodes[n] = exp(scratch.nodes[n] - logMax); total += scratch.nodes[n] }
        out[0] += logMax + log(total) + log(step)
        // Moments of ∇g under the node weights π_n: ∇ log h = E[∇g], ∇² log h = E[∇²g] + Cov[∇g].
        var mean = [Double](repeating: 0, count: 5), second = [Double](repeating: 0, count: 25)
        var curvature = [Double](repeating: 0, count: k)  // Σ_n π_n ∂²g/∂s_i²
        var gradient = [Double](repeating: 0, count: 5)
        var meanRR = 0.0
        for n in 0..<count {
            let pi = scratch.nodes[n] / total
            guard pi > 0 else { continue }
            let time = exp(zLow + Double(n) * step)
            gradient[4] = 1 - remainder * time
            meanRR -= pi * remainder * time
            if full {
                gradient[0] = 0; gradient[1] = 0; gradient[2] = 0; gradient[3] = 0
                for i in 0..<k {
                    // ∂/∂s_i log(1 − e^{−y}) = y/(e^y − 1) =: d; ∂²/∂s_i² = d (1 − y − d); y = x_i t.
                    let y = scratch.weight[i] * time
                    let d = y / expm1(y)
                    guard d > 0, d.isFinite else { continue }
                    curvature[i] += pi * d * (1 - y - d)
                    let q = head(i)
                    gradient[0] += d * Double(q[0]); gradient[1] += d * Double(q[1])
                    gradient[2] += d * Double(q[2]); gradient[3] += d * Double(q[3])
                }
                for a in 0..<5 {
                    mean[a] += pi * gradient[a]
                    for b in a..<5 { second[a * 5 + b] += pi * gradient[a] * gradient[b] }
                }
            } else {
                mean[4] += pi * gradient[4]
                second[24] += pi * gradient[4] * gradient[4]
            }
        }
        out[5] += mean[4]
        out[30] += meanRR + second[24] - mean[4] * mean[4]
        guard full else { return }
        for a in 0..<4 { out[1 + a] += mean[a] }
        for i in 0..<k {
            let q = head(i)
            for a in 0..<4 { for b in a..<4 { out[6 + a * 5 + b] += curvature[i] * Double(q[a]) * Double(q[b]) } }
        }
        for a in 0..<5 {
            for b in a..<5 where !(a == 4 && b == 4) { out[6 + a * 5 + b] += second[a * 5 + b] - mean[a] * mean[b] }
        }
        for a in 0..<5 { for b in 0..<a { out[6 + a * 5 + b] = out[6 + b * 5 + a] } }
    }
}
