import Foundation

extension EstimationFindings {
    /// Section 4b: the likelihood under each pool assumption, how much the assumption moves ŵ, and on a synthetic
    /// world the identification table over candidate mechanisms and planted w*.
    public struct Pools: Codable, Sendable, Equatable {
        /// One row per assumption fitted with the GNN's heads, in the run's order.
        public var assumptions: [AssumptionRow]
        /// Per head, the largest minus the smallest ŵ_h across the assumptions.
        public var headSpread: [Double]
        /// The largest of those, and its head.
        public var largestHeadSpread: (head: Head, spread: Double)? {
            Head.allCases.filter { $0.rawValue < headSpread.count }.max { headSpread[$0.rawValue] < headSpread[$1.rawValue] }.map { ($0, headSpread[$0.rawValue]) }
        }
        /// One per identification case (mechanism, planted w*), in the run's order.
        public var identification: [IdentificationRow]
        /// Per mechanism with fits: the worst max error of each likelihood over its planted w*.
        public var mechanisms: [MechanismRow]
        /// Cases where the video-effects likelihood with `p_true` misses the target while the true pools meet it,
        /// and their mechanisms (sorted names).
        public var floorCases: Int
        public var floorMechanisms: [String]

        public struct AssumptionRow: Codable, Sendable, Equatable {
            public var assumption: PoolAssumption
            /// Sessions fitted when a sample smaller than the run's sessions (pool sampling).
            public var sampledSessions: Int?
            /// Max |ŵ − w*| with the GNN's heads, and with `p_true` (synthetic world; nil when not fitted).
            public var maxError: Double?
            public var trueHeadsMaxError: Double?
        }

        /// Max |ŵ − w*| of each cell of the identification table (nil: not fitted).
        public struct IdentificationRow: Codable, Sendable, Equatable {
            public var trueCatalogue: Double?
            public var trueVideoEffects: Double?
            public var trueTruePool: Double?
            public var gnnCatalogue: Double?
            public var gnnVideoEffects: Double?
        }

        public struct MechanismRow: Codable, Sendable, Equatable {
            public var mechanism: SyntheticCandidatePool
            /// Worst max error with `p_true`: video effects, whole catalogue, true pools (nil: none fitted).
            public var videoEffects: Double
            public var catalogue: Double
            public var truePool: Double?
            /// Worst max error of video effects with the GNN's heads.
            public var gnnVideoEffects: Double?
            /// The video-effects likelihood with `p_true` against the target.
            public var verdict: RecoveryVerdict
        }

        /// From the analysis; `sessions` is the run's evaluation sessions, `truth` the planted w* when known.
        public static func make(_ a: PoolAnalysis, sessions: Int, truth: [Double]?) -> Pools {
            func maxError(_ w: [Double], _ t: [Double]) -> Double { HeadWeightEstimator.errors(w, t).max() ?? .nan }
            func error(_ fits: [PoolAssumptionEstimate], _ assumption: PoolAssumption, _ t: [Double]) -> Double? {
                fits.first { $0.assumption == assumption }.map { maxError($0.fit.weights, t) }
            }
            let rows = a.gnn.map { e in
                AssumptionRow(assumption: e.assumption, sampledSessions: e.sessions.flatMap { $0 < sessions ? $0 : nil },
                              maxError: truth.map { maxError(e.fit.weights, $0) },
                              trueHeadsMaxError: truth.flatMap { t in a.trueHeads.flatMap { error($0, e.assumption, t) } })
            }
            let spread = Head.allCases.map { h in
                let values = a.gnn.map { $0.fit.weights[h.rawValue] }
                return (values.max() ?? .nan) - (values.min() ?? .nan)
            }
            let identification = a.identification.map { c in
                IdentificationRow(trueCatalogue: error(c.trueFits, .catalogue, c.truth), trueVideoEffects: error(c.trueFits, .videoEffects, c.truth),
                                  trueTruePool: error(c.trueFits, .truePool, c.truth), gnnCatalogue: error(c.gnnFits, .catalogue, c.truth),
                                  gnnVideoEffects: error(c.gnnFits, .videoEffects, c.truth))
            }
            let mechanisms = SyntheticCandidatePool.allCases.compactMap { mechanism -> MechanismRow? in
                let rows = zip(a.identification, identification).filter { $0.0.mechanism == mechanism }.map { $0.1 }
                func worst(_ cell: KeyPath<IdentificationRow, Double?>) -> Double? {
                    let errors = rows.compactMap { $0[keyPath: cell] }
                    return errors.isEmpty ? nil : errors.max()
                }
                guard let effects = worst(\.trueVideoEffects), let catalogue = worst(\.trueCatalogue) else { return nil }
                return MechanismRow(mechanism: mechanism, videoEffects: effects, catalogue: catalogue, truePool: worst(\.trueTruePool),
                                    gnnVideoEffects: worst(\.gnnVideoEffects), verdict: .judge(maxError: effects))
            }
            let floor = zip(a.identification, identification).filter { _, row in
                (row.trueVideoEffects ?? 0) > EstimationThresholds.recoveryTolerance
                    && (row.trueTruePool ?? .infinity) <= EstimationThresholds.recoveryTolerance
            }.map { $0.0 }
            return Pools(assumptions: rows, headSpread: spread, identification: identification, mechanisms: mechanisms,
                         floorCases: floor.count, floorMechanisms: Set(floor.map(\.mechanism.rawValue)).sorted())
        }
    }

    /// The ensemble of GNNs: how much of the headline's uncertainty is the heads' training randomness.
    public struct Ensemble: Codable, Sendable, Equatable {
        /// The members' headline standard deviation per head over √members (their mean's share of it).
        public var seedPart: [Double]
        /// The headline interval with both sources, `ŵ ± 1.96 √(s.e.² + sd²/members)`.
        public var lower: [Double]
        public var upper: [Double]
        /// Heads whose members' sd exceeds their mean session s.e.
        public var headsVaryingMoreThanSessions: Int
        /// Heads (indices) whose seed part exceeds the headline's session s.e., and the verdict.
        public var seedDominatedHeads: [Int]
        public var dominance: IntervalDominance
        /// Heads whose interval covers w*, each member's max |ŵ − w*| and the ensemble headline's (synthetic world).
        public var coveredHeads: Int?
        public var memberErrors: [Double]?
        public var headlineError: Double?

        /// Which source dominates the headline interval.
        public enum IntervalDominance: String, Codable, Sendable, CaseIterable {
            case sessionsEverywhere, seedsForSome

            public static func judge(seedDominatedHeads: [Int]) -> IntervalDominance { seedDominatedHeads.isEmpty ? .sessionsEverywhere : .seedsForSome }
        }

        /// From the ensemble, the headline fit on its mean heads and the planted w* when known.
        public static func make(_ e: HeadEnsemble, headline: PlackettLuceLists.Fit, truth: [Double]?) -> Ensemble {
            let spread = e.spread, sampling = headline.standardErrors, meanErrors = e.meanStandardErrors
            let seedPart = spread.map { $0 / Double(e.members.count).squareRoot() }
            let half = Headline.halfWidths(standardErrors: sampling, ensemble: e)
            let heads = Head.allCases.map(\.rawValue)
            func maxError(_ w: [Double], _ t: [Double]) -> Double { HeadWeightEstimator.errors(w, t).max() ?? .nan }
            let dominated = heads.filter { seedPart[$0] > sampling[$0] }
            return Ensemble(seedPart: seedPart, lower: heads.map { headline.weights[$0] - half[$0] }, upper: heads.map { headline.weights[$0] + half[$0] },
                            headsVaryingMoreThanSessions: spread.indices.filter { spread[$0] > meanErrors[$0] }.count,
                            seedDominatedHeads: dominated, dominance: .judge(seedDominatedHeads: dominated),
                            coveredHeads: truth.map { Headline.covered(weights: headline.weights, halfWidths: half, truth: $0) },
                            memberErrors: truth.map { t in e.members.map { maxError($0.weights, t) } },
                            headlineError: truth.map { maxError(headline.weights, $0) })
        }
    }
}
