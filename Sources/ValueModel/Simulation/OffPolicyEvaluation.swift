import Foundation

/// Off-policy estimates of a policy's first-turn reward from the logged sessions, against the truth (step 5).
///
/// The logged data are a contextual bandit at each session's first row: the context is the session (user,
/// day-part), the action the first video the platform showed, the reward its observed watch ratio capped at 5.
/// In the synthetic world the logging propensity is known exactly: the platform ranks its recorded pool by
/// `w*·p_true + τ·Gumbel`, so its first video is a softmax draw, `π₀(j) = exp(v_j/τ) / Σ_{l ∈ pool} exp(v_l/τ)`.
/// With a target policy's first-turn probabilities π(j), the weight of a logged row is `π(shown)/π₀(shown)` and
/// - IPS: `(1/n) Σ w r`; SNIPS: `Σ w r / Σ w`; NCIS (normalised capped): `Σ min(w, c) r / Σ min(w, c)`;
/// - the truth on the same sessions: `(1/n) Σ_s Σ_j π(j|s) r̄_s(j)` with `r̄` the expected capped watch ratio.
/// IPS is unbiased only where the logging policy could have shown what the target shows: **support**, the
/// target's first-turn mass inside the pools, is reported with every estimate.
public struct OffPolicyEvaluation: Sendable {
    /// The logged first rows with their exact propensities.
    public struct LoggedFirstRows: Sendable {
        /// Rows of the world's sessions, the shown candidate, its reward and logging probability.
        public var sessions: [Int] = []
        public var shown: [Int] = []
        public var rewards: [Double] = []
        public var propensities: [Double] = []
        /// Each kept session's pool (candidate indices) and the platform's first-turn probability of each.
        public var pools: [[Int32]] = []
        public var poolPropensities: [[Double]] = []
        /// Sessions left out: no recorded pool; first row outside the test split; shown video not in its pool.
        public var withoutPool = 0
        public var firstRowNotObserved = 0
        public var shownOutsidePool = 0
    }

    /// One policy's estimates.
    public struct Estimate: Codable, Sendable {
        public var policy: String
        public var truth: Double
        public var ips: Double
        public var snips: Double
        public var ncis: Double
        /// Sessions with a non-zero weight, Kish's effective sample size of the weights, and the mean target mass
        /// inside the pools.
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

    /// The logged first rows of `world`'s sessions: `pools` by session (`SyntheticPoolLog.pools`), the first row's
    /// candidate (−1 when not logged in the evaluation split) and raw watch ratio; the platform ranked by `weights`
    /// (unnormalised, as planted) with Gumbel noise of `noiseScale`.
    public static func loggedFirstRows(world: PolicyWorld, model: SyntheticEngagementModel, poolOffsets: [Int], poolCandidates: [Int32], firstCandidate: [Int32],
                                       firstWatchRatio: [Double], weights: [Double], noiseScale: Double, rewardCap: Double = 5) -> LoggedFirstRows {
        var logged = LoggedFirstRows()
        for s in 0..<world.sessions {
            let pool = Array(poolCandidates[poolOffsets[s]..<poolOffsets[s + 1]])
            guard !pool.isEmpty else { logged.withoutPool += 1; continue }
            let shown = Int(firstCandidate[s])
            guard shown >= 0 else { logged.firstRowNotObserved += 1; continue }
            guard pool.contains(Int32(shown)) else { logged.shownOutsidePool += 1; continue }
            let user = Int(world.sessionUsers[s]), context = SyntheticContext(daypart: Int(world.sessionDayparts[s]))
            let values = pool.map { model.headProbabilities(user: user, video: Int(world.candidateVideos[Int($0)]), context: context).value(weights: weights) / noiseScale }
            let top = values.max()!
            let total = values.reduce(0) { $0 + exp($1 - top) }
            let probabilities = values.map { exp($0 - top) / total }
            logged.sessions.append(s)
            logged.shown.append(shown)
            logged.rewards.append(min(firstWatchRatio[s], rewardCap))
            logged.propensities.append(probabilities[pool.firstIndex(of: Int32(shown))!])
            logged.pools.append(pool)
            logged.poolPropensities.append(probabilities)
        }
        return logged
    }

    /// The logged first rows with propensities *estimated* as on real data, where no pool is logged: step 4's
    /// headline model of the platform, a Plackett-Luce ranker over the videos uploaded by the session's day with
    /// log-weight `θ̂·p̂_j + α̂_j` (θ̂ = ŵ/τ̂, p̂ the heads step 4 scored, α̂ its video effects). Its first video is the
    /// softmax `π̂₀(j) = exp(θ̂·p̂_j + α̂_j) / Σ_l exp(θ̂·p̂_l + α̂_l)` over those videos; a video never shown has
    /// α̂ = −∞ and lies outside the estimated support. Each session's "pool" is that support.
    // heads: [S, N, 4]; videoEffects, uploadDay: [N]; sessionDay, firstCandidate, firstWatchRatio: [S]
    public static func estimatedFirstRows(heads: CandidateHeads, theta: [Double], videoEffects: [Double], uploadDay: [Int32],
                                          sessionDay: [Int32], firstCandidate: [Int32], firstWatchRatio: [Double],
                                          rewardCap: Double = 5) -> LoggedFirstRows {
        var logged = LoggedFirstRows()
        let n = heads.videos
        for s in 0..<heads.sessions {
            let shown = Int(firstCandidate[s])
            guard shown >= 0 else { logged.firstRowNotObserved += 1; continue }
            let support = (0..<n).filter { videoEffects[$0] > -.infinity && (uploadDay[$0] == Int32.min || uploadDay[$0] <= sessionDay[s]) }
            guard support.contains(shown) else { logged.shownOutsidePool += 1; continue }
            let values = support.map { j -> Double in
                let q = (s * n + j) * 4
                return (0..<4).reduce(videoEffects[j]) { $0 + theta[$1] * Double(heads.values[q + $1]) }
            }
            let top = values.max() ?? 0
            let total = values.reduce(0) { $0 + exp($1 - top) }
            let probabilities = values.map { exp($0 - top) / total }
            let pool = support.map { Int32($0) }
            logged.sessions.append(s)
            logged.shown.append(shown)
            logged.rewards.append(min(firstWatchRatio[s], rewardCap))
            logged.propensities.append(probabilities[support.firstIndex(of: shown) ?? 0])
            logged.pools.append(pool)
            logged.poolPropensities.append(probabilities)
        }
        return logged
    }

    public var logged: LoggedFirstRows
    public var cap: Double
    /// The logging platform itself (weights 1: the mean observed reward, against its expected value), then every policy.
    public var estimates: [Estimate]
    public var seconds: Double

    /// Estimates for every policy on `logged`, against the simulator `world`'s truth.
    public static func run(world: PolicyWorld, logged: LoggedFirstRows, policies: [RankingPolicy], cap: Double) -> OffPolicyEvaluation {
        run(logged: logged, policies: policies, cap: cap) { s in
            let truth = world.truth(session: s)
            return (world.episode(session: s, truth: truth), truth.reward)
        }
    }

    /// Estimates for every policy on `logged` where no truth is known (real logs): `predicted` are the heads step 4
    /// scored `[sessions, candidates, 4]` (`spread` their seed members' standard deviation), `exposure` the candidates'
    /// logged rows. Every truth is NaN, so the
    /// policies must be learned ones (no oracle reads `p_true`).
    public static func run(predicted: CandidateHeads, spread: CandidateHeads? = nil, exposure: [Int32], logged: LoggedFirstRows,
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
    static func run(logged: LoggedFirstRows, policies: [RankingPolicy], cap: Double,
                    episode: @Sendable (Int) -> (PolicyEpisode, [Float]?)) -> OffPolicyEvaluation {
        let start = ResourceUsage.now()
        let n = logged.sessions.count
        // Per policy p and logged session i, at p * n + i: Σ_j π(j) r̄(j), π(shown) and π's mass inside the pool.
        let k = policies.count
        var truthValue = [Double](repeating: 0, count: k * n), targetShown = truthValue, supportMass = truthValue
        var loggingTruth = [Double](repeating: 0, count: n)   // Σ_{j ∈ pool} π₀(j) r̄(j)
        truthValue.withUnsafeMutableBufferPointer { tv in
            targetShown.withUnsafeMutableBufferPointer { ts in
                supportMass.withUnsafeMutableBufferPointer { sm in
                    loggingTruth.withUnsafeMutableBufferPointer { lt in
                        let tv = tv, ts = ts, sm = sm, lt = lt
                        parallelRanges(n, minimumChunk: 16) { range in
                            for i in range {
                                let (seen, reward) = episode(logged.sessions[i])
                                lt[i] = reward.map { r in zip(logged.pools[i], logged.poolPropensities[i]).reduce(0) { $0 + $1.1 * Double(r[Int($1.0)]) } } ?? .nan
                                for p in 0..<k {
                                    let pi = policies[p].firstTurnProbabilities(seen)
                                    var value = reward == nil ? Double.nan : 0
                                    if let reward { for j in pi.indices where pi[j] > 0 { value += pi[j] * Double(reward[j]) } }
                                    tv[p * n + i] = value
                                    ts[p * n + i] = pi[logged.shown[i]]
                                    sm[p * n + i] = logged.pools[i].reduce(0) { $0 + pi[Int($1)] }
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
        for p in policies.indices {
            let weights = (0..<n).map { targetShown[p * n + $0] / logged.propensities[$0] }
            let e = estimators(weights: weights, rewards: logged.rewards, cap: cap)
            estimates.append(Estimate(policy: policies[p].name, truth: mean(Array(truthValue[(p * n)..<((p + 1) * n)])),
                                      ips: e.ips, snips: e.snips, ncis: e.ncis, matches: weights.filter { $0 > 0 }.count,
                                      effectiveSampleSize: e.effectiveSampleSize, support: mean(Array(supportMass[(p * n)..<((p + 1) * n)]))))
        }
        return OffPolicyEvaluation(logged: logged, cap: cap, estimates: estimates, seconds: ResourceUsage.now() - start)
    }
}
