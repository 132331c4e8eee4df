import Foundation

/// What `FloorEvidence`'s refits conclude, per mechanism, for the larger popularity world and for the retrieval
/// worlds' pair-level terms: the numbers `4-coverage.md` prints and its verdicts (thresholds in `EstimationThresholds`).
public struct FloorConclusions: Codable, Sendable, Equatable {
    /// Popularity, then retrieval, for each mechanism with marginalised-pool rows.
    public var mechanisms: [MechanismSummary]
    /// The larger popularity world beside the comparison's world with the same planted w* (when both exist).
    public var larger: LargerSummary?
    /// The retrieval worlds' pair-level terms (when there are any).
    public var retrieval: RetrievalSummary?

    /// The marginalised-pool fits of one mechanism.
    public struct MechanismSummary: Codable, Sendable, Equatable {
        public var mechanism: SyntheticCandidatePool
        /// Mean max error with fitted rates, with the true rates, with the true pools (NaN when none).
        public var meanFitted: Double
        public var meanTrueRates: Double
        public var meanTruePools: Double
        /// The largest last movement of ŵ among the fits with fitted rates.
        public var largestMove: Double
        public var optimiser: OptimiserVerdict
        public var rates: RatesVerdict
    }

    /// Had the fits with fitted rates settled?
    public enum OptimiserVerdict: String, Codable, Sendable, CaseIterable {
        /// ŵ moved by less than `settledMove`: stopping short of the convergence test is not what misses.
        case settled
        /// Still moving: part of the error may be the optimiser's.
        case stillMoving

        public static func judge(largestMove: Double) -> OptimiserVerdict { largestMove < EstimationThresholds.settledMove ? .settled : .stillMoving }
    }

    /// What holding the true inclusion rates fixed shows.
    public enum RatesVerdict: String, Codable, Sendable, CaseIterable {
        /// The true rates lower the error by `ratesImprovement` and come within `nearOracle` of the true pools:
        /// fitting the rates is what misses.
        case ratesEstimationMisses
        /// Even the true rates stay more than `nearOracle` above the true pools: the independent-inclusion
        /// assumption itself misses.
        case independenceMisses
        /// The true rates change the error little.
        case ratesDoNotMatter

        public static func judge(fitted: Double, trueRates: Double, truePools: Double) -> RatesVerdict {
            if trueRates <= fitted - EstimationThresholds.ratesImprovement, trueRates - truePools <= EstimationThresholds.nearOracle {
                return .ratesEstimationMisses
            }
            return trueRates > truePools + EstimationThresholds.nearOracle ? .independenceMisses : .ratesDoNotMatter
        }
    }

    /// The larger popularity world against the comparison's.
    public struct LargerSummary: Codable, Sendable, Equatable {
        /// The comparison's popularity row with the same planted w*.
        public var smaller: FloorEvidence.PoolRow
        public var verdict: LargerVerdict
        /// The larger world's true-rates fit lies within `knownRatesNearOracle` of its true pools.
        public var knownRatesNearOracle: Bool
    }

    /// Do more sessions shrink the fitted-rate error?
    public enum LargerVerdict: String, Codable, Sendable, CaseIterable {
        /// It falls by less than `noiseShrinkage`: a bias.
        case bias
        /// It shrinks: partly the noise of estimating the rates.
        case noise

        public static func judge(larger: Double, smaller: Double) -> LargerVerdict {
            larger >= smaller - EstimationThresholds.noiseShrinkage ? .bias : .noise
        }
    }

    /// The video-effects likelihood with pair-level terms on the retrieval worlds.
    public struct RetrievalSummary: Codable, Sendable, Equatable {
        /// The terms of the first retrieval world, in order, and whether the category taste from the logs is among them.
        public var terms: [TermSummary]
        public var categoryTasteFromLogs: Bool
        /// Worst max error: video effects alone; with the retrieval stage's scores (the last term); the popularity
        /// worlds' video-effects fits (0 without any); with the affinity (the term before last; NaN without).
        public var plainWorst: Double
        public var scoresWorst: Double
        public var popularityWorst: Double
        public var affinityWorst: Double
        public var verdict: RetrievalVerdict
    }

    /// One pair-level term over the retrieval worlds that have every term: fits within the recovery target, and the worst.
    public struct TermSummary: Codable, Sendable, Equatable {
        public var term: FloorEvidence.PairTerm
        public var within: Int
        public var count: Int
        public var worst: Double
    }

    /// Where the retrieval worlds' floor comes from.
    public enum RetrievalVerdict: String, Codable, Sendable, CaseIterable {
        /// The retrieval scores recover w*, and so does the affinity without the retrieval model's error.
        case scoresRecoverAffinityEnough
        /// The retrieval scores recover w*, the affinity does not.
        case scoresRecoverAffinityNotEnough
        /// Even with the scores the error exceeds the target, and the popularity worlds' video-effects fits miss too:
        /// the first-order pool approximation.
        case approximationMissesAsOnPopularity
        /// Even with the scores the error exceeds the target, while the popularity worlds' fits do not miss.
        case approximationMissesWithScores

        public static func judge(scoresWorst: Double, affinityWorst: Double, popularityWorst: Double) -> RetrievalVerdict {
            let target = EstimationThresholds.recoveryTolerance
            if scoresWorst <= target { return affinityWorst <= target ? .scoresRecoverAffinityEnough : .scoresRecoverAffinityNotEnough }
            return popularityWorst > target ? .approximationMissesAsOnPopularity : .approximationMissesWithScores
        }
    }

    /// The conclusions of `evidence`.
    public init(_ evidence: FloorEvidence) {
        let pools = evidence.pools
        mechanisms = [SyntheticCandidatePool.popularity, .retrieval].compactMap { mechanism in
            let rows = pools.filter { $0.mechanism == mechanism }
            guard !rows.isEmpty else { return nil }
            let fitted = rows.map(\.fitted).reduce(0, +) / Double(rows.count), fixed = rows.map(\.trueRates).reduce(0, +) / Double(rows.count)
            let move = rows.map(\.lastMove).max() ?? .nan
            let oracle = rows.compactMap(\.truePools)
            let oracleMean = oracle.isEmpty ? Double.nan : oracle.reduce(0, +) / Double(oracle.count)
            return MechanismSummary(mechanism: mechanism, meanFitted: fitted, meanTrueRates: fixed, meanTruePools: oracleMean, largestMove: move,
                                    optimiser: .judge(largestMove: move), rates: .judge(fitted: fitted, trueRates: fixed, truePools: oracleMean))
        }
        larger = evidence.larger.flatMap { larger in
            pools.first { $0.mechanism == .popularity && $0.truth == larger.pool.truth }.map { smaller in
                let row = larger.pool
                return LargerSummary(smaller: smaller, verdict: .judge(larger: row.fitted, smaller: smaller.fitted),
                                     knownRatesNearOracle: row.truePools.map { row.trueRates - $0 <= EstimationThresholds.knownRatesNearOracle } ?? false)
            }
        }
        retrieval = evidence.retrieval.first.map { first in
            let count = first.terms.count
            let terms = first.terms.indices.map { k -> TermSummary in
                let errors = evidence.retrieval.compactMap { $0.terms.count == count ? $0.terms[k].error : nil }
                return TermSummary(term: first.terms[k].term, within: errors.filter { $0 <= EstimationThresholds.recoveryTolerance }.count,
                                   count: errors.count, worst: errors.max() ?? .nan)
            }
            let scoresWorst = evidence.retrieval.compactMap { $0.terms.last?.error }.max() ?? .nan
            let popularityWorst = pools.filter { $0.mechanism == .popularity }.compactMap(\.videoEffects).max() ?? 0
            let affinityWorst = evidence.retrieval.compactMap { $0.terms.count >= 2 ? $0.terms[$0.terms.count - 2].error : nil }.max() ?? .nan
            return RetrievalSummary(terms: terms, categoryTasteFromLogs: first.terms.contains { $0.term == .categoryTaste },
                                    plainWorst: evidence.retrieval.map(\.plain).max() ?? .nan, scoresWorst: scoresWorst,
                                    popularityWorst: popularityWorst, affinityWorst: affinityWorst,
                                    verdict: .judge(scoresWorst: scoresWorst, affinityWorst: affinityWorst, popularityWorst: popularityWorst))
        }
    }
}
