import Foundation

/// Step 5 as a library call: every policy of the table through the same simulated sessions.
public struct PolicyEvaluation: Sendable {
    public var rule: KuaiEnvExitRule
    public var episodes: Int
    public var seed: UInt64
    public var epsilon: Double
    /// Step 4's ŵ and the planted w*.
    public var estimatedWeights: [Double]
    public var plantedWeights: [Double]
    /// The logs' dominant categories and the share of logged rows they cover.
    public var dominantTags: [Int32]
    public var outcomes: [SessionSimulator.Outcome]
    /// Off-policy estimates of each policy's first-turn reward on the logged sessions (nil without propensities).
    public var offPolicy: OffPolicyEvaluation?
    /// Seconds: the truth of the drawn sessions, then each policy's episodes.
    public var truthSeconds: Double
    public var policySeconds: [Double]

    /// The policies, in table order: random, most popular, the paper's toy recommender (step 4's ŵ on step 3's
    /// heads), its ε-greedy version, two halves of the oracle (w* on the learned heads; ŵ on `p_true`) that split
    /// the toy recommender's gap into weights and heads, and the oracle (w* on `p_true`).
    public static func policies(estimated: [Double], planted: [Double], epsilon: Double) -> [RankingPolicy] {
        let toy = GreedyValuePolicy(name: "greedy ŵ·p̂ (step 4's weights, step 3's heads)", weights: estimated, heads: .predicted)
        return [
            RandomPolicy(),
            PopularityPolicy(),
            toy,
            EpsilonGreedyPolicy(base: toy, epsilon: epsilon),
            GreedyValuePolicy(name: "greedy w*·p̂ (planted weights, step 3's heads)", weights: planted, heads: .predicted),
            GreedyValuePolicy(name: "greedy ŵ·p_true (step 4's weights, true heads)", weights: estimated, heads: .truth),
            GreedyValuePolicy(name: "oracle w*·p_true", weights: planted, heads: .truth),
        ]
    }

    public static func run(inputs: PolicyInputs, rule: KuaiEnvExitRule, episodes: Int, seed: UInt64, epsilon: Double, ncisCap: Double) -> PolicyEvaluation {
        let t = ResourceUsage.now()
        let simulator = SessionSimulator(world: inputs.world, rule: rule, episodes: episodes, seed: seed)
        let truthSeconds = ResourceUsage.now() - t
        var outcomes: [SessionSimulator.Outcome] = [], seconds: [Double] = []
        let all = policies(estimated: inputs.estimatedWeights, planted: inputs.world.plantedWeights, epsilon: epsilon)
        for policy in all {
            let p = ResourceUsage.now()
            outcomes.append(simulator.run(policy))
            seconds.append(ResourceUsage.now() - p)
        }
        return PolicyEvaluation(rule: rule, episodes: episodes, seed: seed, epsilon: epsilon, estimatedWeights: inputs.estimatedWeights,
                                plantedWeights: inputs.world.plantedWeights, dominantTags: simulator.dominant.sorted(),
                                outcomes: outcomes,
                                offPolicy: inputs.logged.map { OffPolicyEvaluation.run(world: inputs.world, logged: $0, policies: all, cap: ncisCap) },
                                truthSeconds: truthSeconds, policySeconds: seconds)
    }

    /// `policies.json`: settings, each policy's summaries and its episodes' session, length and R_tra.
    public func json() throws -> Data {
        struct Stored: Encodable {
            struct Policy: Encodable {
                var name: String
                var totalReward: SessionSimulator.MeanSD
                var rewardPerStep: SessionSimulator.MeanSD
                var length: SessionSimulator.MeanSD
                var dominantShare: Double
                var headOrder = Head.labelNames
                var headRates: [Double]
                var episodeSessions: [Int]
                var episodeLengths: [Int]
                var episodeRewards: [Double]
            }
            var rule: KuaiEnvExitRule
            var episodes: Int
            var seed: UInt64
            var epsilon: Double
            var estimatedWeights: [Double]
            var plantedWeights: [Double]
            var dominantCategories: [Int32]
            var policies: [Policy]
            var offPolicyFirstTurn: [OffPolicyEvaluation.Estimate]?
            var ncisCap: Double?
        }
        let stored = Stored(rule: rule, episodes: episodes, seed: seed, epsilon: epsilon, estimatedWeights: estimatedWeights,
                            plantedWeights: plantedWeights, dominantCategories: dominantTags, policies: outcomes.map {
            .init(name: $0.policy, totalReward: $0.totalReward, rewardPerStep: $0.rewardPerStep, length: $0.length,
                  dominantShare: $0.dominantShare, headRates: $0.headRates, episodeSessions: $0.episodes.map(\.session),
                  episodeLengths: $0.episodes.map(\.length), episodeRewards: $0.episodes.map(\.reward))
        }, offPolicyFirstTurn: offPolicy?.estimates, ncisCap: offPolicy?.cap)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(stored)
    }
}
