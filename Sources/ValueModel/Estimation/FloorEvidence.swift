import Foundation

/// Why the pool-free estimators miss where they do (`4-coverage.md`), measured on the coverage study's comparison
/// worlds with oracle knowledge no real log has: the marginalised-pool likelihood with the *true* inclusion rates
/// in place of fitted ones (popularity and retrieval worlds), the same on a larger popularity world, and the
/// video-effects likelihood with the platform's own retrieval scores as its pair-level term (retrieval worlds);
/// `conclusions` turns the refits into verdicts (`EstimationThresholds`).
public struct FloorEvidence: Codable, Sendable, Equatable {
    /// Iterations over which a marginalised-pool fit's last movement of ŵ is measured.
    public static let lastIterations = 10

    /// One popularity or retrieval world's marginalised-pool fits.
    public struct PoolRow: Codable, Sendable, Equatable {
        public var mechanism: SyntheticCandidatePool
        public var truth: [Double]
        /// Max |ŵ − w*| with fitted rates, its largest weight change over the last `lastIterations` iterations, and
        /// whether it converged.
        public var fitted: Double, lastMove: Double, converged: Bool
        /// Max |ŵ − w*| with the true rates held fixed, with the true pools, and with video effects.
        public var trueRates: Double, truePools: Double?, videoEffects: Double?

        public init(mechanism: SyntheticCandidatePool, truth: [Double], fitted: Double, lastMove: Double, converged: Bool,
                    trueRates: Double, truePools: Double?, videoEffects: Double?) {
            self.mechanism = mechanism
            self.truth = truth
            self.fitted = fitted
            self.lastMove = lastMove
            self.converged = converged
            self.trueRates = trueRates
            self.truePools = truePools
            self.videoEffects = videoEffects
        }
    }

    /// The pair-level term `β·x_sj` added to the video-effects likelihood on a retrieval world.
    public enum PairTerm: String, Codable, Sendable, CaseIterable {
        /// The user's category taste, computed from the logs.
        case categoryTaste
        /// The world's user–video affinity (the retrieval stage's input without its error).
        case affinity
        /// The retrieval stage's own scores (an oracle).
        case retrievalScores
    }

    /// One video-effects fit with a pair-level term: max |ŵ − w*| and β̂.
    public struct TermFit: Codable, Sendable, Equatable {
        public var term: PairTerm
        public var error: Double
        public var beta: Double

        public init(term: PairTerm, error: Double, beta: Double) {
            self.term = term
            self.error = error
            self.beta = beta
        }
    }

    /// One retrieval world's video-effects fits: without a pair term, and with each term.
    public struct RetrievalRow: Codable, Sendable, Equatable {
        public var truth: [Double]
        public var plain: Double
        public var terms: [TermFit]

        public init(truth: [Double], plain: Double, terms: [TermFit]) {
            self.truth = truth
            self.plain = plain
            self.terms = terms
        }
    }

    /// The popularity world drawn again with more sessions.
    public struct LargerWorld: Codable, Sendable, Equatable {
        public var sessions: Int
        public var pool: PoolRow
    }

    public var pools: [PoolRow] = []
    public var retrieval: [RetrievalRow] = []
    public var larger: LargerWorld?

    public init(pools: [PoolRow] = [], retrieval: [RetrievalRow] = [], larger: LargerWorld? = nil) {
        self.pools = pools
        self.retrieval = retrieval
        self.larger = larger
    }

    /// Adds the oracle fits of one comparison world (`fits` are the comparison's own).
    public mutating func record(world: SyntheticIdentificationWorld, lists: PlackettLuceLists, truth: [Double],
                                fits: [PoolAssumptionEstimate]) throws {
        func error(_ w: [Double]) -> Double { HeadWeightEstimator.errors(w, truth).max() ?? .nan }
        let mechanism = world.configuration.candidatePool
        let uploaded = try lists.with(choiceSets: world.availability.choiceSets)
        if let sampled = fits.first(where: { $0.assumption == .poolSampling }), let rates = world.trueInclusionLogRates {
            let fixed = PoolSamplingFit.fit(ShownOrderLikelihood(lists: uploaded, prefix: Int.max), start: sampled.fit.theta, inclusion: rates)
            pools.append(PoolRow(mechanism: mechanism, truth: truth, fitted: error(sampled.fit.weights),
                                 lastMove: Self.lastMove(sampled.fit.weightsPath),
                                 converged: sampled.fit.converged, trueRates: error(fixed.fit.weights),
                                 truePools: fits.first { $0.assumption == .truePool }.map { error($0.fit.weights) },
                                 videoEffects: fits.first { $0.assumption == .videoEffects }.map { error($0.fit.weights) }))
        }
        guard let scores = world.retrievalScores, let taste = world.retrievalTaste,
              let plain = fits.first(where: { $0.assumption == .videoEffects }) else { return }
        var terms: [TermFit] = []
        if let category = fits.first(where: { $0.assumption == .videoEffectsTaste }), let beta = category.tasteWeight {
            terms.append(TermFit(term: .categoryTaste, error: error(category.fit.weights), beta: beta))
        }
        for (term, x) in [(PairTerm.affinity, taste), (.retrievalScores, scores)] {
            let fitted = try VideoEffectsFit.fit(uploaded, pairTerm: x)
            terms.append(TermFit(term: term, error: error(fitted.fit.fit.weights), beta: fitted.beta))
        }
        retrieval.append(RetrievalRow(truth: truth, plain: error(plain.fit.weights), terms: terms))
    }

    /// Adds the popularity world with more sessions (its fits: video effects, marginalised pools, true pools).
    public mutating func recordLarger(world: SyntheticIdentificationWorld, lists: PlackettLuceLists, truth: [Double],
                                      fits: [PoolAssumptionEstimate]) throws {
        let before = pools.count
        try record(world: world, lists: lists, truth: truth, fits: fits)
        guard pools.count > before else { return }
        larger = LargerWorld(sessions: lists.sessions, pool: pools.removeLast())
    }

    /// The largest max |w − w_last| over the last `lastIterations` + 1 points of a weights path (0 when empty).
    public static func lastMove(_ path: [[Double]]) -> Double {
        let recent = path.suffix(lastIterations + 1)
        var move = 0.0
        if let last = recent.last { for w in recent { move = max(move, HeadWeightEstimator.errors(w, last).max() ?? 0) } }
        return move
    }
}
