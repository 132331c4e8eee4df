// ground_truth.json: what was planted in a synthetic world, so step 4 can be checked against a known answer.

import Foundation

/// Counts and rates of a generated world, computed from the rows exactly as SPEC step 1 defines the labels.
public struct SyntheticSummary: Sendable, Codable, Equatable {
    public var users = 0
    public var videos = 0
    public var rows = 0
    public var rowsOutsideBursts = 0
    /// Simulated sessions (the SPEC's > 1 h gap rule recovers exactly these).
    public var sessions = 0
    public var sessionLengthMedian = 0.0
    public var sessionLengthMean = 0.0
    public var sessionLengthMax = 0
    /// Rows whose (user, video) pair appeared earlier for that user.
    public var repeatedPairRows = 0
    /// Rates of y_complete, y_long, y_rewatch, y_neg over all rows.
    public var labelRates: [Double] = [0, 0, 0, 0]
    /// Mean p_true over the shown rows (should match `labelRates` up to sampling noise).
    public var meanTrueProbabilities: [Double] = [0, 0, 0, 0]
    /// Mean planted value w* · p_true of shown rows, and of all videos for the same users and contexts.
    public var meanShownValue = 0.0
    public var meanCatalogueValue = 0.0
    /// Standard deviation of the planted value across the catalogue, for a user and context (row-weighted mean).
    public var catalogueValueSD = 0.0
    /// Distinct videos shown at least once.
    public var distinctVideosShown = 0
    /// Mean candidate pool size per session (0 when every session ranks the whole catalogue).
    public var meanPoolSize = 0.0
    public var itemDailyRows = 0
    public var captionRecords = 0
    /// The block of `small_matrix.csv` (nil when none was written).
    public var smallMatrix: SmallMatrixSummary?

    /// Size of the synthetic small matrix.
    public struct SmallMatrixSummary: Sendable, Codable, Equatable {
        public var users: Int
        public var videos: Int
        /// Rows written, and those with empty time fields.
        public var rows: Int
        public var rowsWithoutTime: Int
        /// Rates of y_complete, y_long, y_rewatch, y_neg over its rows.
        public var labelRates: [Double]
    }
}

/// The contents of `ground_truth.json`.
public struct SyntheticGroundTruth: Codable, Sendable, Equatable {
    public struct Noise: Codable, Sendable, Equatable {
        public var distribution: String
        public var scale: Double
        /// How the ranking was drawn: "plackett-luce" (exact Gumbel-top-k shortcut) or "explicit-scores".
        public var sampler: String
    }

    public var generatorVersion: String
    public var seed: UInt64
    public var headOrder: [String]
    /// The planted head weights w*, in `headOrder`.
    public var weights: [Double]
    public var valueModel: String
    public var noise: Noise
    /// How each session's candidate pool was generated.
    public var candidatePool: String
    public var context: String
    public var bursts: [String]
    public var files: [String]
    public var configuration: SyntheticWorldConfiguration
    public var summary: SyntheticSummary
    public var itemDaily: SyntheticCSV.ItemDailyNotes
    public var captions: SyntheticCSV.CaptionNotes

    public init(configuration c: SyntheticWorldConfiguration, usesPlackettLuce: Bool, summary: SyntheticSummary,
                itemDaily: SyntheticCSV.ItemDailyNotes, captions: SyntheticCSV.CaptionNotes) {
        generatorVersion = SyntheticWorldConfiguration.generatorVersion
        seed = c.seed
        headOrder = SyntheticWorldConfiguration.headOrder
        weights = c.weights
        valueModel = "score(video) = w . p_true(user, video, session context) + noise.scale * epsilon; "
            + "a session shows the top sess_len candidates of its pool in descending score, no video twice"
        noise = Noise(distribution: c.noiseDistribution.rawValue, scale: c.noiseScale,
                      sampler: usesPlackettLuce ? "plackett-luce" : "explicit-scores")
        switch c.candidatePool {
        case .catalogue:
            candidatePool = "catalogue: every video is a candidate of every session (upload dates ignored)"
        case .popularity:
            candidatePool = "popularity: \(c.poolMinimum)-\(c.poolMaximum) videos uploaded by the session's day, drawn without replacement in proportion to popularity"
        case .retrieval:
            candidatePool = "retrieval: \(c.poolMinimum)-\(c.poolMaximum) videos uploaded by the session's day, drawn without replacement in proportion to popularity x exp(\(c.retrievalAffinityWeight) x (affinity + \(c.retrievalNoise) x retrieval error))"
        }
        context = "day-part of the Beijing hour of the session's first row: 0 = 00-05, 1 = 06-11, 2 = 12-17, 3 = 18-23"
        bursts = ["2020-07-05..2020-07-12", "2020-08-01..2020-08-10", "2020-08-27..2020-09-05"]
        files = Self.files(of: c)
        configuration = c
        self.summary = summary
        self.itemDaily = itemDaily
        self.captions = captions
    }

    /// The data files a world of configuration `c` has besides `ground_truth.json`, a folder with a trailing "/": the
    /// four KuaiRec files, `small_matrix.csv` unless `c` has none, `candidate_pools/` when its platform draws pools.
    public static func files(of c: SyntheticWorldConfiguration) -> [String] {
        ["big_matrix.csv", "user_features.csv", "item_daily_features.csv", "kuairec_caption_category.csv"]
            + (c.smallMatrix == nil ? [] : ["small_matrix.csv"])
            + (c.candidatePool == .catalogue ? [] : [SyntheticPoolLog.folderName + "/"])
    }

    /// Pretty, key-sorted JSON (byte-identical for identical contents).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var data = try encoder.encode(self)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Reads a `ground_truth.json`, refusing, with the file and the key, one that is truncated or not JSON, lacks a key,
    /// holds a configuration the generator would not accept (the later steps rebuild the world from it), or whose
    /// planted weights, noise, seed or head order differ from that configuration's (an edited file).
    public static func read(from path: String) throws -> SyntheticGroundTruth {
        let fix = "regenerate it with 0-synthetic-data or remove it for real data"
        let truth = try JSONFile.decode(SyntheticGroundTruth.self, from: path, what: "a synthetic world's ground_truth.json",
                                        missing: "Generate a synthetic world with 0-synthetic-data.", fix: fix)
        let c = truth.configuration
        do {
            try c.validate()
        } catch let PipelineError.invalidOption(name, reason) {
            throw JSONFile.refuse(path, "configuration", "is not a world 0-synthetic-data builds (\(name) \(reason))", fix: fix)
        }
        let copies: [(key: String, same: Bool, value: String, configured: String)] = [
            ("weights", truth.weights == c.weights, "\(truth.weights)", "\(c.weights)"),
            ("seed", truth.seed == c.seed, "\(truth.seed)", "\(c.seed)"),
            ("noise.scale", truth.noise.scale == c.noiseScale, "\(truth.noise.scale)", "\(c.noiseScale)"),
            ("noise.distribution", truth.noise.distribution == c.noiseDistribution.rawValue, truth.noise.distribution, c.noiseDistribution.rawValue),
            ("headOrder", truth.headOrder == SyntheticWorldConfiguration.headOrder, "\(truth.headOrder)", "\(SyntheticWorldConfiguration.headOrder)"),
        ]
        for copy in copies where !copy.same {
            throw JSONFile.refuse(path, copy.key, "is \(copy.value), but the world's configuration has \(copy.configured) (an edited file?)", fix: fix)
        }
        return truth
    }
}

/// The candidate pools a synthetic platform drew, one per session in big_matrix order (users in id order,
/// sessions in time order), written as `.npy` files in `candidate_pools/`: `session_user` `[S]` (int32),
/// `session_start_ms` `[S]` (int64, UTC ms of the session's first row), `pool_offsets` `[S + 1]` (int64) and
/// `pool_videos` (int32; session s's pool is `pool_videos[pool_offsets[s] ..< pool_offsets[s + 1]]`).
/// Only diagnostics read it: on a real platform the pools are never logged, and no estimator may use them.
public struct SyntheticPoolLog: Sendable, Equatable {
    public static let folderName = "candidate_pools"
    public var users: [Int32] = []
    public var startsMs: [Int64] = []
    public var offsets: [Int64] = [0]
    public var videos: [Int32] = []

    public init() {}

    /// Adds a simulated user's sessions and pools.
    mutating func append(_ log: SyntheticUserLog) {
        var row = 0
        for (s, length) in log.sessionLengths.enumerated() {
            users.append(Int32(log.user))
            startsMs.append(log.rows[row].utcMs)
            row += Int(length)
            videos.append(contentsOf: log.poolVideos[log.poolOffsets[s]..<log.poolOffsets[s + 1]])
            offsets.append(Int64(videos.count))
        }
    }

    func write(to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try NumpyFile.write(.int32(users), to: folder + "/session_user.npy")
        try NumpyFile.write(.int64(startsMs), to: folder + "/session_start_ms.npy")
        try NumpyFile.write(.int64(offsets), to: folder + "/pool_offsets.npy")
        try NumpyFile.write(.int32(videos), to: folder + "/pool_videos.npy")
    }

    /// Reads the pools of a synthetic world's `candidate_pools/` folder, checking dtypes and shapes.
    public static func read(folder: String) throws -> SyntheticPoolLog {
        func array(_ name: String, _ descr: String) throws -> NumpyFile.StoredArray {
            let path = folder + "/" + name
            let stored = try NumpyFile.read(path: path)
            guard stored.descr == descr, stored.shape.count == 1 else {
                throw PipelineError.malformedInput(SourceLocation(file: path), reason: "holds \(stored.descr) \(stored.shape), expected a 1-d \(descr) array; regenerate the world with 0-synthetic-data")
            }
            return stored
        }
        var log = SyntheticPoolLog()
        log.users = try array("session_user.npy", "<i4").values(as: Int32.self)
        log.startsMs = try array("session_start_ms.npy", "<i8").values(as: Int64.self)
        log.offsets = try array("pool_offsets.npy", "<i8").values(as: Int64.self)
        log.videos = try array("pool_videos.npy", "<i4").values(as: Int32.self)
        guard log.startsMs.count == log.users.count, log.offsets.count == log.users.count + 1, log.offsets.first == 0,
              log.offsets.last == Int64(log.videos.count), zip(log.offsets, log.offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw PipelineError.malformedInput(SourceLocation(file: folder), reason: "candidate pool arrays do not fit together; regenerate the world with 0-synthetic-data")
        }
        return log
    }

    /// The recorded pool of each session given by its user and the Beijing wall-clock time of its first row
    /// (`time` in step 1; the log keeps UTC), as candidate indices (`indexOfVideo[video]`, −1 = not a candidate,
    /// dropped): `offsets` `[sessions + 1]` into `candidates`, empty for a session without a recorded pool, and how
    /// many sessions had one.
    public func pools(users: [Int32], startsBeijingMs: [Int64], indexOfVideo: [Int32]) -> (offsets: [Int], candidates: [Int32], matched: Int) {
        var index: [Int64: Int] = [:]
        for s in self.users.indices {
            index[Int64(self.users[s]) << 44 ^ (startsMs[s] + SyntheticCalendar.beijingOffsetMs)] = s
        }
        var offsets = [0], candidates: [Int32] = []
        var matched = 0
        for s in users.indices {
            if let p = index[Int64(users[s]) << 44 ^ startsBeijingMs[s]] {
                matched += 1
                for v in videos[Int(self.offsets[p])..<Int(self.offsets[p + 1])] {
                    let j = Int(v) < indexOfVideo.count ? indexOfVideo[Int(v)] : -1
                    if j >= 0 { candidates.append(j) }
                }
            }
            offsets.append(candidates.count)
        }
        return (offsets, candidates, matched)
    }

}

extension SyntheticGroundTruth {
    /// The key of step 1's manifest options that records the raw folder's `ground_truth.json` as step 1 saw it.
    public static let step1OptionKey = "ground-truth"

    /// What step 1 records under `step1OptionKey` for the raw folder `raw`: the content hash of its `ground_truth.json`
    /// (a synthetic world), or "none" (real data).
    public static func step1Record(raw: String) throws -> String {
        let path = raw + "/ground_truth.json"
        return FileManager.default.fileExists(atPath: path) ? try ContentHash.ofFile(path) : "none"
    }

    /// The ground truth of the raw folder `raw` for a step that rebuilds `p_true` from it, or nil on real data
    /// (no `ground_truth.json`, and step 1 saw none). Refuses a raw folder that is not the one step 1 read (`step1`'s
    /// manifest: each recorded input by name and size); a ground truth step 1 saw that is now gone, changed, or one it
    /// did not see (so a step never quietly treats a synthetic world as real data, or the reverse); and a ground truth
    /// written by another generator version, whose `p_true` today's code would not reproduce.
    public static func forStep(raw: String, step1: Manifest) throws -> (truth: SyntheticGroundTruth, path: String)? {
        try Manifest.checkRawFolder(raw, against: step1.inputs)
        let path = raw + "/ground_truth.json"
        let rerun = "re-run from `1-data-preparation`"
        let current = FileManager.default.fileExists(atPath: path) ? try ContentHash.ofFile(path) : nil
        switch (step1.options[step1OptionKey], current) {
        case (nil, nil), ("none", nil):   // real data (or a manifest written before step 1 recorded the ground truth)
            return nil
        case (_?, nil):
            throw PipelineError.missingFile(path: path, hint: "Step 1 read this folder as a synthetic world with this ground truth (its manifest records it): restore the file, or \(rerun) to treat the folder as real data.")
        case ("none", _?):
            throw PipelineError.invalidData("\(path) appeared after `1-data-preparation` read \(raw) as real data: remove it, or \(rerun) to treat the folder as a synthetic world")
        case let (recorded?, current?) where recorded != current:
            throw PipelineError.invalidData("\(path) changed after `1-data-preparation` read \(raw) (content hash \(recorded) then, \(current) now): restore it, or \(rerun)")
        default:   // the ground truth step 1 saw, or a manifest written before step 1 recorded it
            break
        }
        let truth = try read(from: path)
        guard truth.generatorVersion == SyntheticWorldConfiguration.generatorVersion else {
            throw PipelineError.malformedInput(SourceLocation(file: path),
                reason: "was written by generator \(truth.generatorVersion), but this code rebuilds p_true as generator \(SyntheticWorldConfiguration.generatorVersion); regenerate the world (`make clean-data notebooks`) or remove ground_truth.json for real data")
        }
        return (truth, path)
    }
}
