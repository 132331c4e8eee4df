import Foundation
import Testing
@testable import ValueModel

/// Step 1's findings on a hand-made report: the distributions' summaries by hand and every choice notebook 1
/// words, on both sides of its threshold.
@Suite struct PreparationFindingsTests {
    @Test("session lengths, sessions per user and burst days summarised by hand")
    func sessionSummaries() {
        var report = PreparationReport()
        report.sessionLengths = [10, 1, 3, 2]
        report.sessionsPerUser = [3, 1]
        report.bursts = [.init(burst: 1, days: 8, rows: 0, labelRates: []), .init(burst: 2, days: 10, rows: 0, labelRates: [])]
        let f = PreparationFindings.make(report)
        #expect(f.burstDays == 18)
        // sorted 1, 2, 3, 10: median halfway between 2 and 3; the 90th percentile at position 2.7, 3 + 0.7 · 7
        #expect(f.sessionLength.count == 4 && f.sessionLength.median == 2.5 && f.sessionLength.mean == 4 && f.sessionLength.max == 10)
        #expect(abs(f.sessionLength.percentile90 - 7.9) < 1e-12)
        #expect(f.sessionsPerUser.median == 2 && f.sessionsPerUser.mean == 2 && abs(f.sessionsPerUser.percentile90 - 2.8) < 1e-12 && f.sessionsPerUser.max == 3)
    }

    @Test("quartiles come from a sample from twice the sample limit on, from every value below")
    func quartileSource() {
        var report = PreparationReport()
        report.gapFeatureSummary = [Double(2 * PreparationReport.sampleLimit), 0, 0, 0, 0, 0, 0, 0]
        report.keptRows = 2 * PreparationReport.sampleLimit - 1
        let f = PreparationFindings.make(report)
        #expect(f.gapQuartiles == .evenlySpacedSample && f.columnQuartiles == .everyValue)
        report.gapFeatureSummary[0] -= 1
        report.keptRows += 1
        let g = PreparationFindings.make(report)
        #expect(g.gapQuartiles == .everyValue && g.columnQuartiles == .evenlySpacedSample)
        #expect(PreparationFindings.make(PreparationReport()).gapQuartiles == .everyValue)
    }

    @Test("positive gaps: count, median and the share of at most 50 hours (50 itself inside)")
    func positiveGaps() throws {
        var report = PreparationReport()
        #expect(PreparationFindings.make(report).positiveGaps == nil)
        report.positiveSessionGapHours = [60, 2, 50, 4]
        let gaps = try #require(PreparationFindings.make(report).positiveGaps)
        // sorted 2, 4, 50, 60: median halfway between 4 and 50
        #expect(gaps.count == 4 && gaps.medianHours == 27 && gaps.shareInHistogram == 0.75)
    }

    @Test("duration quantiles by hand; the per-interaction note only when the sample is smaller than the kept rows")
    func durations() {
        var report = PreparationReport()
        report.videoDurationSeconds = [5, 1, 4, 2, 3]
        report.playSecondsSample = [1, 2, 3]
        report.keptRows = 3
        let f = PreparationFindings.make(report)
        // positions 0.4, 2, 3.6 and 3.96 of 1, 2, 3, 4, 5
        #expect(f.videoDuration.count == 5)
        #expect(zip(f.videoDuration.values, [1.4, 3, 4.6, 4.96]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(f.interactionCoverage == .everyInteraction && f.playDuration.count == 3)
        report.keptRows = 4
        #expect(PreparationFindings.make(report).interactionCoverage == .evenlySpacedSample)
    }

    @Test("category entropies per level, and the histograms' range: the largest entropy, at least 0.01, 1 without users")
    func entropies() {
        var report = PreparationReport()
        #expect(PreparationFindings.make(report).entropyRange == 1)
        report.userCategoryEntropy = [[0, 1], [2], []]
        let f = PreparationFindings.make(report)
        #expect(f.categoryEntropy.map(\.count) == [2, 1, 0] && f.categoryEntropy[0].median == 0.5 && f.categoryEntropy[0].mean == 0.5)
        #expect(f.categoryEntropy[1].percentile90 == 2 && f.categoryEntropy[2].percentile90.isNaN)
        #expect(f.entropyRange == 2)
        report.userCategoryEntropy = [[0, 0.001]]
        #expect(PreparationFindings.make(report).entropyRange == 0.01)
    }

    @Test("the plotted user's trajectory: the original's user 5 when plotted, otherwise the user with the most rows")
    func entropyTrajectory() throws {
        var report = PreparationReport()
        #expect(PreparationFindings.make(report).entropyTrajectory == nil)
        report.entropyTrajectoryUser = 5
        report.entropyTrajectory = [(0, 0.5), (86_400_000, 1.5), (2 * 86_400_000, 1)]
        let t = try #require(PreparationFindings.make(report).entropyTrajectory)
        #expect(t == .init(user: 5, choice: .originalUser, rows: 3, first: 0.5, last: 1, days: 2, largest: 1.5))
        report.entropyTrajectoryUser = 7
        #expect(PreparationFindings.make(report).entropyTrajectory?.choice == .mostRows)
    }

    @Test("report.json carries the findings")
    func storedInReport() throws {
        // every distribution holds a value: report.json is written without a NaN strategy
        var report = PreparationReport()
        report.sessionLengths = [2]
        report.sessionsPerUser = [1]
        report.videoDurationSeconds = [1]
        report.playSecondsSample = [1]
        report.watchRatioSample = [1]
        report.userCategoryEntropy = [[0]]
        report.findings = PreparationFindings.make(report)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any]
        let stored = try #require(json?["findings"] as? [String: Any])
        #expect((stored["sessionLength"] as? [String: Any])?["median"] as? Double == 2)
    }

    @Test("the kept share is kept over kept plus dropped, and undefined when nothing was read")
    func keptShare() {
        var report = PreparationReport()
        #expect(PreparationFindings.make(report).keptShare == nil)
        report.keptRows = 3
        report.droppedOutsideBursts = 1
        #expect(PreparationFindings.make(report).keptShare == 0.75)
    }

    @Test("label rates: close to the paper's when every head is within 5 points, apart when one is further; the furthest head named")
    func labelRates() throws {
        // paper: complete 0.34, long 0.215, rewatch 0.075, neg 0.125
        var report = PreparationReport()
        report.overallLabelRates = [0.38, 0.215, 0.075, 0.115]   // 4 and 1 points away
        let close = try #require(PreparationFindings.make(report).labelRates)
        #expect(close.verdict == .closeToPaper && close.furthestHead == .complete && close.rate == 0.38 && close.paperRate == 0.34)
        report.overallLabelRates = [0.36, 0.29, 0.075, 0.125]    // long 7.5 points away
        let apart = try #require(PreparationFindings.make(report).labelRates)
        #expect(apart.verdict == .apartFromPaper && apart.furthestHead == .long && apart.rate == 0.29 && apart.paperRate == 0.215)
        report.overallLabelRates = [0.3, 0.2, 0.1]
        #expect(PreparationFindings.make(report).labelRates == nil)
    }
}
