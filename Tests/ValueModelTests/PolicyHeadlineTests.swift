import Foundation
import Testing
@testable import ValueModel

/// Notebook 5's opening findings on hand-made outcomes and off-policy tables: every verdict in each of its outcomes,
/// the numbers computed by hand.
@Suite struct PolicyHeadlineTests {
    static func outcome(_ id: PolicyIdentifier, _ rewards: [Double], lengths: [Int]? = nil) -> SessionSimulator.Outcome {
        PolicyFindingsTests.outcome(id, rewards, lengths: lengths)
    }

    static func headline(_ outcomes: [SessionSimulator.Outcome], maxTurn: Int = 30, exact: OffPolicyEvaluation? = nil,
                         estimated: OffPolicyEvaluation? = nil) -> PolicyHeadline {
        PolicyHeadline.make(outcomes: outcomes, maxTurn: maxTurn, offPolicy: exact, offPolicyEstimated: estimated)
    }

    @Test("a paired comparison: ahead and behind beyond 1.96 standard errors, not told apart within; a constant difference has no error")
    func comparison() {
        let b = Self.outcome(.random, [1, 1])
        // differences 3 and 2: mean 2.5, sd √0.5, standard error 0.5 → 5 standard errors
        let ahead = PolicyHeadline.Comparison.make(Self.outcome(.mostPopular, [4, 3]), b, .totalReward)
        #expect(ahead.verdict == .ahead && ahead.difference == 2.5 && abs(ahead.standardError - 0.5) < 1e-12)
        #expect(ahead.policyMean == 3.5 && ahead.otherMean == 1 && ahead.policy == "mostPopular" && ahead.other == "random")
        let behind = PolicyHeadline.Comparison.make(b, Self.outcome(.mostPopular, [4, 3]), .totalReward)
        #expect(behind.verdict == .behind && behind.difference == -2.5)
        // differences 2 and 0.5: mean 1.25, sd 1.5/√2, standard error 0.75 → 1.67 standard errors
        let close = PolicyHeadline.Comparison.make(Self.outcome(.mostPopular, [3, 1.5]), b, .totalReward)
        #expect(close.verdict == .notToldApart && close.difference == 1.25 && abs(close.standardError - 0.75) < 1e-12)
        // differences −1.5 and −1.5: standard error 0, so any difference is clear
        let constant = PolicyHeadline.Comparison.make(Self.outcome(.greedyEstimated, [2, 2]), Self.outcome(.oracle, [3.5, 3.5]), .rewardPerStep)
        #expect(constant.verdict == .behind && constant.difference == -1.5 && constant.standardError == 0)
        // a single episode: no standard error, no verdict
        #expect(PolicyHeadline.Comparison.make(Self.outcome(.mostPopular, [4]), Self.outcome(.random, [1]), .totalReward).verdict == .notToldApart)
    }

    @Test("R_each compares the per-step means: R_tra 4 over 2 videos against 3 over 1")
    func perStepMetric() {
        let c = PolicyHeadline.Comparison.make(Self.outcome(.mostPopular, [4, 4], lengths: [2, 2]), Self.outcome(.random, [3, 3]), .rewardPerStep)
        #expect(c.policyMean == 2 && c.otherMean == 3 && c.difference == -1 && c.verdict == .behind)
    }

    @Test("the highest R_tra apart from the true-reward bound against the runner-up; the toy recommender against the oracle")
    func bestAndToy() throws {
        let h = Self.headline([Self.outcome(.random, [1, 1]), Self.outcome(.greedyEstimated, [3, 1.5]), Self.outcome(.mostPopular, [4, 3]),
                               Self.outcome(.oracle, [3.5, 3.4]), Self.outcome(.trueRewardBound, [10, 10])])
        // most popular 3.5, then the oracle 3.45; differences 0.5 and −0.4: mean 0.05, sd 0.9/√2, standard error 0.45
        let best = try #require(h.bestOnTotal)
        #expect(best.policy == "mostPopular" && best.other == "oracle" && best.verdict == .notToldApart)
        #expect(abs(best.difference - 0.05) < 1e-12 && abs(best.standardError - 0.45) < 1e-12)
        // toy minus oracle: −0.5 and −1.9: mean −1.2, sd 1.4/√2, standard error 0.7 → 1.71 standard errors
        let toy = try #require(h.toyAgainstOracle)
        #expect(toy.metric == .rewardPerStep && abs(toy.difference + 1.2) < 1e-12 && abs(toy.standardError - 0.7) < 1e-12 && toy.verdict == .notToldApart)
        // a tie in R_tra goes to the first in table order
        let tie = try #require(Self.headline([Self.outcome(.random, [2, 2]), Self.outcome(.mostPopular, [3, 1]), Self.outcome(.oracle, [1, 3])]).bestOnTotal)
        #expect(tie.policy == "random" && tie.other == "mostPopular")
        #expect(Self.headline([Self.outcome(.greedyEstimated, [1]), Self.outcome(.trueRewardBound, [2])]).bestOnTotal == nil)
        #expect(Self.headline([Self.outcome(.greedyEstimated, [1]), Self.outcome(.random, [2])]).toyAgainstOracle == nil)
    }

    @Test("greedy by the true reward: the policies above its R_tra and above its R_each, separately")
    func bound() throws {
        // bound: R_tra 6, R_each 3; most popular: R_tra 8, R_each 2; oracle: R_tra 3.5, R_each 3.5
        let h = Self.headline([Self.outcome(.random, [1, 1]), Self.outcome(.mostPopular, [8, 8], lengths: [4, 4]),
                               Self.outcome(.oracle, [3.5, 3.5]), Self.outcome(.trueRewardBound, [6, 6], lengths: [2, 2])])
        let b = try #require(h.bound)
        #expect(b.totalReward == 6 && b.rewardPerStep == 3 && b.aboveOnTotal == ["mostPopular"] && b.aboveOnPerStep == ["oracle"])
        #expect(Self.headline([Self.outcome(.random, [1])]).bound == nil)
    }

    @Test("most popular's fixed list: to the turn limit, or ending at one turn for everyone; none when the lists differ")
    func fixedList() {
        let full = Self.headline([Self.outcome(.mostPopular, [1, 2], lengths: [30, 30])], maxTurn: 30).fixedList
        #expect(full == .init(policy: "mostPopular", length: 30, maxTurn: 30, verdict: .lastsToMaxTurn))
        let early = Self.headline([Self.outcome(.mostPopular, [1, 2], lengths: [11, 11])], maxTurn: 30).fixedList
        #expect(early == .init(policy: "mostPopular", length: 11, maxTurn: 30, verdict: .endsAtTheSameTurn))
        #expect(Self.headline([Self.outcome(.mostPopular, [1, 2], lengths: [11, 12])]).fixedList == nil)
        #expect(Self.headline([Self.outcome(.random, [1, 2], lengths: [11, 11])]).fixedList == nil)
    }

    /// An off-policy table of most popular and the toy recommender with these supports and matched rows.
    static func table(support: (Double, Double), rows: ([Int], [Int]) = ([], [])) -> OffPolicyEvaluation {
        PolicyFindingsTests.evaluation(platform: (1, 1), targets: [
            PolicyFindingsTests.estimate("most popular", truth: 1, ips: 1, snips: 1, ncis: 1, support: support.0),
            PolicyFindingsTests.estimate("toy", truth: 1, ips: 1, snips: 1, ncis: 1, support: support.1),
        ], identifiers: [.mostPopular, .greedyEstimated], matchedRows: [rows.0, rows.1])
    }

    @Test("support under estimated propensities: overstated beyond 0.1 above the exact support, close within; the largest gap named")
    func support() throws {
        let overstated = try #require(Self.headline([], exact: Self.table(support: (0.4, 0.9)), estimated: Self.table(support: (1, 0.95))).support)
        #expect(overstated == .init(policy: "most popular", exact: 0.4, estimated: 1, verdict: .overstated))
        // gaps 0.05 and 0.08
        let close = try #require(Self.headline([], exact: Self.table(support: (0.95, 0.9)), estimated: Self.table(support: (1, 0.98))).support)
        #expect(close == .init(policy: "toy", exact: 0.9, estimated: 0.98, verdict: .close))
        #expect(Self.headline([], estimated: Self.table(support: (1, 1))).support == nil)
    }

    @Test("rows the toy recommender and most popular share: nearly the same from 90% of the larger set, from the estimated table first")
    func sharedRows() throws {
        let ten = Array(0..<10)
        // 10 and 10 rows, 9 shared: 9 ≥ 0.9 · 10
        let same = try #require(Self.headline([], exact: Self.table(support: (1, 1)),
                                              estimated: Self.table(support: (1, 1), rows: (ten, Array(0..<9) + [20]))).toyAndPopularRows)
        #expect(same == .init(policy: "toy", other: "most popular", policyRows: 10, otherRows: 10, shared: 9, verdict: .nearlySameRows))
        // 10 and 10 rows, 8 shared
        let different = try #require(Self.headline([], exact: Self.table(support: (1, 1), rows: (ten, Array(0..<8) + [20, 21]))).toyAndPopularRows)
        #expect(different.shared == 8 && different.verdict == .differentRows)
        #expect(Self.headline([], exact: Self.table(support: (1, 1))).toyAndPopularRows == nil)   // neither matches a row
        let withoutToy = PolicyFindingsTests.evaluation(platform: (1, 1), targets: [PolicyFindingsTests.estimate("a", truth: 1, ips: 1, snips: 1, ncis: 1, support: 1)],
                                                        identifiers: [.mostPopular], matchedRows: [[0]])
        #expect(Self.headline([], exact: withoutToy).toyAndPopularRows == nil)
    }
}
