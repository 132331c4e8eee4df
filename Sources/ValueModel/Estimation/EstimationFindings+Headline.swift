import Foundation

extension EstimationFindings {
    /// Against what an estimate's error is measured.
    public enum Reference: String, Codable, Sendable, CaseIterable {
        /// The planted w* of a synthetic world.
        case planted
        /// The paper's reported weights (real data: no planted truth).
        case paper
    }

    /// Where a 95% interval's width comes from.
    public enum IntervalSources: String, Codable, Sendable, CaseIterable {
        /// The sessions only (`ŵ ± 1.96 s.e.`, Hessian standard errors; the heads held fixed).
        case sessions
        /// The sessions and the heads' training randomness over an ensemble of GNNs
        /// (`ŵ ± 1.96 √(s.e.² + sd²/members)`).
        case sessionsAndSeeds
    }

    /// An estimate's signed error on one head split exactly into the part the same likelihood already has with
    /// the world's `p_true` as heads (identification) and the part the predicted heads add:
    /// `ŵ_h − w*_h = (ŵ^true_h − w*_h) + (ŵ_h − ŵ^true_h)`, all L1-normalised. Both parts are of the same head,
    /// so they add up; their signs may differ (the heads can pull the estimate back toward w*).
    public struct DeviationSplit: Codable, Sendable, Equatable {
        /// The head where the estimate's |ŵ_h − w*_h| is largest (the first of equal ones).
        public var head: Head
        /// `ŵ_h − w*_h`, `ŵ^true_h − w*_h` and `ŵ_h − ŵ^true_h`.
        public var total: Double
        public var identification: Double
        public var heads: Double

        /// nil unless the three vectors have one weight per head.
        public static func make(estimate: [Double], trueHeadsEstimate: [Double], truth: [Double]) -> DeviationSplit? {
            let count = Head.allCases.count
            guard estimate.count == count, trueHeadsEstimate.count == count, truth.count == count else { return nil }
            let w = WeightParametrisation.l1Normalised(estimate), t = WeightParametrisation.l1Normalised(trueHeadsEstimate)
            let star = WeightParametrisation.l1Normalised(truth)
            guard let head = Head.allCases.max(by: { abs(w[$0.rawValue] - star[$0.rawValue]) < abs(w[$1.rawValue] - star[$1.rawValue]) }) else { return nil }
            let h = head.rawValue
            return DeviationSplit(head: head, total: w[h] - star[h], identification: t[h] - star[h], heads: w[h] - t[h])
        }
    }

    /// The headline (section 4b's likelihood under `PoolAnalysis.headline`, with the GNN's heads): its interval and
    /// how it fares against the reference.
    public struct Headline: Codable, Sendable, Equatable {
        public var assumption: PoolAssumption
        public var weights: [Double]
        /// Hessian standard errors over sessions, the heads held fixed.
        public var standardErrors: [Double]
        /// The 95% interval per head, and what its width includes.
        public var lower: [Double]
        public var upper: [Double]
        public var intervalSources: IntervalSources
        /// Per head |ŵ − reference| (L1-normalised), their largest, and that against the recovery target.
        public var reference: Reference
        public var errors: [Double]
        public var maxError: Double
        public var verdict: RecoveryVerdict
        /// Heads whose interval contains w* (synthetic world only).
        public var coveredHeads: Int?
        /// The same likelihood with `p_true` as heads (synthetic world, when fitted): its max |ŵ − w*| and verdict,
        /// and the split of the headline's worst head into identification and heads.
        public var trueHeadsMaxError: Double?
        public var trueHeadsVerdict: RecoveryVerdict?
        public var split: DeviationSplit?

        /// Half-widths of the headline's 95% interval: with an ensemble its members' spread joins the sessions'
        /// standard errors (`SeedSpread.combinedHalfWidths`), without one `1.96 s.e.`.
        public static func halfWidths(standardErrors: [Double], ensemble: HeadEnsemble?) -> [Double] {
            ensemble.map { SeedSpread.combinedHalfWidths(standardErrors: standardErrors, spread: $0.spread, members: $0.members.count) }
                ?? standardErrors.map { 1.96 * $0 }
        }

        /// Heads h with `|weights_h − truth_h| ≤ halfWidths_h`.
        public static func covered(weights: [Double], halfWidths: [Double], truth: [Double]) -> Int {
            zip(zip(weights, halfWidths), truth).filter { pair, t in abs(pair.0 - t) <= pair.1 }.count
        }

        /// From the headline fit, the ensemble behind its heads (if any), the planted w* (nil on real data) and the
        /// same assumption fitted with `p_true` (nil when not fitted).
        public static func make(_ fit: PoolAssumptionEstimate, ensemble: HeadEnsemble?, truth: [Double]?,
                                trueHeads: PoolAssumptionEstimate?) -> Headline {
            let w = fit.fit.weights
            let half = halfWidths(standardErrors: fit.fit.standardErrors, ensemble: ensemble)
            let reference = truth ?? EstimationFindings.paperWeights
            let errors = HeadWeightEstimator.errors(w, reference)
            let maxError = errors.max() ?? .nan
            let trueError = truth.flatMap { t in trueHeads.map { HeadWeightEstimator.errors($0.fit.weights, t).max() ?? .nan } }
            return Headline(
                assumption: fit.assumption, weights: w, standardErrors: fit.fit.standardErrors,
                lower: zip(w, half).map { $0 - $1 }, upper: zip(w, half).map { $0 + $1 },
                intervalSources: ensemble == nil ? .sessions : .sessionsAndSeeds,
                reference: truth == nil ? .paper : .planted, errors: errors, maxError: maxError, verdict: .judge(maxError: maxError),
                coveredHeads: truth.map { covered(weights: w, halfWidths: half, truth: $0) },
                trueHeadsMaxError: trueError, trueHeadsVerdict: trueError.map { .judge(maxError: $0) },
                split: truth.flatMap { t in trueHeads.flatMap { DeviationSplit.make(estimate: w, trueHeadsEstimate: $0.fit.weights, truth: t) } })
        }
    }
}
