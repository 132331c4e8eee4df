import Foundation
import Testing
@testable import ValueModel

/// Small helpers that were reached only end to end (issue 14).
@Suite("Head-quality and curve helpers")
struct HeadQualityHelperTests {
    /// 2 sessions x 3 videos x 4 heads; value = session + video / 10 + head / 100.
    static let heads: CandidateHeads = {
        var values: [Float] = []
        for s in 0..<2 { for v in 0..<3 { for h in 0..<4 { values.append(Float(s) + Float(v) / 10 + Float(h) / 100) } } }
        return CandidateHeads(sessions: 2, videos: 3, values: values)
    }()

    @Test("observedAUC scores each shown row by its session's candidate column, per head")
    func observedAUC() throws {
        // Session 0 showed videos 2, 0; session 1 showed video 1. Scores per head: 0.2, 0.0, 1.1 (+ h/100).
        // Labels head 0: (1, 0, 1) -> the positives 0.2 and 1.1 beat the negative 0.0: AUC 1.
        // Labels head 1: (0, 1, 1) -> positive 0.01 below the negative 0.21, positive 1.11 above it: AUC 0.5.
        // Labels head 2: (1, 1, 0) -> both positives (0.22, 0.02) below the negative 1.12: AUC 0.
        // Labels head 3: (0, 0, 1): AUC 1.
        let labels: [[Float]] = [[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1]]
        let auc = try HeadQuality.observedAUC(Self.heads, observedOffsets: [0, 2, 3], observed: [2, 0, 1], labels: labels)
        #expect(auc == [1, 0.5, 0, 1])
        #expect(throws: PipelineError.self) { try HeadQuality.observedAUC(Self.heads, observedOffsets: [0, 3], observed: [2, 0, 1], labels: labels) }
    }

    @Test("replacingHead swaps exactly one head's column")
    func replacingHead() {
        let other = CandidateHeads(sessions: 2, videos: 3, values: (0..<24).map { -Float($0) })
        let swapped = HeadQuality.replacingHead(2, of: Self.heads, from: other)
        for i in 0..<24 { #expect(swapped.values[i] == (i % 4 == 2 ? -Float(i) : Self.heads.values[i])) }
    }

    @Test("thin keeps both ends and evenly spaced points in between")
    func thin() {
        let n = 11
        let curve = ROCCurve(falsePositiveRate: (0..<n).map { Double($0) / 10 }, truePositiveRate: (0..<n).map { Double($0 * $0) / 100 },
                             thresholds: (0..<n).map { Double(n - $0) })
        let thinned = TrainingStep.thin(curve, name: "c", auc: 0.7, points: 4)
        // indices 0, 10/3 -> 3, 20/3 -> 6, 10
        #expect(thinned.falsePositiveRate == [0, 0.3, 0.6, 1])
        #expect(thinned.truePositiveRate == [0, 0.09, 0.36, 1])
        #expect(thinned.name == "c" && thinned.auc == 0.7)
        #expect(TrainingStep.thin(curve, name: "c", auc: 0.7, points: 20).falsePositiveRate.count == n)
    }
}
