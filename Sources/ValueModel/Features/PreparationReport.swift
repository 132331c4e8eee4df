#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What step 1 saw and did: the counts, rates and distributions its notebook reports.
public struct PreparationReport: Codable {
    public struct StageTime: Codable { public var stage: String; public var seconds: Double }
    public struct DayCount: Codable { public var day: String; public var burst: Int; public var rows: Int }
    public struct BurstSummary: Codable {
        public var burst: Int
        public var days: Int
        public var rows: Int
        /// Rates of y_complete, y_long, y_rewatch, y_neg.
        public var labelRates: [Double]
    }

    public var bigMatrixRows = 0
    /// Blank lines of big_matrix.csv, skipped (as pandas does) and counted.
    public var bigMatrixBlankLines = 0
    public var rowsWithoutFractionalSeconds = 0
    public var anomalies = InteractionLog.Anomalies()
    /// Exact duplicates and same-time rows of different videos among the kept interactions.
    public var ties = InteractionLog.Ties()
    public var userFeatureRows = 0
    public var itemVideos = 0
    public var captionVideos = 0
    /// Caption lines kept with more fields than the header, kept with fewer, skipped, and repeating a video
    /// (`CaptionCategoryTable`).
    public var captionExtraFieldLines: [Int] = []
    public var captionShortLines: [Int] = []
    public var captionSkippedLines: [Int] = []
    public var captionDuplicateLines: [Int] = []
    /// Caption lines kept by position whose category id is not a number (read as missing); each is also in
    /// `captionExtraFieldLines` or `captionShortLines`.
    public var captionMisreadCategoryLines: [Int] = []
    public var droppedOutsideBursts = 0
    public var keptRows = 0
    public var users = 0
    public var videos = 0
    public var interactionsWithoutUserFeatures = 0
    public var interactionsWithoutItemFeatures = 0
    public var interactionsWithoutCategory = 0
    public var dailyCounts: [DayCount] = []
    public var bursts: [BurstSummary] = []
    public var overallLabelRates: [Double] = []
    /// Length of every session, in session order.
    public var sessionLengths: [Int] = []
    /// Number of sessions of every user with interactions.
    public var sessionsPerUser: [Int] = []
    /// `hist_intersess_gap_h` summarised over rows as the original's `describe()` (count, mean, std, min, 25%,
    /// 50%, 75%, max; quantiles of an evenly spaced sample of at most `sampleLimit` rows), and the positive gaps
    /// once per session (the original's histogram).
    public var gapFeatureSummary: [Double] = []
    public var positiveSessionGapHours: [Double] = []
    /// `describe()` of `hist_author_recency_days`, `hist_last_complete_author`, `hist_has_author_history`, and the
    /// first (at most 20) rows of the first row's (user, author) pair (the original's spot check).
    public var authorHistorySummary: [[Double]] = []
    public var authorSpotCheckPair: (user: Int32, author: String)?
    public var authorSpotCheck: [AuthorHistoryRow] = []
    /// The user whose `hist_cat_entropy_l2` the notebook plots over time (the original's user 5 when present, else
    /// the user with the most rows): its id and each row's time (ms) and entropy.
    /// Every output column summarised as the original's `describe(include="all")`, in column order.
    public var columnSummaries: [ColumnSummary] = []
    public var entropyTrajectoryUser: Int32?
    public var entropyTrajectory: [(timeMs: Int64, entropy: Float)] = []
    /// Per video (first duration seen) in seconds; per interaction play seconds and watch ratio.
    public var videoDurationSeconds: [Double] = []
    public var playSecondsSample: [Double] = []
    public var watchRatioSample: [Double] = []
    /// Per user, entropy (nats) of their level-1, level-2 and level-3 category counts over all their rows.
    public var userCategoryEntropy: [[Double]] = []
    public var stageSeconds: [StageTime] = []
    /// What step 1 made of `small_matrix.csv` (nil when the folder has none).
    public var smallMatrix: SmallMatrixPreparation.Report?
    /// What notebook 1 concludes from the complete report (`PreparationFindings.make`, set by `DataPreparation.run`).
    public var findings = PreparationFindings()

    /// The JSON form keeps the counts and rates, not the per-session and per-row distributions.
    enum CodingKeys: String, CodingKey {
        case bigMatrixRows, bigMatrixBlankLines, rowsWithoutFractionalSeconds, anomalies, ties, userFeatureRows, itemVideos, captionVideos
        case captionExtraFieldLines, captionShortLines, captionSkippedLines, captionDuplicateLines, captionMisreadCategoryLines
        case droppedOutsideBursts, keptRows, users, videos
        case interactionsWithoutUserFeatures, interactionsWithoutItemFeatures, interactionsWithoutCategory
        case dailyCounts, bursts, overallLabelRates, stageSeconds, smallMatrix, columnSummaries, findings
    }

    /// The user the original plots the running entropy of.
    public static let originalEntropyUser: Int32 = 5

    /// Distributions keep at most this many interactions (an evenly spaced sample) to stay small.
    public static let sampleLimit = 1_000_000

    /// Days from `startMs` to `endMs` (milliseconds).
    public static func days(from startMs: Int64, to endMs: Int64) -> Double {
        Double(endMs - startMs) / 86_400_000
    }

    /// Interactions per calendar day, stray days outside the bursts included.
    mutating func recordDays(timeMs: [Int64]) {
        var perDay: [Int: Int] = [:]
        for time in timeMs { perDay[Burst.day(ofMilliseconds: time), default: 0] += 1 }
        dailyCounts = perDay.keys.sorted().map { day in
            DayCount(day: Burst.isoDate(day), burst: Int(Burst.id(ofDay: day)), rows: perDay[day] ?? 0)
        }
    }

    mutating func record(log: InteractionLog, burst: [Int8], sessions: Sessions) {
        keptRows = log.count
        sessionLengths = (0..<sessions.count).map { sessions.starts[$0 + 1] - sessions.starts[$0] }
        var sessionsOfUser: [Int32: Int] = [:]
        for index in 0..<sessions.count { sessionsOfUser[log.userId[sessions.starts[index]], default: 0] += 1 }
        sessionsPerUser = sessionsOfUser.keys.sorted().map { sessionsOfUser[$0] ?? 0 }
        users = sessionsOfUser.count
        var durationOfVideo: [Int32: Double] = [:]
        for (video, duration) in zip(log.videoId, log.videoDuration) where durationOfVideo[video] == nil {
            durationOfVideo[video] = duration / 1000
        }
        videos = durationOfVideo.count
        videoDurationSeconds = durationOfVideo.keys.sorted().map { durationOfVideo[$0] ?? 0 }
        let stride = max(1, log.count / Self.sampleLimit)
        playSecondsSample = Swift.stride(from: 0, to: log.count, by: stride).map { log.playDuration[$0] / 1000 }
        watchRatioSample = Swift.stride(from: 0, to: log.count, by: stride).map { log.watchRatio[$0] }
    }

    mutating func recordLabels(_ labels: [[Int8]], burst: [Int8]) {
        let burstIds = Array(Set(burst)).sorted()
        bursts = burstIds.map { id in
            var rows = 0
            var positives = [Int](repeating: 0, count: labels.count)
            for row in burst.indices where burst[row] == id {
                rows += 1
                for head in labels.indices { positives[head] += Int(labels[head][row]) }
            }
            let days = dailyCounts.filter { $0.burst == Int(id) }.count
            return BurstSummary(burst: Int(id), days: days, rows: rows, labelRates: positives.map { Double($0) / Double(max(rows, 1)) })
        }
        overallLabelRates = labels.map { column in Double(column.reduce(0) { $0 + Int($1) }) / Double(max(column.count, 1)) }
    }

    /// pandas' `describe()` of one column: count (non-missing), mean, std (n − 1), min, 25%, 50%, 75%, max, the
    /// quartiles interpolated linearly over an evenly spaced sample of at most `sampleLimit` values; NaN is missing.
    /// Empty for a column with no value.
    static func describe(_ column: [Double]) -> [Double] {
        let values = column.filter { !$0.isNaN }
        guard !values.isEmpty else { return [] }
        let mean = values.reduce(0, +) / Double(values.count)
        let std = values.count > 1 ? (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot() : .nan
        let stride = max(1, values.count / Self.sampleLimit)
        let sample = Swift.stride(from: 0, to: values.count, by: stride).map { values[$0] }.sorted()
        func quantile(_ q: Double) -> Double {
            let position = q * Double(sample.count - 1)
            let lo = Int(position.rounded(.down)), hi = min(lo + 1, sample.count - 1)
            return sample[lo] + (position - Double(lo)) * (sample[hi] - sample[lo])
        }
        return [Double(values.count), mean, std, values.min() ?? .nan, quantile(0.25), quantile(0.5), quantile(0.75), values.max() ?? .nan]
    }

    /// One column's row of pandas' `describe(include="all")`: for a numeric or datetime column (datetimes as
    /// milliseconds) `describe()`'s eight values; for a categorical column the count of non-missing rows, the
    /// number of distinct values, the most frequent one (the first in sorted order on a tie) and its count.
    public struct ColumnSummary: Codable, Equatable {
        public var name: String
        /// count, mean, std, min, 25%, 50%, 75%, max (numeric and datetime; empty without a value).
        public var numeric: [Double]?
        public var isDatetime = false
        public var count: Int?, unique: Int?, top: String?, frequency: Int?
    }

    /// Appends `column`'s summary (`ColumnSummary`).
    mutating func recordColumn(_ name: String, _ column: Column) {
        func numeric<T: BinaryInteger>(_ values: [T]) -> [Double] { Self.describe(values.map { Double($0) }) }
        var summary = ColumnSummary(name: name)
        switch column {
        case .int8(let v): summary.numeric = numeric(v)
        case .int32(let v): summary.numeric = numeric(v)
        case .int64(let v): summary.numeric = numeric(v)
        case .float32(let v): summary.numeric = Self.describe(v.map(Double.init))
        case .float64(let v): summary.numeric = Self.describe(v)
        case .datetimeMs(let v):
            summary.numeric = numeric(v)
            summary.isDatetime = true
        case .categorical(let codes, let categories):
            var counts = [Int](repeating: 0, count: categories.count)
            for code in codes where code >= 0 && Int(code) < categories.count { counts[Int(code)] += 1 }
            summary.count = counts.reduce(0, +)
            summary.unique = counts.filter { $0 > 0 }.count
            if let best = counts.indices.max(by: { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) }), counts[best] > 0 {
                summary.top = categories[best]
                summary.frequency = counts[best]
            }
        }
        columnSummaries.append(summary)
    }

    /// Summarises `hist_intersess_gap_h` (per row) and keeps each session's positive gap.
    mutating func recordGaps(_ gapHours: [Float], sessions: Sessions) {
        let values = gapHours.map(Double.init)
        gapFeatureSummary = Self.describe(values)
        positiveSessionGapHours = sessions.starts.dropLast().map { values[$0] }.filter { $0 > 0 }
    }

    /// The original's sanity checks of the author-history features: their `describe()` and the first rows of the
    /// (user, author) pair of the first row.
    mutating func recordAuthorHistory(user: [Int32], author: [Int32], authorNames: [String], timeMs: [Int64], complete: [Int8],
                                      recencyDays: [Float], lastComplete: [Float], hasHistory: [Int8]) {
        authorHistorySummary = [recencyDays.map(Double.init), lastComplete.map(Double.init), hasHistory.map(Double.init)].map(Self.describe)
        guard let u = user.first, let a = author.first else { return }
        authorSpotCheckPair = (u, a >= 0 && Int(a) < authorNames.count ? authorNames[Int(a)] : "missing")
        authorSpotCheck = user.indices.lazy.filter { user[$0] == u && author[$0] == a }.prefix(20).map {
            AuthorHistoryRow(timeMs: timeMs[$0], complete: complete[$0], recencyDays: recencyDays[$0], lastComplete: lastComplete[$0],
                             hasHistory: hasHistory[$0])
        }
    }

    /// Keeps `hist_cat_entropy_l2` over time for user 5 (the original's choice) when present, else the user with the
    /// most rows (ties: the smallest id); rows are sorted by (user, time).
    mutating func recordEntropyTrajectory(user: [Int32], timeMs: [Int64], entropy: [Float]) {
        guard !user.isEmpty else { return }
        var best = (user: user[0], start: 0, count: 0)
        var start = 0
        for row in 1...user.count where row == user.count || user[row] != user[start] {
            let group = (user: user[start], start: start, count: row - start)
            start = row
            if group.user == Self.originalEntropyUser { best = group; break }
            if group.count > best.count { best = group }   // ties keep the earlier (smaller) id
        }
        entropyTrajectoryUser = best.user
        entropyTrajectory = (best.start..<(best.start + best.count)).map { (timeMs[$0], entropy[$0]) }
    }

    mutating func recordCategoryEntropies(user: [Int32], levels: [[Double]]) {
        userCategoryEntropy = levels.map { ids in
            // A missing category counts as one category of its own here ("unknown").
            let (slots, slotCount) = HistoryFeatures.denseCategories(ids)
            var counts = [Int](repeating: 0, count: slotCount + 1)
            var entropies: [Double] = []
            var start = 0
            for row in 0...user.count {
                if row == user.count || (row > start && user[row] != user[start]) {
                    let total = Double(row - start)
                    var entropy = 0.0
                    for index in counts.indices where counts[index] > 0 {
                        let p = Double(counts[index]) / total
                        entropy -= p * log(p)
                        counts[index] = 0
                    }
                    entropies.append(entropy)
                    start = row
                }
                if row < user.count { counts[slots[row] < 0 ? slotCount : Int(slots[row])] += 1 }
            }
            return entropies
        }
    }
}

/// One row of the author-history spot check.
public struct AuthorHistoryRow: Sendable, Equatable {
    public var timeMs: Int64
    public var complete: Int8
    public var recencyDays: Float
    public var lastComplete: Float
    public var hasHistory: Int8
}
