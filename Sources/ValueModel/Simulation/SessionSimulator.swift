import Foundation

/// Step 5's closed loop (KuaiEnv's protocol): each episode draws a user uniformly at reset (then one of the user's
/// sessions, which fixes the context), and at every turn the policy shows one video; the user's response is the
/// world's truth for that pair (`PolicyWorld.truth`: the engagement model's expected capped watch ratio and
/// `p_true`, or the small matrix's observed entries), and the user leaves by `KuaiEnvExitRule` (or, as a
/// robustness check, by `SatisfactionExitRule`). Episodes draw the same users
/// for every policy (common random numbers), and each episode's policy randomness has its own seeded generator, so
/// a run reproduces exactly, whatever the thread count.
public struct SessionSimulator: Sendable {
    /// One simulated session.
    public struct Episode: Codable, Sendable, Equatable {
        /// Row of the world's sessions.
        public var session: Int
        /// Candidate indices shown, in order (the length is the session length).
        public var shown: [Int32]
        /// R_tra: the sum of the rewards.
        public var reward: Double
        /// Sum of the true head rates (`p_true` or observed labels) over the shown videos.
        public var headSums: [Double]
        /// Shown videos in the logs' dominant categories.
        public var dominantSteps: Int
        public var length: Int { shown.count }
        /// R_each: the mean reward per shown video.
        public var rewardPerStep: Double { reward / Double(max(length, 1)) }
    }

    /// A policy's episodes and their summaries (mean and standard deviation over episodes).
    public struct Outcome: Codable, Sendable {
        public var policy: String
        public var identifier: PolicyIdentifier
        public var episodes: [Episode]
        public var totalReward: MeanSD
        public var rewardPerStep: MeanSD
        public var length: MeanSD
        /// Share of all shown videos in the dominant categories (MCD).
        public var dominantShare: Double
        /// Per head, the mean true rate of a shown video.
        public var headRates: [Double]

        init(policy: String, identifier: PolicyIdentifier, episodes: [Episode]) {
            self.policy = policy
            self.identifier = identifier
            self.episodes = episodes
            totalReward = MeanSD(episodes.map(\.reward))
            rewardPerStep = MeanSD(episodes.map(\.rewardPerStep))
            length = MeanSD(episodes.map { Double($0.length) })
            let steps = Double(max(episodes.reduce(0) { $0 + $1.length }, 1))
            dominantShare = Double(episodes.reduce(0) { $0 + $1.dominantSteps }) / steps
            headRates = Head.allCases.map { h in episodes.reduce(0) { $0 + $1.headSums[h.rawValue] } / steps }
        }
    }

    /// Mean and sample standard deviation.
    public struct MeanSD: Codable, Sendable, Equatable {
        public var mean: Double
        public var sd: Double
        public init(_ values: [Double]) {
            let n = Double(values.count)
            let m = values.reduce(0, +) / max(n, 1)
            mean = m
            sd = values.count > 1 ? (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / (n - 1)).squareRoot() : .nan
        }
    }

    /// Mean and standard error of `value` of `a`'s episodes minus that of `b`'s, episode by episode (both runs of
    /// the same simulator, so episode e met the same user in both).
    public static func pairedDifference(_ a: Outcome, _ b: Outcome, of value: (Episode) -> Double) -> (mean: Double, standardError: Double) {
        let d = zip(a.episodes, b.episodes).map { value($0) - value($1) }
        let m = MeanSD(d)
        return (m.mean, m.sd / Double(max(d.count, 1)).squareRoot())
    }

    public let world: PolicyWorld
    public let rule: KuaiEnvExitRule
    /// When set (`leaving(by:)`), users leave by accumulated satisfaction instead of KuaiEnv's tag rule (its
    /// `maxTurn` then bounds the session).
    public private(set) var satisfaction: SatisfactionExitRule?
    /// The mean reward of a uniformly random candidate over the episodes' sessions (the satisfaction baseline).
    public let randomReward: Double
    /// The session each episode starts from.
    public let starts: [Int]
    public let seed: UInt64
    /// The logs' dominant categories (for MCD).
    public let dominant: Set<Int32>
    /// True head rates `[candidates, 4]` and rewards `[candidates]` of every session some episode starts from.
    private let truth: [Int: (heads: [Float], reward: [Float])]

    /// Draws `episodes` starts with `seed` and computes the truth of their sessions once (in parallel).
    public init(world: PolicyWorld, rule: KuaiEnvExitRule, episodes: Int, seed: UInt64) {
        self.world = world
        self.rule = rule
        self.seed = seed
        var byUser: [Int32: [Int]] = [:]
        for (s, user) in world.sessionUsers.enumerated() { byUser[user, default: []].append(s) }
        let users = byUser.keys.sorted()
        var generator = SeededGenerator(seed: seed)
        starts = (0..<episodes).map { _ in
            let sessions = byUser[users[Int(generator.next() % UInt64(users.count))]]!
            return sessions[Int(generator.next() % UInt64(sessions.count))]
        }
        let distinct = Array(Set(starts)).sorted()
        var computed = [(heads: [Float], reward: [Float])](repeating: ([], []), count: distinct.count)
        computed.withUnsafeMutableBufferPointer { out in
            let out = out
            parallelRanges(distinct.count, minimumChunk: 8) { range in
                for i in range { out[i] = world.truth(session: distinct[i]) }
            }
        }
        truth = Dictionary(uniqueKeysWithValues: zip(distinct, computed).map { ($0, $1) })
        let perSession = computed.map { $0.reward.reduce(0) { $0 + Double($1) } / Double(max($0.reward.count, 1)) }
        randomReward = perSession.reduce(0, +) / Double(max(perSession.count, 1))
        dominant = world.dominantTags()
    }

    /// The same users, sessions and truth, leaving by accumulated satisfaction `rule` instead of the tag rule.
    public func leaving(by rule: SatisfactionExitRule) -> SessionSimulator {
        var copy = self
        copy.satisfaction = rule
        return copy
    }

    /// Runs every episode with `policy`.
    public func run(_ policy: RankingPolicy) -> Outcome {
        var episodes = [Episode](repeating: Episode(session: 0, shown: [], reward: 0, headSums: [], dominantSteps: 0), count: starts.count)
        episodes.withUnsafeMutableBufferPointer { out in
            let out = out
            parallelRanges(starts.count, minimumChunk: 16) { range in
                for e in range { out[e] = episode(e, policy) }
            }
        }
        return Outcome(policy: policy.name, identifier: policy.identifier, episodes: episodes)
    }

    /// Episode `e` with `policy`: its generator is seeded by the run's seed and `e` alone.
    func episode(_ e: Int, _ policy: RankingPolicy) -> Episode {
        let session = starts[e]
        let (trueHeads, reward) = truth[session]!
        let n = world.candidates
        let context = world.episode(session: session, truth: (trueHeads, reward))
        var generator = SeededGenerator(seed: seed ^ (UInt64(e) &* 0x9E37_79B9_7F4A_7C15))
        var shown = [Bool](repeating: false, count: n)
        var history: [Int32] = [], rewards: [Float] = []
        var result = Episode(session: session, shown: [], reward: 0, headSums: [0, 0, 0, 0], dominantSteps: 0)
        var satisfied = 0.0
        for turn in 0..<(satisfaction?.maxTurn ?? rule.maxTurn) {
            let j = policy.choose(context, history: history, rewards: rewards, shown: shown, generator: &generator)
            guard j >= 0 else { break }
            let leaves: Bool
            if let satisfaction {
                (satisfied, leaves) = satisfaction.step(turn: turn, satisfaction: satisfied, reward: Double(reward[j]), baseline: randomReward)
            } else {
                leaves = rule.leaves(turn: turn, history: history, tags: world.candidateTags[j]) { world.candidateTags[Int($0)] }
            }
            shown[j] = true
            history.append(Int32(j))
            rewards.append(reward[j])
            result.reward += Double(reward[j])
            for h in 0..<4 { result.headSums[h] += Double(trueHeads[j * 4 + h]) }
            if world.candidateTags[j].contains(where: dominant.contains) { result.dominantSteps += 1 }
            if leaves { break }
        }
        result.shown = history
        return result
    }
}
