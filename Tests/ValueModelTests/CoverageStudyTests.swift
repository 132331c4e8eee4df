import Foundation
import Testing
@testable import ValueModel

/// The coverage study's and the floor evidence's verdicts (`4-coverage.md`) on hand-made numbers: each outcome,
/// the boundaries at the thresholds, and the summaries against hand computations.
@Suite struct CoverageStudyTests {
    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-12 }

    static func pool(_ mechanism: SyntheticCandidatePool, truth: [Double] = [0.4, 0.1, 0.1, -0.4], fitted: Double, move: Double = 0.001,
                     trueRates: Double, truePools: Double?, videoEffects: Double? = nil) -> FloorEvidence.PoolRow {
        FloorEvidence.PoolRow(mechanism: mechanism, truth: truth, fitted: fitted, lastMove: move, converged: true, trueRates: trueRates,
                              truePools: truePools, videoEffects: videoEffects)
    }

    /// The largest store of candidate heads, and a study whose worlds would not fit in memory refused before any is drawn.
    @Test func memoryIsCheckedBeforeAnyWorld() throws {
        var options = CoverageStudy.Options()
        options.maxSessions = 1500
        options.videos = 600
        options.candidateSessions = 1000
        options.floorSessions = 3000
        // 1,500 x 600 x 16 bytes against 3,000 sessions of a default-size world (1,200 videos) x 16 bytes
        #expect(CoverageStudy.largestStore(options) == max(1500 * 600 * 16, 3000 * 1200 * 16))
        options.maxSessions = 1_000_000
        options.videos = 1_000_000   // 16 TB of heads
        #expect(CoverageStudy.largestStore(options) == 16_000_000_000_000)
        var worlds = 0
        do {
            _ = try CoverageStudy.run(options) { _ in worlds += 1 }
            Issue.record("a study of 16 TB of heads was started")
        } catch let PipelineError.invalidData(reason) {
            #expect(reason.hasPrefix("The coverage study's largest world") && reason.contains("Lower --max-sessions"), "\(reason)")
        }
        #expect(worlds == 0)
    }

    @Test func optimiserVerdictAtTheSettledMove() {
        #expect(FloorConclusions.OptimiserVerdict.judge(largestMove: 0.0049) == .settled)
        #expect(FloorConclusions.OptimiserVerdict.judge(largestMove: 0.005) == .stillMoving)
    }

    @Test func ratesVerdictEachOutcome() {
        typealias V = FloorConclusions.RatesVerdict
        // 0.08 → 0.06 lowers by 0.02 ≥ 0.01, and 0.06 is within 0.015 of the oracle's 0.05.
        #expect(V.judge(fitted: 0.08, trueRates: 0.06, truePools: 0.05) == .ratesEstimationMisses)
        // The true rates stay 0.03 above the oracle.
        #expect(V.judge(fitted: 0.08, trueRates: 0.06, truePools: 0.03) == .independenceMisses)
        // The true rates lower the error by only 0.005, and stay within 0.015 of the oracle.
        #expect(V.judge(fitted: 0.065, trueRates: 0.06, truePools: 0.05) == .ratesDoNotMatter)
        // Without an oracle (NaN) neither comparison holds.
        #expect(V.judge(fitted: 0.08, trueRates: 0.02, truePools: .nan) == .ratesDoNotMatter)
    }

    @Test func largerAndRetrievalVerdictsEachOutcome() {
        #expect(FloorConclusions.LargerVerdict.judge(larger: 0.095, smaller: 0.1) == .bias)
        #expect(FloorConclusions.LargerVerdict.judge(larger: 0.08, smaller: 0.1) == .noise)
        typealias R = FloorConclusions.RetrievalVerdict
        #expect(R.judge(scoresWorst: 0.05, affinityWorst: 0.04, popularityWorst: 0) == .scoresRecoverAffinityEnough)
        #expect(R.judge(scoresWorst: 0.03, affinityWorst: 0.07, popularityWorst: 0) == .scoresRecoverAffinityNotEnough)
        #expect(R.judge(scoresWorst: 0.06, affinityWorst: 0.04, popularityWorst: 0.08) == .approximationMissesAsOnPopularity)
        #expect(R.judge(scoresWorst: 0.06, affinityWorst: 0.04, popularityWorst: 0.05) == .approximationMissesWithScores)
        #expect(CoverageStudy.ShownOrderVerdict.judge(worst: 0.05) == .orderIdentifies)
        #expect(CoverageStudy.ShownOrderVerdict.judge(worst: 0.051) == .orderDoesNotIdentify)
    }

    /// Two popularity worlds and one retrieval world, a larger popularity world with the second world's w*, and
    /// two retrieval rows (the second without the category taste, so it is left out of the per-term counts).
    @Test func conclusionsFromHandMadeEvidence() {
        let other = [0.45, 0.3, 0.2, -0.05]
        let evidence = FloorEvidence(
            pools: [Self.pool(.popularity, fitted: 0.08, trueRates: 0.06, truePools: 0.05, videoEffects: 0.07),
                    Self.pool(.popularity, truth: other, fitted: 0.10, move: 0.004, trueRates: 0.06, truePools: 0.05, videoEffects: 0.09),
                    Self.pool(.retrieval, fitted: 0.2, move: 0.02, trueRates: 0.2, truePools: 0.03)],
            retrieval: [FloorEvidence.RetrievalRow(truth: [0.4, 0.1, 0.1, -0.4], plain: 0.12, terms: [
                            .init(term: .categoryTaste, error: 0.1, beta: 0.5), .init(term: .affinity, error: 0.04, beta: 1),
                            .init(term: .retrievalScores, error: 0.02, beta: 1)]),
                        FloorEvidence.RetrievalRow(truth: other, plain: 0.2, terms: [
                            .init(term: .affinity, error: 0.06, beta: 1), .init(term: .retrievalScores, error: 0.03, beta: 1)])],
            larger: .init(sessions: 3000, pool: Self.pool(.popularity, truth: other, fitted: 0.095, trueRates: 0.07, truePools: 0.06)))
        let c = FloorConclusions(evidence)
        #expect(c.mechanisms.map(\.mechanism) == [.popularity, .retrieval])
        let popularity = c.mechanisms[0], retrieval = c.mechanisms[1]
        // Popularity: means (0.08 + 0.10)/2 = 0.09, 0.06 and 0.05; the largest move 0.004 has settled.
        #expect(Self.close(popularity.meanFitted, 0.09) && Self.close(popularity.meanTrueRates, 0.06) && Self.close(popularity.meanTruePools, 0.05))
        #expect(popularity.largestMove == 0.004 && popularity.optimiser == .settled && popularity.rates == .ratesEstimationMisses)
        #expect(retrieval.optimiser == .stillMoving && retrieval.rates == .independenceMisses)
        // The larger world (0.095) against the comparison's world with the same w* (0.10): a bias; 0.07 − 0.06 ≤ 0.02.
        #expect(c.larger?.smaller.fitted == 0.10 && c.larger?.verdict == .bias && c.larger?.knownRatesNearOracle == true)
        guard let r = c.retrieval else { Issue.record("no retrieval summary"); return }
        #expect(r.categoryTasteFromLogs)
        #expect(r.terms.map(\.term) == [.categoryTaste, .affinity, .retrievalScores])
        #expect(r.terms.map(\.within) == [0, 1, 1] && r.terms.map(\.count) == [1, 1, 1])
        // Worst over both rows: plain 0.2, scores 0.03, affinity (the term before last) 0.06; popularity's video effects 0.09.
        #expect(r.plainWorst == 0.2 && r.scoresWorst == 0.03 && r.affinityWorst == 0.06 && r.popularityWorst == 0.09)
        #expect(r.verdict == .scoresRecoverAffinityNotEnough)
    }

    @Test func emptyEvidenceConcludesNothing() {
        let c = FloorConclusions(FloorEvidence())
        #expect(c.mechanisms.isEmpty && c.larger == nil && c.retrieval == nil)
        // A larger world without a comparison world of the same w* has nothing to be set against.
        let lone = FloorConclusions(FloorEvidence(larger: .init(sessions: 10, pool: Self.pool(.popularity, fitted: 0.1, trueRates: 0.1, truePools: nil))))
        #expect(lone.larger == nil)
    }

    /// The largest distance to the last point over the last 11 points of a path.
    @Test func lastMoveOverTheLastIterations() {
        let far = [[1.0, 0, 0, 0]]
        let recent: [[Double]] = (0..<11).map { i -> [Double] in
            let step = 0.001 * Double(i)
            return [0.5 + step, 0.5 - step, 0, 0]
        }
        // The last point is (0.51, 0.49); the first recent one (0.5, 0.5) is 0.01 away per head; `far` is outside the window.
        #expect(Self.close(FloorEvidence.lastMove(far + recent), 0.01))
        #expect(FloorEvidence.lastMove([]) == 0)
    }

    @Test func medianAndTasteRows() {
        #expect(CoverageStudy.upperMedian([0.3, 0.1, 0.2]) == 0.2)
        #expect(CoverageStudy.upperMedian([0.4, 0.1, 0.3, 0.2]) == 0.3)
        #expect(CoverageStudy.upperMedian([]).isNaN)
        let candidates: [PoolAssumption] = [.catalogue, .videoEffects, .videoEffectsTaste]
        let perMechanism = PoolAnalysis.plantedWeights.count
        // Video effects: 0.1 per world on catalogue, 0.2 on popularity, 0.3 on retrieval; with the taste half of it.
        let level: [SyntheticCandidatePool: Double] = [.catalogue: 0.1, .popularity: 0.2, .retrieval: 0.3]
        let plain: [Double] = SyntheticCandidatePool.allCases.flatMap { m -> [Double] in [Double](repeating: level[m] ?? .nan, count: perMechanism) }
        let halved: [Double] = plain.map { $0 / 2 }
        let rows = CoverageStudy.tasteRows(candidates: candidates, errors: [[], plain, halved],
                                           tasteWeights: [.retrieval: [0.5, -0.25, 1.5]])
        #expect(rows.map(\.mechanism) == SyntheticCandidatePool.allCases)
        #expect(Self.close(rows[1].before, 0.2) && Self.close(rows[1].after, 0.1))
        #expect(rows[0].betaMin == nil && rows[2].betaMin == -0.25 && rows[2].betaMax == 1.5)
        // Without both estimators compared, no rows; with too few errors for a mechanism, that mechanism is left out.
        #expect(CoverageStudy.tasteRows(candidates: [.videoEffects], errors: [plain], tasteWeights: [:]).isEmpty)
        let short = CoverageStudy.tasteRows(candidates: candidates, errors: [[], Array(plain.prefix(perMechanism)), Array(plain.prefix(perMechanism))],
                                            tasteWeights: [:])
        #expect(short.map(\.mechanism) == [.catalogue])
    }
}
