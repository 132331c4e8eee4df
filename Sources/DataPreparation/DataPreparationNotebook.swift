import Foundation
import Reporting
import ValueModel

/// The text, tables and figures of notebooks/1-data-preparation.md.
struct DataPreparationNotebook {
    let report: PreparationReport
    let raw: String
    let artifacts: String
    let figures: String
    let synthetic: Bool
    let seconds: Double
    let peakMiB: Double

    /// What the report's numbers say (`PreparationFindings`).
    var findings: PreparationFindings { report.findings }

    func build() throws -> Notebook {
        var page = Notebook(title: "Step 1 — data preparation")
        findingsList(&page)
        page.heading("What this step does")
        page.paragraph("""
            This step turns the KuaiRec 2.0 interaction log into the table every later step uses: it keeps the \
            interactions inside the three logging bursts, cuts each user's history into sessions, derives the four \
            engagement labels (the value model's heads), and joins user, video, context and history features — \
            80 columns, exactly as the original notebook `1. data_preparation.ipynb` computes them (the code: `Sources/ValueModel/Features/`).
            """)
        page.paragraph(synthetic
            ? "**Data: the synthetic KuaiRec world** (`\(raw)/ground_truth.json` present), written by `0-synthetic-data` in the real files' format. Numbers below describe that world, not Kuaishou's logs."
            : "**Data: the KuaiRec 2.0 files in `\(raw)`.**")
        inputs(&page)
        try bursts(&page)
        try sessions(&page)
        try distributions(&page)
        try entropies(&page)
        smallMatrix(&page)
        outputs(&page)
        deviations(&page)
        timing(&page)
        columnSummaries(&page)
        return page
    }

    private func inputs(_ page: inout Notebook) {
        page.heading("Inputs")
        page.table(["file", "what was read", "lines skipped"], [
            ["big_matrix.csv", "\(Format.count(report.bigMatrixRows)) interactions", report.bigMatrixBlankLines == 0
                ? "0 (no blank line; any bad row is an error)"
                : "\(Format.count(report.bigMatrixBlankLines)) blank line(s), skipped as pandas skips them (any other bad row is an error)"],
            ["user_features.csv", "\(Format.count(report.userFeatureRows)) users", "0"],
            ["item_daily_features.csv", "\(Format.count(report.itemVideos)) videos (first non-missing value per column)", "0"],
            ["kuairec_caption_category.csv", "\(Format.count(report.captionVideos)) videos",
             Format.count(report.captionSkippedLines.count + report.captionDuplicateLines.count) + " (below)"],
        ])
        page.table(["kuairec_caption_category.csv lines", "count", "lines"], [
            ["more fields than the header: kept, the header's columns read by position, the extra trailing fields ignored (as the original does)",
             Format.count(report.captionExtraFieldLines.count), lineNumbers(report.captionExtraFieldLines)],
            ["fewer fields than the header: kept, the absent fields missing (as the original does)",
             Format.count(report.captionShortLines.count), lineNumbers(report.captionShortLines)],
            ["broken quoting, or a `video_id` that is not an integer: skipped",
             Format.count(report.captionSkippedLines.count), lineNumbers(report.captionSkippedLines)],
            ["video listed on an earlier line: skipped (the first line is kept)",
             Format.count(report.captionDuplicateLines.count), lineNumbers(report.captionDuplicateLines)],
            ["kept by position (above) with a category id that is not a number: that id read as missing, as the original's coercion leaves it",
             Format.count(report.captionMisreadCategoryLines.count), lineNumbers(report.captionMisreadCategoryLines)],
        ], alignRight: [1])
        page.table(["check", "interactions"], [
            ["outside the three bursts (dropped)", Format.count(report.droppedOutsideBursts)],
            ["kept (inside a burst)", Format.count(report.keptRows)],
            ["`time` without fractional seconds (kept here; the original drops them)", Format.count(report.rowsWithoutFractionalSeconds)],
            ["`watch_ratio` ≠ play / video duration (beyond 0.1%; kept, warned)", Format.count(report.anomalies.inconsistentWatchRatio)],
            ["`video_duration` ≤ 0 (kept, warned)", Format.count(report.anomalies.nonPositiveVideoDuration)],
            ["negative `play_duration` or `watch_ratio` (kept, warned)", Format.count(report.anomalies.negativePlayOrRatio)],
            ["user has no row in user_features.csv (u_ columns missing)", Format.count(report.interactionsWithoutUserFeatures)],
            ["video has no row in item_daily_features.csv (i_ columns missing)", Format.count(report.interactionsWithoutItemFeatures)],
            ["video has no category row (level 1 set to -124 / UNKNOWN)", Format.count(report.interactionsWithoutCategory)],
        ], alignRight: [1])
        page.paragraph("Users or videos without feature rows keep their interactions: their `u_` / `i_` values are missing (NaN, category code −1), exactly as the original's left merges leave them, and become 0 (codes stay −1) in step 2's edge matrix.")
        page.paragraph("Kept interactions involve \(Format.count(report.users)) users and \(Format.count(report.videos)) videos.")
    }

    private func bursts(_ page: inout Notebook) throws {
        page.heading("Bursts and labels")
        page.paragraph("Interactions are kept when their calendar day (Beijing time, from `time`) lies in 2020-07-05..07-12, 2020-08-01..08-10 or 2020-08-27..09-05. Labels: `y_complete = watch_ratio ≥ 1`, `y_long = play ≥ 12 s or watch_ratio ≥ 1.5`, `y_rewatch = watch_ratio ≥ 2`, `y_neg = play ≤ 2 s`.")
        var rows = report.bursts.map { burst -> [String] in
            ["burst \(burst.burst)", "\(burst.days)", Format.count(burst.rows)] + burst.labelRates.map { Format.percent($0) }
        }
        rows.append(["all", "\(findings.burstDays)", Format.count(report.keptRows)] + report.overallLabelRates.map { Format.percent($0) })
        rows.append(["real KuaiRec (paper)", "28", "12,527,912"] + PreparationFindings.paperLabelRates.map { Format.percent($0) })
        page.table(["", "days with data", "interactions"] + Head.displayNames, rows, alignRight: [1, 2, 3, 4, 5, 6])
        let firstDay = report.dailyCounts.first.map { $0.day } ?? ""
        let series = (0...3).compactMap { burst -> Series? in
            let days = report.dailyCounts.enumerated().filter { $0.element.burst == burst }
            guard !days.isEmpty else { return nil }
            let x = days.map { Double(dayOffset(from: firstDay, to: $0.element.day)) }
            let y = days.map { Double($0.element.rows) }
            return burst == 0 ? .points("outside bursts (dropped)", x: x, y: y) : .line("burst \(burst)", x: x, y: y)
        }
        var figure = Figure(title: "Interactions per day", xLabel: "days since \(firstDay)", yLabel: "interactions", series: series)
        figure.logY = true
        figure.legend = .below   // inside the plot it hides a burst
        let path = try StepOutput.render(figure, folder: figures, name: "daily-interactions.png")
        page.figure(path, caption: "Interactions per calendar day; the three bursts and the stray days outside them.")
    }

    private func sessions(_ page: inout Notebook) throws {
        page.heading("Sessions")
        page.paragraph("A session is a user's run of interactions with no gap above one hour. `session` counts a user's sessions across bursts; `sess_rank` is the 1-based position, `sess_len` the session's size.")
        let lengths = report.sessionLengths.map(Double.init)
        let perUser = report.sessionsPerUser.map(Double.init)
        func describe(_ d: DistributionSummary) -> [String] {
            [Format.count(d.count), Format.fixed(d.median, 1), Format.fixed(d.mean, 1), Format.fixed(d.percentile90, 1), Format.fixed(d.max, 0)]
        }
        page.table(["", "count", "median", "mean", "90th percentile", "max"], [
            ["session length (interactions)"] + describe(findings.sessionLength),
            ["sessions per user"] + describe(findings.sessionsPerUser),
            ["real KuaiRec session length", "", "7", "22.5", "", ""],
        ], alignRight: [1, 2, 3, 4, 5])
        let lengthHistogram = try Histogram(binning: lengths, bins: 40, spacing: .logarithmic)
        var figure = Figure.histogram(lengthHistogram, title: "Session length", xLabel: "interactions per session", yLabel: "sessions", logX: true, logY: true)
        figure.legend = .hidden
        page.figure(try StepOutput.render(figure, folder: figures, name: "session-length.png"), caption: "Session lengths (log-log): right-skewed, most sessions short, a long tail.")
        var perUserFigure = Figure.histogram(try Histogram(binning: perUser, bins: 40), title: "Sessions per user", xLabel: "sessions", yLabel: "users")
        perUserFigure.legend = .hidden
        page.figure(try StepOutput.render(perUserFigure, folder: figures, name: "sessions-per-user.png"), caption: "Sessions per user over the three bursts.")
        try gaps(&page)
    }

    /// The original's inter-session gap summary and histogram (its cells 50-51).
    private func gaps(_ page: inout Notebook) throws {
        let d = report.gapFeatureSummary
        guard d.count == 8 else { return }
        page.paragraph("`hist_intersess_gap_h`, the hours from the previous session's last row (0 for a user's first session in a burst), over rows as the original's `describe()`" + sampleNote(findings.gapQuartiles, " (quartiles from an evenly spaced sample of rows)") + ":")
        page.table(["count", "mean", "std", "min", "25%", "50%", "75%", "max"],
                   [[Format.count(Int(d[0]))] + d[1...].map { Format.fixed($0, 2) }], alignRight: Set(0..<8))
        guard let gaps = findings.positiveGaps else { return }
        let limit = PreparationThresholds.gapHistogramHours
        page.paragraph("Once per session, the \(Format.count(gaps.count)) positive gaps: median \(Format.fixed(gaps.medianHours, 1)) h; \(Format.percent(gaps.shareInHistogram, 1)) are at most \(Format.fixed(limit, 0)) h, the range the original's histogram shows. By construction every positive gap exceeds the one-hour session threshold.")
        let shown = report.positiveSessionGapHours.filter { $0 <= limit }
        var figure = Figure.histogram(try Histogram(binning: shown, bins: 100, range: 0...limit), title: "Inter-session gaps (gap > 0, at most \(Format.fixed(limit, 0)) h)",
                                      xLabel: "hours", yLabel: "sessions")
        figure.legend = .hidden
        page.figure(try StepOutput.render(figure, folder: figures, name: "session-gaps.png"),
                    caption: "Hours from a user's previous session in the same burst, per session with a previous one, up to 50 h (the original's range).")
    }

    private func distributions(_ page: inout Notebook) throws {
        page.heading("Durations and watch ratio")
        let items: [(String, [Double], PreparationFindings.Quantiles, String, String, Histogram.Spacing)] = [
            ("video duration (s), per video", report.videoDurationSeconds, findings.videoDuration, "video-duration.png", "seconds", .logarithmic),
            ("play duration (s), per interaction", report.playSecondsSample, findings.playDuration, "play-duration.png", "seconds", .logarithmic),
            ("watch ratio, per interaction", report.watchRatioSample, findings.watchRatio, "watch-ratio.png", "play / video duration", .logarithmic),
        ]
        page.table(["quantity", "values", "10%", "median", "90%", "99%"], items.map { name, _, quantiles, _, _, _ in
            [name, Format.count(quantiles.count)] + quantiles.values.map { Format.fixed($0, 2) }
        }, alignRight: [1, 2, 3, 4, 5])
        switch findings.interactionCoverage {
        case .evenlySpacedSample:
            page.paragraph("Per-interaction distributions use an evenly spaced sample of \(Format.count(findings.playDuration.count)) interactions.")
        case .everyInteraction:
            break
        }
        for (name, values, _, file, unit, spacing) in items {
            var figure = Figure.histogram(try Histogram(binning: values, bins: 50, spacing: spacing), title: name.capitalized, xLabel: unit + " (log scale; zeros left out)", logX: true)
            figure.legend = .hidden
            page.figure(try StepOutput.render(figure, folder: figures, name: file), caption: name.prefix(1).uppercased() + name.dropFirst() + ".")
        }
    }

    private func entropies(_ page: inout Notebook) throws {
        page.heading("How varied are users' categories?")
        page.paragraph("Per user, the Shannon entropy (nats) of the categories of everything they watched, at each level of the category tree (a missing category counts as one category). `hist_cat_entropy_l2` is the running version of the level-2 entropy, computed from earlier rows only.")
        let levels = report.userCategoryEntropy
        page.table(["level", "users", "median", "mean", "90%"], findings.categoryEntropy.enumerated().map { level, d in
            ["\(level + 1)", Format.count(d.count), Format.fixed(d.median, 2), Format.fixed(d.mean, 2), Format.fixed(d.percentile90, 2)]
        }, alignRight: [1, 2, 3, 4])
        let series = try levels.enumerated().map { level, values -> Series in
            let histogram = try Histogram(binning: values, bins: 40, range: 0...findings.entropyRange)
            let centers = zip(histogram.edges, histogram.edges.dropFirst()).map { ($0 + $1) / 2 }
            return .line("level \(level + 1)", x: centers, y: histogram.counts)
        }
        let figure = Figure(title: "Per-user category entropy", xLabel: "entropy (nats)", yLabel: "users", series: series)
        page.figure(try StepOutput.render(figure, folder: figures, name: "category-entropy.png"), caption: "Distribution over users of the entropy of their level-1, level-2 and level-3 categories.")
        try entropyTrajectory(&page)
        authorHistory(&page)
        if !report.columnSummaries.isEmpty {
            page.paragraph("Every column written, as the original's `describe(include=\"all\")` sanity table, is in the appendix at the end of this notebook.")
        }
    }

    /// The appendix: every output column as the original's `describe(include="all")`.
    private func columnSummaries(_ page: inout Notebook) {
        guard !report.columnSummaries.isEmpty else { return }
        page.heading("Appendix: every column written")
        page.paragraph("Every column written, as the original's `describe(include=\"all\")` sanity table: numeric columns (missing values excluded from the count) with count, mean, std, min, quartiles and max" + sampleNote(findings.columnQuartiles, " (quartiles from an evenly spaced sample of rows)") + "; `time` as dates; categorical columns with count, distinct values, the most frequent value and its count.")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")   // `time` is a naive Beijing clock reading
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        func cell(_ x: Double, datetime: Bool) -> String {
            datetime ? formatter.string(from: Date(timeIntervalSince1970: x / 1000)) : Format.fixed(x, abs(x) >= 1000 ? 1 : 4)
        }
        page.table(["column", "count", "mean", "std", "min", "25%", "50%", "75%", "max", "unique", "top", "freq"],
                   report.columnSummaries.map { c in
                       if let d = c.numeric {
                           guard d.count == 8 else { return [c.name, "0"] + [String](repeating: "—", count: 10) }
                           let values = d[1...].enumerated().map { i, x in
                               c.isDatetime && i == 1 ? "—" : x.isNaN ? "—" : cell(x, datetime: c.isDatetime && i != 1)
                           }
                           return [c.name, Format.count(Int(d[0]))] + values + ["", "", ""]
                       }
                       return [c.name, Format.count(c.count ?? 0)] + [String](repeating: "", count: 7)
                           + [Format.count(c.unique ?? 0), c.top.map { "`\($0)`" } ?? "—", c.frequency.map(Format.count) ?? "—"]
                   }, alignRight: Set(1..<10).union([11]))
    }

    /// The original's sanity checks of the author-history features (its cells 44-45).
    private func authorHistory(_ page: inout Notebook) {
        let names = ["hist_author_recency_days", "hist_last_complete_author", "hist_has_author_history"]
        guard report.authorHistorySummary.count == names.count else { return }
        page.paragraph("The author-history features, as the original's sanity checks: `describe()` over rows (count is the non-missing rows; a row with no earlier row of the same author in the same burst has no recency and no last completion)" + sampleNote(findings.columnQuartiles, ", quartiles from an evenly spaced sample of rows") + ".")
        let rows: [[String]] = zip(names, report.authorHistorySummary).map { (name: String, d: [Double]) -> [String] in
            guard d.count == 8 else { return [name, "0"] + [String](repeating: "—", count: 7) }
            let described: [String] = d[1...].map { (value: Double) -> String in Format.fixed(value, 3) }
            return [name, Format.count(Int(d[0]))] + described
        }
        page.table(["column", "count", "mean", "std", "min", "25%", "50%", "75%", "max"], rows, alignRight: Set(1..<9))
        guard let pair = report.authorSpotCheckPair, !report.authorSpotCheck.isEmpty else { return }
        page.paragraph("Spot check, as the original: the first rows of the first row's (user, author) pair, user \(pair.user) and author \(pair.author) (at most 20; the features restart at each burst).")
        // `time` is the file's naive clock reading (Beijing time), so it is printed without a zone.
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        page.table(["time", "y_complete", "hist_author_recency_days", "hist_last_complete_author", "hist_has_author_history"],
                   report.authorSpotCheck.map { row in
                       [formatter.string(from: Date(timeIntervalSince1970: Double(row.timeMs) / 1000)), "\(row.complete)",
                        row.recencyDays.isNaN ? "NaN" : Format.fixed(Double(row.recencyDays), 4),
                        row.lastComplete.isNaN ? "NaN" : Format.fixed(Double(row.lastComplete), 0), "\(row.hasHistory)"]
                   }, alignRight: [1, 2, 3, 4])
    }

    /// The original's plot of one user's running category entropy over time (its cell 39), for the user with the most rows.
    private func entropyTrajectory(_ page: inout Notebook) throws {
        guard let trajectory = findings.entropyTrajectory, let first = report.entropyTrajectory.first else { return }
        let user = trajectory.user
        let days = report.entropyTrajectory.map { PreparationReport.days(from: first.timeMs, to: $0.timeMs) }
        let entropy = report.entropyTrajectory.map { Double($0.entropy) }
        let who = switch trajectory.choice {
        case .originalUser: "the user the original plots"
        case .mostRows: "the user with the most rows (the original's user \(PreparationReport.originalEntropyUser) is not in this log)"
        }
        page.paragraph("One user over time: `hist_cat_entropy_l2` of user \(user), \(who), over \(Format.count(trajectory.rows)) rows, from \(Format.fixed(trajectory.first, 2)) at the first row to \(Format.fixed(trajectory.last, 2)) nats at the last, \(Format.fixed(trajectory.days, 0)) days later; its largest value is \(Format.fixed(trajectory.largest, 2)).")
        var figure = Figure(title: "Running level-2 category entropy of user \(user)", xLabel: "days since the user's first row",
                            yLabel: "hist_cat_entropy_l2 (nats)", series: [.line("user \(user)", x: days, y: entropy)])
        figure.legend = .hidden
        page.figure(try StepOutput.render(figure, folder: figures, name: "category-entropy-one-user.png"),
                    caption: "hist_cat_entropy_l2 row by row for user \(user), each from the user's earlier rows only.")
    }

    private func smallMatrix(_ page: inout Notebook) {
        page.heading("small_matrix.csv: the block no platform selected")
        guard let small = report.smallMatrix else {
            page.paragraph("`\(raw)` has no `small_matrix.csv`, so step 3 has no off-path evaluation. (KuaiRec 2.0 ships one: a fully observed block of 1,411 users x 3,327 videos.)")
            return
        }
        page.paragraph("""
            KuaiRec's small matrix is a nearly fully observed block of users x videos, gathered without the \
            platform choosing what each user saw; it is the only sample on which a model's heads can be judged on \
            pairs the platform would not have shown — the pairs step 4 scores. Step 1 reads it with big_matrix's \
            checks (a row with all three time fields empty is accepted and counted) and writes its kept rows to \
            `\(SmallMatrixPreparation.folderName)/`, never into the training table. Each kept row borrows its user, \
            session and history columns from the user's latest step-1 row at or before its time, and its item \
            columns from the video's first step-1 row, exactly as step 4 builds a candidate's features; its context \
            columns are its own.
            """)
        page.table(["small_matrix.csv rows", "count"], [
            ["read", Format.count(small.rows)],
            ["time, date and timestamp empty (left out of scoring: no context to score with)", Format.count(small.rowsWithoutTime)],
            ["… of them with a known user and video, kept as responses in `\(SmallMatrixPreparation.untimedFolderName)/` for step 5's small-matrix simulator", Format.count(small.untimedResponses)],
            ["user has no row in step 1 (left out: no graph node)", Format.count(small.rowsWithUnknownUser)],
            ["video has no row in step 1 (left out: no item columns)", Format.count(small.rowsWithUnknownVideo)],
            ["kept", Format.count(small.keptRows)],
            ["… whose (user, video) pair also has a logged row", Format.count(small.pairsAlsoLogged)],
            ["… earlier than the user's first logged row (borrow that first row)", Format.count(small.rowsBeforeUserHistory)],
        ], alignRight: [1])
        page.table(["rows", "users", "videos"] + Head.displayNames, [
            ["small matrix (kept)", Format.count(small.users), Format.count(small.videos)] + small.labelRates.map { Format.percent($0) },
            ["logged (step 1's table)", Format.count(report.users), Format.count(report.videos)] + small.loggedLabelRates.map { Format.percent($0) },
        ], alignRight: [1, 2, 3, 4, 5, 6])
        let gaps = zip(Head.allCases, zip(small.labelRates, small.loggedLabelRates)).map { head, rates in
            "\(head.labelName) \(Format.percent(rates.0)) against \(Format.percent(rates.1))"
        }
        page.paragraph("Label rates without selection against the logged ones: " + gaps.joined(separator: ", ") + ". A difference comes from how the two samples were chosen" + (synthetic ? " (in this synthetic world the engagement model is the same for both, so it is the platform's selection alone)." : "."))
    }

    private func outputs(_ page: inout Notebook) {
        page.heading("Outputs")
        page.paragraph("`\(artifacts)/` holds one `.npy` file per column (80 columns, in the original's order, rows sorted by user and time) and `manifest.json` (column names, dtypes, the sorted category strings of every categorical column, the inputs' content hashes). Categorical columns are stored as pandas category codes (`-1` = missing); missing floats are NaN. In Python:")
        page.code("""
            import json, numpy as np, pandas as pd
            folder = "\(artifacts)"
            manifest = json.load(open(f"{folder}/manifest.json"))
            df = pd.DataFrame({c["name"]: np.load(f"{folder}/{c['file']}") for c in manifest["columns"]})
            for c in manifest["columns"]:
                if c.get("categories") is not None:
                    df[c["name"]] = pd.Categorical.from_codes(df[c["name"]], c["categories"])
            """, language: "python")
    }

    private func deviations(_ page: inout Notebook) {
        page.heading("Where this differs from the original, and why")
        page.bullets([
            "**Times without milliseconds** (`2020-07-05 00:08:23`) are parsed; the original guesses one format from the first row and silently drops such rows. Counted above.",
            "**Caption lines with the wrong field count** are read as the original reads them (by position: extra trailing fields ignored, absent fields missing) and, unlike there, counted with their line numbers; lines with broken quoting or a `video_id` that is not an integer are skipped and counted. A video listed twice keeps its first row (the original's merge would duplicate its interactions).",
            "**Bad values in big_matrix.csv** (unparsable or non-finite numbers, bad times, wrong field counts) stop the step with the file, line and column; the original would coerce some of them to missing.",
            "**Kept on purpose:** the context hour is the *UTC* hour of `timestamp` (the original's behaviour, although `time` is Beijing time); categorical codes and the session counter are later used as numbers; `hist_cat_ema_complete` groups by the level-1 category (the original's prose says level 2, its code level 1); every missing level-2 category counts as a new category in the entropy history.",
            "**Leakage kept from the original and named here:** exact duplicate rows and equal timestamps let `hist_*` features of one row see its twin's label — in this run, \(Format.count(report.ties.exactDuplicates)) kept interaction(s) repeat an earlier one in every column and \(Format.count(report.ties.differentVideos)) share their user and `time` with an earlier interaction of a different video; validation and test days of an earlier burst precede the training days of a later one (the EMAs and the entropy run across bursts).",
        ])
    }

    /// `note` when quartiles came from a sample, else nothing.
    private func sampleNote(_ source: PreparationFindings.QuartileSource, _ note: String) -> String {
        switch source {
        case .evenlySpacedSample: note
        case .everyValue: ""
        }
    }

    /// Up to the first ten line numbers of `lines`, or "none".
    private func lineNumbers(_ lines: [Int]) -> String {
        guard !lines.isEmpty else { return "none" }
        let shown = lines.prefix(10).map(String.init).joined(separator: ", ")
        return lines.count > 10 ? shown + ", … (first 10 shown)" : shown
    }

    private func timing(_ page: inout Notebook) {
        page.heading("Timing and memory (this run)")
        let readSeconds = report.stageSeconds.first?.seconds ?? 0
        var rows = report.stageSeconds.map { [$0.stage, Format.fixed($0.seconds, 2)] }
        rows.append(["total (including writing artifacts and figures)", Format.fixed(seconds, 2)])
        page.table(["stage", "seconds"], rows, alignRight: [1])
        let megabytes = Double((try? FileManager.default.attributesOfItem(atPath: raw + "/big_matrix.csv")[.size] as? Int) ?? 0) / 1e6
        page.paragraph("Reading big_matrix.csv: \(Format.count(Int(Double(report.bigMatrixRows) / max(readSeconds, 1e-9)))) rows/s (\(Format.fixed(megabytes / max(readSeconds, 1e-9), 0)) MB/s, \(ProcessInfo.processInfo.activeProcessorCount) cores). Peak resident memory: \(Format.fixed(peakMiB, 0)) MiB. Timings vary from run to run; everything else in this notebook is determined by the input files. \(BLASKernel.description).")
    }

    private func dayOffset(from first: String, to day: String) -> Int {
        func number(_ iso: String) -> Int {
            let parts = iso.split(separator: "-").compactMap { Int($0) }
            return parts.count == 3 ? FieldParsing.daysFromCivil(year: parts[0], month: parts[1], day: parts[2]) : 0
        }
        return number(day) - number(first)
    }
}
