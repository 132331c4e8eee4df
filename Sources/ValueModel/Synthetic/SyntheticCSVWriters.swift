// Writing a synthetic world in the exact KuaiRec 2.0 file formats (UTF-8, LF, header first, RFC 4180 quoting).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A growable byte buffer: CSV text is built here, never by String concatenation per row.
public struct SyntheticByteBuffer: Sendable {
    public var bytes: [UInt8] = []

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    @inline(__always) public mutating func append(_ byte: UInt8) { bytes.append(byte) }
    @inline(__always) public mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }
    @inline(__always) public mutating func comma() { bytes.append(UInt8(ascii: ",")) }
    @inline(__always) public mutating func newline() { bytes.append(UInt8(ascii: "\n")) }

    /// A decimal integer.
    @inline(__always) public mutating func append(int value: Int) {
        var v = value
        if v < 0 { bytes.append(UInt8(ascii: "-")); v = -v }
        var divisor = 1
        while divisor <= v / 10 { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(48 + (v / divisor) % 10))
            divisor /= 10
        }
    }

    /// A non-negative integer padded with zeros to `width` digits.
    @inline(__always) public mutating func append(int value: Int, width: Int) {
        var divisor = 1
        for _ in 1..<max(1, width) { divisor *= 10 }
        while divisor <= value / 10 { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(48 + (value / divisor) % 10))
            divisor /= 10
        }
    }

    /// The shortest decimal that reads back as the same Double (as Python's `repr`).
    @inline(__always) public mutating func append(double value: Double) {
        bytes.append(contentsOf: value.description.utf8)
    }

    /// A CSV field, quoted (with doubled quotes) when it holds a comma, a quote or a line break.
    public mutating func append(field text: String) {
        let needsQuotes = text.utf8.contains { $0 == 44 || $0 == 34 || $0 == 10 || $0 == 13 }
        guard needsQuotes else { bytes.append(contentsOf: text.utf8); return }
        bytes.append(34)
        for b in text.utf8 {
            if b == 34 { bytes.append(34) }
            bytes.append(b)
        }
        bytes.append(34)
    }

    /// `YYYY-MM-DD` of a day number.
    public mutating func append(isoDate day: Int) {
        let c = FieldParsing.civilFromDays(day)
        append(int: c.year, width: 4); append(UInt8(ascii: "-"))
        append(int: c.month, width: 2); append(UInt8(ascii: "-"))
        append(int: c.day, width: 2)
    }

    /// `YYYYMMDD` of a day number.
    public mutating func append(compactDate day: Int) {
        let c = FieldParsing.civilFromDays(day)
        append(int: c.year * 10_000 + c.month * 100 + c.day)
    }

    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }
}

extension BufferedFileWriter {
    /// Appends a byte buffer's bytes and empties it.
    public func write(_ buffer: inout SyntheticByteBuffer) throws {
        try writeRaw(buffer.bytes)
        buffer.removeAll()
    }
}

/// Derives the generator of a named part of the world (user features, item features, captions) from the seed.
enum SyntheticStreams {
    static let userFeatures: UInt64 = 0x0055_5345_5246_4541
    static let itemFeatures: UInt64 = 0x0049_5445_4D46_4541
    static let captions: UInt64 = 0x0043_4150_5449_4F4E

    static func generator(seed: UInt64, stream: UInt64) -> SeededGenerator {
        var g = SeededGenerator(seed: seed ^ stream)
        return g.split()
    }
}

/// The four KuaiRec files of a synthetic world.
public enum SyntheticCSV {
    public static let bigMatrixHeader =
        "user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio"
    public static let userFeaturesHeader =
        "user_id,user_active_degree,is_lowactive_period,is_live_streamer,is_video_author,follow_user_num,"
        + "follow_user_num_range,fans_user_num,fans_user_num_range,friend_user_num,friend_user_num_range,"
        + "register_days,register_days_range," + (0..<18).map { "onehot_feat\($0)" }.joined(separator: ",")
    /// The 13 columns the pipeline knows, then a few of the real file's count columns.
    public static let itemDailyHeader =
        "video_id,date,author_id,video_type,upload_dt,upload_type,visible_status,video_duration,video_width,"
        + "video_height,music_id,video_tag_id,video_tag_name,show_cnt,show_user_num,play_cnt,play_user_num,"
        + "play_duration,complete_play_cnt,like_cnt"
    public static let captionHeader =
        "video_id,manual_cover_text,caption,topic_tag,first_level_category_id,first_level_category_name,"
        + "second_level_category_id,second_level_category_name,third_level_category_id,third_level_category_name"

    // MARK: big_matrix.csv

    /// Appends one user's rows: `user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio`.
    public static func appendBigMatrixRows(_ log: SyntheticUserLog, world: SyntheticLatentWorld,
                                           into out: inout SyntheticByteBuffer) {
        for row in log.rows {
            appendMatrixRow(user: log.user, video: Int(row.video), playDurationMs: Int(row.playDurationMs),
                            utcMs: row.utcMs, world: world, into: &out)
        }
    }

    /// Appends one row of big_matrix or small_matrix. `time` is Beijing time with milliseconds, `date` its
    /// YYYYMMDD, `timestamp` the UTC unix seconds with three decimals (= time - 8 h), `watch_ratio` = play /
    /// video duration in full precision. Without `utcMs` the three time fields are empty (as in some rows of
    /// KuaiRec's small_matrix.csv).
    public static func appendMatrixRow(user: Int, video: Int, playDurationMs play: Int, utcMs: Int64?,
                                       world: SyntheticLatentWorld, into out: inout SyntheticByteBuffer) {
        let duration = world.videoDurationMs[video]
        out.append(int: user); out.comma()
        out.append(int: video); out.comma()
        out.append(int: play); out.comma()
        out.append(int: duration); out.comma()
        if let utcMs {
            let local = utcMs + SyntheticCalendar.beijingOffsetMs
            let day = Int(local / SyntheticCalendar.msPerDay)
            var msOfDay = Int(local % SyntheticCalendar.msPerDay)
            let c = FieldParsing.civilFromDays(day)
            out.append(int: c.year, width: 4); out.append(UInt8(ascii: "-"))
            out.append(int: c.month, width: 2); out.append(UInt8(ascii: "-"))
            out.append(int: c.day, width: 2); out.append(UInt8(ascii: " "))
            out.append(int: msOfDay / 3_600_000, width: 2); out.append(UInt8(ascii: ":"))
            msOfDay %= 3_600_000
            out.append(int: msOfDay / 60_000, width: 2); out.append(UInt8(ascii: ":"))
            msOfDay %= 60_000
            out.append(int: msOfDay / 1000, width: 2); out.append(UInt8(ascii: "."))
            out.append(int: msOfDay % 1000, width: 3); out.comma()
            out.append(int: c.year * 10_000 + c.month * 100 + c.day); out.comma()
            out.append(int: Int(utcMs / 1000)); out.append(UInt8(ascii: "."))
            out.append(int: Int(utcMs % 1000), width: 3); out.comma()
        } else {
            out.comma(); out.comma(); out.comma()
        }
        out.append(double: Double(play) / Double(duration))
        out.newline()
    }

    // MARK: user_features.csv

    static func followRange(_ n: Int) -> String {
        switch n {
        case ..<1: return "0"
        case ...10: return "(0,10]"
        case ...50: return "(10,50]"
        case ...100: return "(50,100]"
        case ...150: return "(100,150]"
        case ...250: return "(150,250]"
        case ...500: return "(250,500]"
        default: return "500+"
        }
    }

    static func fansRange(_ n: Int) -> String {
        switch n {
        case ..<1: return "0"
        case ..<10: return "[1,10)"
        case ..<100: return "[10,100)"
        case ..<1_000: return "[100,1k)"
        case ..<5_000: return "[1k,5k)"
        case ..<10_000: return "[5k,1w)"
        default: return "[1w,10w)"
        }
    }

    static func friendRange(_ n: Int) -> String {
        switch n {
        case ..<1: return "0"
        case ..<5: return "[1,5)"
        case ..<30: return "[5,30)"
        case ..<60: return "[30,60)"
        case ..<120: return "[60,120)"
        case ..<250: return "[120,250)"
        default: return "250+"
        }
    }

    static func registerRange(_ n: Int) -> String {
        switch n {
        case ..<15: return "8-14"
        case ...30: return "15-30"
        case ...60: return "31-60"
        case ...90: return "61-90"
        case ...180: return "91-180"
        case ...365: return "181-365"
        case ...730: return "366-730"
        default: return "730+"
        }
    }

    /// Number of categories of onehot_feat0..17.
    static let onehotCardinality = [2, 7, 50, 1471, 9, 8, 8, 2, 2, 4, 7, 5, 11, 35, 3, 5, 2, 2]

    /// user_features.csv: one row per user; activity degree and features correlated with the latent user.
    /// onehot_feat4 and onehot_feat12 have a few empty cells (pandas then reads those columns as floats).
    public static func userFeatures(world: SyntheticLatentWorld) -> SyntheticByteBuffer {
        var rng = SyntheticStreams.generator(seed: world.configuration.seed, stream: SyntheticStreams.userFeatures)
        let n = world.userCount
        var out = SyntheticByteBuffer(capacity: n * 120)
        out.append(userFeaturesHeader); out.newline()
        let sortedActivity = world.userActivity.sorted()
        let highCut = sortedActivity[min(n - 1, n * 45 / 100)]
        let fullCut = sortedActivity[min(n - 1, n * 75 / 100)]
        // A few users with an empty onehot_feat4 / onehot_feat12 (at least two each).
        let emptyCount = max(2, n / 200)
        let empty4 = Set(SyntheticLatentWorld.sample(distinct: min(n, emptyCount), from: 0..<n, using: &rng))
        let empty12 = Set(SyntheticLatentWorld.sample(distinct: min(n, emptyCount), from: 0..<n, using: &rng))
        let d = world.dimension
        let n1 = world.level1.count
        func logNormalInt(_ median: Double, _ sigma: Double, _ cap: Double) -> Int {
            Int(min(cap, (median * exp(sigma * rng.nextNormal())).rounded(.down)))
        }
        for u in 0..<n {
            let activity = world.userActivity[u]
            let degree: String
            if rng.nextUniform() < 0.01 { degree = "UNKNOWN" }
            else if activity >= fullCut { degree = "full_active" }
            else if activity >= highCut { degree = "high_active" }
            else { degree = "middle_active" }
            let lowActive = rng.nextUniform() < (activity < 0.6 ? 0.06 : 0.01) ? 1 : 0
            let streamer = rng.nextUniform() < 0.05 ? 1 : 0
            let author = rng.nextUniform() < 0.3 ? 1 : 0
            let follow = rng.nextUniform() < 0.05 ? 0 : max(1, logNormalInt(30 * activity, 1.1, 3000))
            let fans = rng.nextUniform() < 0.3 ? 0 : max(1, logNormalInt(5, 2.0, 99_999))
            let friends = rng.nextUniform() < 0.35 ? 0 : max(1, logNormalInt(4, 1.3, 1500))
            let register = 8 + logNormalInt(240, 1.0, 2500)
            out.append(int: u); out.comma()
            out.append(field: degree); out.comma()
            out.append(int: lowActive); out.comma()
            out.append(int: streamer); out.comma()
            out.append(int: author); out.comma()
            out.append(int: follow); out.comma(); out.append(field: followRange(follow)); out.comma()
            out.append(int: fans); out.comma(); out.append(field: fansRange(fans)); out.comma()
            out.append(int: friends); out.comma(); out.append(field: friendRange(friends)); out.comma()
            out.append(int: register); out.comma(); out.append(field: registerRange(register))
            // feat1 follows the first latent factor, feat2 the favourite level-1 category: features carry signal.
            var favourite = 0
            for c in 1..<n1 where world.userCategoryPreference[u * n1 + c] > world.userCategoryPreference[u * n1 + favourite] {
                favourite = c
            }
            let f0 = world.userFactors[u * d]
            for k in 0..<18 {
                out.comma()
                if (k == 4 && empty4.contains(u)) || (k == 12 && empty12.contains(u)) { continue }
                let code: Int
                switch k {
                case 0: code = activity > 1 ? 1 : 0
                case 1: code = min(6, max(0, Int((f0 + 3) / 6 * 7)))
                case 2: code = favourite % onehotCardinality[2]
                default: code = Int(rng.next() % UInt64(onehotCardinality[k]))
                }
                out.append(int: code)
            }
            out.newline()
        }
        return out
    }

    // MARK: item_daily_features.csv

    static let uploadTypes: [(String, Double)] = [
        ("ShortImport", 0.38), ("LongImport", 0.2), ("Web", 0.05), ("Kmovie", 0.1),
        ("LongCamera", 0.1), ("ShortCamera", 0.14), ("PictureSet", 0.03),
    ]
    static let frames: [(Int, Int, Double)] = [
        (720, 1280, 0.68), (1080, 1920, 0.1), (1280, 720, 0.08), (576, 1024, 0.08), (544, 960, 0.04), (960, 960, 0.02),
    ]
    static let tagSuffixes = ["", "日常", ",精选", "合集", ",热门", "达人"]

    /// What `item_daily_features.csv` guarantees about missing cells, for the ground truth and tests.
    public struct ItemDailyNotes: Sendable, Codable, Equatable {
        /// Videos whose first daily row has an empty video_width that a later row fills.
        public var firstRowEmptyWidth: [Int] = []
        /// Videos whose first daily row has an empty music_id that a later row fills.
        public var firstRowEmptyMusic: [Int] = []
        /// Videos with video_height 0.
        public var zeroHeight: [Int] = []
        public var rows = 0
    }

    /// item_daily_features.csv: 1-3 daily rows per video. Authors are Zipf-like (several videos each);
    /// upload dates come from the latent world (`videoUploadDay`); a few first rows miss width or music.
    public static func itemDailyFeatures(world: SyntheticLatentWorld) -> (SyntheticByteBuffer, ItemDailyNotes) {
        var rng = SyntheticStreams.generator(seed: world.configuration.seed, stream: SyntheticStreams.itemFeatures)
        let nv = world.videoCount
        var notes = ItemDailyNotes()
        var out = SyntheticByteBuffer(capacity: nv * 2 * 140)
        out.append(itemDailyHeader); out.newline()
        // Authors: Zipf(1.05) over nAuthors, ids a random subset of 0..<3·nAuthors.
        let nAuthors = max(1, nv / 4)
        let authorIds = SyntheticLatentWorld.sample(distinct: nAuthors, from: 0..<(3 * nAuthors), using: &rng)
        var authorCum = [Double](repeating: 0, count: nAuthors)
        var acc = 0.0
        for a in 0..<nAuthors { acc += 1 / pow(Double(a + 1), 1.05); authorCum[a] = acc }
        let nMusic = max(50, nv * 4 / 5)
        let zeroHeight: Set<Int> = [3, nv / 2]
        func pick<T>(_ options: [(T, Double)]) -> T {
            var r = rng.nextUniform() * options.reduce(0) { $0 + $1.1 }
            for (value, w) in options { if r < w { return value }; r -= w }
            return options[options.count - 1].0
        }
        for v in 0..<nv {
            let r = acc * rng.nextUniform()
            var lo = 0, hi = nAuthors - 1
            while lo < hi { let mid = (lo + hi) / 2; if authorCum[mid] > r { hi = mid } else { lo = mid + 1 } }
            let author = authorIds[lo]
            let isAd = rng.nextUniform() < 0.02
            let uploadDay = world.videoUploadDay[v]
            let uploadType = pick(uploadTypes)
            let visible = rng.nextUniform() < 0.985 ? "public" : "private"
            var frame = pick(frames.map { (($0.0, $0.1), $0.2) })
            if zeroHeight.contains(v) { frame.1 = 0; notes.zeroHeight.append(v) }
            let music = Int(rng.next() % UInt64(nMusic))
            let c1 = world.videoLevel1[v]
            let tagVariant = Int(rng.next() % 3)
            let tagId = 11 + 3 * c1 + tagVariant + (c1 * 7919 % 13) * 1000
            let tagName = world.level1[c1].name + tagSuffixes[(c1 + tagVariant) % tagSuffixes.count]
            // Daily rows: 1-3 distinct burst days; videos 1 and 2 always have two (for the empties below).
            var rowCount = 1 + (rng.nextUniform() < 0.35 ? 1 : 0) + (rng.nextUniform() < 0.1 ? 1 : 0)
            if v == 1 || v == 2 { rowCount = max(rowCount, 2) }
            let days = SyntheticLatentWorld.sample(distinct: rowCount, from: 0..<SyntheticCalendar.burstDays.count,
                                                   using: &rng).sorted().map { SyntheticCalendar.burstDays[$0] }
            let emptyWidth = rowCount >= 2 && (v == 1 || rng.nextUniform() < 0.05)
            let emptyMusic = rowCount >= 2 && (v == 2 || rng.nextUniform() < 0.04)
            if emptyWidth { notes.firstRowEmptyWidth.append(v) }
            if emptyMusic { notes.firstRowEmptyMusic.append(v) }
            let quality = world.videoQuality[v]
            for (i, day) in days.enumerated() {
                out.append(int: v); out.comma()
                out.append(compactDate: day); out.comma()
                out.append(int: author); out.comma()
                out.append(isAd ? "AD" : "NORMAL"); out.comma()
                out.append(isoDate: uploadDay); out.comma()
                out.append(uploadType); out.comma()
                out.append(visible); out.comma()
                if rng.nextUniform() >= 0.01 { out.append(int: world.videoDurationMs[v]); out.append(".0") }
                out.comma()
                if !(i == 0 && emptyWidth) { out.append(int: frame.0) }
                out.comma()
                out.append(int: frame.1); out.comma()
                if !(i == 0 && emptyMusic) { out.append(int: music) }
                out.comma()
                out.append(int: tagId); out.comma()
                out.append(field: tagName); out.comma()
                let shows = Int(exp(6 + 0.5 * quality + 1.2 * rng.nextNormal())) + 1
                let showUsers = max(1, shows * 9 / 10)
                let plays = max(0, Int(Double(shows) * (0.6 + 0.1 * rng.nextUniform())))
                let playUsers = max(0, plays * 9 / 10)
                let playDuration = plays * world.videoDurationMs[v] * 6 / 10
                let complete = plays * 3 / 10
                let likes = Int(Double(plays) * 0.03 * exp(0.5 * quality))
                for (j, count) in [shows, showUsers, plays, playUsers, playDuration, complete, likes].enumerated() {
                    out.append(int: count)
                    if j < 6 { out.comma() }
                }
                out.newline()
                notes.rows += 1
            }
        }
        return (out, notes)
    }

    // MARK: kuairec_caption_category.csv

    /// A deliberately malformed caption record, and where it is.
    public struct MalformedLine: Sendable, Codable, Equatable {
        public var videoId: Int
        /// 1-based physical line of the file (the header is line 1; quoted captions span lines).
        public var line: Int
        public var fieldCount: Int
        public var kind: String
    }

    /// What the caption file leaves out or breaks, for the ground truth and tests.
    public struct CaptionNotes: Sendable, Codable, Equatable {
        /// Videos with no well-formed record (left out entirely, or only on a malformed line).
        public var videosWithoutRecord: [Int] = []
        public var malformedLines: [MalformedLine] = []
        public var records = 0
    }

    /// kuairec_caption_category.csv. About 2 % of videos are left out. Exactly three lines are malformed,
    /// each for a video that otherwise has no record, at that video's place in id order (their physical line
    /// numbers are in `CaptionNotes.malformedLines` and ground_truth.json):
    /// 1. `too-few-fields`: `video_id,manual_cover_text,caption` only (3 fields instead of 10);
    /// 2. `extra-unquoted-field`: a complete record followed by an unquoted `,备注` (11 fields);
    /// 3. `two-trailing-commas`: a complete record followed by `,,` (12 fields).
    /// A robust reader skips all three and counts them. pandas (`engine="python"`, `on_bad_lines="warn"`)
    /// skips 2 and 3 when reading all columns, but with `usecols` it keeps them and reads by position; since the
    /// extra fields come last, the first ten values are right and the id columns stay numeric. It keeps line 1
    /// with missing categories. Well-formed captions contain commas, doubled quotes and line breaks in quotes.
    public static func captionCategories(world: SyntheticLatentWorld) -> (SyntheticByteBuffer, CaptionNotes) {
        var rng = SyntheticStreams.generator(seed: world.configuration.seed, stream: SyntheticStreams.captions)
        let nv = world.videoCount
        var notes = CaptionNotes()
        var out = SyntheticByteBuffer(capacity: nv * 160)
        out.append(captionHeader); out.newline()
        var line = 2
        // Left-out videos: ~2 %, at least 3 (the malformed lines use the first three of them).
        var leftOut: [Int] = []
        for v in 0..<nv where rng.nextUniform() < 0.02 { leftOut.append(v) }
        if leftOut.count < 3 {
            for v in SyntheticLatentWorld.sample(distinct: 3, from: 0..<nv, using: &rng) where !leftOut.contains(v) {
                leftOut.append(v)
                if leftOut.count == 3 { break }
            }
            leftOut.sort()
        }
        let malformedKinds = ["too-few-fields", "extra-unquoted-field", "two-trailing-commas"]
        let malformedVideos = Array(SyntheticLatentWorld.sample(distinct: 3, from: 0..<leftOut.count, using: &rng)
            .map { leftOut[$0] })
        let leftOutSet = Set(leftOut)
        notes.videosWithoutRecord = leftOut
        let words = SyntheticNames.captionWords

        func categoryFields(_ v: Int, into out: inout SyntheticByteBuffer) {
            let c1 = world.level1[world.videoLevel1[v]]
            out.append(int: c1.id); out.comma(); out.append(field: c1.name); out.comma()
            if world.videoLevel2[v] >= 0 {
                let c2 = world.level2[world.videoLevel2[v]]
                out.append(int: c2.id); out.comma(); out.append(field: c2.name); out.comma()
            } else {
                out.append(int: SyntheticLatentWorld.unknownCategoryId); out.comma()
                out.append(SyntheticLatentWorld.unknownCategoryName); out.comma()
            }
            if world.videoLevel3[v] >= 0 {
                let c3 = world.level3[world.videoLevel3[v]]
                out.append(int: c3.id); out.comma(); out.append(field: c3.name)
            } else {
                out.append(int: SyntheticLatentWorld.unknownCategoryId); out.comma()
                out.append(SyntheticLatentWorld.unknownCategoryName)
            }
        }

        for v in 0..<nv {
            if let k = malformedVideos.firstIndex(of: v) {
                let fields: Int
                out.append(int: v); out.comma(); out.append("UNKNOWN"); out.comma()
                switch k {
                case 0:
                    out.append("只有三个字段")
                    fields = 3
                case 1:
                    out.append("多了一个字段"); out.comma(); out.append("[]"); out.comma()
                    categoryFields(v, into: &out)
                    out.append(",备注")
                    fields = 11
                default:
                    out.append("行尾多了逗号"); out.comma(); out.append("[]"); out.comma()
                    categoryFields(v, into: &out)
                    out.append(",,")
                    fields = 12
                }
                out.newline()
                notes.malformedLines.append(MalformedLine(videoId: v, line: line, fieldCount: fields,
                                                          kind: malformedKinds[k]))
                line += 1
                continue
            }
            if leftOutSet.contains(v) { continue }
            // manual_cover_text
            let cover = SyntheticNames.coverTexts[Int(rng.next() % UInt64(SyntheticNames.coverTexts.count))]
            out.append(int: v); out.comma()
            out.append(field: rng.nextUniform() < 0.1 ? cover + "，第\(v % 9 + 1)期, 上" : cover); out.comma()
            // caption: words, sometimes commas, quotes and line breaks; sometimes empty.
            var caption = ""
            if rng.nextUniform() >= 0.05 {
                let count = 2 + Int(rng.next() % 6)
                for i in 0..<count {
                    caption += words[Int(rng.next() % UInt64(words.count))]
                    if i + 1 < count {
                        let r = rng.nextUniform()
                        caption += r < 0.2 ? ", " : (r < 0.25 ? "\n" : (r < 0.3 ? "\"" : " "))
                    }
                }
                if rng.nextUniform() < 0.1 { caption += " #" + world.level1[world.videoLevel1[v]].name }
            }
            out.append(field: caption); out.comma()
            line += caption.utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            // topic_tag
            if rng.nextUniform() < 0.5 {
                out.append("[]")
            } else {
                let tags = (0..<(1 + Int(rng.next() % 3))).map { _ in "'" + words[Int(rng.next() % UInt64(words.count))] + "'" }
                out.append(field: "[" + tags.joined(separator: ",") + "]")
            }
            out.comma()
            categoryFields(v, into: &out)
            out.newline()
            line += 1
            notes.records += 1
        }
        return (out, notes)
    }
}
