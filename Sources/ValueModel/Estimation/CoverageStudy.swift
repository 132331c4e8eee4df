import Foundation

/// `make coverage`'s Monte-Carlo study (`4-coverage.md`): do the 95% intervals of the headline (video-effects)
/// likelihood cover w*? Simulates small seeded synthetic worlds in memory under each candidate mechanism, fits them
/// with `p_true` as heads, and counts per head how often `ŵ ± 1.96 s.e.` contains w*; then compares the estimators
/// that need no pool on default-size worlds for every mechanism and planted w*, and gathers the floor evidence.
public struct CoverageStudy: Codable, Sendable, Equatable {
    /// The study's knobs (the `coverage` subcommand's options of the same names).
    public struct Options: Codable, Sendable, Equatable {
        /// Seeded worlds per candidate mechanism, and their users and videos.
        public var worlds = 20
        public var users = 200
        public var videos = 600
        /// Sessions (sess_len ≥ 5) fitted per world.
        public var maxSessions = 1500
        /// Observed rows per session used (the first ones; 0 = all).
        public var listPrefix = 10
        /// Sessions per world in the comparison of pool-free estimators (0 skips it).
        public var candidateSessions = 1000
        /// Estimators in that comparison.
        public var compare: [PoolAssumption] = [.catalogue, .videoEffects, .videoEffectsTaste, .poolSampling, .shownOrder, .shownOrderProportional, .truePool]
        /// Sessions of the larger popularity world of the floor evidence (0 skips it).
        public var floorSessions = 3000
        /// Seed of the first world.
        public var firstSeed: UInt64 = 1

        public init() {}
    }

    /// The likelihood whose intervals a coverage row counts.
    public enum Likelihood: String, Codable, Sendable, CaseIterable {
        /// Video effects, the headline.
        case videoEffects
        /// The whole catalogue, which on the catalogue mechanism is the true pool.
        case wholeCatalogue
        /// The true pools (an oracle).
        case truePools
    }

    /// One mechanism and likelihood over the seeded worlds.
    public struct CoverageRow: Codable, Sendable, Equatable {
        public var mechanism: SyntheticCandidatePool
        public var likelihood: Likelihood
        /// Per head, the share of worlds whose interval covers w*.
        public var coveredShares: [Double]
        /// The median (the upper of the two middle values for an even count) of the worlds' max |ŵ − w*|.
        public var medianMaxError: Double
    }

    /// One comparison world's fit: max |ŵ − w*| and whether the optimiser met its convergence test.
    public struct Cell: Codable, Sendable, Equatable {
        public var error: Double
        public var converged: Bool
    }

    /// One comparison world (mechanism, planted w*): a cell per compared estimator (nil: the true pool on the
    /// catalogue mechanism, which is the whole catalogue).
    public struct ComparisonRow: Codable, Sendable, Equatable {
        public var mechanism: SyntheticCandidatePool
        public var truth: [Double]
        public var cells: [Cell?]
    }

    /// One estimator over the comparison's worlds.
    public struct AssumptionSummary: Codable, Sendable, Equatable {
        public var assumption: PoolAssumption
        /// Worlds within the recovery target, worlds fitted, the worst max error.
        public var within: Int
        public var count: Int
        public var worst: Double
    }

    /// Per mechanism, the mean max error over the planted w* of video effects without and with the user's category
    /// taste, and the range of the fitted β̂ (nil without one).
    public struct TasteRow: Codable, Sendable, Equatable {
        public var mechanism: SyntheticCandidatePool
        public var before: Double
        public var after: Double
        public var betaMin: Double?
        public var betaMax: Double?
    }

    /// Does the order within the shown lists identify w on the catalogue mechanism (where its assumption holds)?
    public enum ShownOrderVerdict: String, Codable, Sendable, CaseIterable {
        case orderDoesNotIdentify, orderIdentifies

        public static func judge(worst: Double) -> ShownOrderVerdict {
            worst > EstimationThresholds.recoveryTolerance ? .orderDoesNotIdentify : .orderIdentifies
        }
    }

    /// The shown-order likelihood's worst max error on the catalogue mechanism, and the verdict.
    public struct ShownOrderCheck: Codable, Sendable, Equatable {
        public var worst: Double
        public var verdict: ShownOrderVerdict
    }

    /// The estimators that need no pool, on default-size worlds.
    public struct Comparison: Codable, Sendable, Equatable {
        /// Users and videos of the worlds (`SyntheticWorldConfiguration()`'s).
        public var users: Int
        public var videos: Int
        public var rows: [ComparisonRow]
        public var summaries: [AssumptionSummary]
        public var taste: [TasteRow]
        public var floor: FloorEvidence
        public var floorConclusions: FloorConclusions
        public var shownOrder: ShownOrderCheck?
    }

    public var options: Options
    /// The planted w* of the coverage worlds (the paper's, L1-normalised).
    public var truth: [Double]
    public var coverage: [CoverageRow]
    /// nil with `candidateSessions` 0.
    public var comparison: Comparison?

    /// Bytes of the largest store of candidate heads the study holds (sessions x videos x 4 heads x 4 bytes): a world of
    /// `users` x `videos` with up to `maxSessions` sessions, or a default-size world of the comparison or the floor
    /// evidence.
    public static func largestStore(_ options: Options) -> Int {
        let sessions = max(options.candidateSessions, options.floorSessions)
        return max(CandidateHeads.bytes(sessions: options.maxSessions, videos: options.videos),
                   CandidateHeads.bytes(sessions: sessions, videos: SyntheticWorldConfiguration().videos))
    }

    /// Runs the study; `progress` receives a line per world fitted. Refuses, before any world is drawn, options whose
    /// largest world would not fit in memory (its heads and as much again for the lists and fits).
    public static func run(_ options: Options, progress: (String) -> Void) throws -> CoverageStudy {
        try ResourceCheck.requireMemory(2 * largestStore(options), for: "The coverage study's largest world (--max-sessions x --videos, or --candidate-sessions and --floor-sessions on a default-size world)",
                                        hint: "Lower --max-sessions, --videos, --candidate-sessions or --floor-sessions.")
        let truth = WeightParametrisation.l1Normalised(SyntheticWorldConfiguration.paperWeights)
        var rows: [CoverageRow] = []
        for mechanism in SyntheticCandidatePool.allCases {
            var covered = [[Int]](repeating: [0, 0, 0, 0], count: 2)
            var errors = [[Double]](repeating: [], count: 2)
            for seed in options.firstSeed..<(options.firstSeed + UInt64(options.worlds)) {
                var c = SyntheticWorldConfiguration(users: options.users, videos: options.videos, seed: seed)
                c.candidatePool = mechanism
                let world = try SyntheticIdentificationWorld(configuration: c, maximumSessions: options.maxSessions)
                let lists = options.listPrefix > 0 ? try world.lists.prefix(options.listPrefix) : world.lists
                let fits = try PoolAssumptionEstimate.fitAll(lists, availability: world.availability, pools: world.pools,
                                                             assumptions: [.videoEffects, mechanism == .catalogue ? .catalogue : .truePool])
                for (k, f) in fits.enumerated() {
                    for h in Head.allCases.map(\.rawValue) where abs(f.fit.weights[h] - truth[h]) <= 1.96 * f.fit.standardErrors[h] { covered[k][h] += 1 }
                    errors[k].append(HeadWeightEstimator.errors(f.fit.weights, truth).max() ?? .nan)
                }
                progress("coverage: \(mechanism.rawValue) world \(seed)")
            }
            let likelihoods: [Likelihood] = [.videoEffects, mechanism == .catalogue ? .wholeCatalogue : .truePools]
            for (k, likelihood) in likelihoods.enumerated() {
                rows.append(CoverageRow(mechanism: mechanism, likelihood: likelihood,
                                        coveredShares: covered[k].map { Double($0) / Double(options.worlds) },
                                        medianMaxError: upperMedian(errors[k])))
            }
        }
        let comparison = options.candidateSessions > 0 ? try compare(options, progress: progress) : nil
        return CoverageStudy(options: options, truth: truth, coverage: rows, comparison: comparison)
    }

    /// The element at index count/2 of the sorted values (NaN when empty): the median for an odd count.
    static func upperMedian(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.sorted()[values.count / 2]
    }

    /// The estimators that need no pool side by side on default-size worlds (`SyntheticWorldConfiguration()`'s users
    /// and videos, seed `firstSeed`) for every mechanism and planted w*, with `p_true` as heads; and the floor evidence.
    static func compare(_ options: Options, progress: (String) -> Void) throws -> Comparison {
        let candidates = options.compare
        var rows: [ComparisonRow] = []
        var errors = [[Double]](repeating: [], count: candidates.count)
        var tasteWeights: [SyntheticCandidatePool: [Double]] = [:]
        var floor = FloorEvidence()
        for mechanism in SyntheticCandidatePool.allCases {
            for planted in PoolAnalysis.plantedWeights {
                var c = SyntheticWorldConfiguration()
                c.seed = options.firstSeed
                c.candidatePool = mechanism
                c.weights = planted
                let world = try SyntheticIdentificationWorld(configuration: c, maximumSessions: options.candidateSessions)
                let lists = options.listPrefix > 0 ? try world.lists.prefix(options.listPrefix) : world.lists
                let truth = WeightParametrisation.l1Normalised(planted)
                let kept = candidates.filter { !(mechanism == .catalogue && $0 == .truePool) }
                let taste = try UserCategoryTaste.offsets(lists: lists, sessionUsers: world.sessionUsers, candidateCategory: world.candidateCategory)
                let fits = try PoolAssumptionEstimate.fitAll(lists, availability: world.availability, pools: world.pools, taste: taste,
                                                             assumptions: kept)
                var cells: [Cell?] = []
                for (k, assumption) in candidates.enumerated() {
                    guard let f = fits.first(where: { $0.assumption == assumption }) else { cells.append(nil); continue }
                    let error = HeadWeightEstimator.errors(f.fit.weights, truth).max() ?? .nan
                    errors[k].append(error)
                    if let beta = f.tasteWeight { tasteWeights[mechanism, default: []].append(beta) }
                    cells.append(Cell(error: error, converged: f.fit.converged))
                }
                rows.append(ComparisonRow(mechanism: mechanism, truth: truth, cells: cells))
                try floor.record(world: world, lists: lists, truth: truth, fits: fits)
                progress("candidates: \(mechanism.rawValue) w* = \(planted)")
            }
        }
        let summaries = candidates.indices.filter { !errors[$0].isEmpty }.map { k in
            AssumptionSummary(assumption: candidates[k], within: errors[k].filter { $0 <= EstimationThresholds.recoveryTolerance }.count,
                              count: errors[k].count, worst: errors[k].max() ?? .nan)
        }
        if options.floorSessions > options.candidateSessions, candidates.contains(.poolSampling) {
            var c = SyntheticWorldConfiguration()
            c.seed = options.firstSeed
            c.candidatePool = .popularity
            c.weights = PoolAnalysis.plantedWeights[1]
            let world = try SyntheticIdentificationWorld(configuration: c, maximumSessions: options.floorSessions)
            let lists = options.listPrefix > 0 ? try world.lists.prefix(options.listPrefix) : world.lists
            let fits = try PoolAssumptionEstimate.fitAll(lists, availability: world.availability, pools: world.pools,
                                                         assumptions: [.videoEffects, .poolSampling, .truePool])
            try floor.recordLarger(world: world, lists: lists, truth: WeightParametrisation.l1Normalised(c.weights), fits: fits)
            progress("floor: popularity with \(lists.sessions) sessions")
        }
        // The catalogue mechanism (the first) is the one where the shown-order likelihood's assumption holds exactly.
        let catalogueRows = PoolAnalysis.plantedWeights.count
        let shownOrder = candidates.firstIndex(of: .shownOrder).flatMap { k -> ShownOrderCheck? in
            guard errors[k].count >= catalogueRows else { return nil }
            let worst = errors[k].prefix(catalogueRows).max() ?? .nan
            return ShownOrderCheck(worst: worst, verdict: .judge(worst: worst))
        }
        let size = SyntheticWorldConfiguration()
        return Comparison(users: size.users, videos: size.videos, rows: rows, summaries: summaries,
                          taste: tasteRows(candidates: candidates, errors: errors, tasteWeights: tasteWeights),
                          floor: floor, floorConclusions: FloorConclusions(floor), shownOrder: shownOrder)
    }

    /// What the user's category taste adds to the video effects, per mechanism (mean max error over the planted w*,
    /// and the fitted β̂), when both were compared; `errors[k]` holds estimator k's errors, mechanism by mechanism.
    static func tasteRows(candidates: [PoolAssumption], errors: [[Double]], tasteWeights: [SyntheticCandidatePool: [Double]]) -> [TasteRow] {
        guard let plain = candidates.firstIndex(of: .videoEffects), let taste = candidates.firstIndex(of: .videoEffectsTaste) else { return [] }
        let perMechanism = PoolAnalysis.plantedWeights.count
        return SyntheticCandidatePool.allCases.enumerated().compactMap { m, mechanism -> TasteRow? in
            let range = (m * perMechanism)..<((m + 1) * perMechanism)
            guard errors[plain].count >= range.upperBound, errors[taste].count >= range.upperBound else { return nil }
            let betas = tasteWeights[mechanism] ?? []
            return TasteRow(mechanism: mechanism, before: errors[plain][range].reduce(0, +) / Double(perMechanism),
                            after: errors[taste][range].reduce(0, +) / Double(perMechanism), betaMin: betas.min(), betaMax: betas.max())
        }
    }
}
