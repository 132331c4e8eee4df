/// KuaiRec's `small_matrix.csv` — a fully observed block of users x videos, the one sample of the heads the
/// platform did not select — prepared for off-path evaluation. Nothing of it reaches training:
/// step 1 writes it to its own folder (`<processed>/step1-small/`), and steps 2-3 train on step 1's table only.
///
/// Each kept row is scored as step 4 scores a candidate it never logged (`CounterfactualFeatures`): the user,
/// burst, session and history columns come from the user's latest step-1 row at or before the row's `time`
/// (the user's first row when the pair comes before all of them), the item columns from the video's first
/// step-1 row, the context columns from the row's own time. Rows are left out, and counted, when their time
/// fields are empty (no context to score with), or when their user or video has no row in step 1 (no graph
/// node and no features). A row whose time is empty is still an observed response: with a known user and video
/// it goes to `untimedColumns` (ids, raw watch columns and labels), which step 5's small-matrix simulator reads
/// beside the kept rows (the real file has such rows too). A file none of whose rows is kept (a header alone, say)
/// is refused: step 3 would have nothing to judge the heads on.
public struct SmallMatrixPreparation {
    /// Counts of what was read and kept.
    public struct Report: Codable, Equatable, Sendable {
        public var rows = 0
        public var rowsWithoutTime = 0
        public var rowsWithUnknownUser = 0
        public var rowsWithUnknownVideo = 0
        public var keptRows = 0
        /// Rows without a time whose user and video are known: kept for the simulator's responses only.
        public var untimedResponses = 0
        public var users = 0
        public var videos = 0
        /// Kept rows whose (user, video) pair also has a row in step 1's table.
        public var pairsAlsoLogged = 0
        /// Kept rows before the user's first step-1 row (they borrow that first row's columns).
        public var rowsBeforeUserHistory = 0
        /// Label rates of the kept rows, heads in `Head.allCases` order.
        public var labelRates: [Double] = [0, 0, 0, 0]
        /// The same rates over step 1's (logged) rows, for comparison.
        public var loggedLabelRates: [Double] = [0, 0, 0, 0]

        public init() {}
    }

    /// The file's name in a KuaiRec folder.
    public static let fileName = "small_matrix.csv"
    /// The folder step 1 writes under the processed folder.
    public static let folderName = "step1-small"
    /// The folder of the observed rows without a time (`untimedColumns`).
    public static let untimedFolderName = "step1-small-untimed"

    public var report = Report()
    /// The rows read, the rows kept and, per kept row, the step-1 rows it borrows its columns from; the rows without
    /// a time whose user and video are known.
    private let small: InteractionLog
    private var kept: [Int] = [], sourceRows: [Int32] = [], videoRows: [Int32] = [], untimed: [Int] = []

    /// Matches `small` (read with `allowingMissingTime`) to step 1's table, given its sorted `user_id`, `video_id` and
    /// `time` columns, and counts what is kept; `columns(loggedLabels:)` and `untimedColumns()` then build the columns.
    /// Throws, naming `path` and the counts, when no row can be kept (a header alone, or rows none of which has a
    /// time, a user and a video step 1 knows): step 3 would otherwise fail much later on an empty block.
    /// - Parameters:
    ///   - loggedUsers, loggedVideos, loggedTimeMs: step 1's columns (sorted by user, then time).
    public init(small: InteractionLog, path: String, loggedUsers: [Int32], loggedVideos: [Int32], loggedTimeMs: [Int64]) throws {
        self.small = small
        report.rows = small.count
        // Each user's row range in step 1, and each video's first row.
        let maxUser = Int(max(loggedUsers.max() ?? 0, small.userId.max() ?? 0))
        let maxVideo = Int(max(loggedVideos.max() ?? 0, small.videoId.max() ?? 0))
        var userStart = [Int](repeating: -1, count: maxUser + 2), userEnd = userStart
        for (row, u) in loggedUsers.enumerated() {
            if userStart[Int(u)] < 0 { userStart[Int(u)] = row }
            userEnd[Int(u)] = row + 1
        }
        var videoFirst = [Int32](repeating: -1, count: maxVideo + 1)
        for (row, v) in loggedVideos.enumerated() where videoFirst[Int(v)] < 0 { videoFirst[Int(v)] = Int32(row) }

        for row in 0..<small.count {
            let u = Int(small.userId[row]), v = Int(small.videoId[row])
            if small.timeMs[row] == InteractionLog.missingTime {
                report.rowsWithoutTime += 1
                if userStart[u] >= 0 && videoFirst[v] >= 0 { untimed.append(row) }
                continue
            }
            guard userStart[u] >= 0 else { report.rowsWithUnknownUser += 1; continue }
            guard videoFirst[v] >= 0 else { report.rowsWithUnknownVideo += 1; continue }
            // Last row of the user with time <= t (binary search in the user's sorted range).
            let t = small.timeMs[row]
            var low = userStart[u], high = userEnd[u]
            while low < high {
                let mid = (low + high) / 2
                if loggedTimeMs[mid] <= t { low = mid + 1 } else { high = mid }
            }
            if low == userStart[u] { report.rowsBeforeUserHistory += 1 }
            sourceRows.append(Int32(max(userStart[u], low - 1)))
            videoRows.append(videoFirst[v])
            kept.append(row)
        }
        guard !kept.isEmpty else {
            let blank = small.blankLines > 0 ? " and \(small.blankLines) blank line(s)" : ""
            throw PipelineError.malformedInput(SourceLocation(file: path), reason: """
                no usable row: \(report.rows) row(s) read below the header\(blank), 0 usable (\(report.rowsWithoutTime) without a \
                time, \(report.rowsWithUnknownUser) of a user and \(report.rowsWithUnknownVideo) of a video with no row in step 1's \
                table); step 3 judges the heads on the rows with a time. Fix the file, or remove it to run without the small matrix
                """)
        }
        // Pairs also logged: per user, mark the videos of the user's step-1 rows, check, unmark.
        var marked = [Bool](repeating: false, count: maxVideo + 1)
        var byUser = [Int: [Int]]()
        for row in kept { byUser[Int(small.userId[row]), default: []].append(row) }
        for (u, rows) in byUser {
            for r in userStart[u]..<userEnd[u] { marked[Int(loggedVideos[r])] = true }
            for row in rows where marked[Int(small.videoId[row])] { report.pairsAlsoLogged += 1 }
            for r in userStart[u]..<userEnd[u] { marked[Int(loggedVideos[r])] = false }
        }
        report.keptRows = kept.count
        report.users = Set(kept.map { small.userId[$0] }).count
        report.videos = Set(kept.map { small.videoId[$0] }).count
        report.untimedResponses = untimed.count
    }

    /// The columns to write, in order: ids, raw watch columns, labels, context, and the two step-1 rows each kept row
    /// borrows its columns from (`source_row`: user side, `video_row`: item side). Records the kept rows' label rates
    /// and, for comparison, those of step 1's four label columns `loggedLabels`.
    public mutating func columns(loggedLabels: [[Int8]]) -> [(name: String, column: Column)] {
        var columns: [(name: String, column: Column)] = []
        func pick<T>(_ values: [T]) -> [T] { kept.map { values[$0] } }
        let play = pick(small.playDuration), ratio = pick(small.watchRatio), timestamp = pick(small.timestamp)
        columns.append(("user_id", .int32(pick(small.userId))))
        columns.append(("video_id", .int32(pick(small.videoId))))
        columns.append(("play_duration", .float64(play)))
        columns.append(("time", .datetimeMs(pick(small.timeMs))))
        columns.append(("timestamp", .float64(timestamp)))
        columns.append(("watch_ratio", .float64(ratio)))
        let labels = Head.allCases.map { $0.labels(playDurationMs: play, watchRatio: ratio) }
        for head in Head.allCases { columns.append((head.labelName, .int8(labels[head.rawValue]))) }
        func rate(_ column: [Int8]) -> Double {
            Double(column.reduce(0) { $0 + Int($1) }) / Double(max(1, column.count))
        }
        report.labelRates = labels.map(rate)
        report.loggedLabelRates = loggedLabels.map(rate)
        let context = ContextFeatures(timestamp: timestamp)
        columns.append(("ctx_hour_sin", .float32(context.hourSin)))
        columns.append(("ctx_hour_cos", .float32(context.hourCos)))
        columns.append(("ctx_is_weekend", .int8(context.isWeekend)))
        columns.append(("source_row", .int32(sourceRows)))
        columns.append(("video_row", .int32(videoRows)))
        return columns
    }

    /// The observed rows without a time whose user and video have step-1 rows: `user_id`, `video_id`,
    /// `play_duration`, `watch_ratio` and the four labels.
    public func untimedColumns() -> [(name: String, column: Column)] {
        let play = untimed.map { small.playDuration[$0] }, ratio = untimed.map { small.watchRatio[$0] }
        var columns: [(name: String, column: Column)] = [
            ("user_id", .int32(untimed.map { small.userId[$0] })), ("video_id", .int32(untimed.map { small.videoId[$0] })),
            ("play_duration", .float64(play)), ("watch_ratio", .float64(ratio)),
        ]
        for head in Head.allCases { columns.append((head.labelName, .int8(head.labels(playDurationMs: play, watchRatio: ratio)))) }
        return columns
    }
}
