import Foundation

/// A smooth stand-in for "the top K of `v`": inclusion weights `π_j = σ((v_j − t) / τ)` with the threshold
/// `t` solved so that `Σ π_j = K`. As `τ → 0`, π becomes the indicator of the hard top K (for distinct
/// scores); for `τ > 0` every π_j is a smooth function of every score, with the implicit-function derivative
///
///     ∂π_j/∂v_i = s_j (δ_ij − s_i / Σ_l s_l),   s_j = π_j (1 − π_j) / τ,
///
/// so `∂L/∂v_i = s_i (g_i − ḡ)` for upstream `g_j = ∂L/∂π_j` and `ḡ = Σ s_j g_j / Σ s_j`.
public enum SoftTopK {
    /// |z| beyond which σ(z) is taken as exactly 0 or 1 (σ(−30) ≈ 1e-13).
    static let saturation = 30.0

    /// Inclusion weights `π` into `pi` and their slopes `s = π(1 − π)/τ` into `slope`; returns `t`.
    ///
    /// `vK` and `vK1` are the K-th and (K+1)-th largest scores. They bracket the threshold:
    /// `t ∈ [vK1 − τ(log K + 1), vK + τ(log N + 1)]` (at the lower end the top K+1 already sum past K, at the
    /// upper end everything below the top K−1 sums below 1), so only candidates within `saturation · τ` of
    /// that bracket need an `exp`; the others are exactly 0 or 1. Newton steps on `Σπ − K`, safeguarded by
    /// bisection, solve for t.
    @discardableResult
    public static func inclusion(_ v: UnsafePointer<Double>, count n: Int, k: Int, temperature tau: Double,
                                 kth vK: Double, next vK1: Double, guess: Double? = nil,
                                 pi: UnsafeMutablePointer<Double>,
                                 slope: UnsafeMutablePointer<Double>, active: UnsafeMutablePointer<Int32>) -> Double {
        if k >= n {
            for j in 0..<n { pi[j] = 1; slope[j] = 0 }
            return -Double.infinity
        }
        var lo = vK1 - tau * (log(Double(k)) + 1)
        var hi = vK + tau * (log(Double(n)) + 1)
        let bandLo = lo - saturation * tau, bandHi = hi + saturation * tau
        var count = 0
        var above = 0
        for j in 0..<n {
            let x = v[j]
            if x > bandHi { above += 1; pi[j] = 1; slope[j] = 0 } else {
                pi[j] = 0; slope[j] = 0
                if x >= bandLo { active[count] = Int32(j); count += 1 }
            }
        }
        let target = Double(k - above)
        var t = min(max(guess ?? (vK + vK1) / 2, lo), hi)
        // σ(z_j) = 1 / (1 + e^{−z_j}) with e^{−z_j} = a_j · e^{(t − t0)/τ}, a_j = e^{−(v_j − t0)/τ}: one exp per
        // candidate for the whole solve and one per pass. a_j waits in `slope` until the last pass; t0 moves to
        // t if t strays so far from it that a_j or the factor could overflow.
        var t0 = t
        func rebase() {
            t0 = t
            for a in 0..<count { let j = Int(active[a]); slope[j] = exp(-(v[j] - t0) / tau) }
        }
        rebase()
        var converged = false
        for _ in 0..<100 {
            if abs(t - t0) > 600 * tau { rebase() }
            let c = exp((t - t0) / tau)
            // Evaluate Σπ − K at t, keeping π of the active candidates (valid if t is accepted).
            var f = -target, d = 0.0
            for a in 0..<count {
                let j = Int(active[a])
                let z = (v[j] - t) / tau
                var p = 0.0
                if z > saturation { p = 1 } else if z > -saturation {
                    p = 1 / (1 + slope[j] * c)
                    d += p * (1 - p)
                }
                pi[j] = p
                f += p
            }
            if abs(f) <= 1e-7 * Double(max(1, k)) { converged = true; break }
            if f > 0 { lo = t } else { hi = t }
            let newton = d > 0 ? t + f * tau / d : .nan
            t = newton > lo && newton < hi ? newton : (lo + hi) / 2
            if hi - lo <= 1e-14 * max(1, abs(t)) { break }
        }
        if abs(t - t0) > 600 * tau { rebase() }
        let c = exp((t - t0) / tau)
        // Converged: t is the t the last pass evaluated, so inside the band π_j already holds that pass's σ(z).
        for a in 0..<count {
            let j = Int(active[a])
            let z = (v[j] - t) / tau
            if z > saturation { pi[j] = 1; slope[j] = 0 } else if z < -saturation { pi[j] = 0; slope[j] = 0 } else {
                let p = converged && z > -saturation ? pi[j] : 1 / (1 + slope[j] * c)
                if !converged { pi[j] = p }
                slope[j] = p * (1 - p) / tau
            }
        }
        return t
    }

    /// Array convenience (tests): `π` for scores `v`.
    public static func inclusion(_ v: [Double], k: Int, temperature: Double) -> [Double] {
        var pi = [Double](repeating: 0, count: v.count), s = pi
        v.withUnsafeBufferPointer { vp in
            pi.withUnsafeMutableBufferPointer { pp in
                s.withUnsafeMutableBufferPointer { sp in
                    let sorted = v.sorted(by: >)
                    var active = [Int32](repeating: 0, count: v.count)
                    _ = active.withUnsafeMutableBufferPointer { ap in
                        inclusion(vp.baseAddress!, count: v.count, k: k, temperature: temperature,
                                  kth: k > 0 ? sorted[min(k, v.count) - 1] : 0, next: k < v.count ? sorted[k] : 0,
                                  pi: pp.baseAddress!, slope: sp.baseAddress!, active: ap.baseAddress!)
                    }
                }
            }
        }
        return pi
    }
}

extension ListMatchingObjective {
    /// The smooth surrogate of the loss at temperature `τ` (soft top-K lists) and its gradient in `w`.
    public func softLoss(_ w: [Double], temperature tau: Double, sessionWeights: [Double]? = nil) -> (loss: Double, gradient: [Double]) {
        evaluations += 1
        let s = data.sessions, n = data.candidates, h = data.hidden, c = data.categoryCount
        var losses = [Double](repeating: 0, count: s)
        var grads = [Double](repeating: 0, count: s * 4)
        let kind = self.kind, topOffsets = self.topOffsets
        data.heads.values.withUnsafeBufferPointer { heads in
            data.embeddings.withUnsafeBufferPointer { emb in
              topCache.withUnsafeMutableBufferPointer { tops in
              thresholdCache.withUnsafeMutableBufferPointer { cache in
                losses.withUnsafeMutableBufferPointer { lossOut in
                    grads.withUnsafeMutableBufferPointer { gradOut in
                        let heads = heads.baseAddress!, emb = emb.baseAddress!
                        let lossOut = lossOut.baseAddress!, gradOut = gradOut.baseAddress!
                        let cache = cache.baseAddress!, tops = tops.baseAddress!
                        parallelRanges(s, minimumChunk: 8) { range in
                            var v = [Double](repeating: 0, count: n), vf = [Float](repeating: 0, count: n)
                            var pi = [Double](repeating: 0, count: n), slope = pi, g = pi
                            var active = [Int32](repeating: 0, count: n)
                            var hf = [Float](repeating: 0, count: h)
                            var selector = TopKSelector()
                            var top: [Int32] = []
                            var share = [Double](repeating: 0, count: c)
                            var mean = [Double](repeating: 0, count: h)
                            for session in range {
                                let p = heads + session * n * 4
                                for j in 0..<n {
                                    let q = p + j * 4
                                    v[j] = w[0] * Double(q[0]) + w[1] * Double(q[1]) + w[2] * Double(q[2]) + w[3] * Double(q[3])
                                    vf[j] = Float(v[j])
                                }
                                let k = Int(data.listLength[session])
                                // Start Newton between the K-th and (K+1)-th hard scores.
                                vf.withUnsafeBufferPointer {
                                    ListMatchingObjective.selectSeeded(&selector, $0.baseAddress!, count: n, k: min(k + 1, n),
                                                                       cached: tops + topOffsets[session], listLength: k, into: &top)
                                }
                                let vK = v[Int(top[min(k, top.count) - 1])], vK1 = top.count > k ? v[Int(top[k])] : vK
                                v.withUnsafeBufferPointer { vp in
                                    pi.withUnsafeMutableBufferPointer { pp in
                                        slope.withUnsafeMutableBufferPointer { sp in
                                            active.withUnsafeMutableBufferPointer { ap in
                                                let previous = cache[session]
                                                cache[session] = SoftTopK.inclusion(vp.baseAddress!, count: n, k: k, temperature: tau, kth: vK, next: vK1,
                                                                                    guess: previous.isFinite ? previous : nil,
                                                                                    pi: pp.baseAddress!, slope: sp.baseAddress!, active: ap.baseAddress!)
                                            }
                                        }
                                    }
                                }
                                let invK = 1 / Double(k)
                                var loss = 0.0
                                switch kind {
                                case .category:
                                    for i in 0..<c { share[i] = 0 }
                                    for j in 0..<n where pi[j] > 0 { share[Int(data.candidateCategory[j])] += pi[j] * invK }
                                    let base = session * c
                                    for j in 0..<n { g[j] = 0 }
                                    for i in 0..<c where data.observedCategories[base + i] > 0 {
                                        let q = data.observedCategories[base + i]
                                        loss -= q * log(max(share[i], MatchingLoss.categoryFloor))
                                    }
                                    for j in 0..<n where slope[j] > 0 {
                                        let cat = Int(data.candidateCategory[j])
                                        let q = data.observedCategories[base + cat]
                                        if q > 0 && share[cat] > MatchingLoss.categoryFloor { g[j] = -q * invK / share[cat] }
                                    }
                                case .embedding:
                                    for i in 0..<h { mean[i] = 0 }
                                    // mu = Σ_j π_j e_j / K over the candidates with π_j > 0 (Float rows, vectorised)
                                    for i in 0..<h { hf[i] = 0 }
                                    hf.withUnsafeMutableBufferPointer { acc in
                                        for j in 0..<n where pi[j] > 1e-15 {
                                            addScaledRow(acc.baseAddress!, emb + j * h, Float(pi[j] * invK), count: h)
                                        }
                                    }
                                    for i in 0..<h { mean[i] = Double(hf[i]) }
                                    let base = session * h
                                    for i in 0..<h {
                                        let d = data.observedMean[base + i] - mean[i]
                                        loss += d * d
                                        mean[i] = d            // reuse: residual r = mu_obs − mu
                                    }
                                    // g_j = ∂L/∂π_j = −(2/K) r · e_j (only where the slope is non-zero)
                                    for i in 0..<h { hf[i] = Float(mean[i]) }
                                    hf.withUnsafeBufferPointer { r in
                                        for j in 0..<n {
                                            g[j] = slope[j] > 0 ? -2 * invK * Double(dotRow(emb + j * h, r.baseAddress!, count: h)) : 0
                                        }
                                    }
                                }
                                var sumS = 0.0, sumSG = 0.0
                                for j in 0..<n where slope[j] > 0 { sumS += slope[j]; sumSG += slope[j] * g[j] }
                                let gbar = sumS > 0 ? sumSG / sumS : 0
                                var gw = (0.0, 0.0, 0.0, 0.0)
                                for j in 0..<n where slope[j] > 0 {
                                    let dv = slope[j] * (g[j] - gbar)
                                    let q = p + j * 4
                                    gw.0 += dv * Double(q[0]); gw.1 += dv * Double(q[1]); gw.2 += dv * Double(q[2]); gw.3 += dv * Double(q[3])
                                }
                                lossOut[session] = loss
                                let o = gradOut + session * 4
                                o[0] = gw.0; o[1] = gw.1; o[2] = gw.2; o[3] = gw.3
                            }
                        }
                    }
                }
              }
              }
            }
        }
        let loss = weightedMean(losses, sessionWeights)
        var gradient = [Double](repeating: 0, count: 4)
        var mass = 0.0
        for session in 0..<s {
            let omega = sessionWeights?[session] ?? 1
            guard omega != 0 else { continue }
            mass += omega
            for i in 0..<4 { gradient[i] += omega * grads[session * 4 + i] }
        }
        return (loss, gradient.map { mass > 0 ? $0 / mass : 0 })
    }
}

/// `acc += a · row` over `count` Floats (vectorised by the compiler: no reduction).
@inline(__always)
func addScaledRow(_ acc: UnsafeMutablePointer<Float>, _ row: UnsafePointer<Float>, _ a: Float, count: Int) {
    for i in 0..<count { acc[i] += a * row[i] }
}

/// `Σ x_i y_i` with eight SIMD lanes (H is 64 or 128), then the remainder.
@inline(__always)
func dotRow(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= count {
        let a = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        let b = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
        lanes += a * b
        i += 8
    }
    var total = lanes.sum()
    while i < count { total += x[i] * y[i]; i += 1 }
    return total
}
