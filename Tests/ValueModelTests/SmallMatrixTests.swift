import Foundation
import Testing
@testable import ValueModel

/// small_matrix.csv end to end: read by step 1 (empty time fields, float dates, located errors), joined to the
/// logged table by hand-computed rows, kept out of the training table, turned into off-path edges as step 4
/// builds a candidate's, and written by the synthetic world in the real file's format.
@Suite("Small matrix: off-path pairs")
struct SmallMatrixTests {
    /// Rows of a small matrix for `HandWrittenWorld`, each commented with what step 1 must make of it.
    static let smallMatrix = """
        user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio
        0,12,30000,20000,2020-07-05 11:00:00.000,20200705.0,1593918000.000,1.5
        0,13,1000,3000,,,,0.3333333333333333
        1,10,1500,4000,2020-07-01 09:00:00.000,20200701,1593565200.000,0.375
        5,10,4000,4000,2020-07-05 11:00:00.000,20200705,1593918000.000,1.0
        2,99,4000,4000,2020-07-05 11:00:00.000,20200705,1593918000.000,1.0
        1,11,24000,10000,2020-09-05 10:00:00.000,20200905,1599271200.000,2.4

        """
    // Kept: rows 1, 3 and 6 (row 2 has no time, row 4 an unknown user, row 5 an unknown video).
    // Step 1's table (sorted by user, time; the 07-20 row is outside the bursts): user 0 = rows 0-6
    // (10:00 v10, 10:01 v11, 10:30 v10, 12:00 v12, 12:00:30.5 v13, 08-01 08:00 v11, 08-01 08:05 v10),
    // user 1 = rows 7-9 (two at 07-12 23:30, then 08-27; 07-13 is outside the bursts), user 2 = row 10.
    // Row 1 (user 0, 07-05 11:00): latest earlier row 2 (10:30); video 12 first at row 3; pair logged.
    // Row 3 (user 1, 07-01): before all of user 1's rows -> row 7; video 10 first at row 0; pair not logged.
    // Row 6 (user 1, 09-05): latest earlier row 9; video 11 first at row 1; pair logged.

    static func folder(small: String?) throws -> String {
        let folder = try HandWrittenWorld.write()
        if let small { try Data(small.utf8).write(to: URL(fileURLWithPath: folder + "/small_matrix.csv")) }
        return folder
    }

    static func prepare(_ folder: String) throws -> (big: [String: Column], bigOrder: [String], small: [String: Column], report: PreparationReport) {
        let prepared = try prepareWithUntimed(folder)
        return (prepared.big, prepared.bigOrder, prepared.small, prepared.report)
    }

    static func prepareWithUntimed(_ folder: String) throws -> (big: [String: Column], bigOrder: [String], small: [String: Column],
                                                                 untimed: [String: Column], report: PreparationReport) {
        var big: [String: Column] = [:], order: [String] = [], small: [String: Column] = [:], untimed: [String: Column] = [:]
        let report = try DataPreparation.run(folder: folder, emit: { name, column in big[name] = column; order.append(name) },
                                             emitSmallMatrix: { name, column in small[name] = column },
                                             emitUntimedSmallMatrix: { name, column in untimed[name] = column })
        return (big, order, small, untimed, report)
    }

    @Test("step 1 keeps the row without a time as a response: user 0, video 13, ratio 1/3, 1 s played (neg only)")
    func untimedRowIsKeptAsAResponse() throws {
        let prepared = try Self.prepareWithUntimed(try Self.folder(small: Self.smallMatrix))
        #expect(prepared.report.smallMatrix?.untimedResponses == 1)
        #expect(Self.int32(prepared.untimed["user_id"]) == [0] && Self.int32(prepared.untimed["video_id"]) == [13])
        guard case let .float64(ratio)? = prepared.untimed["watch_ratio"] else { Issue.record("no watch_ratio"); return }
        #expect(ratio == [0.3333333333333333])
        let labels = Head.allCases.map { head -> [Int8] in
            guard case let .int8(values)? = prepared.untimed[head.labelName] else { return [] }
            return values
        }
        #expect(labels == [[0], [0], [0], [1]])
    }

    static func int32(_ column: Column?) -> [Int32] {
        guard case let .int32(values)? = column else { return [] }
        return values
    }

    @Test("step 1 keeps the timed rows of known users and videos and joins them to the hand-computed rows")
    func handCase() throws {
        let (big, _, small, report) = try Self.prepare(try Self.folder(small: Self.smallMatrix))
        let r = try #require(report.smallMatrix)
        #expect(r.rows == 6 && r.rowsWithoutTime == 1 && r.rowsWithUnknownUser == 1 && r.rowsWithUnknownVideo == 1)
        #expect(r.keptRows == 3 && r.users == 2 && r.videos == 3 && r.pairsAlsoLogged == 2 && r.rowsBeforeUserHistory == 1)
        #expect(Self.int32(small["user_id"]) == [0, 1, 1])
        #expect(Self.int32(small["video_id"]) == [12, 10, 11])
        #expect(Self.int32(small["source_row"]) == [2, 7, 9])
        #expect(Self.int32(small["video_row"]) == [3, 0, 1])
        // The borrowed rows really are the user's and the video's (checked against the logged columns).
        let users = Self.int32(big["user_id"]), videos = Self.int32(big["video_id"])
        #expect([2, 7, 9].map { users[$0] } == [0, 1, 1])
        #expect([3, 0, 1].map { videos[$0] } == [12, 10, 11])
        // Labels: 30 s at ratio 1.5; 1.5 s at 0.375; 24 s at 2.4.
        let labels = Head.allCases.map { head -> [Int8] in
            guard case let .int8(v)? = small[head.labelName] else { return [] }
            return v
        }
        let expectedLabels: [[Int8]] = [[1, 0, 1], [1, 0, 1], [0, 0, 1], [0, 1, 0]]
        #expect(labels == expectedLabels)
        let expectedRates: [Double] = [2.0 / 3, 2.0 / 3, 1.0 / 3, 1.0 / 3]
        #expect(r.labelRates == expectedRates)
        // Context from the row's own UTC timestamp: 1593918000 is 03:00 UTC, a Sunday.
        guard case let .float32(sine)? = small["ctx_hour_sin"], case let .int8(weekend)? = small["ctx_is_weekend"] else {
            Issue.record("context columns missing"); return
        }
        #expect(abs(Double(sine[0]) - sin(2 * Double.pi * 3 / 24)) < 1e-6)
        #expect(weekend[0] == 1)
    }

    @Test("no small-matrix row reaches the training table: step 1's 80 columns are identical with and without it")
    func noLeak() throws {
        let with = try Self.prepare(try Self.folder(small: Self.smallMatrix))
        let without = try Self.prepare(try Self.folder(small: nil))
        #expect(without.report.smallMatrix == nil && without.small.isEmpty)
        #expect(with.bigOrder == without.bigOrder && with.bigOrder.count == 80)
        for name in with.bigOrder {
            let a = try #require(with.big[name]), b = try #require(without.big[name])
            #expect(a.count == b.count && (0..<a.count).allSatisfy { a.value(at: $0).bitPattern == b.value(at: $0).bitPattern }, "\(name)")
        }
        // And the small matrix's distinctive row (user 0, video 12 at 07-05 11:00) is not among the logged ones.
        guard case let .datetimeMs(times)? = with.big["time"] else { Issue.record("no time column"); return }
        let users = Self.int32(with.big["user_id"]), videos = Self.int32(with.big["video_id"])
        let elevenOClock = Int64(FieldParsing.daysFromCivil(year: 2020, month: 7, day: 5)) * 86_400_000 + 11 * 3_600_000
        #expect(!(0..<users.count).contains { users[$0] == 0 && videos[$0] == 12 && times[$0] == elevenOClock })
    }

    @Test("bad small_matrix rows are errors naming the file, line and column")
    func locatedErrors() throws {
        let partial = "user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio\n"
            + "0,12,30000,20000,2020-07-05 11:00:00.000,20200705,1593918000.000,1.5\n"
            + "0,13,1000,3000,,20200705,,0.3\n"
        let error = try #require(throws: PipelineError.self) { _ = try Self.prepare(try Self.folder(small: partial)) }
        let text = "\(error)"
        #expect(text.contains("small_matrix.csv:3:5") && text.contains("column \"time\""), "\(text)")
        let badRatio = "user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio\n0,12,1,2,,,,x\n"
        let second = try #require(throws: PipelineError.self) { _ = try Self.prepare(try Self.folder(small: badRatio)) }
        #expect("\(second)".contains("small_matrix.csv:2:8") && "\(second)".contains("column \"watch_ratio\""), "\(second)")
    }

    @Test("a small matrix without a usable row stops step 1 before anything is emitted, naming the file and the counts")
    func noUsableRow() throws {
        let lines = Self.smallMatrix.components(separatedBy: "\n")
        // lines[2]: no time; lines[4]: user 5 has no logged row; lines[5]: video 99 has none (see the hand case).
        let cases: [(text: String, counts: String)] = [
            (lines[0] + "\n", "0 row(s) read below the header, 0 usable (0 without a time, 0 of a user and 0 of a video"),
            ([lines[0], lines[2], "", lines[4], lines[5]].joined(separator: "\n") + "\n",
             "3 row(s) read below the header and 1 blank line(s), 0 usable (1 without a time, 1 of a user and 1 of a video"),
        ]
        for (text, counts) in cases {
            let folder = try Self.folder(small: text)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            var emitted = 0
            do {
                _ = try DataPreparation.run(folder: folder, emit: { _, _ in emitted += 1 }, emitSmallMatrix: { _, _ in emitted += 1 })
                Issue.record("a small matrix without a usable row was accepted: \(text)")
            } catch let PipelineError.malformedInput(location, reason) {
                #expect(location.file == folder + "/small_matrix.csv")
                #expect(reason.contains(counts), "\(reason)")
            }
            #expect(emitted == 0, "columns were emitted before the small matrix was checked")
        }
    }

    @Test("1-data-preparation refuses a header-only small_matrix.csv with exit status 1 and leaves its previous output")
    func headerOnlyFileLeavesThePreviousOutput() throws {
        let raw = try HandWrittenWorld.write()
        defer { try? FileManager.default.removeItem(atPath: raw) }
        let root = raw + "/run"
        let arguments = ["--raw", raw, "--out", root + "/processed", "--notebook", root + "/1.md", "--figures", root + "/figures"]
        let first = try ExecutableOptionsTests.run("1-data-preparation", arguments)
        #expect(first.status == 0, "\(first.stderr)")
        let before = FailedStepTests.snapshot(root)
        #expect(before.keys.contains("processed/step1/manifest.json") && before.keys.contains("1.md"))
        try Data("user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio\n".utf8)
            .write(to: URL(fileURLWithPath: raw + "/small_matrix.csv"))
        let second = try ExecutableOptionsTests.run("1-data-preparation", arguments)
        #expect(second.status == 1)
        #expect(second.stderr.contains(raw + "/small_matrix.csv: no usable row: 0 row(s) read below the header, 0 usable"), "\(second.stderr)")
        #expect(FailedStepTests.snapshot(root) == before, "step 1 changed its output although it failed")
    }

    @Test("a small-matrix folder step 1 prepared and that is gone is an error; none prepared is no small matrix")
    func preparedFolderThatIsGone() throws {
        let processed = FileManager.default.temporaryDirectory.appendingPathComponent("small-gone-\(UUID().uuidString)").path
        let big = Manifest.Input(path: "/raw/big_matrix.csv", bytes: 10, hash: "x")
        #expect(try OffPathPairs.store(processed: processed, step1Inputs: [big]) == nil)
        let inputs = [big, Manifest.Input(path: "/raw/small_matrix.csv", bytes: 5, hash: "y")]
        #expect(throws: PipelineError.missingFile(path: processed + "/step1-small/manifest.json", hint: "Step 1 prepared small_matrix.csv into this folder (its manifest lists the file among its inputs), and it is gone: re-run `1-data-preparation`.")) {
            _ = try OffPathPairs.store(processed: processed, step1Inputs: inputs)
        }
    }

    @Test("off-path edges: session columns of source_row, item columns of video_row, author trio and own context, standardised")
    func offPathFeatures() throws {
        let (big, _, small, _) = try Self.prepare(try Self.folder(small: Self.smallMatrix))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("small-\(UUID().uuidString)").path
        let output = try ArtifactDirectory(path: directory)
        for (name, column) in small { try output.write(name, column) }
        try output.commit(manifest: Manifest(producer: "1-data-preparation", version: 1, options: [:], inputs: [], rows: 3))
        let store = try ColumnStore(folder: directory, producer: "1-data-preparation")

        let w = EdgeFeatures.count, edges = Self.int32(big["user_id"]).count
        let raw = Matrix(rows: edges, cols: w, values: (0..<(edges * w)).map { Float($0 / w * 1000 + $0 % w) })   // row r, col c: 1000r + c
        var summary = GraphConstruction.Summary()
        summary.userNodes = 3
        summary.videoNodes = 14
        summary.standardisation = Standardisation(mean: (0..<w).map { Double($0) }, std: (0..<w).map { _ in 2 })
        let pairs = try OffPathPairs(small: store, rawEdges: raw, edgeUsers: Self.int32(big["user_id"]), summary: summary)
        #expect(pairs.count == 3)
        #expect(pairs.examples.targets == [15, 13, 14])
        #expect(pairs.dayparts == [1, 1, 1])   // 11:00, 09:00 and 10:00 Beijing time
        let sources = [2, 7, 9], videoRows = [3, 0, 1]
        guard case let .float32(hourSin)? = small["ctx_hour_sin"], case let .float32(hourCos)? = small["ctx_hour_cos"],
              case let .int8(weekend)? = small["ctx_is_weekend"] else { Issue.record("no context"); return }
        for i in 0..<3 {
            for (c, name) in EdgeFeatures.names.enumerated() {
                var expected: Float
                if name.hasPrefix("i_") { expected = Float(videoRows[i] * 1000 + c) } else { expected = Float(sources[i] * 1000 + c) }
                switch name {
                case "hist_has_author_history", "hist_last_complete_author", "hist_author_recency_days": expected = 0   // no earlier row of the author
                case "ctx_hour_sin": expected = hourSin[i]
                case "ctx_hour_cos": expected = hourCos[i]
                case "ctx_is_weekend": expected = Float(weekend[i])
                default: break
                }
                let standardised = (expected - Float(c)) / 2
                #expect(abs(pairs.examples.features[i, c] - standardised) <= 1e-3 * max(1, abs(standardised)), "pair \(i), \(name)")
            }
        }
        // A store that does not belong to the graph (its source rows point at other users) is refused.
        #expect(throws: PipelineError.self) {
            _ = try OffPathPairs(small: store, rawEdges: raw, edgeUsers: [Int32](repeating: 2, count: edges), summary: summary)
        }
    }

    @Test("synthetic small_matrix.csv: big_matrix's format, a dense block, empty time fields, p_true-consistent labels")
    func syntheticFile() throws {
        var c = SyntheticWorldConfiguration(users: 30, videos: 100, seed: 11)
        c.smallMatrix?.missingTimeShare = 0.05
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("small-world-\(UUID().uuidString)").path
        let generator = try SyntheticWorldGenerator(configuration: c)
        let truth = try generator.write(to: directory)
        let lines = try String(contentsOfFile: directory + "/small_matrix.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.first == "user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio")
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.allSatisfy { $0.count == 8 })
        let users = Set(rows.map { $0[0] }), videos = Set(rows.map { $0[1] })
        #expect(users.count == 6 && videos.count == 30)                    // 20% of 30 users, 30% of 100 videos
        let density = Double(rows.count) / Double(users.count * videos.count)
        #expect(density > 0.97 && density <= 1)
        let untimed = rows.filter { $0[4].isEmpty }
        #expect(untimed.allSatisfy { $0[5].isEmpty && $0[6].isEmpty } && !untimed.isEmpty && untimed.count < rows.count / 5)
        #expect(Set(rows.map { "\($0[0]),\($0[1])" }).count == rows.count)   // each pair at most once
        for row in rows where !row[4].isEmpty {
            #expect(Double(row[7]) == Double(row[2])! / Double(row[3])!)
            #expect(row[5] == row[4].prefix(10).replacingOccurrences(of: "-", with: ""))
        }
        let summary = try #require(truth.summary.smallMatrix)
        #expect(summary.rows == rows.count && summary.rowsWithoutTime == untimed.count && summary.users == 6)
        #expect(truth.files.contains("small_matrix.csv"))
        // Step 1 reads it: every timed row is kept (all users and videos of the block have logged rows here
        // or are counted as unknown).
        let report = try Self.prepare(directory).report
        let prepared = try #require(report.smallMatrix)
        #expect(prepared.rows == rows.count && prepared.rowsWithoutTime == untimed.count)
        #expect(prepared.keptRows + prepared.rowsWithUnknownUser + prepared.rowsWithUnknownVideo == rows.count - untimed.count)
    }

    @Test("synthetic small matrix: label rates match the mean p_true of its pairs (no selection), 4 standard errors")
    func syntheticRatesFollowTruth() throws {
        var c = SyntheticWorldConfiguration(users: 200, videos: 400, seed: 5)
        c.smallMatrix = SyntheticSmallMatrix()
        c.smallMatrix?.missingTimeShare = 0
        let generator = try SyntheticWorldGenerator(configuration: c)
        let block = c.smallMatrix!.members(users: 200, videos: 400, seed: 5)
        var expected = [0.0, 0.0, 0.0, 0.0], observed = [0.0, 0.0, 0.0, 0.0], n = 0.0
        for user in block.users {
            for row in c.smallMatrix!.rows(user: user, videos: block.videos, model: generator.model, seed: 5) {
                let hour = Int(((row.utcMs! + SyntheticCalendar.beijingOffsetMs) % SyntheticCalendar.msPerDay) / 3_600_000)
                let p = generator.model.headProbabilities(user: user, video: Int(row.video), context: SyntheticContext(beijingHour: hour)).array
                let labels = SyntheticLabels(playDurationMs: Int(row.playDurationMs), videoDurationMs: generator.world.videoDurationMs[Int(row.video)])
                for (h, on) in [labels.complete, labels.long, labels.rewatch, labels.neg].enumerated() {
                    expected[h] += p[h]; observed[h] += on ? 1 : 0
                }
                n += 1
            }
        }
        #expect(n > 4000)
        for h in 0..<4 {
            let rate = expected[h] / n
            #expect(abs(observed[h] / n - rate) < 4 * (rate * (1 - rate) / n).squareRoot(), "head \(h)")
        }
    }
}
