import Foundation

/// Step 6 over several seeds (`make rl-study`): each seed is a whole replicate — its own user model, its own A2C
/// runs and its own evaluation users — so the spread over seeds is the training-run uncertainty that one run of
/// step 6 cannot show. Tables give each policy's mean ± sd over seeds, and DORL's orderings are judged on the
/// seeds' paired differences (each seed compares the two policies on that seed's users) with Student's t.
public struct PolicyLearningStudy: Codable, Sendable {
    /// One policy in one simulator, over seeds: the mean ± sd over seeds of each seed's mean.
    public struct PolicySummary: Codable, Sendable, Equatable {
        public var policy: String
        public var learned: Bool
        public var returnPerSession: SessionSimulator.MeanSD
        public var rewardPerStep: SessionSimulator.MeanSD
        public var length: SessionSimulator.MeanSD
        public var majorityCategoryDomination: SessionSimulator.MeanSD
    }

    /// One published ordering over seeds: each seed's paired difference (first minus second), their mean and sd,
    /// how many seeds it held and was reversed in (by that seed's own paired test), and the verdict over seeds.
    public struct Ordering: Codable, Sendable, Equatable {
        public var first: String
        public var second: String
        public var metric: PolicyLearningFindings.Metric
        public var differences: [Double]
        public var mean: Double
        public var sd: Double
        public var seedsAhead: Int
        public var seedsBehind: Int
        public var verdict: PairedVerdict
    }

    /// The seeds, in the order they ran (each one is the A2C seed, the user model's seed and the evaluation seed).
    public var seeds: [UInt64]
    /// The options of the first seed's run (the others differ only in their seeds).
    public var options: PolicyLearningStep.Options
    /// Per simulator, every policy over seeds, in the first run's order.
    public var policies: [String: [PolicySummary]]
    /// Per simulator, the orderings of `PolicyLearningFindings` over seeds, each written so that `.ahead` means it holds.
    public var orderings: [String: [Ordering]]
    /// The simulators, in the first run's order.
    public var simulators: [String]

    /// The options of replicate `seed`: `base` with every seed of the run set from it.
    public static func options(_ base: PolicyLearningStep.Options, seed: UInt64) -> PolicyLearningStep.Options {
        var o = base
        o.a2c.seed = seed
        o.userModel.seed = seed
        o.evaluationSeed = seed
        return o
    }

    /// The study of `runs`, one per seed (each with its findings).
    public static func make(_ runs: [PolicyLearningStep.Results]) throws -> PolicyLearningStudy {
        guard let first = runs.first else { throw PipelineError.invalidData("a study needs at least one run") }
        var policies: [String: [PolicySummary]] = [:], orderings: [String: [Ordering]] = [:]
        let simulators = first.simulators.map(\.simulator)
        for simulator in simulators {
            let tables = runs.compactMap { run in run.simulators.first { $0.simulator == simulator } }
            guard tables.count == runs.count else { continue }
            policies[simulator] = first.simulators.first { $0.simulator == simulator }?.outcomes.compactMap { outcome in
                let perSeed = tables.compactMap { table in table.outcomes.first { $0.policy == outcome.policy } }
                guard perSeed.count == runs.count else { return nil }
                return PolicySummary(policy: outcome.policy, learned: tables[0].learned.contains(outcome.policy),
                                     returnPerSession: .init(perSeed.map(\.totalReward.mean)), rewardPerStep: .init(perSeed.map(\.rewardPerStep.mean)),
                                     length: .init(perSeed.map(\.length.mean)), majorityCategoryDomination: .init(perSeed.map(\.dominantShare)))
            }
            let comparisons = runs.map { $0.findings?.orderings[simulator] ?? [] }
            orderings[simulator] = comparisons[0].compactMap { template in
                let matched = comparisons.compactMap { list in
                    list.first { $0.first == template.first && $0.second == template.second && $0.metric == template.metric }
                }
                guard matched.count == runs.count else { return nil }
                return ordering(matched)
            }
        }
        return PolicyLearningStudy(seeds: runs.map(\.options.a2c.seed), options: first.options, policies: policies,
                                   orderings: orderings, simulators: simulators)
    }

    /// One ordering over seeds from each seed's paired comparison of the same two policies on the same metric.
    static func ordering(_ perSeed: [PolicyLearningFindings.Comparison]) -> Ordering {
        let differences = perSeed.map(\.difference)
        let summary = SessionSimulator.MeanSD(differences)
        return Ordering(first: perSeed[0].first, second: perSeed[0].second, metric: perSeed[0].metric, differences: differences,
                        mean: summary.mean, sd: summary.sd, seedsAhead: perSeed.filter { $0.verdict == .ahead }.count,
                        seedsBehind: perSeed.filter { $0.verdict == .behind }.count,
                        verdict: verdict(mean: summary.mean, sd: summary.sd, seeds: differences.count))
    }

    /// Ahead or behind when the mean difference over `seeds` seeds lies outside the two-sided 95% interval
    /// `± t_{0.975, seeds − 1} · sd / √seeds` (Student's t); one seed decides nothing.
    public static func verdict(mean: Double, sd: Double, seeds: Int) -> PairedVerdict {
        guard seeds >= 2, sd.isFinite, mean.isFinite else { return .notToldApart }
        let margin = studentT975(degreesOfFreedom: seeds - 1) * sd / Double(seeds).squareRoot()
        if mean > margin { return .ahead }
        if mean < -margin { return .behind }
        return .notToldApart
    }

    /// The 0.975 quantile of Student's t with `df` degrees of freedom (to three decimals; 1.960 beyond 30).
    public static func studentT975(degreesOfFreedom df: Int) -> Double {
        let table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                     2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        guard df >= 1 else { return .infinity }
        return df <= table.count ? table[df - 1] : 1.960
    }
}
