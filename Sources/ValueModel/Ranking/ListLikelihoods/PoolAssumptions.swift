/// What an estimator assumes about the candidates a session's ranking chose from. The pools of a real platform
/// are never logged, so step 4 fits the same Plackett-Luce likelihood of the observed lists under each assumption
/// and shows the answers side by side; on a synthetic world the recorded pools add an oracle.
public enum PoolAssumption: String, CaseIterable, Sendable, Codable {
    /// Every catalogue video competed in every session (the original's assumption).
    case catalogue
    /// Only the videos the session showed competed (no unshown competitor).
    case shownOnly
    /// Every video uploaded by the session's day competed.
    case uploaded
    /// Uploaded videos competed, each with its own unknown log-weight of entering the pool (`VideoEffectsFit`).
    case videoEffects
    /// The same, plus a fitted multiple of the user's taste for the candidate's category (`UserCategoryTaste`).
    case videoEffectsTaste
    /// The order of each shown list given its set, the unshown pool's weight free per session (`ShownOrderLikelihood`).
    case shownOrder
    /// The same with the unshown pool's weight a common fraction of the uploaded catalogue's.
    case shownOrderProportional
    /// Uploaded videos enter the pool independently with per-video probabilities, pools marginalised (`PoolSamplingFit`).
    case poolSampling
    /// The pools the synthetic platform actually drew (an oracle: never available on real data).
    case truePool

    /// The assumptions step 4 fits on every run (the shown-order likelihoods are weakly identified and the
    /// pool-sampling likelihood is slow; `make coverage` measures them, step 4 adds the latter on request).
    public static let stepFour: [PoolAssumption] = [.catalogue, .shownOnly, .uploaded, .videoEffects, .truePool]

    /// A reader's name for the assumption.
    public var title: String {
        switch self {
        case .catalogue: return "whole catalogue"
        case .shownOnly: return "shown videos only"
        case .uploaded: return "uploaded catalogue"
        case .videoEffects: return "uploaded catalogue + video effects"
        case .videoEffectsTaste: return "video effects + user's category taste"
        case .shownOrder: return "shown order, free pool remainder"
        case .shownOrderProportional: return "shown order, proportional remainder"
        case .poolSampling: return "uploaded catalogue, pools marginalised"
        case .truePool: return "true pools (oracle)"
        }
    }

    /// What the assumption says about the unlogged pools, for the notebook.
    public var assumes: String {
        switch self {
        case .catalogue:
            return "the platform ranked every video, so every unshown video lost to the shown ones"
        case .shownOnly:
            return "nothing but the shown videos was ranked, so only their order carries information"
        case .uploaded:
            return "the platform ranked every video already uploaded on the session's day"
        case .videoEffects:
            return "pools are drawn from the uploaded videos with a per-video inclusion rate of any form (popularity, freshness, quality), not depending on the user beyond what the heads capture"
        case .videoEffectsTaste:
            return "as the row above, and the pool also leans towards the categories the user was shown in the other sessions: its log-weight adds β times the user's log-lift for the candidate's category (β fitted); retrieval that follows the user–video pair below the category level is still attributed to the heads"
        case .shownOrder:
            return "each list is the top of one pool ranked by the value plus Gumbel noise, the pool drawn independently of that noise in any way (popularity, freshness, the user's retrieval model); nothing about its size or make-up"
        case .shownOrderProportional:
            return "as the row above, and the unshown part of every pool weighs the same fraction of the uploaded catalogue's unshown videos"
        case .poolSampling:
            return "each uploaded video enters a pool independently with its own probability of any form (popularity, freshness, quality), not depending on the user beyond what the heads capture; shown videos were in their pool, and a video not shown was either outside the pool or ranked below the list"
        case .truePool:
            return "the pools are known (synthetic world only)"
        }
    }
}

/// One assumption's fit.
public struct PoolAssumptionEstimate: Sendable {
    public var assumption: PoolAssumption
    public var fit: PlackettLuceLists.Fit
    /// The fitted video effects (`videoEffects` only).
    public var effects: VideoEffectsFit?
    /// Sessions fitted when fewer than all (`poolSampling` on a sample).
    public var sessions: Int?
    /// β̂, the fitted weight of the user's category taste in the pool's log-weight (`videoEffectsTaste` only).
    public var tasteWeight: Double?

    public init(assumption: PoolAssumption, fit: PlackettLuceLists.Fit, effects: VideoEffectsFit? = nil, sessions: Int? = nil,
                tasteWeight: Double? = nil) {
        self.assumption = assumption
        self.fit = fit
        self.effects = effects
        self.sessions = sessions
        self.tasteWeight = tasteWeight
    }
}

/// The upload day of every candidate and the day of every session, which the `uploaded` and `videoEffects`
/// assumptions need.
public struct CandidateAvailability: Sendable {
    /// `[candidates]` upload day numbers (days since 1970-01-01; `Int32.min` = unknown, always available).
    public var uploadDay: [Int32]
    /// `[sessions]` day numbers of each session's first row.
    public var sessionDay: [Int32]
    /// Shown rows whose video was shown before its upload day (made available in that session).
    public var shownBeforeUpload: Int

    public init(uploadDay: [Int32], sessionDay: [Int32], shownBeforeUpload: Int) {
        self.uploadDay = uploadDay
        self.sessionDay = sessionDay
        self.shownBeforeUpload = shownBeforeUpload
    }

    /// Counts the shown rows that precede their video's upload day. `observed` are candidate indices per session.
    public init(uploadDay: [Int32], sessionDay: [Int32], observedOffsets: [Int], observed: [Int32]) {
        var early = 0
        for s in 0..<sessionDay.count {
            for j in observed[observedOffsets[s]..<observedOffsets[s + 1]] where uploadDay[Int(j)] > sessionDay[s] { early += 1 }
        }
        self.init(uploadDay: uploadDay, sessionDay: sessionDay, shownBeforeUpload: early)
    }

    public var choiceSets: PlackettLuceChoiceSets { .uploaded(uploadDay: uploadDay, sessionDay: sessionDay) }
}

extension PoolAssumptionEstimate {
    /// Fits the likelihood of `lists` (their choice sets are replaced) under each assumption in `assumptions`;
    /// `truePool` needs `pools` and is skipped without them.
    /// `videoEffectsTaste` needs `taste` (`UserCategoryTaste.offsets`) and is skipped without it.
    /// `poolSamplingSessions` (when not nil) fits `poolSampling`, the slowest, on that many sessions drawn with
    /// `SeededGenerator(seed: samplingSeed)`, all of them when there are fewer.
    public static func fitAll(_ lists: PlackettLuceLists, availability: CandidateAvailability,
                              pools: PlackettLuceChoiceSets? = nil, taste: [Float]? = nil,
                              assumptions: [PoolAssumption] = PoolAssumption.stepFour,
                              poolSamplingSessions: Int? = nil, samplingSeed: UInt64 = 41) throws -> [PoolAssumptionEstimate] {
        try assumptions.compactMap { assumption in
            switch assumption {
            case .catalogue:
                return PoolAssumptionEstimate(assumption: assumption, fit: try lists.with(choiceSets: .catalogue).fit())
            case .shownOnly:
                return PoolAssumptionEstimate(assumption: assumption, fit: try lists.with(choiceSets: .shownOnly(sessions: lists.sessions)).fit())
            case .uploaded:
                return PoolAssumptionEstimate(assumption: assumption, fit: try lists.with(choiceSets: availability.choiceSets).fit())
            case .videoEffects:
                let effects = VideoEffectsFit.fit(try lists.with(choiceSets: availability.choiceSets))
                return PoolAssumptionEstimate(assumption: assumption, fit: effects.fit, effects: effects)
            case .videoEffectsTaste:
                guard let taste else { return nil }
                let fitted = try VideoEffectsFit.fit(try lists.with(choiceSets: availability.choiceSets), pairTerm: taste)
                return PoolAssumptionEstimate(assumption: assumption, fit: fitted.fit.fit, effects: fitted.fit, tasteWeight: fitted.beta)
            case .shownOrder, .shownOrderProportional:
                let start = try lists.with(choiceSets: .shownOnly(sessions: lists.sessions)).fit().theta
                let order = ShownOrderLikelihood(lists: try lists.with(choiceSets: availability.choiceSets), prefix: Int.max)
                let estimate = order.fit(remainder: assumption == .shownOrder ? .free : .proportional, start: start)
                return PoolAssumptionEstimate(assumption: assumption, fit: estimate.fit)
            case .poolSampling:
                var uploaded = try lists.with(choiceSets: availability.choiceSets)
                if let wanted = poolSamplingSessions, wanted < lists.sessions {
                    var generator = SeededGenerator(seed: samplingSeed)
                    uploaded = try uploaded.sessions(Array((0..<lists.sessions).shuffled(using: &generator).prefix(wanted)).sorted())
                }
                let start = uploaded.fit().theta
                let fit = PoolSamplingFit.fit(ShownOrderLikelihood(lists: uploaded, prefix: Int.max), start: start)
                return PoolAssumptionEstimate(assumption: assumption, fit: fit.fit, sessions: uploaded.sessions)
            case .truePool:
                guard let pools else { return nil }
                return PoolAssumptionEstimate(assumption: assumption, fit: try lists.with(choiceSets: pools).fit())
            }
        }
    }
}
