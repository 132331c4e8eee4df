import Foundation

/// The Plackett-Luce likelihood of the observed lists with a free log-weight `α_j` per candidate: the k-th shown
/// video is chosen among the session's remaining choice set with probability
/// `exp(α_j + θ·p_sj) / Σ_l exp(α_l + θ·p_sl)`.
///
/// **Why.** A real platform ranks only a retrieved pool, never logged. If candidate j enters a session's pool
/// with probability `π_j`, a pool of a few hundred from a much larger catalogue makes the k-th choice (to first
/// order in the pool's randomness) a conditional logit over the whole catalogue with offsets `log π_j`. The
/// offsets are unknown, so they are estimated: `α_j` absorbs any retrieval that depends on the video alone
/// (popularity, freshness, quality, the platform's own exposure feedback), whatever its form, and θ is identified
/// from how a video's heads vary *across* sessions (users, contexts). What it does not absorb is retrieval that
/// follows the user–video pair beyond the heads (a two-tower model's affinity): that part is attributed to the
/// heads that correlate with it. Candidates never shown get `α = −∞` (they drop out, as in any fixed-effects
/// logit).
///
/// **Fit.** The negative log-likelihood is convex in (θ, α). Each iteration takes a Newton step on both blocks
/// with the α-block of the Hessian replaced by its diagonal `E_j` (each video's chance at a single choice is
/// small, so the off-diagonal terms are second order): `dθ = −S⁻¹ (g_θ − Σ_j c_j g_j / E_j)` with the Schur
/// complement `S = H_θθ − Σ_j c_j c_jᵀ / E_j`, then `dα_j = −(g_j + c_j·dθ) / E_j`, where `g_j = E_j − n_j` is
/// α_j's score (expected minus observed choices) and `c_j` its cross derivative with θ; a backtracking line
/// search keeps every step downhill. **Standard errors** come from S, the profile information of θ with the
/// video effects re-maximised, then the delta method to `w = θ/Σ|θ|`.
public struct VideoEffectsFit: Sendable {
    /// θ, w, τ, the likelihood and the profile standard errors.
    public var fit: PlackettLuceLists.Fit
    /// `[candidates]` log-weights α (mean 0 over the finite ones; −∞ for candidates never shown).
    public var videoEffects: [Double]
    /// Candidates with a finite effect (shown at least once).
    public var shownCandidates: Int
    /// Largest `|E_j − n_j| / n_j` at the end: how far the video effects are from their score equations.
    public var effectGap: Double

    /// Fits θ and α from θ = 0 and α = log n (or from `start`, θ and α of an earlier fit). Converged when the step's predicted decrease of the negative
    /// log-likelihood, `−(g_θ·dθ + Σ_j g_j dα_j) / 2`, is below `decrease` nats (near the optimum the likelihood is
    /// quadratic, so 1e-6 puts θ within about √(2·1e-6) ≈ 0.0014 standard errors of it), or when both the θ step and
    /// the effects' score gap are below `tolerance`.
    public static func fit(_ lists: PlackettLuceLists, maxIterations: Int = 100, tolerance: Double = 1e-8,
                           decrease: Double = 1e-6, start: (theta: [Double], effects: [Double])? = nil) -> VideoEffectsFit {
        let chosen = lists.chosenCounts
        let active = chosen.indices.filter { chosen[$0] > 0 }
        var alpha = chosen.map { $0 > 0 ? log($0) : -Double.infinity }
        if let start, start.effects.count == alpha.count { for j in active where start.effects[j].isFinite { alpha[j] = start.effects[j] } }
        center(&alpha)
        var theta = start.map(\.theta) ?? [0.0, 0, 0, 0]
        var current = lists.negativeLogLikelihood(theta, videoEffects: alpha)
        var path = [current.value]
        var weightsPath = [WeightParametrisation.l1Normalised(theta)]
        var iterations = 0
        var converged = false
        var gap = Double.infinity
        var schur = current.hessian
        while iterations < maxIterations {
            iterations += 1
            let (expected, cross) = lists.effectTerms(theta, videoEffects: alpha)
            // S = H_θθ − Σ c cᵀ / E and the reduced gradient r = g_θ − Σ c g / E.
            var s = current.hessian, r = current.gradient
            gap = 0
            for j in active {
                let g = expected[j] - chosen[j], e = expected[j]
                gap = max(gap, abs(g) / chosen[j])
                for a in 0..<4 {
                    r[a] -= cross[j * 4 + a] * g / e
                    for b in 0..<4 { s[a * 4 + b] -= cross[j * 4 + a] * cross[j * 4 + b] / e }
                }
            }
            schur = s
            guard let dTheta = SymmetricSolve.solve(s, r, dimension: 4).map({ $0.map { -$0 } }) else { break }
            var dAlpha = [Double](repeating: 0, count: alpha.count)
            for j in active {
                var cd = 0.0
                for a in 0..<4 { cd += cross[j * 4 + a] * dTheta[a] }
                dAlpha[j] = -(expected[j] - chosen[j] + cd) / expected[j]
            }
            let thetaMove = dTheta.map(abs).max() ?? 0
            var slope = zip(current.gradient, dTheta).reduce(0) { $0 + $1.0 * $1.1 }   // g·d < 0 for a descent step
            for j in active { slope += (expected[j] - chosen[j]) * dAlpha[j] }
            if -slope / 2 < decrease || (thetaMove < tolerance * max(1, theta.map(abs).max() ?? 0) && gap < tolerance) {
                converged = true
                break
            }
            var step = 1.0
            var accepted = false
            for _ in 0..<30 {
                let nextTheta = zip(theta, dTheta).map { $0 + step * $1 }
                var nextAlpha = alpha
                for j in active { nextAlpha[j] += step * dAlpha[j] }
                let next = lists.negativeLogLikelihood(nextTheta, videoEffects: nextAlpha)
                if next.value <= current.value {
                    theta = nextTheta; alpha = nextAlpha; current = next
                    accepted = true
                    break
                }
                step /= 2
            }
            center(&alpha)
            path.append(current.value)
            weightsPath.append(WeightParametrisation.l1Normalised(theta))
            if !accepted { break }
        }
        let norm = theta.reduce(0) { $0 + abs($1) }
        let weights = norm > 0 ? theta.map { $0 / norm } : theta
        let errors = PlackettLuceLists.weightStandardErrors(theta: theta, hessian: schur) ?? [Double](repeating: .nan, count: 4)
        let rows: Int = (0..<lists.sessions).reduce(0) { (total: Int, s: Int) -> Int in total + lists.offsets[s + 1] - lists.offsets[s] }
        let fit = PlackettLuceLists.Fit(theta: theta, weights: weights, noiseScale: norm > 0 ? 1 / norm : .infinity,
                                        negativeLogLikelihood: current.value, rows: rows, iterations: iterations, converged: converged,
                                        standardErrors: errors, path: path, weightsPath: weightsPath)
        return VideoEffectsFit(fit: fit, videoEffects: alpha, shownCandidates: active.count, effectGap: gap)
    }

    /// Shifts the finite effects to mean 0 (the likelihood is invariant to a common shift).
    static func center(_ alpha: inout [Double]) {
        let finite = alpha.filter { $0.isFinite }
        guard !finite.isEmpty else { return }
        let mean = finite.reduce(0, +) / Double(finite.count)
        for j in alpha.indices where alpha[j].isFinite { alpha[j] -= mean }
    }
}
