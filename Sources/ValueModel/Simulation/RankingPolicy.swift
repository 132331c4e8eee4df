import Foundation

/// What a policy sees when it chooses: the session (a row of step 4's candidate heads), the heads predicted for
/// every candidate, and, for the oracle only, the truth.
public struct PolicyEpisode {
    public var session: Int
    /// Predicted heads `[candidates, 4]` of this session's user in its context.
    public var predicted: ArraySlice<Float>
    /// `p_true` `[candidates, 4]` and the true reward `[candidates]` (the oracles' input, never a learned policy's).
    public var trueHeads: [Float]
    public var trueReward: [Float]
    public var exposure: [Int32]
    /// The predicted heads' standard deviation over step 3's seed members `[candidates, 4]` (nil without them).
    public var spread: ArraySlice<Float>? = nil
}

/// A ranking policy for step 5's simulator: at each turn it picks one candidate not yet shown in the session (a
/// platform does not show a video twice in a session; KuaiEnv itself would allow it).
public protocol RankingPolicy: Sendable {
    /// Short name for tables.
    var name: String { get }
    /// The policy's role in step 5's table.
    var identifier: PolicyIdentifier { get }
    /// A candidate index with `shown[index] == false`.
    func choose(_ episode: PolicyEpisode, shown: [Bool], generator: inout SeededGenerator) -> Int
    /// The same for a policy that reads the session so far: `history` the candidates shown, in order, and `rewards`
    /// what the user gave for each (a policy that needs neither chooses as above: the default).
    func choose(_ episode: PolicyEpisode, history: [Int32], rewards: [Float], shown: [Bool], generator: inout SeededGenerator) -> Int
    /// The probability of each candidate `[candidates]` at a turn where `shown` were shown before (all false at the
    /// first turn): what an off-policy estimate weighs a logged video by.
    func probabilities(_ episode: PolicyEpisode, shown: [Bool]) -> [Double]
    /// The same for a policy that reads the session so far, `history` in order with the user's `rewards` (a policy
    /// that needs neither: the default, the probabilities above).
    func probabilities(_ episode: PolicyEpisode, history: [Int32], rewards: [Float], shown: [Bool]) -> [Double]
}

extension RankingPolicy {
    public func choose(_ episode: PolicyEpisode, history: [Int32], rewards: [Float], shown: [Bool], generator: inout SeededGenerator) -> Int {
        choose(episode, shown: shown, generator: &generator)
    }

    public func probabilities(_ episode: PolicyEpisode, history: [Int32], rewards: [Float], shown: [Bool]) -> [Double] {
        probabilities(episode, shown: shown)
    }

    /// All mass on the choice after `shown` (a deterministic policy).
    func deterministic(_ episode: PolicyEpisode, shown: [Bool]) -> [Double] {
        var generator = SeededGenerator(seed: 0)
        var p = [Double](repeating: 0, count: episode.exposure.count)
        let j = choose(episode, shown: shown, generator: &generator)
        if j >= 0 { p[j] = 1 }
        return p
    }
}

/// `w · heads[j]` for the `[candidates, 4]` rows of `heads` (a slice keeps its own indices).
func headValue(_ w: [Double], _ heads: ArraySlice<Float>, _ j: Int) -> Double {
    let q = heads.startIndex + j * 4
    return (0..<4).reduce(0.0) { $0 + w[$1] * Double(heads[q + $1]) }
}

/// The unshown candidate with the largest `score(j)` (the lowest index among ties); −1 when every one was shown.
func bestUnshown(_ shown: [Bool], _ score: (Int) -> Double) -> Int {
    var best = -1, bestScore = -Double.infinity
    for j in shown.indices where !shown[j] {
        let s = score(j)
        if best < 0 || s > bestScore { best = j; bestScore = s }
    }
    return best
}

/// A uniformly random unshown candidate.
public struct RandomPolicy: RankingPolicy {
    public let name = "random"
    public let identifier = PolicyIdentifier.random
    public init() {}
    public func choose(_ episode: PolicyEpisode, shown: [Bool], generator: inout SeededGenerator) -> Int {
        let open = shown.indices.filter { !shown[$0] }
        return open.isEmpty ? -1 : open[Int(generator.next() % UInt64(open.count))]
    }

    public func probabilities(_ episode: PolicyEpisode, shown: [Bool]) -> [Double] {
        let open = shown.filter { !$0 }.count
        return shown.map { $0 || open == 0 ? 0 : 1 / Double(open) }
    }
}

/// The most shown video of the logs first (rows per candidate).
public struct PopularityPolicy: RankingPolicy {
    public let name = "most popular"
    public let identifier = PolicyIdentifier.mostPopular
    public init() {}
    public func choose(_ episode: PolicyEpisode, shown: [Bool], generator: inout SeededGenerator) -> Int {
        bestUnshown(shown) { Double(episode.exposure[$0]) }
    }

    public func probabilities(_ episode: PolicyEpisode, shown: [Bool]) -> [Double] { deterministic(episode, shown: shown) }
}

/// Greedy by a value `w · p` of four heads: the paper's toy recommender with step 4's ŵ and step 3's heads, or
/// the oracle with the planted w* and `p_true`.
public struct GreedyValuePolicy: RankingPolicy {
    public enum Heads: Sendable { case predicted, truth }
    public let name: String
    public let identifier: PolicyIdentifier
    public var weights: [Double]
    public var heads: Heads

    public init(name: String, identifier: PolicyIdentifier, weights: [Double], heads: Heads) {
        self.name = name
        self.identifier = identifier
        self.weights = weights
        self.heads = heads
    }

    public func choose(_ episode: PolicyEpisode, shown: [Bool], generator: inout SeededGenerator) -> Int {
        let w = weights, p = heads == .predicted ? episode.predicted : episode.trueHeads[...]
        return bestUnshown(shown) { headValue(w, p, $0) }
    }

    public func probabilities(_ episode: PolicyEpisode, shown: [Bool]) -> [Double] { deterministic(episode, shown: shown) }
}

/// The logging platform replayed: each session's recorded pool ranked by `w·p_true + τ·Gumbel` (w unnormalised, as
/// planted), the videos shown in that order; a session without a recorded pool has no candidates.
public struct LoggingPlatformPolicy: RankingPolicy {
    public let name = "the logging platform replayed (its pools, w*·p_true + Gumbel noise)"
    public let identifier = PolicyIdentifier.loggingPlatform
    /// Each session's pool (candidate indices).
    public var pools: [[Int32]]
    public var weights: [Double]
    public var noiseScale: Double

    public init(pools: [[Int32]], weights: [Double], noiseScale: Double) {
        self.pools = pools
        self.weights = weights
        self.noiseScale = noiseScale
    }

    func value(_ episode: PolicyEpisode, _ j: Int) -> Double {
        headValue(weights, episode.trueHeads[...], j) / noiseScale
    }

    public func choose(_ episode: PolicyEpisode, shown: [Bool], generator: inout SeededGenerator) -> Int {
        var best = -1, bestScore = -Double.infinity
        for j in pools[episode.session] where !shown[Int(j)] {
            let score = value(episode, Int(j)) + generator.nextGumbel()
            if score > bestScore { best = Int(j); bestScore = score }
        }
        return best
    }

    public func probabilities(_ episode: PolicyEpisode, shown: [Bool]) -> [Double] {
        var p = [Double](repeating: 0, count: episode.exposure.count)
        let pool = pools[episode.session].map(Int.init).filter { !shown[$0] }
        guard !pool.isEmpty else { return p }
        let values = pool.map { value(episode, $0) }
        let top = values.max()!, total = values.reduce(0) { $0 + exp($1 - top) }
        for (j, v) in zip(pool, values) { p[j] = exp(v - top) / total }
        return p
    }
}

/// Greedy by the true reward itself: the best any greedy ranker could do per step.
public struct RewardOraclePolicy: RankingPolicy {
    public let name = "greedy by the true reward (best video each turn)"
    public let identifier = PolicyIdentifier.trueRewardBound
    public init() {}
    public func choose(_ episode: PolicyEpisode, shown: [Bool], generator: inout SeededGenerator) -> Int {
        bestUnshown(shown) { Double(episode.trueReward[$0]) }
    }
    public func probabilities(_ episode: PolicyEpisode, shown: [Bool]) -> [Double] { deterministic(episode, shown: shown) }
}

/// Optimism about the toy recommender's value, greedy by `ŵ·p̂_j + c · bonus_j`, with one of two bonuses:
/// - `logCounts`, where the heads know least: `√(ln(1 + N) / (1 + n_j))`, with `n_j` the logged rows of video j
///   (the heads' evidence about it) and N all logged rows (UCB1's bonus with the logs as the pulls);
/// - `seedSpread`, where the heads' own training randomness moves the value most: `σ_j = √(Σ_h ŵ_h² sd_hj²)` from
///   each head's standard deviation over step 3's seed members (heads taken as independent: the members'
///   covariances between heads are not stored); without the spread the policy is `base`.
public struct UCBPolicy: RankingPolicy {
    /// What the bonus measures.
    public enum Bonus: Sendable { case logCounts, seedSpread }

    public let name: String
    public var base: GreedyValuePolicy
    public var bonus: Double
    public var kind: Bonus
    public var identifier: PolicyIdentifier { kind == .logCounts ? .ucbLogCounts : .ucbSeedSpread }

    public init(base: GreedyValuePolicy, bonus: Double, kind: Bonus = .logCounts) {
        self.base = base
        self.bonus = bonus
        self.kind = kind
        name = "\(base.name), " + (kind == .logCounts ? "UCB (c = \(bonus))" : "UCB on the seeds' spread (c = \(bonus))")
    }

    public func choose(_ episode: PolicyEpisode, shown: [Bool], generator: inout SeededGenerator) -> Int {
        let w = base.weights, p = episode.predicted
        switch kind {
        case .logCounts:
            let logTotal = log(1 + Double(episode.exposure.reduce(0) { $0 + Int($1) }))
            return bestUnshown(shown) { j in headValue(w, p, j) + bonus * (logTotal / (1 + Double(episode.exposure[j]))).squareRoot() }
        case .seedSpread:
            guard let spread = episode.spread else { return base.choose(episode, shown: shown, generator: &generator) }
            return bestUnshown(shown) { j in
                let q = spread.startIndex + j * 4
                let sigma = (0..<4).reduce(0.0) { $0 + w[$1] * w[$1] * Double(spread[q + $1]) * Double(spread[q + $1]) }.squareRoot()
                return headValue(w, p, j) + bonus * sigma
            }
        }
    }

    public func probabilities(_ episode: PolicyEpisode, shown: [Bool]) -> [Double] { deterministic(episode, shown: shown) }
}

/// With probability ε a uniformly random unshown candidate, otherwise `base`'s choice.
public struct EpsilonGreedyPolicy: RankingPolicy {
    public let name: String
    public let identifier = PolicyIdentifier.epsilonGreedy
    public var base: GreedyValuePolicy
    public var epsilon: Double

    public init(base: GreedyValuePolicy, epsilon: Double) {
        self.base = base
        self.epsilon = epsilon
        name = "\(base.name), ε-greedy (ε = \(epsilon))"
    }

    public func choose(_ episode: PolicyEpisode, shown: [Bool], generator: inout SeededGenerator) -> Int {
        generator.nextUniform() < epsilon ? RandomPolicy().choose(episode, shown: shown, generator: &generator)
            : base.choose(episode, shown: shown, generator: &generator)
    }

    public func probabilities(_ episode: PolicyEpisode, shown: [Bool]) -> [Double] {
        let uniform = RandomPolicy().probabilities(episode, shown: shown)
        return zip(uniform, base.probabilities(episode, shown: shown)).map { epsilon * $0 + (1 - epsilon) * $1 }
    }
}
