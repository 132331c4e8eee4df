import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ids are dense array indices (KuaiRec's are below 11,000); larger ones are rejected rather than allowed
/// to size multi-gigabyte lookup tables.
public let maximumId = 50_000_000

/// The interactions of `big_matrix.csv`, one array per column, in file order.
public struct InteractionLog {
    /// The columns read, in the file's header names.
    public static let columns = ["user_id", "video_id", "play_duration", "video_duration", "time", "date", "timestamp", "watch_ratio"]

    public var userId: [Int32] = []
    public var videoId: [Int32] = []
    /// Milliseconds watched.
    public var playDuration: [Double] = []
    /// Video length in milliseconds.
    public var videoDuration: [Double] = []
    /// `time`: Beijing local clock reading, as milliseconds since 1970-01-01 of that naive reading.
    public var timeMs: [Int64] = []
    /// `date` as written (YYYYMMDD).
    public var date: [Int32] = []
    /// `timestamp`: UTC unix seconds.
    public var timestamp: [Double] = []
    public var watchRatio: [Double] = []
    /// Rows whose `time` has no fractional seconds (the original's parser turns them into missing times and
    /// drops them; this reader keeps them and counts them).
    public var rowsWithoutFractionalSeconds = 0
    /// Blank lines skipped (as pandas skips them), counted so that a report can say so.
    public var blankLines = 0

    /// Number of rows.
    public var count: Int { userId.count }

    /// Rows that read fine but look wrong; counted and reported, not dropped (the original keeps them too).
    public struct Anomalies: Codable, Equatable {
        /// `watch_ratio` differs from `play_duration / video_duration` by more than 0.1% (relative).
        public var inconsistentWatchRatio = 0
        /// `video_duration` is 0 or negative (the ratio is then undefined).
        public var nonPositiveVideoDuration = 0
        /// `play_duration` or `watch_ratio` is negative.
        public var negativePlayOrRatio = 0

        public init() {}
    }

    /// Counts the rows that look wrong.
    public func anomalies() -> Anomalies {
        var found = Anomalies()
        for row in 0..<count {
            let (play, duration, ratio) = (playDuration[row], videoDuration[row], watchRatio[row])
            if play < 0 || ratio < 0 { found.negativePlayOrRatio += 1 }
            if duration <= 0 {
                found.nonPositiveVideoDuration += 1
            } else if abs(ratio - play / duration) > 1e-3 * max(1, abs(ratio)) {
                found.inconsistentWatchRatio += 1
            }
        }
        return found
    }

    /// Rows that share their user and `time` with an earlier row, which the history features cannot order
    /// (SPEC subtlety 10): counted, not dropped (the original keeps them too).
    public struct Ties: Codable, Equatable {
        /// Rows equal in every column read to an earlier row.
        public var exactDuplicates = 0
        /// Rows with the same user and `time` (to the millisecond) as an earlier row of a different video.
        public var differentVideos = 0

        public init() {}
    }

    /// Counts the ties. Rows of equal user and `time` must be adjacent, as they are once the log is sorted by
    /// user and time; "earlier" means earlier in the log's order.
    public func ties() -> Ties {
        struct Values: Hashable {
            let video: Int32, date: Int32
            let play: Double, duration: Double, timestamp: Double, ratio: Double
        }
        var found = Ties()
        var start = 0
        while start < count {
            var end = start + 1
            while end < count, userId[end] == userId[start], timeMs[end] == timeMs[start] { end += 1 }
            if end - start > 1 {
                var seen = Set<Values>()
                // Once some row differs from the run's first video, every later row has an earlier row of
                // another video: the first row if it differs from it, that row otherwise.
                var sawOtherVideo = false
                for row in start..<end {
                    let values = Values(video: videoId[row], date: date[row], play: playDuration[row],
                                        duration: videoDuration[row], timestamp: timestamp[row], ratio: watchRatio[row])
                    if !seen.insert(values).inserted { found.exactDuplicates += 1 }
                    if videoId[row] != videoId[start] { sawOtherVideo = true }
                    if sawOtherVideo { found.differentVideos += 1 }
                }
            }
            start = end
        }
        return found
    }

    public init() {}

    mutating func reserve(_ capacity: Int) {
        userId.reserveCapacity(capacity); videoId.reserveCapacity(capacity)
        playDuration.reserveCapacity(capacity); videoDuration.reserveCapacity(capacity)
        timeMs.reserveCapacity(capacity); date.reserveCapacity(capacity)
        timestamp.reserveCapacity(capacity); watchRatio.reserveCapacity(capacity)
    }

    mutating func append(contentsOf other: InteractionLog) {
        userId += other.userId; videoId += other.videoId
        playDuration += other.playDuration; videoDuration += other.videoDuration
        timeMs += other.timeMs; date += other.date
        timestamp += other.timestamp; watchRatio += other.watchRatio
        rowsWithoutFractionalSeconds += other.rowsWithoutFractionalSeconds
        blankLines += other.blankLines
    }

    /// `timeMs` of a row whose time fields are empty (only with `allowingMissingTime`); its `timestamp` is NaN
    /// and its `date` −1.
    public static let missingTime = Int64.min

    /// Reads `big_matrix.csv` (or `small_matrix.csv`, same columns). Any malformed row, wrong field count,
    /// unparsable number or time is an error naming the file, line and column. Files without quote characters
    /// are parsed on all cores.
    /// - Parameter allowingMissingTime: accept rows whose `time`, `date` and `timestamp` are all empty, as in
    ///   KuaiRec's small_matrix.csv (whose `date` may also be written as a float, `20200705.0`).
    public static func read(path: String, allowingMissingTime: Bool = false,
                            threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> InteractionLog {
        let file = try CSVFile(path: path, hint: "Put the KuaiRec 2.0 files in the data folder, or run `make data` for the synthetic world.")
        let columns = try file.columnIndices(columns)
        let bytes = file.mapped.bytes
        let ranges = recordAlignedRanges(bytes, from: file.dataStart, parts: threads)
        var parts = [InteractionLog](repeating: InteractionLog(), count: ranges.count)
        var failures = [PipelineError?](repeating: nil, count: ranges.count)
        parts.withUnsafeMutableBufferPointer { partSlots in
            failures.withUnsafeMutableBufferPointer { failureSlots in
                parallelFor(chunks: ranges.count) { chunk in
                    do {
                        let firstLine = chunk == 0 ? file.dataStartLine : 1
                        partSlots[chunk] = try readChunk(file, range: ranges[chunk], firstLine: firstLine, columns: columns,
                                                         allowingMissingTime: allowingMissingTime)
                    } catch let error as PipelineError {
                        failureSlots[chunk] = error
                    } catch {
                        failureSlots[chunk] = .invalidData("\(path): \(error)")
                    }
                }
            }
        }
        for (chunk, failure) in failures.enumerated() {
            guard let failure else { continue }
            // Chunks after the first count lines from 1; move the error to its line in the whole file.
            let offset = chunk == 0 ? 0 : newlineCount(bytes, 0..<ranges[chunk].lowerBound)
            throw failure.shiftingLines(by: offset)
        }
        var log = parts[0]
        log.reserve(parts.reduce(0) { $0 + $1.count })
        for part in parts.dropFirst() { log.append(contentsOf: part) }
        return log
    }

    private static func readChunk(_ file: CSVFile, range: Range<Int>, firstLine: Int, columns: [Int],
                                  allowingMissingTime: Bool) throws -> InteractionLog {
        var log = InteractionLog()
        log.reserve(range.count / 64)
        let (userColumn, videoColumn, playColumn, durationColumn) = (columns[0], columns[1], columns[2], columns[3])
        let (timeColumn, dateColumn, timestampColumn, ratioColumn) = (columns[4], columns[5], columns[6], columns[7])
        let blankLines = try file.forEachRecord(in: range, firstLine: firstLine) { record in
            try record.requireShape()
            let user = try record.int(userColumn)
            let video = try record.int(videoColumn)
            guard user >= 0, user < maximumId else { throw record.error(userColumn, expected: "a user id in 0..<\(maximumId)") }
            guard video >= 0, video < maximumId else { throw record.error(videoColumn, expected: "a video id in 0..<\(maximumId)") }
            log.userId.append(Int32(user))
            log.videoId.append(Int32(video))
            log.playDuration.append(try record.finiteDouble(playColumn))
            log.videoDuration.append(try record.finiteDouble(durationColumn))
            log.watchRatio.append(try record.finiteDouble(ratioColumn))
            if allowingMissingTime, record.isEmpty(timeColumn), record.isEmpty(dateColumn), record.isEmpty(timestampColumn) {
                log.timeMs.append(missingTime)
                log.date.append(-1)
                log.timestamp.append(.nan)
                return
            }
            guard let time = record.dateTime(timeColumn) else {
                throw record.error(timeColumn, expected: "a time YYYY-MM-DD HH:MM:SS[.mmm]"
                                   + (allowingMissingTime ? " (or time, date and timestamp all empty)" : ""))
            }
            let date: Int
            if allowingMissingTime, let float = try? record.finiteDouble(dateColumn), float == float.rounded(), abs(float) < 1e9 {
                date = Int(float)   // pandas writes an integer column with missing values as floats
            } else {
                date = try record.int(dateColumn)
            }
            guard date >= 0, date < Int(Int32.max) else { throw record.error(dateColumn, expected: "a date YYYYMMDD") }
            log.timeMs.append(time.milliseconds)
            log.date.append(Int32(date))
            let timestamp = try record.finiteDouble(timestampColumn)
            guard abs(timestamp) < 1e11 else { throw record.error(timestampColumn, expected: "unix seconds (|t| < 1e11)") }
            log.timestamp.append(timestamp)
            if !time.hasFraction { log.rowsWithoutFractionalSeconds += 1 }
        }
        log.blankLines = blankLines
        return log
    }

    /// Splits the data part of a file into ranges that start at line starts. Only a file without any quote
    /// character can be split blindly at newlines; any other file is read as one range.
    static func recordAlignedRanges(_ bytes: UnsafeRawBufferPointer, from start: Int, parts: Int) -> [Range<Int>] {
        let total = bytes.count
        guard parts > 1, total - start > 1 << 20, let base = bytes.baseAddress,
              memchr(base + start, Int32(UInt8(ascii: "\"")), total - start) == nil
        else { return [start..<total] }
        var bounds = [start]
        for part in 1..<parts {
            var cut = max(bounds.last!, start + (total - start) * part / parts)
            guard let newline = memchr(base + cut, Int32(UInt8(ascii: "\n")), total - cut) else { break }
            cut = base.distance(to: UnsafeRawPointer(newline)) + 1
            if cut < total, cut > bounds.last! { bounds.append(cut) }
        }
        bounds.append(total)
        return zip(bounds, bounds.dropFirst()).map { $0..<$1 }
    }

    private static func newlineCount(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int {
        var count = 0
        for index in range where bytes[index] == UInt8(ascii: "\n") { count += 1 }
        return count
    }
}
