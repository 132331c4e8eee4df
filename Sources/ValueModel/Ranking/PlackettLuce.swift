import Foundation

/// The likelihood of the platform's observed lists under the *stochastic* version of the value model: the platform
/// ranks candidates by `v_j + τ·ε_j` with `v_j = w·p_j` and standard Gumbel noise ε, and shows the top K in order.
/// That ranking is exactly a Plackett-Luce draw: the k-th shown video is chosen among the not-yet-shown candidates
/// with probability `exp(θ·p_j) / Σ_{l not shown yet} exp(θ·p_l)`, `θ = w / τ`. The deterministic top-K of the
/// original is the limit τ → 0.
///
/// The negative log-likelihood `−Σ_s Σ_k [θ·p_{o_k} − log Σ_{l ∈ R_k} exp(θ·p_l)]` is convex in θ (a conditional
/// logit), with gradient `−Σ (p_{o_k} − E_k[p])` and Hessian `Σ Cov_k[p]` (moments under the choice probabilities
/// over the remaining set R_k), so Newton's method finds its unique minimum in a few steps from θ = 0: no start
/// point, no step function, no tolerance games. Then `w = θ / Σ|θ|` and `τ = 1 / Σ|θ|` (the noise scale in the
/// units of an L1-normalised value), with standard errors from the inverse Hessian by the delta method.
public struct PlackettLuceLists: Sendable {
    public let heads: CandidateHeads
    /// `offsets[s] ..< offsets[s + 1]` index `shown`: session s's observed candidates in display order.
    public let offsets: [Int]
    public let shown: [Int32]
    /// Observed rows that repeat a video already shown in the same session (no Plackett-Luce term; counted).
    public let repeatedRows: Int

    public var sessions: Int { heads.sessions }

    /// - Parameters:
    ///   - observed: candidate indices of each session's observed rows, in display (time) order.
    public init(heads: CandidateHeads, observedOffsets: [Int], observed: [Int32]) throws {
        guard observedOffsets.count == heads.sessions + 1, observedOffsets.last == observed.count else {
            throw PipelineError.invalidData("Plackett-Luce lists: \(observedOffsets.count - 1) sessions of observed rows for \(heads.sessions) sessions of heads")
        }
        var repeated = 0
        var seen = Set<Int32>()
        for s in 0..<heads.sessions {
            seen.removeAll(keepingCapacity: true)
            for j in observed[observedOffsets[s]..<observedOffsets[s + 1]] {
                guard j >= 0, Int(j) < heads.videos else {
                    throw PipelineError.invalidData("Plackett-Luce lists: observed candidate \(j) outside 0..<\(heads.videos)")
                }
                if !seen.insert(j).inserted { repeated += 1 }
            }
        }
        self.heads = heads
        offsets = observedOffsets
        shown = observed
        repeatedRows = repeated
    }

    /// Negative log-likelihood, gradient `[4]` and Hessian `[4, 4]` (row-major) in θ, summed over sessions with
    /// weights ω (1 when nil; the bootstrap's multinomial counts). Per-session terms are computed in parallel and
    /// summed in session order, so the result does not depend on the thread count.
    public func negativeLogLikelihood(_ theta: [Double], sessionWeights: [Double]? = nil)
        -> (value: Double, gradient: [Double], hessian: [Double]) {
        let terms = sessionTerms(theta, sessionWeights: sessionWeights)
        var value = 0.0
        var gradient = [Double](repeating: 0, count: 4), hessian = [Double](repeating: 0, count: 16)
        for session in 0..<sessions {
            let omega = sessionWeights?[session] ?? 1
            guard omega != 0 else { continue }
            let o = session * Self.termStride
            value += omega * terms[o]
            for a in 0..<4 { gradient[a] += omega * terms[o + 1 + a] }
            for a in 0..<4 { for b in a..<4 { hessian[a * 4 + b] += omega * terms[o + 5 + a * 4 + b] } }
        }
        for a in 0..<4 { for b in 0..<a { hessian[a * 4 + b] = hessian[b * 4 + a] } }
        return (value, gradient, hessian)
    }

    /// Each session's negative log-likelihood at θ (the per-session residual of the fit).
    public func sessionNegativeLogLikelihoods(_ theta: [Double]) -> [Double] {
        let terms = sessionTerms(theta, sessionWeights: nil)
        return (0..<sessions).map { terms[$0 * Self.termStride] }
    }

    /// Per session: the negative log-likelihood, its gradient `[4]` and the upper triangle of its Hessian `[4, 4]`.
    static let termStride = 1 + 4 + 16

    // heads: [S, N, 4] -> terms: [S, 21]; sessions with weight 0 are skipped (left 0).
    private func sessionTerms(_ theta: [Double], sessionWeights: [Double]?) -> [Double] {
        let n = heads.videos, s = sessions
        let stride = Self.termStride
        var terms = [Double](repeating: 0, count: s * stride)
        let t = (theta[0], theta[1], theta[2], theta[3])
        heads.values.withUnsafeBufferPointer { hp in
            terms.withUnsafeMutableBufferPointer { tp in
                let p = hp.baseAddress!, out = tp.baseAddress!
                parallelRanges(s, minimumChunk: 4) { range in
                    var weight = [Double](repeating: 0, count: n)
                    var removed = [Bool](repeating: false, count: n)
                    for session in range where (sessionWeights?[session] ?? 1) != 0 {
                        let base = p + session * n * 4
                        // Utilities and their maximum (for a stable exp).
                        var top = -Double.infinity
                        for j in 0..<n {
                            let q = base + j * 4
                            let u = t.0 * Double(q[0]) + t.1 * Double(q[1]) + t.2 * Double(q[2]) + t.3 * Double(q[3])
                            weight[j] = u
                            top = max(top, u)
                        }
                        // Z = Σ e_j, m1 = Σ e_j p_j, m2 = Σ e_j p_j p_jᵀ over the candidates still available.
                        var z = 0.0
                        var m1 = [Double](repeating: 0, count: 4), m2 = [Double](repeating: 0, count: 16)
                        for j in 0..<n {
                            let e = exp(weight[j] - top)
                            weight[j] = e
                            let q = base + j * 4
                            z += e
                            for a in 0..<4 {
                                let ea = e * Double(q[a])
                                m1[a] += ea
                                for b in a..<4 { m2[a * 4 + b] += ea * Double(q[b]) }
                            }
                            removed[j] = false
                        }
                        let o = out + session * stride
                        for index in offsets[session]..<offsets[session + 1] {
                            let j = Int(shown[index])
                            if removed[j] { continue }
                            let q = base + j * 4
                            let e = weight[j]
                            // −log P(choose j | remaining) = log Z − log e_j.
                            o[0] += log(z) - log(e)
                            for a in 0..<4 {
                                let mean = m1[a] / z
                                o[1 + a] += mean - Double(q[a])
                                for b in a..<4 { o[5 + a * 4 + b] += m2[a * 4 + b] / z - mean * m1[b] / z }
                            }
                            // Remove j from the choice set.
                            removed[j] = true
                            z -= e
                            for a in 0..<4 {
                                let ea = e * Double(q[a])
                                m1[a] -= ea
                                for b in a..<4 { m2[a * 4 + b] -= ea * Double(q[b]) }
                            }
                        }
                    }
                }
            }
        }
        return terms
    }

    /// The maximum-likelihood estimate and its uncertainty.
    public struct Fit: Sendable, Codable {
        /// θ = w / τ.
        public var theta: [Double]
        /// `w = θ / Σ|θ|` (complete, long, rewatch, neg).
        public var weights: [Double]
        /// `τ = 1 / Σ|θ|`: the Gumbel noise scale in units of an L1-normalised value.
        public var noiseScale: Double
        /// Minimised negative log-likelihood and the mean per shown row.
        public var negativeLogLikelihood: Double
        public var rows: Int
        public var iterations: Int
        public var converged: Bool
        /// Delta-method standard errors of `w` from the inverse Hessian (observed information).
        public var standardErrors: [Double]
        /// Negative log-likelihood and `w` at the start and after every Newton iteration (the optimiser path).
        public var path: [Double]
        public var weightsPath: [[Double]]
    }

    /// Newton's method with a backtracking line search from θ = `start` (default 0, every list equally likely).
    public func fit(start: [Double]? = nil, sessionWeights: [Double]? = nil, maxIterations: Int = 50) -> Fit {
        var theta = start ?? [0, 0, 0, 0]
        var current = negativeLogLikelihood(theta, sessionWeights: sessionWeights)
        var path = [current.value]
        var weightsPath = [WeightParametrisation.l1Normalised(theta)]
        var iterations = 0
        var converged = false
        while iterations < maxIterations {
            iterations += 1
            guard let step = SymmetricSolve.solve(current.hessian, current.gradient, dimension: 4) else { break }
            var alpha = 1.0
            var accepted = false
            for _ in 0..<40 {
                let candidate = zip(theta, step).map { $0 - alpha * $1 }
                let next = negativeLogLikelihood(candidate, sessionWeights: sessionWeights)
                if next.value <= current.value - 1e-4 * alpha * dot(step, current.gradient) || next.value <= current.value {
                    theta = candidate
                    current = next
                    accepted = true
                    break
                }
                alpha *= 0.5
            }
            path.append(current.value)
            weightsPath.append(WeightParametrisation.l1Normalised(theta))
            let decrement = dot(step, current.gradient)
            if !accepted || abs(decrement) < 1e-10 * max(1, abs(current.value)) || step.allSatisfy({ abs($0) * alpha < 1e-9 }) {
                converged = accepted
                break
            }
        }
        let norm = theta.reduce(0) { $0 + abs($1) }
        let weights = norm > 0 ? theta.map { $0 / norm } : theta
        var errors = [Double](repeating: .nan, count: 4)
        if norm > 0, let covariance = SymmetricSolve.inverse(current.hessian, dimension: 4) {
            // dw_i/dθ_j = (δ_ij − w_i sign(θ_j)) / Σ|θ|
            let jacobian = (0..<4).flatMap { i in (0..<4).map { j in ((i == j ? 1 : 0) - weights[i] * (theta[j] >= 0 ? 1 : -1)) / norm } }
            for i in 0..<4 {
                var variance = 0.0
                for a in 0..<4 { for b in 0..<4 { variance += jacobian[i * 4 + a] * covariance[a * 4 + b] * jacobian[i * 4 + b] } }
                errors[i] = max(variance, 0).squareRoot()
            }
        }
        let rows = (0..<sessions).reduce(0) { $0 + (sessionWeights?[$1] ?? 1 != 0 ? offsets[$1 + 1] - offsets[$1] : 0) }
        return Fit(theta: theta, weights: weights, noiseScale: norm > 0 ? 1 / norm : .infinity, negativeLogLikelihood: current.value,
                   rows: rows, iterations: iterations, converged: converged, standardErrors: errors, path: path,
                   weightsPath: weightsPath)
    }

    /// Lists drawn from the model itself, as the synthetic world's platform draws them: per session, the first
    /// `lengths[s]` candidates in descending `w·p_j + τ·ε_j` (ε standard Gumbel). Session s draws its noise from
    /// `SeededGenerator(seed: seed ^ s·φ)` (φ the golden-ratio constant), so the lists do not depend on threads.
    /// Returns observed offsets and candidate indices for `init(heads:observedOffsets:observed:)`.
    public static func sample(heads: CandidateHeads, weights w: [Double], noiseScale tau: Double, lengths: [Int],
                              seed: UInt64) -> (offsets: [Int], shown: [Int32]) {
        let n = heads.videos
        var offsets = [0]
        for length in lengths { offsets.append(offsets.last! + min(max(length, 0), n)) }
        var shown = [Int32](repeating: 0, count: offsets.last!)
        heads.values.withUnsafeBufferPointer { hp in
            shown.withUnsafeMutableBufferPointer { out in
                let p = hp.baseAddress!, out = out.baseAddress!
                parallelRanges(heads.sessions, minimumChunk: 4) { range in
                    var scores = [Float](repeating: 0, count: n)
                    var selector = TopKSelector()
                    var top: [Int32] = []
                    for session in range {
                        var generator = SeededGenerator(seed: seed ^ (UInt64(session) &* 0x9E37_79B9_7F4A_7C15))
                        let base = p + session * n * 4
                        for j in 0..<n {
                            let q = base + j * 4
                            var u = generator.nextUniform()
                            while u <= 0 { u = generator.nextUniform() }
                            let value = w[0] * Double(q[0]) + w[1] * Double(q[1]) + w[2] * Double(q[2]) + w[3] * Double(q[3])
                            scores[j] = Float(value + tau * -log(-log(u)))
                        }
                        let k = offsets[session + 1] - offsets[session]
                        scores.withUnsafeBufferPointer { selector.select($0.baseAddress!, count: n, k: k, into: &top) }
                        for (i, j) in top.enumerated() { out[offsets[session] + i] = j }
                    }
                }
            }
        }
        return (offsets, shown)
    }
}
