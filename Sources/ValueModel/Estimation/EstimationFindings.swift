import Foundation

/// Every threshold step 4's verdicts use (notebook 4, and `4-coverage.md`'s coverage study and floor evidence),
/// in one place.
public enum EstimationThresholds {
    /// The recovery target of the issue: an estimate recovers w* when every weight lies within this of w*
    /// (max |ŵ − w*| ≤ 0.05, a twentieth of the L1 sphere's unit mass).
    public static let recoveryTolerance = 0.05
    /// The noise table's "within the sampling error": a max error of at most this many of the fit's largest Hessian
    /// standard errors (about a two-sided 95% band) also counts, when that is wider than the recovery target.
    public static let standardErrorMultiple = 2.0
    /// The GNN's heads are called less personalised than the truth when the video alone explains this much more of
    /// their variance (mean over heads) than of `p_true`'s: ten percentage points, well beyond a seed's wobble.
    public static let personalisationGap = 0.1
    /// The GNN's neg head is said to track exposure when its |correlation| with the video's log exposure exceeds
    /// `p_true`'s by this much.
    public static let exposureCorrelationGap = 0.1

    /// Floor evidence: a marginalised-pool fit whose ŵ moved by less than this over its last iterations has settled
    /// (a tenth of the recovery target), so stopping short of the convergence test is not what keeps it from w*.
    public static let settledMove = 0.005
    /// Floor evidence: holding the true inclusion rates fixed "helps" when it lowers the mean max error by at least
    /// this (a fifth of the recovery target).
    public static let ratesImprovement = 0.01
    /// Floor evidence: the true-rates fit "comes close to the true pools" when its mean max error exceeds the
    /// oracle's by at most this; above it by more, the independent-inclusion assumption itself misses.
    public static let nearOracle = 0.015
    /// Floor evidence, the larger popularity world: more sessions "do not shrink" the fitted-rate error when it
    /// falls by less than this (a fifth of the recovery target): a bias, not noise.
    public static let noiseShrinkage = 0.01
    /// Floor evidence, the larger popularity world: the approximation's misfit is "small when the rates are known"
    /// when the true-rates fit lies within this of the true pools.
    public static let knownRatesNearOracle = 0.02
}

/// Whether an estimate's max |ŵ − w*| meets the recovery target (`EstimationThresholds.recoveryTolerance`).
public enum RecoveryVerdict: String, Codable, Sendable, CaseIterable {
    case withinTarget, outsideTarget

    /// Within when `maxError ≤ recoveryTolerance` (a NaN error is outside).
    public static func judge(maxError: Double) -> RecoveryVerdict {
        maxError <= EstimationThresholds.recoveryTolerance ? .withinTarget : .outsideTarget
    }
}

/// Step 4's derived numbers and verdicts, everything notebook 4 prints beyond the results themselves; stored in
/// `estimate.json` under `"findings"`.
public struct EstimationFindings: Codable, Sendable, Equatable {
    /// The paper's reported weights (complete, long, rewatch, neg), the reference on real data.
    public static let paperWeights = [0.22, 0.10, -0.02, -0.66]
    /// (session, candidate) pairs at full KuaiRec size (66,423 sessions × 10,728 videos).
    public static let fullSizePairs = 713e6

    /// List lengths K of the sessions used: median (interpolated), mean, largest.
    public var listLengthMedian: Double
    public var listLengthMean: Double
    public var listLengthMax: Int
    public var scoring: Scoring
    public var likelihood: Likelihood
    /// Per zoom window (narrowest last), per head: the distinct values of the hard embedding loss along the slice.
    public var zoomDistinctValues: [[Int]]
    /// The recovery table: each estimator against w* (synthetic world) or the paper's weights (real data).
    public var recovery: [RecoveryRow]
    /// Synthetic world with diagnostics: identification, noise, head quality.
    public var diagnostics: Diagnostics?
    /// Section 4b: the pool assumptions.
    public var pools: Pools?
    /// Section 4b's headline estimate (nil when the pool analysis did not fit it).
    public var headline: Headline?
    /// The ensemble of GNNs behind the heads, when there is one.
    public var ensemble: Ensemble?
    /// Mean value gap (observed − simulated top K) over the sessions' residuals.
    public var meanValueGap: Double
    /// Mean share of a session's observed videos that the simulated top K also contains.
    public var meanOverlapShare: Double

    /// Scoring throughput and the stored heads.
    public struct Scoring: Codable, Sendable, Equatable {
        /// Decomposed pairs/s over plain pairs/s.
        public var speedUp: Double
        /// Minutes the decomposed path needs for `fullSizePairs` at this run's rate.
        public var fullSizeMinutes: Double
        /// Bytes of the in-memory candidate heads, in MB (10⁶).
        public var storedHeadsMegabytes: Double
        /// Whether the heads were written to disk (at most `EstimationArtifacts.headsOnDiskLimit` bytes).
        public var headsWritten: Bool
    }

    /// The whole-catalogue likelihood on the GNN's heads.
    public struct Likelihood: Codable, Sendable, Equatable {
        /// Negative log-likelihood per shown row, and that of a uniform choice among the candidates (log of their number).
        public var negativeLogLikelihoodPerRow: Double
        public var uniformChoicePerRow: Double
        /// Per head |ŵ_h − w*_h| (synthetic world).
        public var plantedErrors: [Double]?
        /// The Newton path's negative log-likelihood per shown row, per iteration.
        public var pathPerRow: [Double]
    }

    /// Which heads an estimate used.
    public enum Heads: String, Codable, Sendable, CaseIterable { case gnn, trueHeads }
    /// Which estimator made an estimate.
    public enum Estimator: String, Codable, Sendable, CaseIterable {
        case originalStageA, originalStageB, matchingEmbedding, matchingCategory, likelihood
    }

    /// One estimate against the reference (w* or the paper's weights).
    public struct RecoveryRow: Codable, Sendable, Equatable {
        public var heads: Heads
        public var estimator: Estimator
        public var weights: [Double]
        /// Per head |ŵ − reference| (both L1-normalised), and their largest.
        public var errors: [Double]
        public var maxError: Double
        public var verdict: RecoveryVerdict

        public init(heads: Heads, estimator: Estimator, weights: [Double], reference: [Double]) {
            self.heads = heads
            self.estimator = estimator
            self.weights = weights
            errors = HeadWeightEstimator.errors(weights, reference)
            maxError = errors.max() ?? .nan
            verdict = .judge(maxError: maxError)
        }
    }

    /// What `make` needs: the results of the run.
    public static func make(_ r: EstimationResults) throws -> EstimationFindings {
        guard let g = r.gnn else { throw PipelineError.invalidData("step 4's findings need the estimators on the GNN's heads") }
        let k = r.listLengths.map(Double.init)
        let s = r.scoring
        let bytes = Double(CandidateHeads.bytes(sessions: r.sessions, videos: r.candidates))
        let fit = g.likelihood
        let rows = Double(max(fit.rows, 1))
        let count = Double(max(r.residuals.count, 1))
        return EstimationFindings(
            listLengthMedian: Statistics.quantile(k, 0.5), listLengthMean: Statistics.mean(k),
            listLengthMax: r.listLengths.max() ?? 0,
            scoring: Scoring(speedUp: s.decomposedPairsPerSecond / s.plainPairsPerSecond,
                             fullSizeMinutes: fullSizePairs / max(s.decomposedPairsPerSecond, 1) / 60,
                             storedHeadsMegabytes: bytes / 1e6, headsWritten: bytes <= Double(EstimationArtifacts.headsOnDiskLimit)),
            likelihood: Likelihood(negativeLogLikelihoodPerRow: fit.negativeLogLikelihood / rows,
                                   uniformChoicePerRow: log(Double(r.candidates)),
                                   plantedErrors: r.truth.map { t in Head.allCases.map { abs(fit.weights[$0.rawValue] - t[$0.rawValue]) } },
                                   pathPerRow: fit.path.map { $0 / rows }),
            zoomDistinctValues: g.zooms.map { zoom in zoom.slices.map { Set($0.hard).count } },
            recovery: recoveryRows(r, g),
            diagnostics: try r.truth.flatMap { truth in try r.diagnostics.map { try Diagnostics.make($0, gnn: g, truth: truth, worldNoise: r.truthNoise?.scale) } },
            pools: r.pools.map { Pools.make($0, sessions: r.sessions, truth: r.truth) },
            headline: r.pools?.headlineFit.map { fit in
                Headline.make(fit, ensemble: r.ensemble, truth: r.truth, trueHeads: r.pools?.trueHeads?.first { $0.assumption == PoolAnalysis.headline })
            },
            ensemble: r.ensemble.flatMap { e in r.pools?.headlineFit.map { Ensemble.make(e, headline: $0.fit, truth: r.truth) } },
            meanValueGap: r.residuals.reduce(0.0) { $0 + $1.observedValue - $1.simulatedValue } / count,
            meanOverlapShare: r.residuals.reduce(0.0) { $0 + Double($1.overlap) / Double(max($1.observed, 1)) } / count)
    }

    /// Synthetic world: every estimator on the GNN's heads and on `p_true` against w*; real data: the likelihood,
    /// the matching surrogate and the original's stage B against the paper's weights.
    static func recoveryRows(_ r: EstimationResults, _ g: EstimatorRun) -> [RecoveryRow] {
        guard let truth = r.truth else {
            return [RecoveryRow(heads: .gnn, estimator: .likelihood, weights: g.likelihood.weights, reference: paperWeights),
                    RecoveryRow(heads: .gnn, estimator: .matchingEmbedding, weights: g.embedding.weights, reference: paperWeights)]
                + (g.original.map { [RecoveryRow(heads: .gnn, estimator: .originalStageB, weights: $0.weightsB, reference: paperWeights)] } ?? [])
        }
        func rows(_ run: EstimatorRun, _ heads: Heads) -> [RecoveryRow] {
            var estimates: [(Estimator, [Double])] = []
            if let o = run.original { estimates += [(.originalStageA, o.weightsA), (.originalStageB, o.weightsB)] }
            estimates.append((.matchingEmbedding, run.embedding.weights))
            if let c = run.category { estimates.append((.matchingCategory, c.weights)) }
            estimates.append((.likelihood, run.likelihood.weights))
            return estimates.map { RecoveryRow(heads: heads, estimator: $0.0, weights: $0.1, reference: truth) }
        }
        return rows(g, .gnn) + (r.diagnostics.map { rows($0.trueHeads, .trueHeads) } ?? [])
    }
}
