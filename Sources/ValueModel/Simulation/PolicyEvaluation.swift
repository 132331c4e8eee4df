import Foundation

/// Step 5 as a library call: every policy of the table through the same simulated sessions of one simulator.
public struct PolicyEvaluation: Sendable {
    /// Which simulator: the synthetic world's model, or the small matrix.
    public var simulator: String
    public var rule: KuaiEnvExitRule
    public var episodes: Int
    public var seed: UInt64
    public var epsilon: Double
    /// Step 4's ŵ and the planted w* (synthetic world).
    public var estimatedWeights: [Double]
    public var plantedWeights: [Double]?
    /// The logs' dominant categories and the share of logged rows they cover.
    public var dominantTags: [Int32]
    public var outcomes: [SessionSimulator.Outcome]
    /// The same policies and users with the accumulated-satisfaction exit (nil when not run), and its baseline r̄.
    public var satisfactionRule: SatisfactionExitRule?
    public var satisfactionOutcomes: [SessionSimulator.Outcome]?
    public var satisfactionBaseline: Double?
    /// Off-policy estimates of each policy's per-step reward on the logged rows (nil without propensities).
    public var offPolicy: OffPolicyEvaluation?
    /// The same with propensities estimated from step 4's headline model of the platform (nil without it).
    public var offPolicyEstimated: OffPolicyEvaluation?
    /// Seconds: the truth of the drawn sessions, then each policy's episodes.
    public var truthSeconds: Double
    public var policySeconds: [Double]
    /// What the notebook concludes from this run (`PolicyFindings`).
    public var findings: PolicyFindings

    /// The outcome of policy `id` (nil when it did not run here).
    public func outcome(_ id: PolicyIdentifier) -> SessionSimulator.Outcome? {
        PolicyFindings.outcome(id, in: outcomes)
    }

    /// The oracle's name in the tables.
    public static let oracleName = "oracle w*·p_true"

    /// The policies, in table order: random, most popular, the paper's toy recommender (step 4's ŵ on the heads
    /// step 3 predicted), its ε-greedy and UCB versions; with a planted w*, two halves of the oracle (w* on the learned
    /// heads; ŵ on `p_true`) that split the toy recommender's gap into weights and heads, and the oracle (w* on
    /// `p_true`); last, greedy by the true reward (the best unseen video at every turn: no policy collects more over
    /// a fixed number of turns, though sessions of other lengths can exceed its R_tra or R_each).
    public static func policies(estimated: [Double], planted: [Double]?, epsilon: Double, ucbBonus: Double = 0.1,
                                spreadBonus: Double? = nil, platform: LoggingPlatformPolicy? = nil) -> [RankingPolicy] {
        var list = learnedPolicies(estimated: estimated, epsilon: epsilon, ucbBonus: ucbBonus, spreadBonus: spreadBonus)
        if let planted {
            list += [
                GreedyValuePolicy(name: "greedy w*·p̂ (planted weights, step 3's heads)", identifier: .greedyPlantedWeights, weights: planted, heads: .predicted),
                GreedyValuePolicy(name: "greedy ŵ·p_true (step 4's weights, true heads)", identifier: .greedyTrueHeads, weights: estimated, heads: .truth),
                GreedyValuePolicy(name: oracleName, identifier: .oracle, weights: planted, heads: .truth),
            ]
        }
        return list + (platform.map { [$0] } ?? []) + [RewardOraclePolicy()]
    }

    /// The policies that see only what the logs and steps 3-4 give (no truth): random, most popular, the toy
    /// recommender and its ε-greedy and UCB versions, and with `spreadBonus` its UCB on the seed members' spread.
    public static func learnedPolicies(estimated: [Double], epsilon: Double, ucbBonus: Double, spreadBonus: Double? = nil) -> [RankingPolicy] {
        let toy = GreedyValuePolicy(name: "greedy ŵ·p̂ (step 4's weights, step 3's heads)", identifier: .greedyEstimated, weights: estimated, heads: .predicted)
        return [RandomPolicy(), PopularityPolicy(), toy, EpsilonGreedyPolicy(base: toy, epsilon: epsilon), UCBPolicy(base: toy, bonus: ucbBonus)]
            + (spreadBonus.map { [UCBPolicy(base: toy, bonus: $0, kind: .seedSpread)] } ?? [])
    }

    /// On real logs (no synthetic world): the learned policies' off-policy estimates on the logged first rows with
    /// the estimated propensities, without a truth to judge them (nil on a synthetic world, where the model
    /// simulator's run holds them, or without a model of the platform).
    public static func logEstimates(inputs: PolicyInputs, epsilon: Double, ucbBonus: Double, spreadBonus: Double, ncisCap: Double) -> OffPolicyEvaluation? {
        guard inputs.model == nil, let logged = inputs.loggedEstimated else { return nil }
        let learned = learnedPolicies(estimated: inputs.estimatedWeights, epsilon: epsilon, ucbBonus: ucbBonus,
                                      spreadBonus: inputs.predictedSpread != nil ? spreadBonus : nil)
        return OffPolicyEvaluation.run(predicted: inputs.predicted, spread: inputs.predictedSpread, exposure: inputs.candidateExposure,
                                       logged: logged, policies: learned, cap: ncisCap)
    }

    /// Runs every policy on `world` (and, with `logged`, the off-policy estimates).
    public static func run(simulator: String, world: PolicyWorld, estimated: [Double], logged: OffPolicyEvaluation.LoggedRows?,
                           loggedEstimated: OffPolicyEvaluation.LoggedRows? = nil, platform: LoggingPlatformPolicy? = nil, rule: KuaiEnvExitRule,
                           satisfaction: SatisfactionExitRule? = nil, episodes: Int, seed: UInt64, epsilon: Double,
                           ucbBonus: Double, spreadBonus: Double = 1, ncisCap: Double) -> PolicyEvaluation {
        let t = ResourceUsage.now()
        let sessions = SessionSimulator(world: world, rule: rule, episodes: episodes, seed: seed)
        let truthSeconds = ResourceUsage.now() - t
        var outcomes: [SessionSimulator.Outcome] = [], seconds: [Double] = []
        let all = policies(estimated: estimated, planted: world.plantedWeights, epsilon: epsilon, ucbBonus: ucbBonus,
                           spreadBonus: world.predictedSpread != nil ? spreadBonus : nil, platform: platform)
        for policy in all {
            let p = ResourceUsage.now()
            outcomes.append(sessions.run(policy))
            seconds.append(ResourceUsage.now() - p)
        }
        // The robustness check: the same users (same seed) leaving by accumulated satisfaction.
        let satisfied = satisfaction.map { sessions.leaving(by: $0) }
        let satisfiedOutcomes = satisfied.map { s in all.map { s.run($0) } }
        let offPolicy = logged.map { OffPolicyEvaluation.run(world: world, logged: $0, policies: all, cap: ncisCap) }
        let offPolicyEstimated = loggedEstimated.map { OffPolicyEvaluation.run(world: world, logged: $0, policies: all, cap: ncisCap) }
        return PolicyEvaluation(simulator: simulator, rule: rule, episodes: episodes, seed: seed, epsilon: epsilon, estimatedWeights: estimated,
                                plantedWeights: world.plantedWeights, dominantTags: sessions.dominant.sorted(), outcomes: outcomes,
                                satisfactionRule: satisfaction, satisfactionOutcomes: satisfiedOutcomes,
                                satisfactionBaseline: satisfied?.randomReward, offPolicy: offPolicy, offPolicyEstimated: offPolicyEstimated,
                                truthSeconds: truthSeconds, policySeconds: seconds,
                                findings: PolicyFindings.make(outcomes: outcomes, satisfactionOutcomes: satisfiedOutcomes,
                                                              offPolicy: offPolicy, offPolicyEstimated: offPolicyEstimated))
    }

    /// Every simulator `inputs` has: the model's (synthetic world), then the small matrix's.
    public static func runAll(inputs: PolicyInputs, rule: KuaiEnvExitRule, satisfaction: SatisfactionExitRule? = nil, episodes: Int,
                              seed: UInt64, epsilon: Double, ucbBonus: Double, spreadBonus: Double = 1, ncisCap: Double) -> [PolicyEvaluation] {
        var runs: [PolicyEvaluation] = []
        if let model = inputs.model {
            runs.append(run(simulator: "model", world: model, estimated: inputs.estimatedWeights, logged: inputs.logged,
                            loggedEstimated: inputs.loggedEstimated, platform: inputs.platform, rule: rule, satisfaction: satisfaction,
                            episodes: episodes, seed: seed, epsilon: epsilon, ucbBonus: ucbBonus, spreadBonus: spreadBonus, ncisCap: ncisCap))
        }
        if let small = inputs.smallMatrix {
            runs.append(run(simulator: "small matrix", world: small, estimated: inputs.estimatedWeights, logged: nil, rule: rule, satisfaction: satisfaction,
                            episodes: episodes, seed: seed, epsilon: epsilon, ucbBonus: ucbBonus, ncisCap: ncisCap))
        }
        return runs
    }

    /// `policies.json`: per simulator, the settings, each policy's summaries and its episodes' session, length and R_tra,
    /// and the findings.
    public static func json(_ runs: [PolicyEvaluation]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(runs.map { $0.stored })
    }

    private var stored: some Encodable {
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
            var simulator: String
            var rule: KuaiEnvExitRule
            var episodes: Int
            var seed: UInt64
            var epsilon: Double
            var estimatedWeights: [Double]
            var plantedWeights: [Double]?
            var dominantCategories: [Int32]
            var policies: [Policy]
            /// Each policy's summaries with the accumulated-satisfaction exit.
            struct Summary: Encodable { var name: String; var totalReward: SessionSimulator.MeanSD; var rewardPerStep: SessionSimulator.MeanSD; var length: SessionSimulator.MeanSD }
            var satisfactionRule: SatisfactionExitRule?
            var satisfactionBaseline: Double?
            var policiesSatisfactionExit: [Summary]?
            var offPolicyFirstTurn: [OffPolicyEvaluation.Estimate]?
            /// The same with propensities estimated from step 4's headline model of the platform.
            var offPolicyFirstTurnEstimatedPropensities: [OffPolicyEvaluation.Estimate]?
            var ncisCap: Double?
            var findings: PolicyFindings
        }
        let stored = Stored(simulator: simulator, rule: rule, episodes: episodes, seed: seed, epsilon: epsilon, estimatedWeights: estimatedWeights,
                            plantedWeights: plantedWeights, dominantCategories: dominantTags, policies: outcomes.map {
            .init(name: $0.policy, totalReward: $0.totalReward, rewardPerStep: $0.rewardPerStep, length: $0.length,
                  dominantShare: $0.dominantShare, headRates: $0.headRates, episodeSessions: $0.episodes.map(\.session),
                  episodeLengths: $0.episodes.map(\.length), episodeRewards: $0.episodes.map(\.reward))
        }, satisfactionRule: satisfactionRule, satisfactionBaseline: satisfactionBaseline,
           policiesSatisfactionExit: satisfactionOutcomes?.map { .init(name: $0.policy, totalReward: $0.totalReward, rewardPerStep: $0.rewardPerStep, length: $0.length) },
           offPolicyFirstTurn: offPolicy?.estimates, offPolicyFirstTurnEstimatedPropensities: offPolicyEstimated?.estimates,
           ncisCap: (offPolicy ?? offPolicyEstimated)?.cap, findings: findings)
        return stored
    }
}
