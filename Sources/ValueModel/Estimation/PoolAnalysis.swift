import Foundation

/// Step 4's answer to the unlogged candidate pool: the likelihood of the observed lists under each pool assumption
/// (`PoolAssumption`), with the GNN's heads (the headline: video effects) and, on a synthetic world, with `p_true`,
/// on the world's own lists and on lists re-drawn under every candidate mechanism and several planted w*.
public struct PoolAnalysis {
    /// Observed rows per session used by these fits (the first ones; see `--list-prefix`).
    public var listPrefix: Int
    public var availability: CandidateAvailability
    public var gnn: [PoolAssumptionEstimate]
    /// The same with `p_true` (synthetic world).
    public var trueHeads: [PoolAssumptionEstimate]?
    /// Evaluation sessions whose recorded pool was found (synthetic world), of all evaluation sessions.
    public var matchedPools: Int?
    public var identification: [IdentificationCase] = []
    /// Sessions in the re-drawn identification lists.
    public var identificationSessions = 0

    /// One mechanism and planted w*: lists re-drawn from `p_true`, fitted with `p_true` and with the GNN's heads.
    public struct IdentificationCase {
        public var mechanism: SyntheticCandidatePool
        public var truth: [Double]
        public var trueFits: [PoolAssumptionEstimate]
        public var gnnFits: [PoolAssumptionEstimate]
    }

    /// The planted w* of the identification table: the paper's, one with a positive rewatch weight, one with a small |w_neg|.
    public static let plantedWeights: [[Double]] = [[0.22, 0.10, -0.02, -0.66], [0.40, 0.10, 0.10, -0.40], [0.45, 0.30, 0.20, -0.05]]
    /// The headline assumption.
    public static let headline = PoolAssumption.videoEffects

    public var headlineFit: PoolAssumptionEstimate? { gnn.first { $0.assumption == Self.headline } }

    /// The lists these fits use: the first `listPrefix` observed rows of each session (all with 0).
    public static func prefixed(_ lists: PlackettLuceLists, listPrefix: Int) throws -> PlackettLuceLists {
        listPrefix > 0 ? try lists.prefix(listPrefix) : lists
    }

    /// The headline assumption alone on `lists` (an ensemble member's heads).
    public static func headlineFit(_ lists: PlackettLuceLists, availability: CandidateAvailability, listPrefix: Int) throws -> PlackettLuceLists.Fit {
        guard let fit = try PoolAssumptionEstimate.fitAll(prefixed(lists, listPrefix: listPrefix), availability: availability,
                                                          assumptions: [headline]).first?.fit else {
            throw PipelineError.invalidData("the headline assumption (\(headline.title)) could not be fitted")
        }
        return fit
    }

    /// `availability`: from `loadAvailability(inputs:raw:)`.
    public static func run(lists: PlackettLuceLists, inputs: EstimationInputs, raw: String, availability: CandidateAvailability, listPrefix: Int,
                    truth: SyntheticGroundTruth?, trueHeads: CandidateHeads?, seed: UInt64, identificationSessions: Int,
                    poolSamplingSessions: Int) throws -> PoolAnalysis {
        let sampled = poolSamplingSessions > 0 ? poolSamplingSessions : nil
        let assumptions = PoolAssumption.stepFour + (sampled != nil ? [.poolSampling] : [])
        let sessions = inputs.sessions
        let pools = try truth.flatMap { _ in try recordedPools(inputs: inputs, raw: raw) }
        let short = try prefixed(lists, listPrefix: listPrefix)
        let gnn = try PoolAssumptionEstimate.fitAll(short, availability: availability, pools: pools?.choiceSets, assumptions: assumptions,
                                                     poolSamplingSessions: sampled)
        var analysis = PoolAnalysis(listPrefix: listPrefix, availability: availability, gnn: gnn, trueHeads: nil, matchedPools: pools?.matched)
        guard let truth, let trueHeads else { return analysis }
        let trueLists = try PlackettLuceLists(heads: trueHeads, observedOffsets: short.offsets, observed: short.shown)
        analysis.trueHeads = try PoolAssumptionEstimate.fitAll(trueLists, availability: availability, pools: pools?.choiceSets,
                                                                    assumptions: assumptions, poolSamplingSessions: sampled)

        // Identification on re-drawn lists: a seeded sample of sessions, every mechanism, each planted w*.
        var generator = SeededGenerator(seed: seed &+ 3)
        let sample = Array((0..<sessions.count).map { $0 }.shuffled(using: &generator).prefix(identificationSessions)).sorted()
        let world = SyntheticLatentWorld(configuration: truth.configuration)
        let sampleTrue = trueHeads.subset(sample), sampleGNN = lists.heads.subset(sample)
        let users = sample.map { sessions.users[$0] }
        let days = sample.map { availability.sessionDay[$0] }
        let lengths = sample.map { s -> Int in
            let observed = sessions.observedOffsets[s + 1] - sessions.observedOffsets[s]
            return listPrefix > 0 ? min(listPrefix, observed) : observed
        }
        analysis.identificationSessions = sample.count
        for mechanism in SyntheticCandidatePool.allCases {
            for planted in plantedWeights {
                let drawn = SyntheticListRedraw.draw(world: world, mechanism: mechanism, weights: planted, noiseScale: truth.noise.scale,
                                                     users: users, sessionDay: days, candidates: inputs.candidates, trueHeads: sampleTrue,
                                                     lengths: lengths, seed: seed &+ 4)
                let sampleAvailability = CandidateAvailability(uploadDay: availability.uploadDay, sessionDay: days,
                                                               observedOffsets: drawn.offsets, observed: drawn.shown)
                let onTrue = try PlackettLuceLists(heads: sampleTrue, observedOffsets: drawn.offsets, observed: drawn.shown)
                let onGNN = try PlackettLuceLists(heads: sampleGNN, observedOffsets: drawn.offsets, observed: drawn.shown)
                let oracle: PlackettLuceChoiceSets? = mechanism == .catalogue ? nil : drawn.pools
                let kept: [PoolAssumption] = [.catalogue, .videoEffects, .truePool]
                analysis.identification.append(IdentificationCase(
                    mechanism: mechanism, truth: WeightParametrisation.l1Normalised(planted),
                    trueFits: try PoolAssumptionEstimate.fitAll(onTrue, availability: sampleAvailability, pools: oracle, assumptions: kept),
                    gnnFits: try PoolAssumptionEstimate.fitAll(onGNN, availability: sampleAvailability, pools: oracle, assumptions: [.catalogue, .videoEffects])))
                estimationLog("identification: \(mechanism.rawValue) w* = \(planted)")
            }
        }
        return analysis
    }

    /// Upload days of the candidates (item_daily_features.csv in `raw`) and the day of each session's first row.
    public static func loadAvailability(inputs: EstimationInputs, raw: String) throws -> CandidateAvailability {
        let items = try ItemFeatureTable(path: raw + "/item_daily_features.csv")
        let uploadDay = items.uploadDays(for: inputs.candidates.videoIds).map { $0 ?? Int32.min }
        let timeMs = try inputs.step1.int64("time")
        let sessionDay = inputs.sessions.firstRows.map { Int32(floorDivide(timeMs[$0], SyntheticCalendar.msPerDay)) }
        return CandidateAvailability(uploadDay: uploadDay, sessionDay: sessionDay, observedOffsets: inputs.sessions.observedOffsets,
                                     observed: inputs.counterfactual.observedCandidates)
    }

    /// The pools a synthetic platform recorded for the evaluation sessions, matched by (user, first row's time).
    public static func recordedPools(inputs: EstimationInputs, raw: String) throws -> (choiceSets: PlackettLuceChoiceSets, matched: Int)? {
        let folder = raw + "/" + SyntheticPoolLog.folderName
        guard FileManager.default.fileExists(atPath: folder) else { return nil }
        let timeMs = try inputs.step1.int64("time")
        let (offsets, candidates, matched) = try SyntheticPoolLog.read(folder: folder).pools(
            users: inputs.sessions.users, startsBeijingMs: inputs.sessions.firstRows.map { timeMs[$0] },
            indexOfVideo: inputs.candidates.indexOfVideo)
        return (.listed(offsets: offsets, candidates: candidates), matched)
    }

    public static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }
}
