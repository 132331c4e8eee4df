// Tests of the synthetic KuaiRec world: formats, determinism, rates, sessions, bursts, the planted value model
// and the exactness of the closed-form head probabilities. The files are parsed here independently of the writer.

import Foundation
import Testing
@testable import ValueModel

/// Generated worlds shared by the tests (generated once, lazily).
private enum SyntheticFixture {
    static func generate(users: Int, videos: Int, seed: UInt64, name: String,
                         configure: (inout SyntheticWorldConfiguration) -> Void = { _ in })
        throws -> (directory: String, truth: SyntheticGroundTruth) {
        var c = SyntheticWorldConfiguration(users: users, videos: videos, seed: seed)
        configure(&c)
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("synthetic-world-tests-\(getpid())-\(name)").path
        try? FileManager.default.removeItem(atPath: directory)
        let truth = try SyntheticWorldGenerator(configuration: c).write(to: directory)
        return (directory, truth)
    }

    /// 40 users x 300 videos, about 70k rows.
    static let small = Result { try generate(users: 40, videos: 300, seed: 7, name: "small") }
    static let smallRows = Result { try readBigMatrix(small.get().directory + "/big_matrix.csv") }
}

/// One parsed big_matrix row.
private struct Row {
    var user: Int, video: Int, play: Int, duration: Int
    var time: String, date: Int, timestamp: String, ratio: String
    /// Beijing time as ms since the epoch, parsed from `time` (as if it were UTC).
    var beijingMs: Int64
}

private func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
    // Independent of the generator's calendar: count days month by month from 1970-01-01.
    var days = 0
    for y in 1970..<y0 { days += (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 366 : 365 }
    let lengths = [31, (y0 % 4 == 0 && (y0 % 100 != 0 || y0 % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    for month in 0..<(m - 1) { days += lengths[month] }
    return days + d - 1
}

private func parseTime(_ text: String) -> Int64? {
    // "YYYY-MM-DD HH:MM:SS.mmm"
    let parts = text.split(whereSeparator: { "- :.".contains($0) }).map { Int($0) }
    guard parts.count == 7, parts.allSatisfy({ $0 != nil }) else { return nil }
    let p = parts.map { $0! }
    guard text.count == 23 else { return nil }
    let days = Int64(daysFromCivil(p[0], p[1], p[2]))
    return ((days * 24 + Int64(p[3])) * 60 + Int64(p[4])) * 60_000 + Int64(p[5]) * 1000 + Int64(p[6])
}

private func readBigMatrix(_ path: String) throws -> (header: String, rows: [Row]) {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.last == "", "file must end with a newline")
    lines.removeLast()
    let header = String(lines.removeFirst())
    var rows: [Row] = []
    rows.reserveCapacity(lines.count)
    for line in lines {
        let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard f.count == 8, let user = Int(f[0]), let video = Int(f[1]), let play = Int(f[2]),
              let duration = Int(f[3]), let date = Int(f[5]), let ms = parseTime(f[4]) else {
            Issue.record("malformed big_matrix line: \(line)")
            continue
        }
        rows.append(Row(user: user, video: video, play: play, duration: duration, time: f[4], date: date,
                        timestamp: f[6], ratio: f[7], beijingMs: ms))
    }
    return (header, rows)
}

/// RFC 4180 records (quote-aware, fields may span lines), with the 1-based line each record starts on.
private func readCSVRecords(_ path: String) throws -> [(line: Int, fields: [String])] {
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    var records: [(Int, [String])] = []
    var fields: [String] = []
    var field: [UInt8] = []
    var inQuotes = false
    var line = 1, recordLine = 1
    var i = 0
    while i < bytes.count {
        let b = bytes[i]
        if inQuotes {
            if b == 34 {
                if i + 1 < bytes.count && bytes[i + 1] == 34 { field.append(34); i += 1 } else { inQuotes = false }
            } else {
                if b == 10 { line += 1 }
                field.append(b)
            }
        } else if b == 34 {
            inQuotes = true
        } else if b == 44 {
            fields.append(String(decoding: field, as: UTF8.self)); field = []
        } else if b == 10 {
            fields.append(String(decoding: field, as: UTF8.self)); field = []
            records.append((recordLine, fields)); fields = []
            line += 1; recordLine = line
        } else {
            field.append(b)
        }
        i += 1
    }
    return records
}

private let burstDates: [ClosedRange<Int>] = [20200705...20200712, 20200801...20200810, 20200827...20200905]

@Suite("Synthetic KuaiRec world")
struct SyntheticWorldTests {
    @Test("big_matrix header and per-row consistency: watch_ratio, date, timestamp = time - 8 h")
    func bigMatrixFormat() throws {
        let (header, rows) = try SyntheticFixture.smallRows.get()
        #expect(header == "user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio")
        #expect(rows.count > 20_000)
        var bad = 0
        for r in rows {
            // watch_ratio is play / video duration in full precision.
            if Double(r.ratio) != Double(r.play) / Double(r.duration) { bad += 1 }
            // date is YYYYMMDD of time.
            if r.date != Int(r.time.prefix(10).replacingOccurrences(of: "-", with: "")) { bad += 1 }
            // timestamp (UTC seconds, 3 decimals) = time (Beijing) - 8 h.
            let ts = r.timestamp.split(separator: ".")
            guard ts.count == 2, ts[1].count == 3, let s = Int64(ts[0]), let ms = Int64(ts[1]) else { bad += 1; continue }
            if s * 1000 + ms != r.beijingMs - 8 * 3_600_000 { bad += 1 }
            if r.duration < 2000 || r.duration > 600_000 || r.play < 0 { bad += 1 }
        }
        #expect(bad == 0)
        // Written by user, then time.
        let ordered = zip(rows, rows.dropFirst()).allSatisfy {
            $0.user < $1.user || ($0.user == $1.user && $0.beijingMs <= $1.beijingMs)
        }
        #expect(ordered)
    }

    @Test("label rates near the real ones (34 / 21.5 / 7.5 / 12.5 %), within 5 points")
    func labelRates() throws {
        let rows = try SyntheticFixture.smallRows.get().rows
        var counts = [0, 0, 0, 0]
        for r in rows {
            let ratio = Double(r.ratio)!
            if ratio >= 1 { counts[0] += 1 }
            if r.play >= 12_000 || ratio >= 1.5 { counts[1] += 1 }
            if ratio >= 2 { counts[2] += 1 }
            if r.play <= 2000 { counts[3] += 1 }
        }
        let rates = counts.map { Double($0) / Double(rows.count) }
        let targets = [0.34, 0.215, 0.075, 0.125]
        // 7 points: this 40-user world's retrieval pools (150-300 of 300 videos) select on affinity more than the
        // default world's (150-300 of 1,200), whose rates are 31.9 / 25.4 / 7.0 / 11.0 %.
        for h in 0..<4 {
            #expect(abs(rates[h] - targets[h]) < 0.07, "head \(h): rate \(rates[h]) vs \(targets[h])")
        }
        // The generator's own summary agrees with the file.
        let truth = try SyntheticFixture.small.get().truth
        for h in 0..<4 { #expect(abs(truth.summary.labelRates[h] - rates[h]) < 1e-12) }
    }

    @Test("sessions by the > 1 h rule: right-skewed lengths, several per burst day, no repeat inside a session")
    func sessions() throws {
        let rows = try SyntheticFixture.smallRows.get().rows
        let truth = try SyntheticFixture.small.get().truth
        var lengths: [Int] = []
        var current = 0
        var repeatsInSession = 0
        var inSession = Set<Int>()
        for (i, r) in rows.enumerated() {
            let newSession = i == 0 || rows[i - 1].user != r.user || r.beijingMs - rows[i - 1].beijingMs > 3_600_000
            if newSession {
                if current > 0 { lengths.append(current) }
                current = 0
                inSession.removeAll()
            }
            current += 1
            if !inSession.insert(r.video).inserted { repeatsInSession += 1 }
        }
        lengths.append(current)
        lengths.sort()
        let median = lengths.count % 2 == 1 ? Double(lengths[lengths.count / 2])
            : Double(lengths[lengths.count / 2 - 1] + lengths[lengths.count / 2]) / 2
        let mean = Double(rows.count) / Double(lengths.count)
        #expect((4...11).contains(median), "median session length \(median)")
        #expect(mean >= 14 && mean <= 34, "mean session length \(mean)")
        #expect(mean > median + 5, "right skew")
        #expect(repeatsInSession == 0)
        // The gap rule recovers exactly the simulated sessions.
        #expect(lengths.count == truth.summary.sessions)
        // Several sessions per user per burst day on average.
        let perUserDay = Double(lengths.count) / Double(truth.summary.users * 28)
        #expect(perUserDay > 1.5 && perUserDay < 5, "sessions per user per burst day \(perUserDay)")
        // Repeated (user, video) pairs across sessions occur.
        #expect(truth.summary.repeatedPairRows > 0)
    }

    @Test("most rows fall inside the three bursts, a few on stray days")
    func bursts() throws {
        let rows = try SyntheticFixture.smallRows.get().rows
        let outside = rows.filter { r in !burstDates.contains { $0.contains(r.date) } }.count
        let share = Double(outside) / Double(rows.count)
        #expect(outside > 0)
        #expect(share < 0.01, "share outside the bursts \(share)")
        #expect(outside == (try SyntheticFixture.small.get().truth.summary.rowsOutsideBursts))
        for burst in burstDates { #expect(rows.contains { burst.contains($0.date) }) }
    }

    @Test("same seed -> byte-identical files (whatever the threads); different seed -> different")
    func determinism() throws {
        let names = ["big_matrix.csv", "user_features.csv", "item_daily_features.csv",
                     "kuairec_caption_category.csv", "ground_truth.json"]
        func make(_ seed: UInt64, _ name: String, threads: Int) throws -> [Data] {
            var c = SyntheticWorldConfiguration(users: 9, videos: 120, seed: seed)
            c.sessionsPerDay = 1
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("synthetic-world-tests-\(getpid())-\(name)").path
            try? FileManager.default.removeItem(atPath: directory)
            _ = try SyntheticWorldGenerator(configuration: c).write(to: directory, threads: threads)
            let files = try names.map { try Data(contentsOf: URL(fileURLWithPath: directory + "/" + $0)) }
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".") }
            #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
            try? FileManager.default.removeItem(atPath: directory)
            return files
        }
        let a = try make(5, "a", threads: 1)
        let b = try make(5, "b", threads: 3)
        let c = try make(6, "c", threads: 2)
        for i in names.indices {
            #expect(a[i] == b[i], "\(names[i]) differs between runs with the same seed")
            #expect(a[i] != c[i], "\(names[i]) identical for different seeds")
        }
    }

    @Test("ground_truth.json holds the planted weights, noise, pool and seed")
    func groundTruth() throws {
        let directory = try SyntheticFixture.small.get().directory
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/ground_truth.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let weights = try #require(json["weights"] as? [Double])
        #expect(weights == [0.22, 0.10, -0.02, -0.66])
        #expect(abs(weights.map(abs).reduce(0, +) - 1) < 1e-12)
        #expect(json["headOrder"] as? [String] == ["y_complete", "y_long", "y_rewatch", "y_neg"])
        #expect(json["seed"] as? Int == 7)
        #expect((json["candidatePool"] as? String)?.hasPrefix("retrieval") == true)
        let noise = try #require(json["noise"] as? [String: Any])
        #expect(noise["distribution"] as? String == "gumbel")
        #expect(noise["scale"] as? Double == SyntheticWorldConfiguration.defaultNoiseScale)
        #expect(json["generatorVersion"] as? String == SyntheticWorldConfiguration.generatorVersion)
        let decoded = try SyntheticGroundTruth.read(from: directory + "/ground_truth.json")
        #expect(decoded.configuration == SyntheticWorldConfiguration(users: 40, videos: 300, seed: 7))
    }

    @Test("empirical label frequencies match the closed-form p_true (20k draws, 4 standard errors)")
    func exactHeadProbabilities() throws {
        let generator = try SyntheticWorldGenerator(configuration: SyntheticWorldConfiguration(users: 6, videos: 60, seed: 3))
        let model = generator.model
        let durations = generator.world.videoDurationMs
        let shortest = durations.indices.min { durations[$0] < durations[$1] }!
        let longest = durations.indices.max { durations[$0] < durations[$1] }!
        let cases = [(0, shortest, 0), (1, longest, 3), (2, 7, 2), (5, 33, 1)]
        var rng = SeededGenerator(seed: 99)
        let n = 20_000
        for (user, video, daypart) in cases {
            let context = SyntheticContext(daypart: daypart)
            let p = model.headProbabilities(user: user, video: video, context: context)
            let m = model.mixture(user: user, video: video, context: context)
            #expect(abs(m.skip + m.loop + m.watch - 1) < 1e-12)
            #expect(p.rewatch <= p.complete + 1e-15)
            var counts = [0, 0, 0, 0]
            let d = durations[video]
            for _ in 0..<n {
                let play = model.drawPlayDuration(user: user, video: video, context: context, using: &rng)
                let ratio = Double(play) / Double(d)
                if ratio >= 1 { counts[0] += 1 }
                if play >= 12_000 || ratio >= 1.5 { counts[1] += 1 }
                if ratio >= 2 { counts[2] += 1 }
                if play <= 2000 { counts[3] += 1 }
            }
            for (h, probability) in p.array.enumerated() {
                let frequency = Double(counts[h]) / Double(n)
                let se = max((probability * (1 - probability) / Double(n)).squareRoot(), 1 / Double(n))
                #expect(abs(frequency - probability) <= 4 * se,
                        "user \(user) video \(video) (\(d) ms) daypart \(daypart) head \(h): \(frequency) vs \(probability)")
            }
        }
    }

    @Test("the platform ranks by the planted value: Plackett-Luce shortcut = explicit Gumbel scores = softmax")
    func plantedRanking() throws {
        // First shown video of a one-row session: P(video j) = softmax(value / noise)_j under both samplers.
        var base = SyntheticWorldConfiguration(users: 2, videos: 12, seed: 4)
        base.noiseScale = 0.1
        base.candidatePool = .catalogue
        var explicit = base
        explicit.scoreEveryCandidate = true
        let fast = try SyntheticWorldGenerator(configuration: base)
        let slow = try SyntheticWorldGenerator(configuration: explicit)
        #expect(fast.platform.usesPlackettLuce && !slow.platform.usesPlackettLuce)
        let context = SyntheticContext(daypart: 3)
        let values = (0..<12).map { fast.platform.value(user: 1, video: $0, context: context) }
        let top = values.max()!
        let weights = values.map { exp(($0 - top) / 0.1) }
        let softmax = weights.map { $0 / weights.reduce(0, +) }
        let n = 20_000
        for generator in [fast, slow] {
            let scratch = SyntheticPlatform.Scratch(videos: 12)
            generator.platform.prepare(user: 1, scratch: scratch)
            var rng = SeededGenerator(seed: 17)
            var counts = [Int](repeating: 0, count: 12)
            var shown: [Int32] = []
            for _ in 0..<n {
                shown.removeAll()
                generator.platform.selectSession(count: 1, context: context, day: 18450, scratch: scratch, using: &rng, into: &shown)
                counts[Int(shown[0])] += 1
            }
            for j in 0..<12 {
                let se = max((softmax[j] * (1 - softmax[j]) / Double(n)).squareRoot(), 1 / Double(n))
                #expect(abs(Double(counts[j]) / Double(n) - softmax[j]) <= 4.5 * se, "video \(j)")
            }
            // A full session never repeats a video and covers the catalogue when it asks for all of it.
            shown.removeAll()
            generator.platform.selectSession(count: 12, context: context, day: 18450, scratch: scratch, using: &rng, into: &shown)
            #expect(Set(shown).count == 12)
        }
        // In a generated world the shown videos are clearly better than the catalogue by the planted value.
        let summary = try SyntheticFixture.small.get().truth.summary
        #expect(summary.meanShownValue > summary.meanCatalogueValue + 0.5 * summary.catalogueValueSD)
    }

    @Test("pool-aware platform: pools hold uploaded videos only, within the size range, and the list is the top of the pool")
    func poolAwarePlatform() throws {
        for mechanism in [SyntheticCandidatePool.popularity, .retrieval] {
            var c = SyntheticWorldConfiguration(users: 4, videos: 200, seed: 8)
            c.candidatePool = mechanism
            c.poolMinimum = 20
            c.poolMaximum = 40
            c.uploadedDuringBursts = 0.5
            c.noiseScale = 1e-13   // no noise: the shown list must be the pool's top K by planted value, in order
            c.sessionsPerDay = 1
            let generator = try SyntheticWorldGenerator(configuration: c)
            #expect(!generator.platform.usesPlackettLuce)
            for user in 0..<4 {
                let log = generator.simulate(user: user)
                var start = 0
                for (s, length) in log.sessionLengths.enumerated() {
                    let rows = log.rows[start..<(start + Int(length))]
                    let pool = Array(log.poolVideos[log.poolOffsets[s]..<log.poolOffsets[s + 1]])
                    let day = SyntheticCalendar.beijingDay(utcMs: rows.first!.utcMs)
                    let uploaded = (0..<200).filter { generator.world.videoUploadDay[$0] <= day }.count
                    #expect(pool.count == Set(pool).count)
                    #expect(pool.count >= min(20, uploaded) && pool.count <= 40)
                    #expect(pool.allSatisfy { generator.world.videoUploadDay[Int($0)] <= day }, "pool holds a video uploaded after day \(day)")
                    let context = SyntheticContext(daypart: Int(log.sessionDayparts[s]))
                    let byValue = pool.sorted { a, b in
                        let va = generator.platform.value(user: user, video: Int(a), context: context)
                        let vb = generator.platform.value(user: user, video: Int(b), context: context)
                        return va > vb || (va == vb && a < b)
                    }
                    #expect(rows.map(\.video) == Array(byValue.prefix(Int(length))), "\(mechanism) user \(user) session \(s)")
                    start += Int(length)
                }
                #expect(start == log.rows.count)
            }
        }
    }


    @Test("caption file: quoted captions with commas, quotes and newlines; exactly 3 malformed lines; ~2% missing")
    func captionFile() throws {
        let (directory, truth) = try SyntheticFixture.small.get()
        let records = try readCSVRecords(directory + "/kuairec_caption_category.csv")
        #expect(records[0].fields == SyntheticCSV.captionHeader.split(separator: ",").map(String.init))
        let data = records.dropFirst()
        let malformed = data.filter { $0.fields.count != 10 }
        #expect(malformed.count == 3)
        #expect(malformed.map(\.line) == truth.captions.malformedLines.map(\.line))
        #expect(malformed.map { Int($0.fields[0])! } == truth.captions.malformedLines.map(\.videoId))
        #expect(Set(malformed.map(\.fields.count)) == [3, 11, 12])
        let good = data.filter { $0.fields.count == 10 }
        #expect(good.count == truth.captions.records)
        #expect(good.contains { $0.fields[2].contains("\n") })
        #expect(good.contains { $0.fields[2].contains(",") })
        #expect(good.contains { $0.fields[2].contains("\"") })
        #expect(good.contains { $0.fields[3].hasPrefix("['") } && good.contains { $0.fields[3] == "[]" })
        #expect(good.contains { $0.fields[6] == "-124" && $0.fields[7] == "UNKNOWN" })
        let missing = 300 - good.count
        #expect(missing >= 3 && missing <= 20, "videos without a record: \(missing)")
        #expect(missing == truth.captions.videosWithoutRecord.count)
    }

    @Test("item and user feature files: headers, first-row gaps, quoted ranges, empty onehot cells")
    func featureFiles() throws {
        let directory = try SyntheticFixture.small.get().directory
        let items = try readCSVRecords(directory + "/item_daily_features.csv")
        let itemHeader = items[0].fields
        #expect(Array(itemHeader.prefix(13)) == ["video_id", "date", "author_id", "video_type", "upload_dt",
            "upload_type", "visible_status", "video_duration", "video_width", "video_height", "music_id",
            "video_tag_id", "video_tag_name"])
        #expect(itemHeader.count > 13)
        var byVideo: [Int: [[String]]] = [:]
        for r in items.dropFirst() {
            #expect(r.fields.count == itemHeader.count)
            byVideo[Int(r.fields[0])!, default: []].append(r.fields)
        }
        #expect(byVideo.count == 300)
        let widthLater = byVideo.values.contains { $0.count >= 2 && $0[0][8].isEmpty && !$0[1...].allSatisfy { $0[8].isEmpty } }
        let musicLater = byVideo.values.contains { $0.count >= 2 && $0[0][10].isEmpty && !$0[1...].allSatisfy { $0[10].isEmpty } }
        #expect(widthLater && musicLater)
        #expect(byVideo.values.contains { $0[0][9] == "0" })
        #expect(byVideo.values.contains { $0[0][12].contains(",") })
        // Upload dates: before the first burst, or on a burst day (the latent world's `videoUploadDay`).
        #expect(byVideo.values.allSatisfy { $0[0][4] <= "2020-09-05" && $0[0][4].count == 10 })
        #expect(byVideo.values.contains { $0[0][4] >= "2020-07-05" } && byVideo.values.contains { $0[0][4] < "2020-07-05" })

        let users = try readCSVRecords(directory + "/user_features.csv")
        #expect(users[0].fields.count == 31)
        #expect(users[0].fields.joined(separator: ",") == SyntheticCSV.userFeaturesHeader)
        #expect(users.count == 41)
        let raw = try String(contentsOfFile: directory + "/user_features.csv", encoding: .utf8)
        #expect(raw.contains("\"(10,50]\"") || raw.contains("\"(0,10]\""))
        let rows = users.dropFirst()
        #expect(rows.allSatisfy { $0.fields.count == 31 })
        #expect(rows.contains { $0.fields[17].isEmpty } && rows.contains { $0.fields[25].isEmpty })
        // Ranges agree with the counts.
        for r in rows {
            let follow = Int(r.fields[5])!, friends = Int(r.fields[9])!
            #expect((follow == 0) == (r.fields[6] == "0"))
            #expect((friends == 0) == (r.fields[10] == "0"))
            if (1...10).contains(follow) { #expect(r.fields[6] == "(0,10]") }
        }
    }

    @Test("invalid configurations are rejected")
    func validation() {
        var c = SyntheticWorldConfiguration(users: 0, videos: 100, seed: 1)
        #expect(throws: PipelineError.self) { try c.validate() }
        c.users = 5
        c.noiseScale = 0
        #expect(throws: PipelineError.self) { try c.validate() }
        c.noiseScale = 0.1
        c.weights = [1, 2]
        #expect(throws: PipelineError.self) { try c.validate() }
        c.weights = SyntheticWorldConfiguration.paperWeights
        c.videos = 5
        #expect(throws: PipelineError.self) { try c.validate() }
        c.videos = 100
        #expect(throws: Never.self) { try c.validate() }
    }
}
