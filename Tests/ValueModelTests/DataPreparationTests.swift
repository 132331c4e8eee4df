import Foundation
import Testing
@testable import ValueModel

/// Step 1 on `HandWrittenWorld`, against values worked out by hand from SPEC step 1. Final row order
/// (user, time; ties in file order; two out-of-burst rows dropped):
/// 0 u0 07-05 10:00 v10 · 1 u0 10:01 v11 · 2 u0 10:30 v10 · 3 u0 12:00 v12 · 4 u0 12:00:30.5 v13 ·
/// 5 u0 08-01 08:00 v11 · 6 u0 08-01 08:05 v10 · 7 u1 07-12 23:30 v12 · 8 u1 07-12 23:30 v11 (tie, file order) ·
/// 9 u1 08-27 00:00 v12 · 10 u2 09-05 23:59:59.999 v10.
@Suite struct DataPreparationTests {
    static let prepared = Result { try HandWrittenWorld.prepare(try HandWrittenWorld.write()) }

    func column(_ name: String) throws -> [Double] {
        let columns = try Self.prepared.get().columns
        let column = try #require(columns[name], "missing column \(name)")
        return (0..<column.count).map { column.value(at: $0) }
    }

    func expect(_ name: String, _ expected: [Double], tolerance: Double = 1e-6, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let actual = try column(name)
        #expect(actual.count == expected.count, "\(name): \(actual.count) rows", sourceLocation: sourceLocation)
        for (row, (a, e)) in zip(actual, expected).enumerated() {
            let same = (a.isNaN && e.isNaN) || abs(a - e) <= tolerance * max(1, abs(e))
            #expect(same, "\(name) row \(row): got \(a), expected \(e)", sourceLocation: sourceLocation)
        }
    }

    let nan = Double.nan

    @Test func columnsComeInTheOriginalOrder() throws {
        // notebook 1's 80 columns (the reference's EXPECTED_NB1_COLUMNS)
        let expected = ["user_id", "video_id", "play_duration", "time", "date", "timestamp", "watch_ratio", "burst_id",
            "session", "sess_rank", "sess_len", "y_complete", "y_long", "y_rewatch", "y_neg"]
            + ["u_user_active_degree", "u_is_lowactive_period", "u_is_live_streamer", "u_is_video_author",
               "u_follow_user_num", "u_follow_user_num_range", "u_fans_user_num", "u_fans_user_num_range",
               "u_friend_user_num", "u_friend_user_num_range", "u_register_days", "u_register_days_range"]
            + (0..<18).map { "u_onehot_feat\($0)" }
            + ["u_follow_user_num_log1p", "u_fans_user_num_log1p", "u_friend_user_num_log1p", "u_register_days_log1p",
               "i_aspect_ratio", "i_author_id", "i_video_type", "i_upload_type", "i_visible_status", "i_music_id",
               "i_video_tag_id", "i_video_tag_name", "i_video_duration", "i_age_since_upload_days", "i_cat_level1_id",
               "i_cat_level1_name", "i_cat_level2_id", "i_cat_level2_name", "i_cat_level3_id", "i_cat_level3_name",
               "ctx_hour_sin", "ctx_hour_cos", "ctx_is_weekend", "hist_ema_y_complete", "hist_ema_y_long",
               "hist_ema_y_rewatch", "hist_ema_y_neg", "hist_ema_watchratio", "hist_cat_ema_complete",
               "hist_cat_entropy_l2", "hist_author_recency_days", "hist_last_complete_author",
               "hist_has_author_history", "hist_prev_sess_len", "hist_intersess_gap_h"]
        #expect(try Self.prepared.get().order == expected)
    }

    @Test func orderBurstsAndSessions() throws {
        try expect("user_id", [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2])
        try expect("video_id", [10, 11, 10, 12, 13, 11, 10, 12, 11, 12, 10])
        // the tie at 07-12 23:30 keeps file order (v12 before v11); 2020-09-05 23:59:59.999 is still burst 3
        try expect("burst_id", [1, 1, 1, 1, 1, 2, 2, 1, 1, 3, 3])
        // u0: 10:00, 10:01, 10:30 | 12:00 (90 min gap) | 08-01; u1: 23:30 x2 | 08-27
        try expect("session", [1, 1, 1, 2, 2, 3, 3, 1, 1, 2, 1])
        try expect("sess_rank", [1, 2, 3, 1, 2, 1, 2, 1, 2, 1, 1])
        try expect("sess_len", [3, 3, 3, 2, 2, 2, 2, 2, 2, 1, 1])
        let report = try Self.prepared.get().report
        #expect(report.droppedOutsideBursts == 2)  // 2020-07-20 and 2020-07-13
        #expect(report.rowsWithoutFractionalSeconds == 1)  // "2020-08-01 08:05:00"
        // line 3 has too few fields, line 6 too many (line 4-5 is one quoted record); both are kept by position
        #expect(report.captionShortLines == [3])
        #expect(report.captionExtraFieldLines == [6])
        #expect(report.captionSkippedLines.isEmpty)
        #expect(report.captionDuplicateLines.isEmpty)
        // u1's 07-12 23:30 rows are videos 12 and 11: one tie, no duplicate
        #expect(report.ties.exactDuplicates == 0)
        #expect(report.ties.differentVideos == 1)
        #expect(report.interactionsWithoutUserFeatures == 1)
        #expect(report.interactionsWithoutItemFeatures == 1)
        #expect(report.interactionsWithoutCategory == 1)
    }

    @Test func labels() throws {
        // watch ratios 1.25 .1 2.25 .65 1.0 .2 1.0 | .25 .05 2.0 | 1.0; plays 5000 1000 9000 13000 3000 2000 4000 | 5000 500 40000 | 4000
        try expect("y_complete", [1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1])
        try expect("y_long", [0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0])
        try expect("y_rewatch", [0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0])
        try expect("y_neg", [0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0])
    }

    @Test func userEMAs() throws {
        // u0 complete x = 1,0,1,0,1,0,1: e = 1, .9, .91, .819, .8371, .75339 (each shifted one row)
        try expect("hist_ema_y_complete", [nan, 1, 0.9, 0.91, 0.819, 0.8371, 0.75339, nan, 0, 0, nan])
        // u0 long x = 0,0,1,1,0,0,0: e = 0, 0, .1, .19, .171, .1539
        try expect("hist_ema_y_long", [nan, 0, 0, 0.1, 0.19, 0.171, 0.1539, nan, 0, 0, nan])
        try expect("hist_ema_y_rewatch", [nan, 0, 0, 0.1, 0.09, 0.081, 0.0729, nan, 0, 0, nan])
        // u0 neg x = 0,1,0,0,0,1,0: e = 0, .1, .09, .081, .0729, .16561; u1 x = 0,1,0: e = 0, .1
        try expect("hist_ema_y_neg", [nan, 0, 0.1, 0.09, 0.081, 0.0729, 0.16561, nan, 0, 0.1, nan])
        // u0 ratio x = 1.25,.1,2.25,.65,1,.2,1: 1.25, 1.135, 1.2465, 1.18685, 1.168165, 1.0713485; u1: .25, .9*.25+.1*.05
        try expect("hist_ema_watchratio", [nan, 1.25, 1.135, 1.2465, 1.18685, 1.168165, 1.0713485, nan, 0.25, 0.23, nan])
    }

    @Test func categoryHistory() throws {
        // level-1 groups of u0: {rows 0,1,2,5,6} complete 1,0,1,0,1 -> e = 1, .9, .91, .819; row 3 (level 2) and
        // row 4 (-124) start groups. u1: v12 (level 2) at rows 7 and 9 -> row 9 gets 0.
        try expect("hist_cat_ema_complete", [nan, 1, 0.9, nan, nan, 0.91, 0.819, nan, nan, 0, nan])
        // level-2 counts before each row of u0: {} {11} {11,12} {11:2,12} {11:2,12,21} {+NaN} {11:2,12:2,21,NaN}
        let h3 = -(2.0 / 3 * log(2.0 / 3) + 1.0 / 3 * log(1.0 / 3))
        let h4 = -(0.5 * log(0.5) + 2 * 0.25 * log(0.25))
        let h5 = -(0.4 * log(0.4) + 3 * 0.2 * log(0.2))
        let h6 = -(2 * (1.0 / 3) * log(1.0 / 3) + 2 * (1.0 / 6) * log(1.0 / 6))
        try expect("hist_cat_entropy_l2", [0, 0, log(2), h3, h4, h5, h6, 0, 0, log(2), 0], tolerance: 1e-6)
    }

    @Test func authorHistory() throws {
        // author 100 = videos 10, 11; author 200 = video 12; video 13 has no author. Groups restart per burst.
        try expect("hist_author_recency_days", [nan, 60.0 / 86_400, 1740.0 / 86_400, nan, nan, nan, 300.0 / 86_400, nan, nan, nan, nan])
        try expect("hist_last_complete_author", [nan, 1, 0, nan, nan, nan, 0, nan, nan, nan, nan])
        try expect("hist_has_author_history", [0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0])
    }

    @Test func sessionHistory() throws {
        // u0 session 2 follows session 1 (3 rows, last at 10:30, next starts 12:00); session 3 opens burst 2
        try expect("hist_prev_sess_len", [0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0])
        try expect("hist_intersess_gap_h", [0, 0, 0, 1.5, 1.5, 0, 0, 0, 0, 0, 0])
    }

    @Test func contextUsesTheUTCTimestamp() throws {
        let sine = try column("ctx_hour_sin")
        let cosine = try column("ctx_hour_cos")
        // row 0: 02:00 UTC -> angle pi/6; row 5: 00:00 UTC; row 9: 16:00 UTC -> angle 4pi/3
        for (row, angle) in [(0, Double.pi / 6), (5, 0), (9, 4 * Double.pi / 3)] {
            #expect(abs(sine[row] - sin(angle)) < 1e-6)
            #expect(abs(cosine[row] - cos(angle)) < 1e-6)
        }
        // UTC days: Sunday x5, Saturday x2, Sunday x2, Wednesday, Saturday
        try expect("ctx_is_weekend", [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1])
    }

    @Test func userFeatures() throws {
        let columns = try Self.prepared.get().columns
        // "UNKNOWN" (U = 0x55) sorts before "high_active" (h = 0x68); user 2 has no row -> -1
        try expect("u_user_active_degree", [1, 1, 1, 1, 1, 1, 1, 0, 0, 0, nan])
        guard case let .categorical(_, degrees) = columns["u_user_active_degree"] else { Issue.record("not categorical"); return }
        #expect(degrees == ["UNKNOWN", "high_active"])
        // an empty flag reads as 0
        try expect("u_is_video_author", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, nan])
        try expect("u_is_live_streamer", [1, 1, 1, 1, 1, 1, 1, 0, 0, 0, nan])
        try expect("u_follow_user_num_log1p", Array(repeating: log(6.0), count: 7) + Array(repeating: log(601.0), count: 3) + [nan])
        // onehot_feat4 has an empty cell, so pandas reads floats: "7.0" and "unknown"
        guard case let .categorical(codes, categories) = columns["u_onehot_feat4"] else { Issue.record("not categorical"); return }
        #expect(categories == ["7.0", "unknown"])
        #expect(codes == [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, -1])
        guard case let .categorical(_, ranges) = columns["u_follow_user_num_range"] else { Issue.record("not categorical"); return }
        #expect(ranges == ["(0,10]", "500+"])
    }

    @Test func itemFeatures() throws {
        let columns = try Self.prepared.get().columns
        // video rows: 10 11 10 12 13 11 10 12 11 12 10
        // v11's width comes from its second daily row (first non-missing); v12 has height 0
        try expect("i_aspect_ratio", [0.5625, 0.5625, 0.5625, nan, nan, 0.5625, 0.5625, nan, 0.5625, nan, 0.5625])
        // music ids are complete integers: "1000" sorts before "441"
        guard case let .categorical(music, musicCategories) = columns["i_music_id"] else { Issue.record("not categorical"); return }
        #expect(musicCategories == ["1000", "441"])
        #expect(music == [0, 1, 0, 1, -1, 1, 0, 1, 1, 1, 0])
        // video_tag_id has an empty cell: floats
        guard case let .categorical(_, tags) = columns["i_video_tag_id"] else { Issue.record("not categorical"); return }
        #expect(tags == ["5.0", "6.0", "unknown"])
        guard case let .categorical(types, typeCategories) = columns["i_video_type"] else { Issue.record("not categorical"); return }
        #expect(typeCategories == ["NORMAL"])
        #expect(types[1] == 0)
        // floor of days since upload, clipped at 0: v10 07-01 -> 07-05 10:00 = 4; v11 06-01 -> 07-05 = 34;
        // v12 uploaded 07-06, watched 07-05 12:00 -> -1 -> 0; 07-12 23:30 -> 6; 08-27 -> 52; v10 -> 08-01 = 31, 09-05 = 66
        try expect("i_age_since_upload_days", [4, 34, 4, 0, nan, 61, 31, 6, 41, 52, 66])
        try expect("i_cat_level1_id", [1, 1, 1, 2, -124, 1, 1, 2, 1, 2, 1])
        try expect("i_cat_level2_id", [11, 12, 11, 21, nan, 12, 11, 21, 12, 21, 11])
        try expect("i_cat_level3_id", [-124, -124, -124, 201, nan, -124, -124, 201, -124, 201, -124])
        guard case let .categorical(names, nameCategories) = columns["i_cat_level1_name"] else { Issue.record("not categorical"); return }
        #expect(nameCategories == ["UNKNOWN", "旅行", "美食"])
        #expect(names[4] == 0)
    }
}

@Suite("Data preparation: notebook 1's gap summary and entropy trajectory")
struct PreparationReportTests {
    @Test("describe(include=\"all\") of every column: numeric rows by hand, categorical count/unique/top/freq, one row per column in order")
    func columnSummariesByHand() throws {
        var report = PreparationReport()
        report.recordColumn("x", .float32([1, .nan, 3, 2]))
        report.recordColumn("c", .categorical(codes: [1, 0, 1, -1, 2, 0], categories: ["a", "b", "c", "d"]))
        report.recordColumn("t", .datetimeMs([3_000, 1_000]))
        // x: values 1, 3, 2 (NaN missing): mean 2, sample std 1, quartiles of [1, 2, 3] at 0.5, 1, 1.5.
        let x = try #require(report.columnSummaries[0].numeric)
        for (got, want) in zip(x, [3, 2, 1, 1, 1.5, 2, 2.5, 3]) { #expect(abs(got - want) < 1e-12) }
        #expect(x.count == 8 && report.columnSummaries[0].unique == nil)
        // c: a twice, b twice (tie: the first in sorted order), c once, one missing, d never.
        let c = report.columnSummaries[1]
        #expect(c.numeric == nil && c.count == 5 && c.unique == 3 && c.top == "a" && c.frequency == 2)
        #expect(report.columnSummaries[2].isDatetime && report.columnSummaries[2].numeric?[3] == 1_000)
        // Step 1 on the hand-written world: one summary per written column, in the written order.
        let prepared = try DataPreparationTests.prepared.get()
        #expect(prepared.report.columnSummaries.map(\.name) == prepared.order)
        let users = try #require(prepared.report.columnSummaries.first { $0.name == "user_id" }?.numeric)
        #expect(users[0] == 11 && users[3] == 0 && users[7] == 2)   // 11 rows of users 0, 1, 2
    }

    @Test("the gap summary is pandas' describe() by hand, and each session's positive gap is kept once")
    func gapSummaryByHand() {
        // User 1: rows at 0 s, 10 s, 4 h (a new session); user 2: 0 h and 5 h (two sessions).
        let hour: Int64 = 3_600_000
        let sessions = Sessions(user: [1, 1, 1, 2, 2], timeMs: [0, 10_000, 4 * hour, 0, 5 * hour])
        #expect(sessions.starts == [0, 2, 3, 4, 5])
        var report = PreparationReport()
        report.recordGaps([0, 0, 4, 0, 5], sessions: sessions)
        // Values 0, 0, 4, 0, 5: mean 1.8, sample std sqrt(24.8 / 4), quartiles of [0, 0, 0, 4, 5] at positions 1, 2, 3.
        let expected = [5, 1.8, (24.8 / 4).squareRoot(), 0, 0, 0, 4, 5]
        #expect(report.gapFeatureSummary.count == 8)
        for (got, want) in zip(report.gapFeatureSummary, expected) { #expect(abs(got - want) < 1e-9) }
        #expect(report.positiveSessionGapHours == [4, 5])
    }

    @Test("the entropy trajectory follows user 5 when present, else the user with the most rows")
    func entropyTrajectoryUser() {
        var report = PreparationReport()
        report.recordEntropyTrajectory(user: [1, 1, 1, 5, 5, 7], timeMs: [1, 2, 3, 4, 5, 6], entropy: [0, 1, 2, 0, 0.5, 0])
        #expect(report.entropyTrajectoryUser == 5)
        #expect(report.entropyTrajectory.map(\.timeMs) == [4, 5] && report.entropyTrajectory.map(\.entropy) == [0, 0.5])
        var other = PreparationReport()
        other.recordEntropyTrajectory(user: [1, 1, 2, 2, 2, 3, 3, 3], timeMs: Array(0..<8), entropy: [Float](repeating: 0, count: 8))
        #expect(other.entropyTrajectoryUser == 2 && other.entropyTrajectory.map(\.timeMs) == [2, 3, 4])
    }
}
