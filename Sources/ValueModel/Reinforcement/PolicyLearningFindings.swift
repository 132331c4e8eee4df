/// What notebook 6 concludes, computed from a run's results: DORL's published orderings checked in each simulator
/// with paired differences over the same simulated users, and each learned policy's model-versus-truth gap.
///
/// The uncertainty is over evaluation sessions, for one trained policy per arm: a second training seed can move a
/// learned policy by more than this (`make rl-study` trains several seeds).
public struct PolicyLearningFindings: Codable, Sendable, Equatable {
    /// How two policies compare on a metric, on the same users: the mean paired difference and its standard error.
    public struct Comparison: Codable, Sendable, Equatable {
        public var first: String
        public var second: String
        public var metric: Metric
        public var difference: Double
        public var standardError: Double
        public var verdict: PairedVerdict
    }

    public enum Metric: String, Codable, Sendable, CaseIterable {
        case returnPerSession = "R_tra", rewardPerStep = "R_each", length, majorityCategoryDomination = "MCD"

        /// The metric's value for one simulated session.
        public func value(_ e: SessionSimulator.Episode) -> Double {
            switch self {
            case .returnPerSession: return e.reward
            case .rewardPerStep: return e.rewardPerStep
            case .length: return Double(e.length)
            case .majorityCategoryDomination: return Double(e.dominantSteps) / Double(max(e.length, 1))
            }
        }
    }

    /// One learned policy's promise and payment: its return in the user model during its last training epoch, and
    /// its mean R_tra in a simulator.
    public struct Gap: Codable, Sendable, Equatable {
        public var policy: String
        public var simulator: String
        public var promised: Double
        public var paid: Double
    }

    /// Per simulator, the published orderings, each written so that `.ahead` means it holds: each model-based arm
    /// against each greedy ranker on R_tra and length; DORL against MOPO and MBPO on R_tra and length; the best greedy
    /// ranker's R_each against each arm's; each greedy ranker's MCD against DORL's (DORL's is the lower).
    public var orderings: [String: [Comparison]]
    public var gaps: [Gap]

    /// The comparisons of `results`; `greedy` names the greedy rankers (step 5's toy recommender, its ε-greedy and
    /// UCB versions) among each simulator's outcomes.
    public static func make(_ results: PolicyLearningStep.Results, greedy: [String]) -> PolicyLearningFindings {
        var orderings: [String: [Comparison]] = [:]
        var gaps: [Gap] = []
        for table in results.simulators {
            let byName = Dictionary(table.outcomes.map { ($0.policy, $0) }, uniquingKeysWith: { a, _ in a })
            func compare(_ a: String, _ b: String, _ metric: Metric) -> Comparison? {
                guard let x = byName[a], let y = byName[b] else { return nil }
                return comparison(x, y, metric)
            }
            let arms = table.learned, rankers = greedy.filter { byName[$0] != nil }
            var list: [Comparison] = []
            for arm in arms { for ranker in rankers { list += [.returnPerSession, .length].compactMap { compare(arm, ranker, $0) } } }
            let dorl = PolicyLearningStep.Arm.dorl.label
            for other in [PolicyLearningStep.Arm.mopo, .mbpo].map(\.label) { list += [.returnPerSession, .length].compactMap { compare(dorl, other, $0) } }
            if let best = rankers.max(by: { (byName[$0]?.rewardPerStep.mean ?? 0) < (byName[$1]?.rewardPerStep.mean ?? 0) }) {
                list += arms.compactMap { compare(best, $0, .rewardPerStep) }
            }
            list += rankers.compactMap { compare($0, dorl, .majorityCategoryDomination) }
            orderings[table.simulator] = list
            for arm in results.arms {
                guard let outcome = byName[arm.arm.label], let last = arm.history.last else { continue }
                gaps.append(Gap(policy: arm.arm.label, simulator: table.simulator, promised: last.meanWatchRatioReturn, paid: outcome.totalReward.mean))
            }
        }
        return PolicyLearningFindings(orderings: orderings, gaps: gaps)
    }

    /// `a` minus `b` on `metric`, paired over their episodes (the same users in the same order).
    public static func comparison(_ a: SessionSimulator.Outcome, _ b: SessionSimulator.Outcome, _ metric: Metric) -> Comparison {
        let d = SessionSimulator.pairedDifference(a, b, of: metric.value)
        return Comparison(first: a.policy, second: b.policy, metric: metric, difference: d.mean, standardError: d.standardError,
                          verdict: PairedVerdict(difference: d.mean, standardError: d.standardError))
    }
}
