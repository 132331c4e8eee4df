import Foundation

/// Step 1 as a library call: reads the four KuaiRec files of a folder and produces the original's 80
/// processed columns (SPEC step 1), in its column order, one column at a time, so that a caller can write
/// each to disk and let it go (memory stays near the size of the base columns, not of the whole table).
public enum DataPreparation {
    /// The four input files of a KuaiRec 2.0 folder.
    public static let inputFiles = ["big_matrix.csv", "user_features.csv", "item_daily_features.csv", "kuairec_caption_category.csv"]

    /// The files `run` reads in `folder` (when it is given `emitSmallMatrix`): the four `inputFiles`, and
    /// `small_matrix.csv` when there is one — what step 1's manifests list as their inputs.
    public static func inputPaths(folder: String) -> [String] {
        let small = (folder as NSString).appendingPathComponent(SmallMatrixPreparation.fileName)
        return inputFiles.map { (folder as NSString).appendingPathComponent($0) } + (FileManager.default.fileExists(atPath: small) ? [small] : [])
    }

    /// Bytes of memory step 1 needs per row of big_matrix.csv (base columns, their sorted copy, the derived
    /// columns in flight and the writer's queue), and bytes of artifacts it writes per kept row.
    public static let memoryPerRow = 260
    public static let diskPerRow = 330

    /// Checks that memory and disk suffice for `folder`'s big_matrix.csv before anything is read.
    public static func checkResources(folder: String, output: String) throws {
        let path = (folder as NSString).appendingPathComponent("big_matrix.csv")
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int else { return }
        let rows = size / 60  // a big_matrix row is at least ~60 bytes of text
        try ResourceCheck.requireMemory(rows * memoryPerRow, for: "Step 1 on \(path) (up to \(rows) rows)",
                                        hint: "Close other programs, or run on a machine with more memory.")
        try ResourceCheck.requireDisk(rows * diskPerRow, under: output, for: "Step 1's artifacts")
    }

    /// Runs step 1 on `folder`; `emit(name, column)` receives the 80 output columns in order.
    /// When `emitSmallMatrix` is given and the folder holds `small_matrix.csv`, that file is read too and its
    /// prepared columns (`SmallMatrixPreparation`) go to `emitSmallMatrix` after the 80 columns, never to `emit`,
    /// and its observed rows without a time (`untimedColumns`) to `emitUntimedSmallMatrix`.
    /// Nothing is emitted before every input file has been read and checked.
    public static func run(folder: String, emit output: (String, Column) throws -> Void,
                           emitSmallMatrix: ((String, Column) throws -> Void)? = nil,
                           emitUntimedSmallMatrix: ((String, Column) throws -> Void)? = nil) throws -> PreparationReport {
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        var report = PreparationReport()
        /// Writes one output column and records its `describe(include="all")` row.
        func emit(_ name: String, _ column: Column) throws {
            report.recordColumn(name, column)
            try output(name, column)
        }
        let clock = StageClock()
        var log = try InteractionLog.read(path: path("big_matrix.csv"))
        report.bigMatrixRows = log.count
        report.bigMatrixBlankLines = log.blankLines
        report.rowsWithoutFractionalSeconds = log.rowsWithoutFractionalSeconds
        report.recordDays(timeMs: log.timeMs)
        report.anomalies = log.anomalies()
        clock.mark("read big_matrix.csv", into: &report)
        let users = try UserFeatureTable(path: path("user_features.csv"))
        let items = try ItemFeatureTable(path: path("item_daily_features.csv"))
        let captions = try CaptionCategoryTable(path: path("kuairec_caption_category.csv"))
        report.userFeatureRows = users.userCount
        report.itemVideos = items.videoCount
        report.captionVideos = captions.videoCount
        report.captionExtraFieldLines = captions.extraFieldLines
        report.captionShortLines = captions.shortLines
        report.captionSkippedLines = captions.skippedLines
        report.captionDuplicateLines = captions.duplicateLines
        report.captionMisreadCategoryLines = captions.misreadCategoryLines
        let smallPath = path(SmallMatrixPreparation.fileName)
        let small = emitSmallMatrix != nil && FileManager.default.fileExists(atPath: smallPath)
            ? try InteractionLog.read(path: smallPath, allowingMissingTime: true) : nil
        clock.mark("read side tables" + (small == nil ? "" : " and small_matrix.csv"), into: &report)

        // Bursts and order.
        let order = InteractionOrder(log: log)
        report.droppedOutsideBursts = order.droppedOutsideBursts
        guard !order.fileRows.isEmpty else {
            throw PipelineError.invalidData("\(path("big_matrix.csv")): no interaction falls inside the bursts "
                + Burst.kuaiRec.map { "\(Burst.isoDate($0.firstDay))..\(Burst.isoDate($0.lastDay))" }.joined(separator: ", "))
        }
        log = log.reordered(order.fileRows)
        // The small matrix is matched to the kept rows now, so that one without a usable row stops the step before
        // anything is emitted.
        let smallMatrix = try small.map {
            try SmallMatrixPreparation(small: $0, path: smallPath, loggedUsers: log.userId, loggedVideos: log.videoId, loggedTimeMs: log.timeMs)
        }
        report.ties = log.ties()
        let burst = order.burstId
        let sessions = Sessions(user: log.userId, timeMs: log.timeMs)
        clock.mark("bursts, order, sessions", into: &report)
        report.record(log: log, burst: burst, sessions: sessions)

        try emit("user_id", .int32(log.userId))
        try emit("video_id", .int32(log.videoId))
        try emit("play_duration", .float64(log.playDuration))
        try emit("time", .datetimeMs(log.timeMs))
        try emit("date", .int32(log.date))
        try emit("timestamp", .float64(log.timestamp))
        try emit("watch_ratio", .float64(log.watchRatio))
        try emit("burst_id", .int8(burst))
        try emit("session", .int32(sessions.session))
        try emit("sess_rank", .int32(sessions.rank))
        try emit("sess_len", .int32(sessions.length))
        let labels = Head.allCases.map { $0.labels(playDurationMs: log.playDuration, watchRatio: log.watchRatio) }
        for head in Head.allCases { try emit(head.labelName, .int8(labels[head.rawValue])) }
        report.recordLabels(labels, burst: burst)

        let userRows = users.rows(for: log.userId)
        report.interactionsWithoutUserFeatures = userRows.lazy.filter { $0 < 0 }.count
        for name in UserFeatureTable.columnNames { try emit(name, users.gather(name, rows: userRows)) }
        clock.mark("user features", into: &report)

        let itemRows = items.rows(for: log.videoId)
        report.interactionsWithoutItemFeatures = itemRows.lazy.filter { $0 < 0 }.count
        try emit("i_aspect_ratio", items.gather("i_aspect_ratio", rows: itemRows))
        let authorColumn = items.gather("i_author_id", rows: itemRows)
        for name in ItemFeatureTable.categoricalNames.map({ "i_" + $0 }) {
            try emit(name, name == "i_author_id" ? authorColumn : items.gather(name, rows: itemRows))
        }
        try emit("i_video_duration", .float32(log.videoDuration.map { Float($0) }))
        try emit("i_age_since_upload_days", .float32(uploadAges(timeMs: log.timeMs, itemRows: itemRows, uploadDay: items.uploadDay)))

        let captionRows = captions.rows(for: log.videoId)
        report.interactionsWithoutCategory = captionRows.lazy.filter { $0 < 0 }.count
        let level1 = captions.categoryIds(level: 1, rows: captionRows, missingId: -124)
        let level2 = captions.categoryIds(level: 2, rows: captionRows)
        let level3 = captions.categoryIds(level: 3, rows: captionRows)
        try emit("i_cat_level1_id", .float64(level1))
        try emit("i_cat_level1_name", captions.categoryNames(level: 1, rows: captionRows, missingName: "UNKNOWN"))
        try emit("i_cat_level2_id", .float64(level2))
        try emit("i_cat_level2_name", captions.categoryNames(level: 2, rows: captionRows))
        try emit("i_cat_level3_id", .float64(level3))
        try emit("i_cat_level3_name", captions.categoryNames(level: 3, rows: captionRows))
        report.recordCategoryEntropies(user: log.userId, levels: [level1, level2, level3])
        clock.mark("item features and categories", into: &report)

        let context = ContextFeatures(timestamp: log.timestamp)
        try emit("ctx_hour_sin", .float32(context.hourSin))
        try emit("ctx_hour_cos", .float32(context.hourCos))
        try emit("ctx_is_weekend", .int8(context.isWeekend))
        clock.mark("context features", into: &report)

        for head in Head.allCases {
            let values = labels[head.rawValue].map { Double($0) }
            try emit("hist_ema_" + head.labelName, .float32(HistoryFeatures.shiftedEMA(user: log.userId, values: values)))
        }
        try emit("hist_ema_watchratio", .float32(HistoryFeatures.shiftedEMA(user: log.userId, values: log.watchRatio)))
        let level1Slots = HistoryFeatures.denseCategories(level1)
        try emit("hist_cat_ema_complete", .float32(HistoryFeatures.shiftedGroupEMA(
            user: log.userId, category: level1Slots.indices, categoryCount: level1Slots.count,
            values: labels[Head.complete.rawValue].map { Double($0) })))
        let level2Slots = HistoryFeatures.denseCategories(level2)
        let entropyL2 = HistoryFeatures.entropyHistory(user: log.userId, category: level2Slots.indices, categoryCount: level2Slots.count)
        report.recordEntropyTrajectory(user: log.userId, timeMs: log.timeMs, entropy: entropyL2)
        try emit("hist_cat_entropy_l2", .float32(entropyL2))
        guard case let .categorical(authorCodes, authorCategories) = authorColumn else {
            preconditionFailure("i_author_id is categorical")
        }
        let author = HistoryFeatures.authorHistory(user: log.userId, burst: burst, author: authorCodes,
                                                   authorCount: authorCategories.count, timeMs: log.timeMs,
                                                   complete: labels[Head.complete.rawValue])
        try emit("hist_author_recency_days", .float32(author.recencyDays))
        try emit("hist_last_complete_author", .float32(author.lastComplete))
        try emit("hist_has_author_history", .int8(author.hasHistory))
        report.recordAuthorHistory(user: log.userId, author: authorCodes, authorNames: authorCategories, timeMs: log.timeMs,
                                   complete: labels[Head.complete.rawValue], recencyDays: author.recencyDays,
                                   lastComplete: author.lastComplete, hasHistory: author.hasHistory)
        let sessionHistory = HistoryFeatures.sessionHistory(sessions: sessions, user: log.userId, burst: burst, timeMs: log.timeMs)
        try emit("hist_prev_sess_len", .float32(sessionHistory.previousLength))
        try emit("hist_intersess_gap_h", .float32(sessionHistory.gapHours))
        report.recordGaps(sessionHistory.gapHours, sessions: sessions)
        clock.mark("history features", into: &report)

        if var prepared = smallMatrix, let emitSmallMatrix {
            for (name, column) in prepared.columns(loggedLabels: labels) { try emitSmallMatrix(name, column) }
            if let emitUntimedSmallMatrix {
                for (name, column) in prepared.untimedColumns() { try emitUntimedSmallMatrix(name, column) }
            }
            report.smallMatrix = prepared.report
            clock.mark("small_matrix.csv prepared", into: &report)
        }
        report.findings = PreparationFindings.make(report)
        return report
    }

    /// Whole days from upload to each interaction, floored, clipped at 0 (NaN when the upload day is unknown).
    static func uploadAges(timeMs: [Int64], itemRows: [Int32], uploadDay: [Int32?]) -> [Float] {
        zip(timeMs, itemRows).map { time, row in
            guard row >= 0, let day = uploadDay[Int(row)] else { return .nan }
            let elapsed = time - Int64(day) * 86_400_000
            let days = elapsed >= 0 ? elapsed / 86_400_000 : (elapsed - 86_399_999) / 86_400_000
            return Float(max(0, days))
        }
    }
}

extension InteractionLog {
    /// The log's rows at `rows`, in that order.
    func reordered(_ rows: [Int32]) -> InteractionLog {
        var result = InteractionLog()
        result.userId = rows.map { userId[Int($0)] }
        result.videoId = rows.map { videoId[Int($0)] }
        result.playDuration = rows.map { playDuration[Int($0)] }
        result.videoDuration = rows.map { videoDuration[Int($0)] }
        result.timeMs = rows.map { timeMs[Int($0)] }
        result.date = rows.map { date[Int($0)] }
        result.timestamp = rows.map { timestamp[Int($0)] }
        result.watchRatio = rows.map { watchRatio[Int($0)] }
        result.rowsWithoutFractionalSeconds = rowsWithoutFractionalSeconds
        return result
    }
}

/// Wall-clock time of named stages.
final class StageClock {
    private var last = DispatchTime.now().uptimeNanoseconds

    func mark(_ stage: String, into report: inout PreparationReport) {
        let now = DispatchTime.now().uptimeNanoseconds
        report.stageSeconds.append(.init(stage: stage, seconds: Double(now - last) / 1e9))
        last = now
    }
}
