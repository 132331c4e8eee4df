/// The thresholds step 5's findings decide with, in one place.
public enum PolicyThresholds {
    /// The on-policy row's mean observed reward agrees with its expected value when they are at most this many
    /// standard errors (rows of a session as one cluster) apart.
    public static let onPolicyAgreementStandardErrors = 2.0
    /// A policy whose mean mass inside the logging policy's support is below this is named: most of what it would
    /// show could never have been logged, so reweighting the logs cannot estimate it without bias.
    public static let thinSupport = 0.5
    /// The toy recommender's share of the way from random to the reference is given only when the two differ in
    /// R_each by more than this (otherwise the share divides by about 0).
    public static let smallestSpan = 1e-12
    /// Two policies' paired difference over the same users (common random numbers) tells them apart when it is more
    /// than this many standard errors from 0 (a two-sided 5% test; `PairedVerdict`): the best policy against the
    /// runner-up, the highest R_each and the toy recommender against the oracle, and step 6's published orderings.
    public static let pairedStandardErrors = 1.96
    /// Support under the estimated propensities overstates the true support when it exceeds it by more than this.
    public static let supportOverstatement = 0.1
    /// Two policies are nearly one policy off-policy when the logged rows both match are at least this share of the
    /// larger of their two sets of matched rows.
    public static let nearlySameRows = 0.9
}

/// What notebook 5 concludes from one simulator's run: R_tra by session length, the best policy and how it compares
/// with the oracle, the toy recommender's share of the way from random, the split of its gap, the longest sessions,
/// whether the order of the policies survives the satisfaction exit, and how the off-policy estimates fare.
/// Built by `make` in `PolicyEvaluation.run`; stored per simulator in `policies.json` under "findings".
public struct PolicyFindings: Codable, Sendable, Equatable {
    /// Mean R_tra of one policy's episodes of each length that occurs.
    public struct RewardByLength: Codable, Sendable, Equatable {
        public var policy: String
        /// Session lengths, ascending, and the mean R_tra of the episodes that long.
        public var lengths: [Int]
        public var meanReward: [Double]
    }

    /// How the highest R_each short of the true-reward bound compares with the oracle w*·p_true.
    public enum BestPolicyVerdict: String, Codable, Sendable, CaseIterable {
        /// No planted oracle ran (the small matrix): the highest is only named.
        case noOracle
        /// The oracle itself has the highest R_each.
        case oracleHighest
        /// Another policy is highest, by more than `PolicyThresholds.pairedStandardErrors` paired standard errors.
        case apartFromOracle
        /// Another policy is highest, within that many standard errors of the oracle.
        case notToldApartFromOracle
    }

    /// Mean and standard error of a paired difference over the same users.
    public struct PairedDifference: Codable, Sendable, Equatable {
        public var mean: Double
        public var standardError: Double
    }

    /// The highest R_each short of the true-reward bound.
    public struct BestPolicy: Codable, Sendable, Equatable {
        public var policy: String
        public var rewardPerStep: Double
        /// Greedy by the true reward's R_each, and the oracle's (nil without one).
        public var boundRewardPerStep: Double
        public var oracleRewardPerStep: Double?
        /// The best policy's R_each minus the oracle's, episode by episode (only when they differ).
        public var differenceToOracle: PairedDifference?
        public var verdict: BestPolicyVerdict
    }

    /// What the toy recommender's share of the way is measured to.
    public enum ShareReference: String, Codable, Sendable, CaseIterable {
        case oracle, trueRewardBound
    }

    /// The toy recommender (greedy ŵ·p̂) between random and the reference.
    public struct ToyShare: Codable, Sendable, Equatable {
        public var toyRewardPerStep: Double
        public var randomRewardPerStep: Double
        /// (toy − random) / (reference − random), in R_each.
        public var share: Double
        public var reference: ShareReference
    }

    /// Which half of the toy recommender's gap to the oracle costs more.
    public enum GapSplitVerdict: String, Codable, Sendable, CaseIterable {
        /// The learned heads (w* on p̂ is further from the oracle than ŵ on p_true).
        case headsCostMore
        /// The estimated weights, or a tie.
        case weightsCostAtLeastAsMuch
    }

    /// The two halves between the toy recommender and the oracle.
    public struct GapSplit: Codable, Sendable, Equatable {
        /// R_each of greedy w*·p̂ and of greedy ŵ·p_true.
        public var plantedWeightsRewardPerStep: Double
        public var trueHeadsRewardPerStep: Double
        public var verdict: GapSplitVerdict
    }

    /// The policy with the longest mean session (the bound included).
    public struct Longest: Codable, Sendable, Equatable {
        public var policy: String
        public var meanLength: Double
    }

    /// Whether the highest R_tra short of the bound is the same policy under both exit models.
    public enum ExitOrderVerdict: String, Codable, Sendable, CaseIterable {
        case samePolicy, differentPolicy
    }

    /// The policies' mean R_tra under KuaiEnv's exit against the accumulated-satisfaction exit.
    public struct ExitRobustness: Codable, Sendable, Equatable {
        /// Kendall's τ over the policies' mean R_tra (ties count 0; NaN with fewer than two policies), and its counts.
        public var kendallTau: Double
        public var concordant: Int
        public var discordant: Int
        public var pairs: Int
        /// The highest R_tra short of the bound with each exit (nil when no other policy ran).
        public var bestWithTagExit: String?
        public var bestWithSatisfactionExit: String?
        public var verdict: ExitOrderVerdict?
    }

    /// The off-policy estimators.
    public enum Estimator: String, Codable, Sendable, CaseIterable {
        case ips, snips, ncis

        /// The estimator's name in tables.
        public var title: String { rawValue.uppercased() }

        /// The estimator's value in `estimate`.
        public func value(_ estimate: OffPolicyEvaluation.Estimate) -> Double {
            switch self {
            case .ips: estimate.ips
            case .snips: estimate.snips
            case .ncis: estimate.ncis
            }
        }
    }

    /// Does the on-policy row's mean observed reward match its expected value?
    public enum OnPolicyAgreement: String, Codable, Sendable, CaseIterable {
        /// Within `PolicyThresholds.onPolicyAgreementStandardErrors` standard errors.
        case agrees
        /// Further apart (or the expectation is unknown).
        case disagrees
    }

    /// One estimator's mean absolute error over the target policies.
    public struct EstimatorError: Codable, Sendable, Equatable {
        public var estimator: Estimator
        /// Mean |estimate − truth| over the policies where both are defined (nil when none is).
        public var meanAbsoluteError: Double?
        /// Target policies whose estimate is undefined (no logged row with a weight above 0).
        public var undefined: Int
    }

    /// One table of off-policy estimates against the truth.
    public struct OffPolicyCheck: Codable, Sendable, Equatable {
        /// The on-policy row: mean observed reward, its expected value and the clustered standard error of the mean.
        public var onPolicyReward: Double
        public var onPolicyExpected: Double
        public var rewardStandardError: Double
        public var agreement: OnPolicyAgreement
        /// Target policies (the logging platform's own row aside).
        public var policies: Int
        public var errors: [EstimatorError]
        /// Policies with support below `PolicyThresholds.thinSupport`, in table order.
        public var thinSupport: [String]
    }

    /// Whether estimated propensities do worse than the exact ones.
    public enum PropensityVerdict: String, Codable, Sendable, CaseIterable {
        case noWorse, worse
    }

    /// One estimator's mean error with estimated against exact propensities.
    public struct PropensityComparison: Codable, Sendable, Equatable {
        public var estimator: Estimator
        public var exactError: Double
        public var estimatedError: Double
        /// Estimated minus exact error.
        public var excess: Double
        public var verdict: PropensityVerdict
    }

    public var rewardByLength: [RewardByLength]
    /// Nil when the run lacks the toy recommender or the true-reward bound (then neither is the rest of the conclusions).
    public var best: BestPolicy?
    /// Nil without a random policy, or when random and the reference have the same R_each.
    public var toyShare: ToyShare?
    /// Nil unless both halves ran (a planted w*) and the toy share is given.
    public var gapSplit: GapSplit?
    public var longest: Longest?
    /// Nil when the satisfaction exit did not run.
    public var exitRobustness: ExitRobustness?
    /// With the exact propensities and with estimated ones (nil when not computed).
    public var offPolicyExact: OffPolicyCheck?
    public var offPolicyEstimated: OffPolicyCheck?
    /// Per estimator defined under both, estimated against exact propensities (empty unless both ran).
    public var propensityComparison: [PropensityComparison]

    /// The findings of one simulator's policies (`outcomes`, in table order), the same policies with the satisfaction
    /// exit, and the off-policy estimates with exact and with estimated propensities.
    public static func make(outcomes: [SessionSimulator.Outcome], satisfactionOutcomes: [SessionSimulator.Outcome]?,
                            offPolicy: OffPolicyEvaluation?, offPolicyEstimated: OffPolicyEvaluation?) -> PolicyFindings {
        let exact = offPolicy.map(offPolicyCheck), estimated = offPolicyEstimated.map(offPolicyCheck)
        var findings = PolicyFindings(rewardByLength: outcomes.map(rewardByLength), best: nil, toyShare: nil, gapSplit: nil, longest: nil,
                                      exitRobustness: satisfactionOutcomes.flatMap { exitRobustness(outcomes, $0) },
                                      offPolicyExact: exact, offPolicyEstimated: estimated,
                                      propensityComparison: propensityComparison(exact: exact, estimated: estimated))
        findings.conclude(outcomes)
        return findings
    }

    /// The outcome of policy `id` in `outcomes`.
    static func outcome(_ id: PolicyIdentifier, in outcomes: [SessionSimulator.Outcome]) -> SessionSimulator.Outcome? {
        outcomes.first { $0.identifier == id }
    }

    /// The highest by `value` short of the true-reward bound (the first on a tie).
    static func highest(_ outcomes: [SessionSimulator.Outcome], by value: (SessionSimulator.Outcome) -> Double) -> SessionSimulator.Outcome? {
        outcomes.filter { $0.identifier != .trueRewardBound }.max { value($0) < value($1) }
    }

    /// Mean R_tra per session length of `outcome`'s episodes.
    static func rewardByLength(_ outcome: SessionSimulator.Outcome) -> RewardByLength {
        let lengths = Set(outcome.episodes.map(\.length)).sorted()
        let means = lengths.map { length -> Double in
            let rewards = outcome.episodes.filter { $0.length == length }.map(\.reward)
            return rewards.reduce(0, +) / Double(rewards.count)
        }
        return RewardByLength(policy: outcome.policy, lengths: lengths, meanReward: means)
    }

    /// The best policy against the oracle, the toy recommender's share and gap split, and the longest sessions.
    mutating func conclude(_ outcomes: [SessionSimulator.Outcome]) {
        guard let bound = Self.outcome(.trueRewardBound, in: outcomes), let toy = Self.outcome(.greedyEstimated, in: outcomes),
              let best = Self.highest(outcomes, by: \.rewardPerStep.mean) else { return }
        let oracle = Self.outcome(.oracle, in: outcomes)
        let reference = oracle ?? bound
        var verdict = BestPolicyVerdict.noOracle, difference: PairedDifference?
        if let oracle {
            if best.identifier == oracle.identifier {
                verdict = .oracleHighest
            } else {
                let gap = SessionSimulator.pairedDifference(best, oracle, of: \.rewardPerStep)
                difference = PairedDifference(mean: gap.mean, standardError: gap.standardError)
                verdict = PairedVerdict(difference: gap.mean, standardError: gap.standardError) == .notToldApart ? .notToldApartFromOracle : .apartFromOracle
            }
        }
        self.best = BestPolicy(policy: best.policy, rewardPerStep: best.rewardPerStep.mean, boundRewardPerStep: bound.rewardPerStep.mean,
                               oracleRewardPerStep: oracle?.rewardPerStep.mean, differenceToOracle: difference, verdict: verdict)
        if let random = Self.outcome(.random, in: outcomes) {
            let span = reference.rewardPerStep.mean - random.rewardPerStep.mean
            if abs(span) > PolicyThresholds.smallestSpan {
                toyShare = ToyShare(toyRewardPerStep: toy.rewardPerStep.mean, randomRewardPerStep: random.rewardPerStep.mean,
                                    share: (toy.rewardPerStep.mean - random.rewardPerStep.mean) / span,
                                    reference: oracle == nil ? .trueRewardBound : .oracle)
                if let headsOnly = Self.outcome(.greedyPlantedWeights, in: outcomes), let weightsOnly = Self.outcome(.greedyTrueHeads, in: outcomes) {
                    let target = reference.rewardPerStep.mean
                    let headsCost = abs(target - headsOnly.rewardPerStep.mean), weightsCost = abs(target - weightsOnly.rewardPerStep.mean)
                    gapSplit = GapSplit(plantedWeightsRewardPerStep: headsOnly.rewardPerStep.mean, trueHeadsRewardPerStep: weightsOnly.rewardPerStep.mean,
                                        verdict: headsCost > weightsCost ? .headsCostMore : .weightsCostAtLeastAsMuch)
                }
            }
        }
        if let longest = outcomes.max(by: { $0.length.mean < $1.length.mean }) {
            self.longest = Longest(policy: longest.policy, meanLength: longest.length.mean)
        }
    }

    /// Kendall's τ between the policies' mean R_tra under the two exits, and the best short of the bound under each
    /// (nil when the two runs do not hold the same policies).
    static func exitRobustness(_ tagExit: [SessionSimulator.Outcome], _ satisfactionExit: [SessionSimulator.Outcome]) -> ExitRobustness? {
        guard tagExit.map(\.identifier) == satisfactionExit.map(\.identifier) else { return nil }
        let a = tagExit.map(\.totalReward.mean), b = satisfactionExit.map(\.totalReward.mean)
        var concordant = 0, discordant = 0
        for i in a.indices {
            for j in a.indices where j > i {
                let s = (a[i] - a[j]) * (b[i] - b[j])
                if s > 0 { concordant += 1 } else if s < 0 { discordant += 1 }
            }
        }
        let pairs = a.count * (a.count - 1) / 2
        let bestTag = highest(tagExit, by: \.totalReward.mean), bestSatisfied = highest(satisfactionExit, by: \.totalReward.mean)
        var verdict: ExitOrderVerdict?
        if let bestTag, let bestSatisfied { verdict = bestTag.identifier == bestSatisfied.identifier ? .samePolicy : .differentPolicy }
        return ExitRobustness(kendallTau: pairs > 0 ? Double(concordant - discordant) / Double(pairs) : .nan, concordant: concordant,
                              discordant: discordant, pairs: pairs, bestWithTagExit: bestTag?.policy,
                              bestWithSatisfactionExit: bestSatisfied?.policy, verdict: verdict)
    }

    /// Mean |estimate − truth| of `estimator` over the target policies (nil when undefined for all).
    static func meanError(_ o: OffPolicyEvaluation, _ estimator: Estimator) -> Double? {
        let errors = o.targets.map { abs(estimator.value($0) - $0.truth) }.filter { !$0.isNaN }
        return errors.isEmpty ? nil : errors.reduce(0, +) / Double(errors.count)
    }

    /// The on-policy check, each estimator's error and the policies with thin support of one table.
    static func offPolicyCheck(_ o: OffPolicyEvaluation) -> OffPolicyCheck {
        let own = o.loggingPlatform
        let reward = own?.ips ?? .nan, expected = own?.truth ?? .nan
        let standardError = o.logged.meanRewardStandardError
        let targets = o.targets
        return OffPolicyCheck(
            onPolicyReward: reward, onPolicyExpected: expected, rewardStandardError: standardError,
            agreement: abs(reward - expected) <= PolicyThresholds.onPolicyAgreementStandardErrors * standardError ? .agrees : .disagrees,
            policies: targets.count,
            errors: Estimator.allCases.map { estimator in
                EstimatorError(estimator: estimator, meanAbsoluteError: meanError(o, estimator),
                               undefined: targets.filter { estimator.value($0).isNaN }.count)
            },
            thinSupport: targets.filter { $0.support < PolicyThresholds.thinSupport }.map(\.policy))
    }

    /// Per estimator with an error under both, estimated against exact propensities.
    static func propensityComparison(exact: OffPolicyCheck?, estimated: OffPolicyCheck?) -> [PropensityComparison] {
        guard let exact, let estimated else { return [] }
        return zip(exact.errors, estimated.errors).compactMap { a, b in
            guard let exactError = a.meanAbsoluteError, let estimatedError = b.meanAbsoluteError else { return nil }
            return PropensityComparison(estimator: a.estimator, exactError: exactError, estimatedError: estimatedError,
                                        excess: estimatedError - exactError, verdict: estimatedError <= exactError ? .noWorse : .worse)
        }
    }
}
