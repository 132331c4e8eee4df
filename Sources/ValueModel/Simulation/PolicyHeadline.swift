/// What notebook 5 opens with for one simulator: the highest R_tra against the runner-up and the toy recommender
/// against the oracle (paired over the same users, with a verdict at `PolicyThresholds.pairedStandardErrors`), which
/// policies exceed greedy by the true reward, whether most popular's fixed list meets the exit rule, and what the
/// off-policy tables can and cannot say (support under estimated propensities, rows two policies share).
/// Built by `make` from a finished run's outcomes and off-policy tables (`PolicyEvaluation.headline`).
public struct PolicyHeadline: Sendable, Equatable {
    /// The two per-episode rewards the findings compare.
    public enum Metric: String, Sendable, CaseIterable {
        /// R_tra: a session's summed reward.
        case totalReward
        /// R_each: a session's mean reward per shown video.
        case rewardPerStep

        /// The metric's value for `episode`.
        public func value(_ episode: SessionSimulator.Episode) -> Double {
            switch self {
            case .totalReward: episode.reward
            case .rewardPerStep: episode.rewardPerStep
            }
        }

        /// The metric's mean over `outcome`'s episodes.
        public func mean(_ outcome: SessionSimulator.Outcome) -> Double {
            switch self {
            case .totalReward: outcome.totalReward.mean
            case .rewardPerStep: outcome.rewardPerStep.mean
            }
        }
    }

    /// `policy` minus `other` in `metric`, episode by episode (common random numbers).
    public struct Comparison: Sendable, Equatable {
        public var policy: String
        public var other: String
        public var metric: Metric
        public var policyMean: Double
        public var otherMean: Double
        public var difference: Double
        public var standardError: Double
        public var verdict: PairedVerdict

        /// The comparison of `a` with `b` (runs of the same simulator).
        public static func make(_ a: SessionSimulator.Outcome, _ b: SessionSimulator.Outcome, _ metric: Metric) -> Comparison {
            let d = SessionSimulator.pairedDifference(a, b, of: metric.value)
            return Comparison(policy: a.policy, other: b.policy, metric: metric, policyMean: metric.mean(a), otherMean: metric.mean(b),
                              difference: d.mean, standardError: d.standardError,
                              verdict: PairedVerdict(difference: d.mean, standardError: d.standardError))
        }
    }

    /// Greedy by the true reward and the policies that exceed it on either metric (in table order).
    public struct Bound: Sendable, Equatable {
        public var totalReward: Double
        public var rewardPerStep: Double
        public var aboveOnTotal: [String]
        public var aboveOnPerStep: [String]
    }

    /// Whether a policy that shows every user the same list is ended by the exit rule or by the turn limit.
    public enum FixedListVerdict: String, Sendable, CaseIterable {
        /// Every session lasts `maxTurn` videos: no video of the list shares a category with those in the exit window.
        case lastsToMaxTurn
        /// Every session ends at the same earlier turn, where the list first repeats a category inside the window.
        case endsAtTheSameTurn
    }

    /// A policy whose episodes all showed the same videos in the same order.
    public struct FixedList: Sendable, Equatable {
        public var policy: String
        public var length: Int
        public var maxTurn: Int
        public var verdict: FixedListVerdict
    }

    /// Whether support computed under the estimated propensities overstates the true support.
    public enum SupportVerdict: String, Sendable, CaseIterable {
        /// Some policy's estimated-propensity support exceeds its true one by more than `PolicyThresholds.supportOverstatement`.
        case overstated
        /// No policy's by more than that.
        case close
    }

    /// The policy whose estimated-propensity support most exceeds the support under the exact propensities.
    public struct SupportCheck: Sendable, Equatable {
        public var policy: String
        public var exact: Double
        public var estimated: Double
        public var verdict: SupportVerdict
    }

    /// Whether two policies' off-policy estimates rest on the same logged rows.
    public enum OverlapVerdict: String, Sendable, CaseIterable {
        /// The rows both match are at least `PolicyThresholds.nearlySameRows` of the larger set: off-policy the two are
        /// nearly one policy.
        case nearlySameRows
        /// Fewer.
        case differentRows
    }

    /// The logged rows (weight > 0) two policies match, and those they share.
    public struct SharedRows: Sendable, Equatable {
        public var policy: String
        public var other: String
        public var policyRows: Int
        public var otherRows: Int
        public var shared: Int
        public var verdict: OverlapVerdict

        /// The rows `a` and `b` (identifiers of `o`'s targets) match in `o`; nil when either did not run or neither
        /// matches a row.
        public static func make(_ o: OffPolicyEvaluation, _ a: PolicyIdentifier, _ b: PolicyIdentifier) -> SharedRows? {
            guard let i = o.identifiers.firstIndex(of: a), let j = o.identifiers.firstIndex(of: b) else { return nil }
            let rowsA = Set(o.matchedRows[i]), rowsB = o.matchedRows[j]
            let larger = max(rowsA.count, rowsB.count)
            guard larger > 0 else { return nil }
            let shared = rowsB.filter(rowsA.contains).count
            return SharedRows(policy: o.targets[o.targets.startIndex + i].policy, other: o.targets[o.targets.startIndex + j].policy,
                              policyRows: rowsA.count, otherRows: rowsB.count, shared: shared,
                              verdict: Double(shared) >= PolicyThresholds.nearlySameRows * Double(larger) ? .nearlySameRows : .differentRows)
        }
    }

    /// The highest R_tra apart from greedy by the true reward against the next highest (nil with fewer than two such
    /// policies; a tie goes to the earlier in table order).
    public var bestOnTotal: Comparison?
    /// The toy recommender (greedy ŵ·p̂) against the oracle in R_each (nil without either).
    public var toyAgainstOracle: Comparison?
    /// Nil without greedy by the true reward.
    public var bound: Bound?
    /// Most popular, when every episode showed the same list (nil otherwise or when it did not run).
    public var fixedList: FixedList?
    /// Nil unless both off-policy tables (exact and estimated propensities) ran.
    public var support: SupportCheck?
    /// The toy recommender and most popular in the estimated-propensity table (else the exact one).
    public var toyAndPopularRows: SharedRows?

    /// The headline of one simulator's run: its policies' `outcomes` (table order) under an exit rule of `maxTurn`
    /// turns, and the off-policy tables with exact and with estimated propensities.
    public static func make(outcomes: [SessionSimulator.Outcome], maxTurn: Int, offPolicy: OffPolicyEvaluation?,
                            offPolicyEstimated: OffPolicyEvaluation?) -> PolicyHeadline {
        var headline = PolicyHeadline()
        let outcome = { (id: PolicyIdentifier) in PolicyFindings.outcome(id, in: outcomes) }
        let others = outcomes.filter { $0.identifier != .trueRewardBound }
        // By mean R_tra, highest first; a tie goes to the earlier in table order.
        let ranked = others.enumerated().sorted { ($0.element.totalReward.mean, -$0.offset) > ($1.element.totalReward.mean, -$1.offset) }.map(\.element)
        if ranked.count >= 2 { headline.bestOnTotal = .make(ranked[0], ranked[1], .totalReward) }
        if let toy = outcome(.greedyEstimated), let oracle = outcome(.oracle) { headline.toyAgainstOracle = .make(toy, oracle, .rewardPerStep) }
        if let bound = outcome(.trueRewardBound) {
            headline.bound = Bound(totalReward: bound.totalReward.mean, rewardPerStep: bound.rewardPerStep.mean,
                                   aboveOnTotal: others.filter { $0.totalReward.mean > bound.totalReward.mean }.map(\.policy),
                                   aboveOnPerStep: others.filter { $0.rewardPerStep.mean > bound.rewardPerStep.mean }.map(\.policy))
        }
        if let popular = outcome(.mostPopular) { headline.fixedList = fixedList(popular, maxTurn: maxTurn) }
        if let offPolicy, let offPolicyEstimated { headline.support = supportCheck(exact: offPolicy, estimated: offPolicyEstimated) }
        if let o = offPolicyEstimated ?? offPolicy { headline.toyAndPopularRows = .make(o, .greedyEstimated, .mostPopular) }
        return headline
    }

    /// `outcome` as a fixed list: nil unless every episode showed the same videos in the same order.
    static func fixedList(_ outcome: SessionSimulator.Outcome, maxTurn: Int) -> FixedList? {
        guard let first = outcome.episodes.first, outcome.episodes.allSatisfy({ $0.shown == first.shown }) else { return nil }
        return FixedList(policy: outcome.policy, length: first.length, maxTurn: maxTurn,
                         verdict: first.length >= maxTurn ? .lastsToMaxTurn : .endsAtTheSameTurn)
    }

    /// The target whose support under `estimated`'s propensities most exceeds its support under `exact`'s (the two
    /// tables hold the same policies in the same order; nil when they do not, or hold none).
    static func supportCheck(exact: OffPolicyEvaluation, estimated: OffPolicyEvaluation) -> SupportCheck? {
        guard exact.identifiers == estimated.identifiers else { return nil }
        let pairs = zip(exact.targets, estimated.targets)
        guard let worst = pairs.max(by: { $0.1.support - $0.0.support < $1.1.support - $1.0.support }) else { return nil }
        let gap = worst.1.support - worst.0.support
        return SupportCheck(policy: worst.0.policy, exact: worst.0.support, estimated: worst.1.support,
                            verdict: gap > PolicyThresholds.supportOverstatement ? .overstated : .close)
    }
}

extension PolicyEvaluation {
    /// What notebook 5 opens with for this simulator (`PolicyHeadline.make`).
    public var headline: PolicyHeadline {
        PolicyHeadline.make(outcomes: outcomes, maxTurn: rule.maxTurn, offPolicy: offPolicy, offPolicyEstimated: offPolicyEstimated)
    }
}
