import Foundation

/// Off-policy estimates of a policy's per-step reward from the logged sessions, against the truth (step 5).
///
/// Each logged row is a decision: its context the session (user, day-part) and the videos the platform showed
/// before it in the session, its action the video shown, its reward the observed watch ratio capped at 5. The
/// first `steps` logged rows of every session whose first row was logged are used. In the synthetic world the
/// logging propensity is known exactly: the platform ranks its recorded pool by `w*·p_true + τ·Gumbel`, a
/// Plackett-Luce draw without replacement, so the video at step t has `π₀(j | h_t) = e^{v_j/τ} / Σ_{l ∈ pool \ h_t}
/// e^{v_l/τ}`, h_t the videos shown before it. With a target policy's probabilities π(j | h_t) (its choice after
/// the same history, in order, with the logged rewards: what a policy that reads the session sees), the weight of a
/// logged row is `π(shown | h)/π₀(shown | h)` and
/// - IPS: `(1/n) Σ w r`; SNIPS: `Σ w r / Σ w`; NCIS (normalised capped): `Σ min(w, c) r / Σ min(w, c)`;
/// - the truth on the same rows: `(1/n) Σ_rows Σ_j π(j | h) r̄_s(j)` with `r̄` the expected capped watch ratio: the
///   policy's mean one-step reward on the logged histories (per-decision weights, not products over a session,
///   so no estimate here is of a whole session's return under the policy's own trajectory).
/// IPS is unbiased only where the logging policy could have shown what the target shows: **support**, the
/// target's mass inside the pool minus the history, is reported with every estimate. With `steps` 1 this is the
/// first-turn bandit.
public struct OffPolicyEvaluation: Sendable {
    /// The logged rows with their propensities, session by session.
    public struct LoggedRows: Sendable {
        /// Kept sessions (rows of the world's sessions); session i's decisions are `offsets[i]..<offsets[i + 1]`.
        public var sessions: [Int] = []
        public var offsets: [Int] = [0]
        /// Per decision: the shown candidate, its reward and its logging probability given the earlier ones.
        public var shown: [Int] = []
        public var rewards: [Double] = []
        public var propensities: [Double] = []
        /// Per kept session: its pool (candidate indices) and each member's unnormalised logging weight `e^{v − max v}`.
        public var pools: [[Int32]] = []
        public var poolWeights: [[Double]] = []
        /// Sessions left out: no recorded pool; first row outside the evaluation split; first video outside the
        /// pool. Sessions cut short: a later logged video outside the pool or shown twice (the rows before it kept).
        public var withoutPool = 0
        public var firstRowNotObserved = 0
        public var shownOutsidePool = 0
        public var cutShort = 0
        public var decisions: Int { shown.count }

        /// The standard error of the mean reward with the rows of a session as one cluster (they share a user):
        /// `√(Σ_s (Σ_{rows of s} (r − r̄))²) / n`.
        public var meanRewardStandardError: Double {
            let n = Double(max(rewards.count, 1)), mean = rewards.reduce(0, +) / n
            let squares = sessions.indices.reduce(0.0) { total, i in
                let deviation = rewards[offsets[i]..<offsets[i + 1]].reduce(0) { $0 + ($1 - mean) }
                return total + deviation * deviation
            }
            return squares.squareRoot() / n
        }

        /// Appends session `s`'s decisions: its logged `list` (candidate indices, in order) with their raw watch
        /// ratios, drawn without replacement from `pool` with log-weights `logWeights`.
        mutating func append(session s: Int, pool: [Int32], logWeights: [Double], list: ArraySlice<Int32>, ratios: ArraySlice<Double>,
                             rewardCap: Double) {
            let top = logWeights.max() ?? 0
            let weights = logWeights.map { exp($0 - top) }
            var position: [Int32: Int] = [:]
            for (k, j) in pool.enumerated() { position[j] = k }
            var remaining = weights.reduce(0, +)
            var seen = Set<Int32>()
            for (j, ratio) in zip(list, ratios) {
                guard let k = position[j], !seen.contains(j) else {
                    if seen.isEmpty { shownOutsidePool += 1 } else { cutShort += 1 }
                    break
                }
                seen.insert(j)
                shown.append(Int(j))
                rewards.append(min(ratio, rewardCap))
                propensities.append(weights[k] / remaining)
                remaining -= weights[k]
            }
            guard !seen.isEmpty else { return }
            sessions.append(s)
            offsets.append(shown.count)
            pools.append(pool)
            poolWeights.append(weights)
        }
    }

    /// What the logs hold of each evaluation session (step 4's artifacts): the first row's candidate (−1 when the
    /// first row is not in the evaluation split) and the session's logged candidates and raw watch ratios in order.
    public struct LoggedLists: Sendable {
        public var firstCandidate: [Int32]
        /// `[sessions + 1]` offsets into `candidates` and `watchRatios`.
        public var offsets: [Int]
        public var candidates: [Int32]
        public var watchRatios: [Double]

        public init(firstCandidate: [Int32], offsets: [Int], candidates: [Int32], watchRatios: [Double]) {
            self.firstCandidate = firstCandidate
            self.offsets = offsets
            self.candidates = candidates
            self.watchRatios = watchRatios
        }

        /// Session `s`'s first `steps` logged candidates and ratios, or nil when its first row was not logged.
        func prefix(_ s: Int, steps: Int) -> (ArraySlice<Int32>, ArraySlice<Double>)? {
            guard firstCandidate[s] >= 0, offsets[s] < offsets[s + 1] else { return nil }
            let end = min(offsets[s + 1], offsets[s] + steps)
            return (candidates[offsets[s]..<end], watchRatios[offsets[s]..<end])
        }
    }

    /// One policy's estimates.
    public struct Estimate: Codable, Sendable {
        public var policy: String
        public var truth: Double
        public var ips: Double
        public var snips: Double
        public var ncis: Double
        /// Logged rows with a non-zero weight, Kish's effective sample size of the weights, and the mean target mass
        /// inside the pools (minus the history).
        public var matches: Int
        public var effectiveSampleSize: Double
        public var support: Double
    }

    /// Estimates as JSON (NaN, as an unknown truth, written as "nan").
    public static func json(_ estimates: [Estimate]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(estimates)
    }

    /// `(1/n) Σ w r`, `Σ w r / Σ w` and `Σ min(w, cap) r / Σ min(w, cap)` (NaN when a denominator is 0), and
    /// Kish's `(Σ w)² / Σ w²`.
    public static func estimators(weights: [Double], rewards: [Double], cap: Double) -> (ips: Double, snips: Double, ncis: Double, effectiveSampleSize: Double) {
        let n = Double(max(weights.count, 1))
        let sw = weights.reduce(0, +), swr = zip(weights, rewards).reduce(0) { $0 + $1.0 * $1.1 }
        let capped = weights.map { min($0, cap) }
        let sc = capped.reduce(0, +), scr = zip(capped, rewards).reduce(0) { $0 + $1.0 * $1.1 }
        let squares = weights.reduce(0) { $0 + $1 * $1 }
        return (swr / n, sw > 0 ? swr / sw : .nan, sc > 0 ? scr / sc : .nan, squares > 0 ? sw * sw / squares : 0)
    }

    /// The logged rows of `world`'s sessions: `pools` by session (`SyntheticPoolLog.pools`) and the first `steps` rows
    /// of each logged list; the platform ranked by `weights` (unnormalised, as planted) with Gumbel noise of `noiseScale`.
    public static func loggedRows(world: PolicyWorld, model: SyntheticEngagementModel, poolOffsets: [Int], poolCandidates: [Int32],
                                  lists: LoggedLists, steps: Int, weights: [Double], noiseScale: Double, rewardCap: Double = 5) -> LoggedRows {
        var logged = LoggedRows()
        for s in 0..<world.sessions {
            let pool = Array(poolCandidates[poolOffsets[s]..<poolOffsets[s + 1]])
            guard !pool.isEmpty else { logged.withoutPool += 1; continue }
            guard let (list, ratios) = lists.prefix(s, steps: steps) else { logged.firstRowNotObserved += 1; continue }
            let user = Int(world.sessionUsers[s]), context = SyntheticContext(daypart: Int(world.sessionDayparts[s]))
            let values = pool.map { model.headProbabilities(user: user, video: Int(world.candidateVideos[Int($0)]), context: context).value(weights: weights) / noiseScale }
            logged.append(session: s, pool: pool, logWeights: values, list: list, ratios: ratios, rewardCap: rewardCap)
        }
        return logged
    }

    /// The logged rows with propensities *estimated* as on real data, where no pool is logged: step 4's headline
    /// model of the platform, a Plackett-Luce ranker over the videos uploaded by the session's day with log-weight
    /// `θ̂·p̂_j + α̂_j` (θ̂ = ŵ/τ̂, p̂ the heads step 4 scored, α̂ its video effects), drawing without replacement:
    /// `π̂₀(j | h) = e^{θ̂·p̂_j + α̂_j} / Σ_{l ∉ h} e^{θ̂·p̂_l + α̂_l}`. A video never shown has α̂ = −∞ and lies outside
    /// the estimated support; each session's "pool" is that support.
    // heads: [S, N, 4]; videoEffects, uploadDay: [N]; sessionDay: [S]
    public static func estimatedRows(heads: CandidateHeads, theta: [Double], videoEffects: [Double], uploadDay: [Int32],
                                     sessionDay: [Int32], lists: LoggedLists, steps: Int, rewardCap: Double = 5) -> LoggedRows {
        var logged = LoggedRows()
        let n = heads.videos
        for s in 0..<heads.sessions {
            guard let (list, ratios) = lists.prefix(s, steps: steps) else { logged.firstRowNotObserved += 1; continue }
            let support = (0..<n).filter { videoEffects[$0] > -.infinity && (uploadDay[$0] == Int32.min || uploadDay[$0] <= sessionDay[s]) }
            let values = support.map { j -> Double in
                let q = (s * n + j) * 4
                return (0..<4).reduce(videoEffects[j]) { $0 + theta[$1] * Double(heads.values[q + $1]) }
            }
            logged.append(session: s, pool: support.map { Int32($0) }, logWeights: values, list: list, ratios: ratios, rewardCap: rewardCap)
        }
        return logged
    }

    public var logged: LoggedRows
    public var cap: Double
    /// The logging platform itself (weights 1: the mean observed reward, against its expected value), then every policy.
    public var estimates: [Estimate]
    /// The logging platform's own row.
    public var loggingPlatform: Estimate? { estimates.first }
    /// The target policies' rows, in the order of the policies.
    public var targets: ArraySlice<Estimate> { estimates.dropFirst() }
    /// Per target policy, in the same order: its role and the logged rows (indices of decisions) where its weight is above 0.
    public var identifiers: [PolicyIdentifier]
    public var matchedRows: [[Int]]
    public var seconds: Double

    /// Estimates for every policy on `logged`, against the simulator `world`'s truth.
    public static func run(world: PolicyWorld, logged: LoggedRows, policies: [RankingPolicy], cap: Double) -> OffPolicyEvaluation {
        run(logged: logged, policies: policies, cap: cap) { s in
            let truth = world.truth(session: s)
            return (world.episode(session: s, truth: truth), truth.reward)
        }
    }

    /// Estimates for every policy on `logged` where no truth is known (real logs): `predicted` are the heads step 4
    /// scored `[sessions, candidates, 4]` (`spread` their seed members' standard deviation), `exposure` the candidates'
    /// logged rows. Every truth is NaN, so the
    /// policies must be learned ones (no oracle reads `p_true`).
    public static func run(predicted: CandidateHeads, spread: CandidateHeads? = nil, exposure: [Int32], logged: LoggedRows,
                           policies: [RankingPolicy], cap: Double) -> OffPolicyEvaluation {
        let n = predicted.videos
        return run(logged: logged, policies: policies, cap: cap) { s in
            let rows = (s * n * 4)..<((s + 1) * n * 4)
            return (PolicyEpisode(session: s, predicted: predicted.values[rows], trueHeads: [], trueReward: [], exposure: exposure,
                                  spread: spread?.values[rows]), nil)
        }
    }

    /// The estimates, with `episode(s)` what a policy sees of logged session `s` and its true rewards `[candidates]`
    /// (nil: unknown, every truth NaN).
    static func run(logged: LoggedRows, policies: [RankingPolicy], cap: Double,
                    episode: @Sendable (Int) -> (PolicyEpisode, [Float]?)) -> OffPolicyEvaluation {
        let start = ResourceUsage.now()
        let n = logged.decisions
        // Per policy p and logged decision d, at p * n + d: Σ_j π(j | h) r̄(j), π(shown | h) and π's mass in the pool minus h.
        let k = policies.count
        var truthValue = [Double](repeating: 0, count: k * n), targetShown = truthValue, supportMass = truthValue
        var loggingTruth = [Double](repeating: 0, count: n)   // Σ_{j ∈ pool \ h} π₀(j | h) r̄(j)
        truthValue.withUnsafeMutableBufferPointer { tv in
            targetShown.withUnsafeMutableBufferPointer { ts in
                supportMass.withUnsafeMutableBufferPointer { sm in
                    loggingTruth.withUnsafeMutableBufferPointer { lt in
                        let tv = tv, ts = ts, sm = sm, lt = lt
                        parallelRanges(logged.sessions.count, minimumChunk: 4) { range in
                            for i in range {
                                let (seen, reward) = episode(logged.sessions[i])
                                let pool = logged.pools[i], weights = logged.poolWeights[i]
                                var history = [Bool](repeating: false, count: seen.exposure.count)
                                var order: [Int32] = [], given: [Float] = []   // the logged videos so far, in order, and their rewards
                                for d in logged.offsets[i]..<logged.offsets[i + 1] {
                                    if let reward {
                                        var mass = 0.0, value = 0.0
                                        for (j, w) in zip(pool, weights) where !history[Int(j)] { mass += w; value += w * Double(reward[Int(j)]) }
                                        lt[d] = value / mass
                                    } else {
                                        lt[d] = .nan
                                    }
                                    for p in 0..<k {
                                        let pi = policies[p].probabilities(seen, history: order, rewards: given, shown: history)
                                        var value = reward == nil ? Double.nan : 0
                                        if let reward { for j in pi.indices where pi[j] > 0 { value += pi[j] * Double(reward[j]) } }
                                        tv[p * n + d] = value
                                        ts[p * n + d] = pi[logged.shown[d]]
                                        sm[p * n + d] = pool.reduce(0) { history[Int($1)] ? $0 : $0 + pi[Int($1)] }
                                    }
                                    history[logged.shown[d]] = true
                                    order.append(Int32(logged.shown[d]))
                                    given.append(Float(logged.rewards[d]))
                                }
                            }
                        }
                    }
                }
            }
        }
        let mean = { (v: [Double]) in v.reduce(0, +) / Double(max(v.count, 1)) }
        let own = estimators(weights: [Double](repeating: 1, count: n), rewards: logged.rewards, cap: cap)
        var estimates = [Estimate(policy: "the logging platform (on-policy: every weight 1)", truth: mean(loggingTruth), ips: own.ips,
                                  snips: own.snips, ncis: own.ncis, matches: n, effectiveSampleSize: own.effectiveSampleSize, support: 1)]
        var matchedRows: [[Int]] = []
        for p in policies.indices {
            let weights = (0..<n).map { targetShown[p * n + $0] / logged.propensities[$0] }
            matchedRows.append(weights.indices.filter { weights[$0] > 0 })
            let e = estimators(weights: weights, rewards: logged.rewards, cap: cap)
            estimates.append(Estimate(policy: policies[p].name, truth: mean(Array(truthValue[(p * n)..<((p + 1) * n)])),
                                      ips: e.ips, snips: e.snips, ncis: e.ncis, matches: matchedRows[p].count,
                                      effectiveSampleSize: e.effectiveSampleSize, support: mean(Array(supportMass[(p * n)..<((p + 1) * n)]))))
        }
        return OffPolicyEvaluation(logged: logged, cap: cap, estimates: estimates, identifiers: policies.map(\.identifier),
                                   matchedRows: matchedRows, seconds: ResourceUsage.now() - start)
    }
}
