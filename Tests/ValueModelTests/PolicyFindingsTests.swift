import Foundation
import Testing
@testable import ValueModel

/// Step 5's findings on hand-made outcomes: every verdict notebook 5 prints in each of its outcomes, at the
/// thresholds, and the derived numbers against hand computations.
@Suite struct PolicyFindingsTests {
    /// A policy's outcome whose episodes are one video long each with these rewards (so R_each = R_tra = reward),
    /// or of the given lengths.
    static func outcome(_ id: PolicyIdentifier, _ rewards: [Double], lengths: [Int]? = nil) -> SessionSimulator.Outcome {
        let lengths = lengths ?? rewards.map { _ in 1 }
        let episodes = zip(rewards, lengths).enumerated().map { e, pair in
            SessionSimulator.Episode(session: e, shown: (0..<pair.1).map(Int32.init), reward: pair.0, headSums: [0, 0, 0, 0], dominantSteps: 0)
        }
        return SessionSimulator.Outcome(policy: id.rawValue, identifier: id, episodes: episodes)
    }

    static func findings(_ outcomes: [SessionSimulator.Outcome], satisfaction: [SessionSimulator.Outcome]? = nil) -> PolicyFindings {
        PolicyFindings.make(outcomes: outcomes, satisfactionOutcomes: satisfaction, offPolicy: nil, offPolicyEstimated: nil)
    }

    @Test("R_tra by session length: the mean reward of the episodes of each length, lengths ascending")
    func rewardByLength() {
        let f = Self.findings([Self.outcome(.random, [3, 1, 5], lengths: [2, 1, 2])])
        #expect(f.rewardByLength == [.init(policy: "random", lengths: [1, 2], meanReward: [1, 4])])
    }

    @Test("without a planted oracle the highest R_each short of the bound is only named, and the share runs to the bound")
    func noOracle() throws {
        let f = Self.findings([Self.outcome(.random, [0, 0]), Self.outcome(.greedyEstimated, [0.5, 0.5]),
                               Self.outcome(.mostPopular, [0.75, 0.75]), Self.outcome(.trueRewardBound, [10, 10])])
        let best = try #require(f.best)
        #expect(best.verdict == .noOracle && best.policy == "mostPopular" && best.rewardPerStep == 0.75 && best.boundRewardPerStep == 10)
        #expect(best.oracleRewardPerStep == nil && best.differenceToOracle == nil)
        // (0.5 − 0) / (10 − 0)
        #expect(f.toyShare == .init(toyRewardPerStep: 0.5, randomRewardPerStep: 0, share: 0.05, reference: .trueRewardBound))
        #expect(f.gapSplit == nil)
    }

    @Test("the oracle itself highest")
    func oracleHighest() throws {
        let f = Self.findings([Self.outcome(.random, [0, 0]), Self.outcome(.greedyEstimated, [0.5, 0.5]),
                               Self.outcome(.oracle, [1, 1]), Self.outcome(.trueRewardBound, [10, 10])])
        let best = try #require(f.best)
        #expect(best.verdict == .oracleHighest && best.oracleRewardPerStep == 1 && best.differenceToOracle == nil)
        #expect(f.toyShare == .init(toyRewardPerStep: 0.5, randomRewardPerStep: 0, share: 0.5, reference: .oracle))
    }

    @Test("another policy above the oracle: told apart beyond 1.96 paired standard errors (at 5 and at 2), not at 1.9")
    func bestAgainstOracle() throws {
        let oracle = Self.outcome(.oracle, [1, 1]), bound = Self.outcome(.trueRewardBound, [10, 10]), toy = Self.outcome(.greedyEstimated, [0.5, 0.5])
        // differences 3 and 2: mean 2.5, sd √0.5, standard error 0.5 → 5 standard errors
        let apart = try #require(Self.findings([toy, Self.outcome(.ucbLogCounts, [4, 3]), oracle, bound]).best)
        #expect(apart.verdict == .apartFromOracle && apart.policy == "ucbLogCounts")
        let gap = try #require(apart.differenceToOracle)
        #expect(gap.mean == 2.5 && abs(gap.standardError - 0.5) < 1e-12)
        // differences 3 and 1: mean 2, sd √2, standard error 1 → two standard errors, beyond 1.96
        let two = try #require(Self.findings([toy, Self.outcome(.ucbLogCounts, [4, 2]), oracle, bound]).best)
        #expect(two.verdict == .apartFromOracle)
        #expect(two.differenceToOracle.map { $0.mean == 2 && abs($0.standardError - 1) < 1e-12 } == true)
        // differences 2.9 and 0.9: mean 1.9, standard error 1 → 1.9 standard errors, within 1.96
        let within = try #require(Self.findings([toy, Self.outcome(.ucbLogCounts, [3.9, 1.9]), oracle, bound]).best)
        #expect(within.verdict == .notToldApartFromOracle)
        #expect(within.differenceToOracle.map { abs($0.mean - 1.9) < 1e-12 && abs($0.standardError - 1) < 1e-12 } == true)
    }

    @Test("no conclusions without the toy recommender or the bound; the best is chosen short of the bound")
    func conclusionsNeedToyAndBound() throws {
        #expect(Self.findings([Self.outcome(.random, [0]), Self.outcome(.trueRewardBound, [1])]).best == nil)
        #expect(Self.findings([Self.outcome(.random, [0]), Self.outcome(.greedyEstimated, [1])]).best == nil)
        #expect(Self.findings([Self.outcome(.random, [0]), Self.outcome(.greedyEstimated, [1])]).longest == nil)
        let f = Self.findings([Self.outcome(.greedyEstimated, [2]), Self.outcome(.trueRewardBound, [5])])
        #expect(f.best?.policy == "greedyEstimated")
    }

    @Test("no share when random and the reference tie in R_each")
    func noShareOnATie() {
        let f = Self.findings([Self.outcome(.random, [1, 1]), Self.outcome(.greedyEstimated, [0.5, 0.5]), Self.outcome(.oracle, [1, 1]),
                               Self.outcome(.greedyPlantedWeights, [0.5]), Self.outcome(.greedyTrueHeads, [0.5]), Self.outcome(.trueRewardBound, [2, 2])])
        #expect(f.toyShare == nil && f.gapSplit == nil)
    }

    @Test("the gap split: the heads cost more when w*·p̂ is further from the oracle than ŵ·p_true; a tie goes to the weights")
    func gapSplit() {
        func split(plantedWeights: Double, trueHeads: Double) -> PolicyFindings.GapSplit? {
            Self.findings([Self.outcome(.random, [0]), Self.outcome(.greedyEstimated, [0.25]), Self.outcome(.greedyPlantedWeights, [plantedWeights]),
                           Self.outcome(.greedyTrueHeads, [trueHeads]), Self.outcome(.oracle, [1]), Self.outcome(.trueRewardBound, [2])]).gapSplit
        }
        #expect(split(plantedWeights: 0.5, trueHeads: 0.875)?.verdict == .headsCostMore)
        #expect(split(plantedWeights: 0.875, trueHeads: 0.5)?.verdict == .weightsCostAtLeastAsMuch)
        #expect(split(plantedWeights: 0.5, trueHeads: 0.5)?.verdict == .weightsCostAtLeastAsMuch)
        #expect(split(plantedWeights: 0.5, trueHeads: 0.875) == .init(plantedWeightsRewardPerStep: 0.5, trueHeadsRewardPerStep: 0.875, verdict: .headsCostMore))
    }

    @Test("the longest sessions, the bound included")
    func longest() {
        let f = Self.findings([Self.outcome(.greedyEstimated, [1, 1], lengths: [2, 4]), Self.outcome(.random, [1, 1], lengths: [5, 6]),
                               Self.outcome(.trueRewardBound, [1, 1], lengths: [1, 1])])
        #expect(f.longest == .init(policy: "random", meanLength: 5.5))
    }

    @Test("Kendall's τ by hand, and the best short of the bound under both exits: the same policy or another")
    func exitRobustness() throws {
        let tag = [Self.outcome(.random, [1]), Self.outcome(.greedyEstimated, [2]), Self.outcome(.trueRewardBound, [3])]
        // pairs (random, toy) and (random, bound) keep their order, (toy, bound) reverses: τ = (2 − 1) / 3
        let same = try #require(Self.findings(tag, satisfaction: [Self.outcome(.random, [1]), Self.outcome(.greedyEstimated, [3]), Self.outcome(.trueRewardBound, [2])]).exitRobustness)
        #expect(same.concordant == 2 && same.discordant == 1 && same.pairs == 3 && abs(same.kendallTau - 1.0 / 3) < 1e-12)
        #expect(same.verdict == .samePolicy && same.bestWithTagExit == "greedyEstimated" && same.bestWithSatisfactionExit == "greedyEstimated")
        // every pair reversed; random is now the best short of the bound
        let other = try #require(Self.findings(tag, satisfaction: [Self.outcome(.random, [4]), Self.outcome(.greedyEstimated, [3]), Self.outcome(.trueRewardBound, [2])]).exitRobustness)
        #expect(other.kendallTau == -1 && other.verdict == .differentPolicy && other.bestWithSatisfactionExit == "random")
        // a tie counts neither way
        let tie = try #require(Self.findings(tag, satisfaction: [Self.outcome(.random, [1]), Self.outcome(.greedyEstimated, [1]), Self.outcome(.trueRewardBound, [2])]).exitRobustness)
        #expect(tie.concordant == 2 && tie.discordant == 0 && abs(tie.kendallTau - 2.0 / 3) < 1e-12)
        // other policies under the two exits: nothing to compare
        #expect(Self.findings(tag, satisfaction: [Self.outcome(.random, [1])]).exitRobustness == nil)
        #expect(Self.findings(tag).exitRobustness == nil)
    }

    /// Two logged sessions of one row each, rewards 1 and 3: mean 2, session deviations −1 and 1, clustered standard
    /// error √2 / 2.
    /// `identifiers` and `matchedRows` per target (by default `.random` and no row).
    static func evaluation(platform: (truth: Double, reward: Double), targets: [OffPolicyEvaluation.Estimate],
                           identifiers: [PolicyIdentifier]? = nil, matchedRows: [[Int]]? = nil) -> OffPolicyEvaluation {
        var logged = OffPolicyEvaluation.LoggedRows()
        logged.sessions = [0, 1]
        logged.offsets = [0, 1, 2]
        logged.rewards = [1, 3]
        let own = OffPolicyEvaluation.Estimate(policy: "platform", truth: platform.truth, ips: platform.reward, snips: platform.reward,
                                               ncis: platform.reward, matches: 2, effectiveSampleSize: 2, support: 1)
        return OffPolicyEvaluation(logged: logged, cap: 100, estimates: [own] + targets,
                                   identifiers: identifiers ?? targets.map { _ in .random }, matchedRows: matchedRows ?? targets.map { _ in [] }, seconds: 0)
    }

    static func estimate(_ name: String, truth: Double, ips: Double, snips: Double, ncis: Double, support: Double) -> OffPolicyEvaluation.Estimate {
        OffPolicyEvaluation.Estimate(policy: name, truth: truth, ips: ips, snips: snips, ncis: ncis, matches: 1, effectiveSampleSize: 1, support: support)
    }

    @Test("the on-policy check agrees within two clustered standard errors, at exactly two too, and disagrees beyond")
    func onPolicyAgreement() {
        func agreement(truth: Double, reward: Double) -> PolicyFindings.OnPolicyAgreement {
            PolicyFindings.offPolicyCheck(Self.evaluation(platform: (truth, reward), targets: [])).agreement
        }
        let standardError = 2.0.squareRoot() / 2
        #expect(PolicyFindings.offPolicyCheck(Self.evaluation(platform: (1, 1.1), targets: [])).rewardStandardError == standardError)
        #expect(agreement(truth: 1, reward: 1.1) == .agrees)
        #expect(agreement(truth: 0, reward: 2.0.squareRoot()) == .agrees)   // exactly 2 standard errors
        #expect(agreement(truth: 0, reward: 1.5) == .disagrees)
        #expect(agreement(truth: .nan, reward: 1) == .disagrees)
    }

    @Test("each estimator's mean error over the defined policies, the undefined counted, thin support below 0.5 named")
    func estimatorErrors() {
        let check = PolicyFindings.offPolicyCheck(Self.evaluation(platform: (2, 2), targets: [
            Self.estimate("A", truth: 1, ips: 1.5, snips: 1.25, ncis: .nan, support: 0.5),
            Self.estimate("B", truth: 2, ips: 1, snips: 2, ncis: .nan, support: 0.25),
        ]))
        #expect(check.policies == 2 && check.thinSupport == ["B"])
        #expect(check.errors == [.init(estimator: .ips, meanAbsoluteError: 0.75, undefined: 0),     // (0.5 + 1) / 2
                                 .init(estimator: .snips, meanAbsoluteError: 0.125, undefined: 0),  // (0.25 + 0) / 2
                                 .init(estimator: .ncis, meanAbsoluteError: nil, undefined: 2)])
    }

    @Test("estimated propensities against exact ones: no worse on a tie, worse by the excess, left out where undefined")
    func propensityComparison() {
        let exact = Self.evaluation(platform: (2, 2), targets: [Self.estimate("A", truth: 1, ips: 1.5, snips: 1.25, ncis: .nan, support: 1)])
        let estimated = Self.evaluation(platform: (2, 2), targets: [Self.estimate("A", truth: 1, ips: 0.5, snips: 1.75, ncis: 1, support: 1)])
        let f = PolicyFindings.make(outcomes: [], satisfactionOutcomes: nil, offPolicy: exact, offPolicyEstimated: estimated)
        #expect(f.propensityComparison == [
            .init(estimator: .ips, exactError: 0.5, estimatedError: 0.5, excess: 0, verdict: .noWorse),
            .init(estimator: .snips, exactError: 0.25, estimatedError: 0.75, excess: 0.5, verdict: .worse),
        ])
        #expect(PolicyFindings.make(outcomes: [], satisfactionOutcomes: nil, offPolicy: nil, offPolicyEstimated: estimated).propensityComparison.isEmpty)
    }

    @Test("a run looks its policies up by identifier")
    func namedLookup() {
        let outcomes = [Self.outcome(.random, [0]), Self.outcome(.greedyEstimated, [1]), Self.outcome(.trueRewardBound, [2])]
        #expect(PolicyFindings.outcome(.greedyEstimated, in: outcomes)?.totalReward.mean == 1)
        #expect(PolicyFindings.outcome(.oracle, in: outcomes) == nil)
        #expect(PolicyEvaluation.learnedPolicies(estimated: [1, 0, 0, 0], epsilon: 0.1, ucbBonus: 0.1, spreadBonus: 1).map(\.identifier)
                == [.random, .mostPopular, .greedyEstimated, .epsilonGreedy, .ucbLogCounts, .ucbSeedSpread])
        #expect(PolicyEvaluation.policies(estimated: [1, 0, 0, 0], planted: [1, 0, 0, 0], epsilon: 0.1).map(\.identifier).suffix(4)
                == [.greedyPlantedWeights, .greedyTrueHeads, .oracle, .trueRewardBound])
    }
}
