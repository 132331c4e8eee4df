// The options of a synthetic KuaiRec world and the description of the world they build.

/// # The synthetic KuaiRec world
///
/// A seeded generator writes the four KuaiRec 2.0 input files (`big_matrix.csv`, `user_features.csv`,
/// `item_daily_features.csv`, `kuairec_caption_category.csv`) in the real format, plus `ground_truth.json`,
/// so the whole pipeline runs without the real data and step 4 (head-weight estimation) can be checked
/// against a known answer. It is a *world*, not noise:
///
/// **Latent world** (`SyntheticLatentWorld`). Users and videos carry latent factors of dimension
/// `latentDimension` (8). Videos belong to level-1 categories (popularity Zipf-like), level-2 categories
/// nested under them (8 % unknown, id -124) and rarely a level-3 category; a video's factors are
/// 0.75 · its level-1 centre + 0.35 · its level-2 centre + 0.55 · noise, so categories are correlated with the
/// factors. Each user prefers three level-1 categories (+0.6) on top of a small random preference per category.
/// The *affinity* of (user, video) is `0.8 · <u, v> / sqrt(d) + preference(user, level-1 of video)`.
/// Users also have an activity (log-normal, mean 1: how many sessions they open per day), a typical session
/// length, and small skip / loop / watch biases; videos have a quality, a "loopiness" (music and dance loop more)
/// and a duration (log-normal, median 9 s, category-shifted, clipped to 2 s .. 10 min).
///
/// **Engagement** (`SyntheticEngagementModel`). Watching a video is a three-way mixture, each part with its own
/// drivers so the four heads are not collinear:
/// - *skip* (probability `sigmoid(ℓ_skip)`, raised by low affinity, low quality, long videos, night-time):
///   play ~ Uniform(150 ms, 2600 ms) — drives `y_neg`;
/// - *loop* (probability `(1 - p_skip) · sigmoid(ℓ_loop)`, raised by loopiness, affinity, short videos, evening):
///   watch ratio = 1 + Exponential(mean 0.9) — drives `y_rewatch` (and complete/long);
/// - *watch* (the rest): log watch ratio ~ Normal(μ, 0.3²), μ raised by affinity and quality and lowered by
///   duration — drives `y_complete` and `y_long`.
/// `play_duration = min(floor(video_duration · ratio), 40 min)`. Every head is a threshold on the integer
/// play duration (`play >= D`, `play >= min(12000, ceil(1.5 D))`, `play >= 2 D`, `play <= 2000`), so the exact
/// head probabilities `p_true = (P complete, P long, P rewatch, P neg)` are closed-form mixtures of uniform,
/// exponential and normal tails (`SyntheticEngagementModel.headProbabilities`): no Monte Carlo.
/// The *context* of a session is the day-part of its first row's Beijing hour (0 = 00-05 h, 1 = 06-11 h,
/// 2 = 12-17 h, 3 = 18-23 h); it shifts the skip and loop log-odds a little.
///
/// **Time** (`SyntheticSessionSimulator`). Three bursts in Beijing time, 2020-07-05..07-12, 2020-08-01..08-10,
/// 2020-08-27..09-05. On each burst day a user opens Poisson(`sessionsPerDay` · activity) sessions, started at
/// hours drawn from a diurnal profile (evening peak); a few stray sessions (`straySessionsPerUser`, Poisson) fall
/// on days outside the bursts. Session lengths are log-normal (median `sessionLengthMedian`, log-sd
/// `sessionLengthSigma`, per-user log-median shift sd 0.3), clipped to 1..`maxSessionLength`: right-skewed.
/// Within a session the next row starts after the play duration plus a pause (0.3 s + Exponential(2.5 s), at
/// most 60 s), so gaps stay far below one hour; a session starts more than one hour after the previous one's
/// last row, so the SPEC's ">1 h gap" rule recovers exactly the simulated sessions.
///
/// **Candidate generation** (`SyntheticCandidatePools`). As on a real platform, a session's ranking sees only a
/// *pool* of retrieved candidates, never logged: `candidatePool` chooses (a) `catalogue`, every video (the
/// pre-2.0 world, kept for comparison), (b) `popularity`, a pool of `poolMinimum...poolMaximum` (uniform) videos
/// already uploaded by the session's day, drawn without replacement with probability proportional to the video's
/// popularity (log-normal, log-sd `popularitySpread`, correlated with quality), or (c) `retrieval` (the default),
/// the same draw with weights `popularity · exp(retrievalAffinityWeight · (affinity + retrievalNoise · η))`, η a
/// fixed standard-normal error per (user, video): a two-tower retrieval model that knows the user's taste up to
/// its own error. `uploadedDuringBursts` of the videos are uploaded on a burst day (the rest before the first), so
/// pools change over time. Pools are recorded in `candidate_pools/` for diagnostics.
///
/// **Planted value model** (`SyntheticPlatform`). For each session the platform ranks its pool and scores each
/// candidate by
/// `w* · p_true(user, video, session context) + noiseScale · ε` and shows the top `sess_len` in score order
/// (no video twice in a session; repeats across sessions allowed). ε is standard Gumbel by default (or standard
/// normal). With Gumbel noise the ordered top-K is exactly a Plackett-Luce draw with weights
/// `exp(value / noiseScale)` (the Gumbel-top-k trick); for the whole catalogue the generator draws it that way
/// (sequential weighted sampling without replacement, exact), which costs O(K log N) instead of O(N) per session.
/// `w*` defaults to (0.22, 0.10, -0.02, -0.66), the paper's estimate (sum of |w| = 1), in head order
/// (complete, long, rewatch, neg). The user's watching of each shown video is then drawn from the engagement
/// model. `ground_truth.json` records w*, the noise, the pool, the seed, the configuration and a summary.
///
/// **Randomness.** The world is drawn from one generator seeded by `seed`; each user's sessions use a generator
/// derived from (seed, user id), so the files are byte-identical for a seed whatever the number of threads.
public struct SyntheticWorldConfiguration: Codable, Sendable, Equatable {
    /// Changes whenever the same configuration would produce different bytes.
    public static let generatorVersion = "synthetic-kuairec-2.1"
    /// The order of the four heads in `weights` and in `SyntheticHeadProbabilities.array`.
    public static let headOrder = Head.labelNames
    /// The paper's estimate of the head weights, L1-normalised.
    public static let paperWeights: [Double] = [0.22, 0.10, -0.02, -0.66]
    /// Default scale of the platform's ranking noise. The planted values `w* · p_true` have a spread (sd) of
    /// about 0.145 across the catalogue for a user and context; a Gumbel scale of 0.1 gives log-weights
    /// `value / 0.1` with sd about 1.45: the value model clearly shapes what is shown (shown rows have a mean
    /// value about one catalogue sd above the catalogue mean), while a user still meets much of the catalogue.
    public static let defaultNoiseScale = 0.1

    /// Number of users (ids 0..<users).
    public var users: Int = 600
    /// Number of videos (ids 0..<videos).
    public var videos: Int = 1200
    /// Seed of the whole world.
    public var seed: UInt64 = 2026
    /// Planted head weights w*, in `headOrder`.
    public var weights: [Double] = SyntheticWorldConfiguration.paperWeights
    /// Scale of the noise added to the platform's score.
    public var noiseScale: Double = SyntheticWorldConfiguration.defaultNoiseScale
    /// Distribution of the standardised noise ε.
    public var noiseDistribution: SyntheticNoiseDistribution = .gumbel
    /// How each session's candidate pool is generated before the value model ranks it.
    public var candidatePool: SyntheticCandidatePool = .retrieval
    /// Smallest and largest pool (uniform in between; at most the videos uploaded by the session's day).
    public var poolMinimum: Int = 150
    public var poolMaximum: Int = 300
    /// Log-sd of the videos' popularity (the retrieval weight of the popularity channel).
    public var popularitySpread: Double = 1.0
    /// How strongly the retrieval pool follows the user's affinity (0 = popularity alone).
    public var retrievalAffinityWeight: Double = 1.0
    /// Standard deviation of the retrieval model's per-(user, video) error on the affinity.
    public var retrievalNoise: Double = 0.7
    /// Share of videos uploaded on a burst day (uniformly among them); the rest before the first burst.
    public var uploadedDuringBursts: Double = 0.25
    /// Score every candidate explicitly even when the exact Plackett-Luce shortcut applies (slow; for checks).
    public var scoreEveryCandidate: Bool = false
    /// Dimension of the latent user and video factors.
    public var latentDimension: Int = 8
    /// Mean number of sessions a user of activity 1 opens per burst day.
    public var sessionsPerDay: Double = 2.7
    /// Median session length (rows) before the per-user shift.
    public var sessionLengthMedian: Double = 7.5
    /// Log-scale standard deviation of session lengths.
    public var sessionLengthSigma: Double = 1.5
    /// Longest session (rows).
    public var maxSessionLength: Int = 600
    /// Mean number of sessions per user on days outside the bursts.
    public var straySessionsPerUser: Double = 0.1
    /// Constants of the engagement model.
    public var engagement = SyntheticEngagementParameters()
    /// How `small_matrix.csv` is drawn; `nil`: not written (as by generator versions before 2.1).
    public var smallMatrix: SyntheticSmallMatrix? = SyntheticSmallMatrix()

    public init() {}

    public init(users: Int, videos: Int, seed: UInt64) {
        self.users = users
        self.videos = videos
        self.seed = seed
    }

    /// The number of level-1 categories for this catalogue size (30 at the default size and above).
    public var level1CategoryCount: Int { min(30, max(2, videos / 10)) }

    /// Checks that the options describe a world that can be built.
    public func validate() throws {
        func fail(_ name: String, _ reason: String) -> PipelineError { .invalidOption(name: name, reason: reason) }
        guard users >= 1 else { throw fail("--users", "must be at least 1, got \(users)") }
        guard videos >= 10 else { throw fail("--videos", "must be at least 10, got \(videos)") }
        guard users <= 10_000_000, videos <= 10_000_000 else {
            throw fail("--users/--videos", "at most 10,000,000 each")
        }
        guard weights.count == 4, weights.allSatisfy({ $0.isFinite }) else {
            throw fail("--weights", "needs four finite numbers (complete, long, rewatch, neg)")
        }
        guard weights.contains(where: { $0 != 0 }) else { throw fail("--weights", "must not all be zero") }
        guard noiseScale.isFinite, noiseScale > 0 else {
            throw fail("--noise", "must be a positive number, got \(noiseScale)")
        }
        guard poolMinimum >= 1, poolMaximum >= poolMinimum, poolMaximum <= 1_000_000 else {
            throw fail("--pool-size", "needs 1 <= minimum <= maximum <= 1,000,000, got \(poolMinimum)...\(poolMaximum)")
        }
        guard popularitySpread.isFinite, (0...5).contains(popularitySpread) else {
            throw fail("--popularity-spread", "must be in [0, 5], got \(popularitySpread)")
        }
        guard retrievalAffinityWeight.isFinite, (0...10).contains(retrievalAffinityWeight) else {
            throw fail("--retrieval-affinity", "must be in [0, 10], got \(retrievalAffinityWeight)")
        }
        guard retrievalNoise.isFinite, (0...10).contains(retrievalNoise) else {
            throw fail("--retrieval-noise", "must be in [0, 10], got \(retrievalNoise)")
        }
        guard uploadedDuringBursts.isFinite, (0...1).contains(uploadedDuringBursts) else {
            throw fail("--uploaded-during-bursts", "must be in [0, 1], got \(uploadedDuringBursts)")
        }
        guard (1...64).contains(latentDimension) else { throw fail("--latent-dimension", "must be in 1...64") }
        guard sessionsPerDay.isFinite, sessionsPerDay > 0, sessionsPerDay <= 50 else {
            throw fail("--sessions-per-day", "must be in (0, 50]")
        }
        guard sessionLengthMedian >= 1, sessionLengthMedian <= 1000 else {
            throw fail("--session-length-median", "must be in [1, 1000]")
        }
        guard sessionLengthSigma >= 0, sessionLengthSigma <= 4 else {
            throw fail("sessionLengthSigma", "must be in [0, 4]")
        }
        guard maxSessionLength >= 1 else { throw fail("maxSessionLength", "must be at least 1") }
        guard straySessionsPerUser >= 0, straySessionsPerUser <= 20 else {
            throw fail("--stray-sessions", "must be in [0, 20]")
        }
        try engagement.validate()
        try smallMatrix?.validate()
    }
}

/// How a session's candidate pool is generated (the retrieval stage before the value model ranks).
public enum SyntheticCandidatePool: String, Codable, Sendable, CaseIterable {
    /// Every video of the catalogue, uploaded or not (the world before generator 2.0).
    case catalogue
    /// Uploaded videos drawn without replacement in proportion to their popularity.
    case popularity
    /// Uploaded videos drawn in proportion to popularity times a noisy exponentiated user–video affinity.
    case retrieval
}

/// The distribution of the standardised noise ε in the platform's score.
public enum SyntheticNoiseDistribution: String, Codable, Sendable, CaseIterable {
    /// Standard Gumbel (location 0, scale 1): the ranking is a Plackett-Luce model in `exp(value / scale)`.
    case gumbel
    /// Standard normal: a Thurstone-style ranking (every candidate is scored; slower at full size).
    case normal
}
