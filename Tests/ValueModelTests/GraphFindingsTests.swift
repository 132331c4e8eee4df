import Foundation
import Testing
@testable import ValueModel

/// Step 2's findings on a hand-made summary.
@Suite struct GraphFindingsTests {
    static func burst(_ id: Int, days: Int) -> TimeSplit.BurstDays {
        let counts = TimeSplit.dayCounts(days)
        return .init(burst: id, days: Array(0..<days), trainDays: counts.train, validationDays: counts.validation, testDays: counts.test)
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
}
