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
    /// Which candidates compete with the shown videos at each choice (the assumed candidate pool).
    public let choiceSets: PlackettLuceChoiceSets
    /// Known log-weights added to the utility of every (session, candidate), `[sessions, candidates]` (nil: none):
    /// a fitted pool-inclusion term that depends on the user (`UserCategoryTaste`).
    public let pairOffsets: [Float]?

    public var sessions: Int { heads.sessions }

    /// - Parameters:
    ///   - observed: candidate indices of each session's observed rows, in display (time) order.
    ///   - choiceSets: the assumed pool; a session's own shown videos always belong to it.
    ///   - pairOffsets: known utility offsets `[sessions, candidates]`, nil for none.
    public init(heads: CandidateHeads, observedOffsets: [Int], observed: [Int32], choiceSets: PlackettLuceChoiceSets = .catalogue,
                pairOffsets: [Float]? = nil) throws {
        guard observedOffsets.count == heads.sessions + 1, observedOffsets.last == observed.count else {
            throw PipelineError.invalidData("Plackett-Luce lists: \(observedOffsets.count - 1) sessions of observed rows for \(heads.sessions) sessions of heads")
        }
        if let pairOffsets, pairOffsets.count != heads.sessions * heads.videos || !pairOffsets.allSatisfy(\.isFinite) {
            throw PipelineError.invalidData("Plackett-Luce lists: pair offsets must be \(heads.sessions) x \(heads.videos) finite values, got \(pairOffsets.count)")
        }
        try choiceSets.validate(sessions: heads.sessions, candidates: heads.videos)
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
        self.choiceSets = choiceSets
        self.pairOffsets = pairOffsets
    }

    /// Each session's first `length` observed rows (all of them when shorter), same choice sets.
    public func prefix(_ length: Int) throws -> PlackettLuceLists {
        var prefixOffsets = [0], prefixShown: [Int32] = []
        for s in 0..<sessions {
            let start = offsets[s], end = min(offsets[s + 1], start + max(length, 0))
            prefixShown.append(contentsOf: shown[start..<end])
            prefixOffsets.append(prefixShown.count)
        }
        return try PlackettLuceLists(heads: heads, observedOffsets: prefixOffsets, observed: prefixShown, choiceSets: choiceSets,
                                     pairOffsets: pairOffsets)
    }

    /// The sessions `indices` (in that order) with their heads, lists and choice sets.
    public func sessions(_ indices: [Int]) throws -> PlackettLuceLists {
        var sampleOffsets = [0], sampleShown: [Int32] = []
        for s in indices { sampleShown.append(contentsOf: shown[offsets[s]..<offsets[s + 1]]); sampleOffsets.append(sampleShown.count) }
        let n = heads.videos
        return try PlackettLuceLists(heads: heads.subset(indices), observedOffsets: sampleOffsets, observed: sampleShown,
                                     choiceSets: choiceSets.subset(indices),
                                     pairOffsets: pairOffsets.map { x in indices.flatMap { x[($0 * n)..<(($0 + 1) * n)] } })
    }

    /// The same lists under another assumed pool.
    public func with(choiceSets: PlackettLuceChoiceSets) throws -> PlackettLuceLists {
        try PlackettLuceLists(heads: heads, observedOffsets: offsets, observed: shown, choiceSets: choiceSets, pairOffsets: pairOffsets)
    }

    /// The same lists with other known utility offsets `[sessions, candidates]` (nil: none).
    public func with(pairOffsets: [Float]?) throws -> PlackettLuceLists {
        try PlackettLuceLists(heads: heads, observedOffsets: offsets, observed: shown, choiceSets: choiceSets, pairOffsets: pairOffsets)
    }

    /// Negative log-likelihood, gradient `[4]` and Hessian `[4, 4]` (row-major) in θ, summed over sessions with
    /// weights ω (1 when nil; the bootstrap's multinomial counts). `videoEffects` (α, `[candidates]`, −∞ = never a
    /// candidate) add `α_j` to every utility. Per-session terms are computed in parallel and summed in session
    /// order, so the result does not depend on the thread count.
    public func negativeLogLikelihood(_ theta: [Double], videoEffects: [Double]? = nil, sessionWeights: [Double]? = nil)
        -> (value: Double, gradient: [Double], hessian: [Double]) {
        let terms = sessionTerms(theta, videoEffects: videoEffects, sessionWeights: sessionWeights)
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
    public func sessionNegativeLogLikelihoods(_ theta: [Double], videoEffects: [Double]? = nil) -> [Double] {
        let terms = sessionTerms(theta, videoEffects: videoEffects, sessionWeights: nil)
        return (0..<sessions).map { terms[$0 * Self.termStride] }
    }

    /// Per session: the negative log-likelihood, its gradient `[4]` and the upper triangle of its Hessian `[4, 4]`.
    static let termStride = 1 + 4 + 16

    /// Per-thread working memory of one session's choice set.
    struct SessionScratch {
        /// `[candidates]`: exp(u_j − max u) for members of the choice set, 0 otherwise.
        var weight: [Double]
        var member: [Bool]
        var removed: [Bool]

        init(candidates n: Int) {
            weight = [Double](repeating: 0, count: n)
            member = [Bool](repeating: false, count: n)
            removed = [Bool](repeating: false, count: n)
        }
    }

    /// Fills `scratch.weight` for session s (members of its choice set only) and clears `removed`.
    // heads: [S, N, 4]; theta: [4]; videoEffects: [N]; pairOffsets: [S, N]
    @inline(__always)
    func prepare(session: Int, theta t: (Double, Double, Double, Double), videoEffects: [Double]?,
                 heads p: UnsafePointer<Float>, scratch: inout SessionScratch) {
        let n = heads.videos
        let base = p + session * n * 4
        choiceSets.markMembers(session: session, candidates: n, shown: shown[offsets[session]..<offsets[session + 1]], into: &scratch.member)
        var top = -Double.infinity
        let pairRow = session * n
        for j in 0..<n {
            scratch.removed[j] = false
            guard scratch.member[j] else { scratch.weight[j] = -.infinity; continue }
            let q = base + j * 4
            var u = t.0 * Double(q[0]) + t.1 * Double(q[1]) + t.2 * Double(q[2]) + t.3 * Double(q[3])
            if let videoEffects { u += videoEffects[j] }
            if let pairOffsets { u += Double(pairOffsets[pairRow + j]) }
            scratch.weight[j] = u
            top = max(top, u)
        }
        for j in 0..<n { scratch.weight[j] = exp(scratch.weight[j] - top) }
    }

    // heads: [S, N, 4] -> terms: [S, 21]; sessions with weight 0 are skipped (left 0).
    private func sessionTerms(_ theta: [Double], videoEffects: [Double]?, sessionWeights: [Double]?) -> [Double] {
        let n = heads.videos, s = sessions
        let stride = Self.termStride
        var terms = [Double](repeating: 0, count: s * stride)
        let t = (theta[0], theta[1], theta[2], theta[3])
        heads.values.withUnsafeBufferPointer { hp in
            terms.withUnsafeMutableBufferPointer { tp in
                let p = hp.baseAddress!, out = tp.baseAddress!
                parallelRanges(s, minimumChunk: 4) { range in
                    var scratch = SessionScratch(candidates: n)
                    // m1 [4] and m2 [4, 4] (upper triangle used), reused by every session of the range.
                    let moments = UnsafeMutablePointer<Double>.allocate(capacity: 20)
                    defer { moments.deallocate() }
                    let m1 = moments, m2 = moments + 4
                    for session in range where (sessionWeights?[session] ?? 1) != 0 {
                        prepare(session: session, theta: t, videoEffects: videoEffects, heads: p, scratch: &scratch)
                        let base = p + session * n * 4
                        // Z = Σ e_j, m1 = Σ e_j p_j, m2 = Σ e_j p_j p_jᵀ over the candidates still available.
                        var z = 0.0
                        moments.initialize(repeating: 0, count: 20)
                        for j in 0..<n where scratch.weight[j] > 0 {
                            let e = scratch.weight[j]
                            let q = base + j * 4
                            z += e
                            for a in 0..<4 {
                                let ea = e * Double(q[a])
                                m1[a] += ea
                                for b in a..<4 { m2[a * 4 + b] += ea * Double(q[b]) }
                            }
                        }
                        let o = out + session * stride
                        for index in offsets[session]..<offsets[session + 1] {
                            let j = Int(shown[index])
                            if scratch.removed[j] { continue }
                            let q = base + j * 4
                            let e = scratch.weight[j]
                            // −log P(choose j | remaining) = log Z − log e_j.
                            o[0] += log(z) - log(e)
                            for a in 0..<4 {
                                let mean = m1[a] / z
                                o[1 + a] += mean - Double(q[a])
                                for b in a..<4 { o[5 + a * 4 + b] += m2[a * 4 + b] / z - mean * m1[b] / z }
                            }
                            // Remove j from the choice set.
                            scratch.removed[j] = true
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

    /// How often each candidate was chosen (`[candidates]`; a repeat within a session is not a choice).
    public var chosenCounts: [Double] {
        var chosen = [Double](repeating: 0, count: heads.videos)
        var seen = Set<Int32>()
        for session in 0..<sessions {
            seen.removeAll(keepingCapacity: true)
            for j in shown[offsets[session]..<offsets[session + 1]] where seen.insert(j).inserted { chosen[Int(j)] += 1 }
        }
        return chosen
    }

    /// The video-effect side of the likelihood at (θ, α): per candidate, the expected number of choices
    /// `E_j = Σ_s Σ_k P_sk(j)` (the score of α_j is `E_j − n_j`) and the cross derivative
    /// `∂²NLL/∂α_j∂θ = Σ_s Σ_k P_sk(j) (p_sj − E_sk[p])` `[candidates, 4]`. Sessions are summed in fixed blocks
    /// of 64, then the blocks in order, so the result does not depend on the thread count.
    public func effectTerms(_ theta: [Double], videoEffects: [Double]?) -> (expected: [Double], cross: [Double]) {
        let n = heads.videos, s = sessions
        let blockSize = 64, width = 5
        let blocks = (s + blockSize - 1) / blockSize
        var partial = [Double](repeating: 0, count: blocks * n * width)
        let t = (theta[0], theta[1], theta[2], theta[3])
        heads.values.withUnsafeBufferPointer { hp in
            partial.withUnsafeMutableBufferPointer { pp in
                let p = hp.baseAddress!, out = pp.baseAddress!
                parallelRanges(blocks, minimumChunk: 1) { range in
                    var scratch = SessionScratch(candidates: n)
                    for block in range {
                        let o = out + block * n * width
                        for session in (block * blockSize)..<min(s, (block + 1) * blockSize) {
                            prepare(session: session, theta: t, videoEffects: videoEffects, heads: p, scratch: &scratch)
                            let base = p + session * n * 4
                            var z = 0.0
                            var m1 = (0.0, 0.0, 0.0, 0.0)
                            for j in 0..<n where scratch.weight[j] > 0 {
                                let e = scratch.weight[j], q = base + j * 4
                                z += e
                                m1.0 += e * Double(q[0]); m1.1 += e * Double(q[1]); m1.2 += e * Double(q[2]); m1.3 += e * Double(q[3])
                            }
                            // After each choice k: c1 = Σ_{i ≤ k} 1/Z_i and c2 = Σ_{i ≤ k} E_i[p]/Z_i. A candidate
                            // collects them up to its own choice, or to the last one if never chosen.
                            var c1 = 0.0, c2 = (0.0, 0.0, 0.0, 0.0)
                            func collect(_ j: Int) {
                                let e = scratch.weight[j], q = base + j * 4, r = o + j * width
                                r[0] += e * c1
                                r[1] += e * (Double(q[0]) * c1 - c2.0)
                                r[2] += e * (Double(q[1]) * c1 - c2.1)
                                r[3] += e * (Double(q[2]) * c1 - c2.2)
                                r[4] += e * (Double(q[3]) * c1 - c2.3)
                            }
                            for index in offsets[session]..<offsets[session + 1] {
                                let j = Int(shown[index])
                                if scratch.removed[j] { continue }
                                c1 += 1 / z
                                c2.0 += m1.0 / (z * z); c2.1 += m1.1 / (z * z); c2.2 += m1.2 / (z * z); c2.3 += m1.3 / (z * z)
                                collect(j)
                                scratch.removed[j] = true
                                let e = scratch.weight[j], q = base + j * 4
                                z -= e
                                m1.0 -= e * Double(q[0]); m1.1 -= e * Double(q[1]); m1.2 -= e * Double(q[2]); m1.3 -= e * Double(q[3])
                            }
                            for j in 0..<n where !scratch.removed[j] && scratch.weight[j] > 0 { collect(j) }
                        }
                    }
                }
            }
        }
        var expected = [Double](repeating: 0, count: n), cross = [Double](repeating: 0, count: n * 4)
        for block in 0..<blocks {
            for j in 0..<n {
                let r = (block * n + j) * width
                expected[j] += partial[r]
                for a in 0..<4 { cross[j * 4 + a] += partial[r + 1 + a] }
            }
        }
        return (expected, cross)
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
    /// `videoEffects` are held fixed (see `VideoEffectsFit` for estimating them too).
    public func fit(start: [Double]? = nil, videoEffects: [Double]? = nil, sessionWeights: [Double]? = nil, maxIterations: Int = 50) -> Fit {
        var theta = start ?? [0, 0, 0, 0]
        var current = negativeLogLikelihood(theta, videoEffects: videoEffects, sessionWeights: sessionWeights)
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
                let next = negativeLogLikelihood(candidate, videoEffects: videoEffects, sessionWeights: sessionWeights)
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
        let errors = Self.weightStandardErrors(theta: theta, hessian: current.hessian) ?? [Double](repeating: .nan, count: 4)
        let rows = (0..<sessions).reduce(0) { $0 + (sessionWeights?[$1] ?? 1 != 0 ? offsets[$1 + 1] - offsets[$1] : 0) }
        return Fit(theta: theta, weights: weights, noiseScale: norm > 0 ? 1 / norm : .infinity, negativeLogLikelihood: current.value,
                   rows: rows, iterations: iterations, converged: converged, standardErrors: errors, path: path,
                   weightsPath: weightsPath)
    }

    /// Delta-method standard errors of `w = θ/Σ|θ|` from the Hessian `[4, 4]` of the negative log-likelihood in θ
    /// (its inverse is θ's covariance); nil when θ = 0 or the Hessian is singular.
    public static func weightStandardErrors(theta: [Double], hessian: [Double]) -> [Double]? {
        let norm = theta.reduce(0) { $0 + abs($1) }
        guard norm > 0, let covariance = SymmetricSolve.inverse(hessian, dimension: 4) else { return nil }
        let weights = theta.map { $0 / norm }
        // dw_i/dθ_j = (δ_ij − w_i sign(θ_j)) / Σ|θ|
        var jacobian = [Double](repeating: 0, count: 16)   // [4, 4]
        for i in 0..<4 {
            for j in 0..<4 {
                let delta: Double = i == j ? 1 : 0
                let sign: Double = theta[j] >= 0 ? 1 : -1
                jacobian[i * 4 + j] = (delta - weights[i] * sign) / norm
            }
        }
        return (0..<4).map { i in
            var variance = 0.0
            for a in 0..<4 { for b in 0..<4 { variance += jacobian[i * 4 + a] * covariance[a * 4 + b] * jacobian[i * 4 + b] } }
            return max(variance, 0).squareRoot()
        }
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
                            let gumbel = generator.nextGumbel()
                            let value = w[0] * Double(q[0]) + w[1] * Double(q[1]) + w[2] * Double(q[2]) + w[3] * Double(q[3])
                            scores[j] = Float(value + tau * gumbel)
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

/// The candidates assumed to compete with a session's shown videos at each of its choices. A session's own shown
/// videos always belong to its choice set.
public enum PlackettLuceChoiceSets: Sendable {
    /// Every candidate of the catalogue (the platform ranked everything).
    case catalogue
    /// The candidates uploaded on or before the session's day: `uploadDay[j] <= sessionDay[s]` (day numbers; a
    /// candidate with an unknown upload day is always available).
    case uploaded(uploadDay: [Int32], sessionDay: [Int32])
    /// Explicit lists per session: session s's are `candidates[offsets[s] ..< offsets[s + 1]]` (the true pools of
    /// a synthetic world; empty lists leave only the shown videos).
    case listed(offsets: [Int], candidates: [Int32])

    /// The choice sets of the sessions `indices`, in that order.
    func subset(_ indices: [Int]) -> PlackettLuceChoiceSets {
        switch self {
        case .catalogue:
            return .catalogue
        case let .uploaded(uploadDay, sessionDay):
            return .uploaded(uploadDay: uploadDay, sessionDay: indices.map { sessionDay[$0] })
        case let .listed(offsets, candidates):
            var kept = [0], members: [Int32] = []
            for s in indices { members.append(contentsOf: candidates[offsets[s]..<offsets[s + 1]]); kept.append(members.count) }
            return .listed(offsets: kept, candidates: members)
        }
    }

    /// Only the videos each session showed compete (no unshown competitor at all).
    public static func shownOnly(sessions: Int) -> PlackettLuceChoiceSets {
        .listed(offsets: [Int](repeating: 0, count: sessions + 1), candidates: [])
    }

    func validate(sessions: Int, candidates n: Int) throws {
        switch self {
        case .catalogue:
            return
        case let .uploaded(uploadDay, sessionDay):
            guard uploadDay.count == n, sessionDay.count == sessions else {
                throw PipelineError.invalidData("Plackett-Luce choice sets: \(uploadDay.count) upload days for \(n) candidates, \(sessionDay.count) session days for \(sessions) sessions")
            }
        case let .listed(offsets, candidates):
            guard offsets.count == sessions + 1, offsets.first == 0, offsets.last == candidates.count,
                  zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }), candidates.allSatisfy({ $0 >= 0 && Int($0) < n }) else {
                throw PipelineError.invalidData("Plackett-Luce choice sets: the per-session candidate lists do not fit \(sessions) sessions of \(n) candidates")
            }
        }
    }

    /// Writes session s's membership of every candidate into `member` `[candidates]`.
    @inline(__always)
    func markMembers(session s: Int, candidates n: Int, shown: ArraySlice<Int32>, into member: inout [Bool]) {
        switch self {
        case .catalogue:
            for j in 0..<n { member[j] = true }
            return
        case let .uploaded(uploadDay, sessionDay):
            let day = sessionDay[s]
            for j in 0..<n { member[j] = uploadDay[j] <= day }
        case let .listed(offsets, candidates):
            for j in 0..<n { member[j] = false }
            for j in candidates[offsets[s]..<offsets[s + 1]] { member[Int(j)] = true }
        }
        for j in shown { member[Int(j)] = true }
    }
}
