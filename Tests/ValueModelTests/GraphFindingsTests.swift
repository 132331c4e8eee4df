import Foundation
import Testing
@testable import ValueModel

/// Step 2's findings on a hand-made summary.
@Suite struct GraphFindingsTests {
    /// A burst of `days` consecutive days from day `first`, split by the original's rule.
    static func burst(_ id: Int, days: Int, first: Int = 0) -> TimeSplit.BurstDays {
        let counts = TimeSplit.dayCounts(days)
        return .init(burst: id, days: Array(first..<(first + days)), trainDays: counts.train, validationDays: counts.validation, testDays: counts.test)
    }

    @Test("degree summaries by hand and the bytes of the edge matrices")
    func degrees() {
        var summary = GraphConstruction.Summary()
        summary.userDegrees = [4, 1, 3, 2]
        summary.videoDegrees = [7]
        summary.edges = 10
        let f = GraphFindings.make(summary)
        // sorted 1, 2, 3, 4: the 90th percentile at position 2.7, 3 + 0.7
        #expect(f.userDegrees.count == 4 && f.userDegrees.median == 2.5 && f.userDegrees.mean == 2.5 && f.userDegrees.max == 4)
        #expect(abs(f.userDegrees.percentile90 - 3.7) < 1e-12)
        #expect(f.videoDegrees.count == 1 && f.videoDegrees.median == 7 && f.videoDegrees.max == 7)
        #expect(f.matrixBytes == 10 * 68 * 4)   // 64 features and 4 labels, Float32
    }

    @Test("the proportional-rule note applies as soon as one burst has neither 8 nor 10 days")
    func splitRule() {
        var summary = GraphConstruction.Summary()
        summary.bursts = [Self.burst(1, days: 8), Self.burst(2, days: 10)]
        #expect(GraphFindings.make(summary).splitRule == .originalEverywhere)
        summary.bursts.append(Self.burst(3, days: 9))
        #expect(GraphFindings.make(summary).splitRule == .proportionalSomewhere)
    }

    @Test("time order: an earlier burst's evaluation days before a later burst's training days, or none")
    func splitOrder() {
        var summary = GraphConstruction.Summary()
        // One burst of 10 days: training days 0-5, validation 6-7, test 8-9: every evaluation day after training.
        summary.bursts = [Self.burst(1, days: 10)]
        #expect(GraphFindings.make(summary).splitOrder == .trainingFirst && GraphFindings.make(summary).earlyEvaluationBursts == [])
        // A second burst from day 20 trains on days 20-25, after burst 1's evaluation days 6-9.
        summary.bursts.append(Self.burst(2, days: 10, first: 20))
        let two = GraphFindings.make(summary)
        #expect(two.splitOrder == .evaluationBeforeLaterTraining && two.earlyEvaluationBursts == [1])
        // A third burst before the first (days -30 … -21, evaluation -24 … -21): bursts 3 and 1 evaluate early.
        summary.bursts.append(Self.burst(3, days: 10, first: -30))
        #expect(GraphFindings.make(summary).earlyEvaluationBursts == [1, 3])
        #expect(GraphFindings.make(GraphConstruction.Summary()).splitOrder == .trainingFirst)
    }

    @Test("split shares and the largest shift of a label's rate from training to test edges")
    func sharesAndLabelShift() throws {
        var summary = GraphConstruction.Summary()
        summary.partSizes = [60, 15, 25]
        // train / validation / test rates per head (complete, long, rewatch, neg): long moves most, 0.30 → 0.22.
        summary.labelRates = [[0.50, 0.30, 0.10, 0.20], [0.9, 0.9, 0.9, 0.9], [0.52, 0.22, 0.12, 0.15]]
        let f = GraphFindings.make(summary)
        #expect(f.partShares == [0.6, 0.15, 0.25])
        let shift = try #require(f.labelShift)
        #expect(shift.head == .long && shift.train == 0.30 && shift.test == 0.22)
        // Without test edges, or with a head missing, there is no shift to report.
        summary.partSizes = [60, 15, 0]
        #expect(GraphFindings.make(summary).labelShift == nil)
        #expect(GraphFindings.labelShift(rates: [[0.5], [0.5], [0.5]], sizes: [1, 1, 1]) == nil)
    }
}
