import Foundation

/// The likelihood of the shown lists with the unlogged pools *marginalised*: every uploaded video enters a
/// session's pool independently with its own probability `π_j = e^{α_j} ≤ 1` (Poisson sampling, of any form across
/// videos), and the pool is ranked by Plackett-Luce in `θ·p`.
///
/// **Why.** Given a pool P, the shown list (set and order) has probability `Π_k x_k / (X_k + R_P)`, with `x_k =
/// exp(θ·p_k)`, `X_k = Σ_{m ≥ k} x_m` over the shown videos and `R_P` the weight of the pool's unshown members.
/// Writing `X_k / (X_k + R) = E[e^{−R τ_k}]` with `τ_k ~ Exp(X_k)` gives
///
///     P(list | P) = Π_k (x_k / X_k) · E_T[e^{−R_P T}],   T = Σ_k τ_k,
///
/// and averaging over independent inclusions, `E_P[e^{−R_P T}] = Π_{j unshown} (1 − π_j + π_j e^{−x_j T})`. So
///
///     P(list) = Π_{shown} π_i · Π_k (x_k / X_k) · E_T[Π_{j uploaded, unshown} (1 − π_j (1 − e^{−x_j T}))]:
///
/// the Plackett-Luce order of the shown videos among themselves, times the chance that no unshown pool member
/// would have interrupted them. Unlike `VideoEffectsFit` (the first-order version) it uses that a high-value video
/// absent from the list was probably absent from the pool, which is what biases the first-order fit when pools
/// are a small part of the catalogue. The expectation over T is taken with `draws` fixed quasi-random draws per
/// session (common random numbers, so the objective is smooth and deterministic).
///
/// **Fit.** Newton on (θ, α) as in `VideoEffectsFit`: α's Hessian block replaced by a positive diagonal, the θ
/// step from the Schur complement, α projected onto α ≤ 0; the cross derivatives and θ's Hessian by forward
/// differences of the analytic gradient. Standard errors from the Schur complement (profile information).
public struct PoolSamplingFit: Sendable {
    public var fit: PlackettLuceLists.Fit
    /// `[candidates]` log inclusion probabilities (−∞ for candidates never shown).
    public var logInclusion: [Double]
}

/// The objective of `PoolSamplingFit` with its fixed draws.
struct PoolSamplingLikelihood: Sendable {
    /// One pass's sums: the NLL, its θ gradient `[4]`, and per candidate ∂NLL/∂α_j and a positive curvature `[N, 2]`.
    struct Pass {
        var value = 0.0
        var gradient = [0.0, 0, 0, 0]
        var effects: [Double]
    }

    let lists: ShownOrderLikelihood
    let draws: Int
    /// `[sessions, draws, K_s]` standard exponential draws (offsets `lists.offsets[s] * draws`).
    let exponentials: [Double]
    let shownCounts: [Double]

    init(lists: ShownOrderLikelihood, draws: Int, seed: UInt64, smallArgument: Double = 0.02) {
        self.lists = lists
        self.smallArgument = smallArgument
        self.draws = draws
        var e = [Double](repeating: 0, count: lists.items.count * draws)
        for s in 0..<lists.sessions {
            let k = lists.offsets[s + 1] - lists.offsets[s]
            guard k > 0 else { continue }
            var rng = SeededGenerator(seed: seed ^ (UInt64(s) &* 0x9E37_79B9_7F4A_7C15))
            // Per shown position: the draws' uniforms are a randomly shifted grid, in a random order (a Latin hypercube).
            for position in 0..<k {
                let shift = rng.nextUniform()
                let order = (0..<draws).shuffled(using: &rng)
                for m in 0..<draws {
                    let u = (Double(order[m]) + shift) / Double(draws)
                    e[(lists.offsets[s] * draws) + m * k + position] = -log(max(1 - u, 1e-300))
                }
            }
        }
        exponentials = e
        var counts = [Double](repeating: 0, count: lists.heads.videos)
        for j in lists.items { counts[Int(j)] += 1 }
        shownCounts = counts
    }

    static let effectWidth = 2
    /// Below this `x_j T̃` at every draw a candidate's factor of ψ is taken from its third-order expansion.
    let smallArgument: Double

    /// One pass over the sessions at (θ, α); sessions are summed in fixed blocks of 64.
    // heads: [S, N, 4]; alpha: [N]
    func pass(theta: [Double], alpha: [Double], withEffects: Bool) -> Pass {
        let heads = lists.heads, n = heads.videos, sessions = lists.sessions
        let blockSize = 64, blocks = (sessions + blockSize - 1) / blockSize
        let width = Self.effectWidth
        var partialTheta = [Double](repeating: 0, count: blocks * 5)
        var partialEffects = [Double](repeating: 0, count: withEffects ? blocks * n * width : 0)
        let t = (theta[0], theta[1], theta[2], theta[3])
        let m = draws
        heads.values.withUnsafeBufferPointer { hp in
            partialTheta.withUnsafeMutableBufferPointer { tp in
                partialEffects.withUnsafeMutableBufferPointer { ep in
                    nonisolated(unsafe) let tp = tp, ep = ep
                    parallelRanges(blocks, minimumChunk: 1) { range in
                        var member = [Bool](repeating: false, count: n)
                        var rest: [Int] = []
                        var restX: [Double] = []
                        var a = [Double]()
                        var logPhi = [Double](repeating: 0, count: m), time = [Double](repeating: 0, count: m)
                        var squared = [Double](repeating: 0, count: m), pull = [Double](repeating: 0, count: m)
                        var phiGradient = [Double](repeating: 0, count: m * 4), timeGradient = [Double](repeating: 0, count: m * 4)
                        var exact: [Int] = [], isExact: [Bool] = []
                        var x: [Double] = [], suffix: [Double] = [], suffixP: [Double] = []
                        for block in range {
                            let ot = tp.baseAddress! + block * 5
                            for s in (block * blockSize)..<min(sessions, (block + 1) * blockSize) {
                                let start = lists.offsets[s], k = lists.offsets[s + 1] - start
                                guard k > 0 else { continue }
                                let base = hp.baseAddress! + s * n * 4
                                func score(_ j: Int) -> Double {
                                    let q = base + j * 4
                                    return t.0 * Double(q[0]) + t.1 * Double(q[1]) + t.2 * Double(q[2]) + t.3 * Double(q[3])
                                }
                                let shown = lists.items[start..<(start + k)]
                                var top = -Double.infinity
                                for j in shown { top = max(top, score(Int(j))) }
                                x.removeAll(keepingCapacity: true)
                                for j in shown { x.append(exp(score(Int(j)) - top)) }
                                // Suffix sums X_k and Σ_{m ≥ k} x_m p_m.
                                if suffix.count < k + 1 { suffix = [Double](repeating: 0, count: k + 1); suffixP = [Double](repeating: 0, count: (k + 1) * 4) }
                                suffix[k] = 0
                                for c in 0..<4 { suffixP[k * 4 + c] = 0 }
                                for i in stride(from: k - 1, through: 0, by: -1) {
                                    let q = base + Int(shown[shown.startIndex + i]) * 4
                                    suffix[i] = suffix[i + 1] + x[i]
                                    for c in 0..<4 { suffixP[i * 4 + c] = suffixP[(i + 1) * 4 + c] + x[i] * Double(q[c]) }
                                }
                                // The unshown uploaded candidates that could have been in the pool, and their expected
                                // weight R̄ = Σ π_j x_j (with Σ π_j x_j p_j).
                                lists.choiceSets.markMembers(session: s, candidates: n, shown: [], into: &member)
                                for j in shown { member[Int(j)] = false }
                                rest.removeAll(keepingCapacity: true); restX.removeAll(keepingCapacity: true)
                                var mean = 0.0, meanP = (0.0, 0.0, 0.0, 0.0)
                                for j in 0..<n where member[j] && alpha[j] > -.infinity {
                                    let xj = exp(score(j) - top), w = exp(alpha[j]) * xj, q = base + j * 4
                                    rest.append(j); restX.append(xj)
                                    mean += w
                                    meanP.0 += w * Double(q[0]); meanP.1 += w * Double(q[1]); meanP.2 += w * Double(q[2]); meanP.3 += w * Double(q[3])
                                }
                                let meanPs = [meanP.0, meanP.1, meanP.2, meanP.3]
                                // First order: Π_k x_k / (X_k + R̄).
                                var c1 = 0.0
                                for i in 0..<k {
                                    let q = base + Int(shown[shown.startIndex + i]) * 4
                                    let d = suffix[i] + mean
                                    ot[0] -= log(x[i]) - log(d)
                                    for c in 0..<4 { ot[1 + c] -= Double(q[c]) - (suffixP[i * 4 + c] + meanPs[c]) / d }
                                    c1 += 1 / d
                                }
                                // The correction E[ψ(T̃)], T̃ = Σ_k ε_k / (X_k + R̄) (T tilted by e^{−R̄T}), with
                                // ψ(T) = Π_j (1 − π_j (1 − e^{−x_j T})) e^{π_j x_j T}.
                                let r = rest.count
                                if a.count < r * m { a = [Double](repeating: 0, count: r * m) }
                                let eps = exponentials.withUnsafeBufferPointer { $0.baseAddress! + start * m }
                                // Per draw: T̃_m, Σ_k ε_k/(X_k + R̄)², and ∂log T̃_m/∂θ.
                                for d in 0..<m {
                                    var tm = 0.0, qm = 0.0, dt = (0.0, 0.0, 0.0, 0.0)
                                    for i in 0..<k {
                                        let di = suffix[i] + mean
                                        let w = eps[d * k + i] / di
                                        tm += w
                                        qm += w / di
                                        dt.0 += w * (suffixP[i * 4] + meanPs[0]) / di; dt.1 += w * (suffixP[i * 4 + 1] + meanPs[1]) / di
                                        dt.2 += w * (suffixP[i * 4 + 2] + meanPs[2]) / di; dt.3 += w * (suffixP[i * 4 + 3] + meanPs[3]) / di
                                    }
                                    time[d] = tm
                                    squared[d] = qm
                                    timeGradient[d * 4] = -dt.0 / tm; timeGradient[d * 4 + 1] = -dt.1 / tm
                                    timeGradient[d * 4 + 2] = -dt.2 / tm; timeGradient[d * 4 + 3] = -dt.3 / tm
                                }
                                // Candidates with y = x_j T̃ below `smallArgument` at every draw enter through the
                                // expansion log ψ_j = A_j y² + B_j y³ (A = π(1−π)/2, B = −π(1−π)(1−2π)/6; error O(y⁴)).
                                let longest = time.max() ?? 0
                                exact.removeAll(keepingCapacity: true)
                                var s2 = 0.0, s3 = 0.0, s2p = [0.0, 0, 0, 0], s3p = [0.0, 0, 0, 0]
                                for (index, j) in rest.enumerated() {
                                    if restX[index] * longest >= smallArgument { exact.append(index); continue }
                                    let pi = exp(alpha[j]), x2 = restX[index] * restX[index]
                                    let a2 = pi * (1 - pi) / 2 * x2, a3 = -pi * (1 - pi) * (1 - 2 * pi) / 6 * x2 * restX[index]
                                    s2 += a2; s3 += a3
                                    let q = base + j * 4
                                    for c in 0..<4 { s2p[c] += a2 * Double(q[c]); s3p[c] += a3 * Double(q[c]) }
                                }
                                for d in 0..<m {
                                    let tm = time[d], t2 = tm * tm, t3 = t2 * tm
                                    var l = s2 * t2 + s3 * t3
                                    var bx = 2 * s2 * tm + 3 * s3 * t2
                                    var pg = (0..<4).map { c in 2 * t2 * (s2p[c] + s2 * timeGradient[d * 4 + c]) + 3 * t3 * (s3p[c] + s3 * timeGradient[d * 4 + c]) }
                                    for index in exact {
                                        let j = rest[index]
                                        let pi = exp(alpha[j]), y = restX[index] * tm
                                        let u = -expm1(-y), keep = 1 - pi * u
                                        l += log1p(-pi * u) + pi * y
                                        // ∂log ψ/∂y_j = π u (1 − π) / (1 − π u); direct ∂/∂α_j: −π u/(1 − π u) + π y.
                                        let b = pi * u * (1 - pi) / keep
                                        a[index * m + d] = -pi * u / keep + pi * y
                                        bx += b * restX[index]
                                        let f = b * y, q = base + j * 4
                                        for c in 0..<4 { pg[c] += f * (Double(q[c]) + timeGradient[d * 4 + c]) }
                                    }
                                    logPhi[d] = l
                                    pull[d] = bx
                                    for c in 0..<4 { phiGradient[d * 4 + c] = pg[c] }
                                }
                                let most = logPhi.max() ?? 0
                                var total = 0.0
                                for d in 0..<m { total += exp(logPhi[d] - most) }
                                ot[0] -= most + log(total / Double(m))
                                var pullMean = 0.0, meanT2 = 0.0, meanT3 = 0.0
                                for d in 0..<m {
                                    let omega = exp(logPhi[d] - most) / total
                                    for c in 0..<4 { ot[1 + c] -= omega * phiGradient[d * 4 + c] }
                                    pullMean += omega * pull[d] * squared[d]
                                    meanT2 += omega * time[d] * time[d]
                                    meanT3 += omega * time[d] * time[d] * time[d]
                                }
                                guard withEffects else { continue }
                                let oe = ep.baseAddress! + block * n * width
                                if isExact.count < r { isExact = [Bool](repeating: false, count: r) }
                                for index in 0..<r { isExact[index] = false }
                                for index in exact { isExact[index] = true }
                                for (index, j) in rest.enumerated() {
                                    let pi = exp(alpha[j]), xj = restX[index], w = pi * xj
                                    // ∂NLL/∂α_j = π_j x_j Σ_k 1/(X_k + R̄) − E_ω[∂log ψ/∂α_j], where T̃ moves with R̄:
                                    // ∂T̃/∂α_j = −π_j x_j Σ_k ε_k/(X_k + R̄)².
                                    var direct = 0.0
                                    if isExact[index] {
                                        for d in 0..<m { direct += exp(logPhi[d] - most) / total * a[index * m + d] }
                                    } else {
                                        direct = pi * (1 - 2 * pi) / 2 * xj * xj * meanT2 - (pi - 6 * pi * pi + 6 * pi * pi * pi) / 6 * xj * xj * xj * meanT3
                                    }
                                    oe[j * width] += w * c1 - direct + w * pullMean
                                    oe[j * width + 1] += w * c1
                                }
                            }
                        }
                    }
                }
            }
        }
        var result = Pass(effects: [Double](repeating: 0, count: withEffects ? n * width : 0))
        for block in 0..<blocks {
            result.value += partialTheta[block * 5]
            for c in 0..<4 { result.gradient[c] += partialTheta[block * 5 + 1 + c] }
            if withEffects { for i in 0..<(n * width) { result.effects[i] += partialEffects[block * n * width + i] } }
        }
        // Π_{shown} π_i: −Σ n_i α_i in the NLL, −n_i in α_i's score.
        for j in 0..<n where shownCounts[j] > 0 {
            result.value -= shownCounts[j] * alpha[j]
            if withEffects { result.effects[j * width] -= shownCounts[j] }
        }
        return result
    }

}

extension PoolSamplingFit {
    /// Fits θ from `start` and α from log(0.2) for every shown video.
    /// - Parameters:
    ///   - lists: the shown lists (distinct videos, prefix) with the uploaded catalogue as choice sets.
    ///   - decrease: the convergence test, in nats of predicted decrease of the negative log-likelihood.
    ///   - inclusion: `[candidates]` log inclusion probabilities to hold fixed (only θ is fitted; −∞ for a
    ///     candidate that is never in a pool). A diagnostic for synthetic worlds, whose true rates are known: it
    ///     separates the likelihood's own assumption (independent inclusion) from the estimation of the rates.
    public static func fit(_ lists: ShownOrderLikelihood, start: [Double], draws: Int = 16, seed: UInt64 = 29,
                           maxIterations: Int = 60, decrease: Double = 1e-6, inclusion: [Double]? = nil) -> PoolSamplingFit {
        let model = PoolSamplingLikelihood(lists: lists, draws: draws, seed: seed)
        let n = lists.heads.videos, width = PoolSamplingLikelihood.effectWidth
        var alpha = inclusion ?? model.shownCounts.map { $0 > 0 ? log(0.2) : -Double.infinity }
        let fixed = inclusion != nil
        var theta = start
        var current = model.pass(theta: theta, alpha: alpha, withEffects: true)
        var path = [current.value], weightsPath = [WeightParametrisation.l1Normalised(theta)]
        var iterations = 0, converged = false
        var schur = [Double](repeating: 0, count: 16)
        while iterations < maxIterations {
            iterations += 1
            // θ's Hessian and the cross derivatives ∂g_α/∂θ by forward differences of the analytic gradients.
            let h = 1e-4 * max(1, theta.map(abs).max() ?? 1)
            var hessian = [Double](repeating: 0, count: 16)
            var cross = [Double](repeating: 0, count: n * 4)
            for c in 0..<4 {
                var plus = theta
                plus[c] += h
                let p = model.pass(theta: plus, alpha: alpha, withEffects: true)
                for b in 0..<4 { hessian[b * 4 + c] = (p.gradient[b] - current.gradient[b]) / h }
                for j in 0..<n { cross[j * 4 + c] = (p.effects[j * width] - current.effects[j * width]) / h }
            }
            for a in 0..<4 { for b in 0..<a { let v = 0.5 * (hessian[a * 4 + b] + hessian[b * 4 + a]); hessian[a * 4 + b] = v; hessian[b * 4 + a] = v } }
            let e = current.effects
            func free(_ j: Int) -> Bool { !fixed && model.shownCounts[j] > 0 && !(alpha[j] >= 0 && e[j * width] < 0) && e[j * width + 1] > 1e-12 }
            var s = hessian, r = current.gradient
            var gap = 0.0
            for j in 0..<n where free(j) {
                let g = e[j * width], d = e[j * width + 1]
                gap = max(gap, abs(g) / model.shownCounts[j])
                for a in 0..<4 {
                    r[a] -= cross[j * 4 + a] * g / d
                    for b in 0..<4 { s[a * 4 + b] -= cross[j * 4 + a] * cross[j * 4 + b] / d }
                }
            }
            schur = s
            // Damped towards gradient descent where the Schur complement is not positive definite.
            let scale = max(1, (0..<4).map { abs(s[$0 * 5]) }.max() ?? 1)
            guard let dTheta = SymmetricSolve.dampedSolve(s, r, dimension: 4, maximumDamping: 1e6 * scale).map({ $0.map { -$0 } }) else { break }
            var dAlpha = [Double](repeating: 0, count: n)
            for j in 0..<n where free(j) {
                var cd = 0.0
                for a in 0..<4 { cd += cross[j * 4 + a] * dTheta[a] }
                dAlpha[j] = -(e[j * width] + cd) / e[j * width + 1]
            }
            // Converged when the step's predicted decrease −(g_θ·dθ + Σ g_j dα_j)/2 is below `decrease` nats (as
            // `VideoEffectsFit`), or when both the θ step and the effects' score gap are negligible.
            var slope = zip(current.gradient, dTheta).reduce(0) { $0 + $1.0 * $1.1 }
            for j in 0..<n where free(j) { slope += e[j * width] * dAlpha[j] }
            if -slope / 2 < decrease
                || ((dTheta.map(abs).max() ?? 0) < 1e-7 * max(1, theta.map(abs).max() ?? 0) && gap < 1e-5) { converged = true; break }
            // The joint step; where it fails, a step in α alone along −g/D (a descent direction), unless α is held fixed.
            var accepted = false
            let alphaOnly = (0..<n).map { j in free(j) ? -e[j * width] / e[j * width + 1] : 0 }
            for (moveTheta, direction) in [(true, dAlpha)] + (fixed ? [] : [(false, alphaOnly)]) where !accepted {
                var step = 1.0
                for _ in 0..<30 {
                    let nextTheta = moveTheta ? zip(theta, dTheta).map { $0 + step * $1 } : theta
                    var nextAlpha = alpha
                    for j in 0..<n where free(j) { nextAlpha[j] = min(0, alpha[j] + step * direction[j]) }
                    let next = model.pass(theta: nextTheta, alpha: nextAlpha, withEffects: false)
                    if next.value < current.value {
                        theta = nextTheta; alpha = nextAlpha
                        current = model.pass(theta: theta, alpha: alpha, withEffects: true)
                        accepted = true
                        break
                    }
                    step /= 2
                }
            }
            path.append(current.value)
            weightsPath.append(WeightParametrisation.l1Normalised(theta))
            if !accepted { break }
        }
        let norm = theta.reduce(0) { $0 + abs($1) }
        let errors = PlackettLuceLists.weightStandardErrors(theta: theta, hessian: schur) ?? [Double](repeating: .nan, count: 4)
        let fit = PlackettLuceLists.Fit(theta: theta, weights: WeightParametrisation.l1Normalised(theta),
                                        noiseScale: norm > 0 ? 1 / norm : .infinity, negativeLogLikelihood: current.value,
                                        rows: lists.items.count, iterations: iterations, converged: converged, standardErrors: errors,
                                        path: path, weightsPath: weightsPath)
        return PoolSamplingFit(fit: fit, logInclusion: alpha)
    }
}
