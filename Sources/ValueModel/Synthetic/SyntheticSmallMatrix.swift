// small_matrix.csv of a synthetic world: a dense users x videos block watched without platform selection.

/// How the synthetic world's `small_matrix.csv` is drawn. KuaiRec's real small matrix is 1,411 users x 3,327
/// videos (about 20% of the users and 31% of the videos of big_matrix), 99.6% dense, in big_matrix's format,
/// with some rows whose `time`, `date` and `timestamp` are empty. Here every chosen user meets every chosen
/// video once, at a random time of a burst day on or after the video's upload day, and the play is drawn from
/// the same engagement model as big_matrix's rows, with no candidate pool and no ranking: the one sample of
/// the heads that the platform did not select.
public struct SyntheticSmallMatrix: Codable, Sendable, Equatable {
    /// Share of the users in the block (at least one user).
    public var userShare = 0.2
    /// Share of the videos in the block (at least one video).
    public var videoShare = 0.3
    /// Share of the block's pairs left out (the real file is 99.6% dense).
    public var missingPairShare = 0.004
    /// Share of the written rows whose time fields are empty.
    public var missingTimeShare = 0.03

    public init() {}

    /// Checks the shares.
    public func validate() throws {
        for (name, share) in [("userShare", userShare), ("videoShare", videoShare)] where !(share > 0 && share <= 1) {
            throw PipelineError.invalidOption(name: "--small-matrix", reason: "\(name) must be in (0, 1], got \(share)")
        }
        for (name, share) in [("missingPairShare", missingPairShare), ("missingTimeShare", missingTimeShare)]
            where !(share >= 0 && share < 1) {
            throw PipelineError.invalidOption(name: "--small-matrix", reason: "\(name) must be in [0, 1), got \(share)")
        }
    }

    /// The block's users and videos, ascending: seeded subsets of `0..<users` and `0..<videos`.
    public func members(users: Int, videos: Int, seed: UInt64) -> (users: [Int], videos: [Int]) {
        var rng = SeededGenerator(seed: seed ^ 0x5A11_3A7B_1C00_0000)
        func pick(_ n: Int, _ share: Double) -> [Int] {
            let count = max(1, min(n, Int((Double(n) * share).rounded())))
            var order = Array(0..<n)
            for i in 0..<count { order.swapAt(i, i + Int(rng.next() % UInt64(n - i))) }
            return order[0..<count].sorted()
        }
        let u = pick(users, userShare)
        return (u, pick(videos, videoShare))
    }

    /// The rows of one user of the block, in time order (rows without a time last, in video order), as
    /// `SyntheticInteraction`s whose `utcMs` is `nil` when the time fields are left empty.
    public func rows(user: Int, videos: [Int], model: SyntheticEngagementModel,
                     seed: UInt64) -> [(video: Int32, playDurationMs: Int32, utcMs: Int64?)] {
        var rng = SyntheticSessionSimulator.userGenerator(seed: seed ^ 0x5A11_0000_0000_0000, user: user)
        let days = SyntheticCalendar.burstDays
        var timed: [(video: Int32, playDurationMs: Int32, utcMs: Int64?)] = []
        var untimed: [(video: Int32, playDurationMs: Int32, utcMs: Int64?)] = []
        for video in videos {
            let leaveOut = rng.nextUniform() < missingPairShare
            let noTime = rng.nextUniform() < missingTimeShare
            let eligible = days.filter { $0 >= model.world.videoUploadDay[video] }
            let day = eligible.isEmpty ? days[days.count - 1] : eligible[Int(rng.next() % UInt64(eligible.count))]
            let hour = SyntheticSessionSimulator.drawHour(&rng)
            let utcMs = Int64(day) * SyntheticCalendar.msPerDay - SyntheticCalendar.beijingOffsetMs
                + Int64(hour) * 3_600_000 + Int64(rng.nextUniform() * 3_600_000)
            let play = model.drawPlayDuration(user: user, video: video, context: SyntheticContext(beijingHour: hour), using: &rng)
            guard !leaveOut else { continue }
            let row = (video: Int32(video), playDurationMs: Int32(play), utcMs: noTime ? nil : Optional(utcMs))
            if noTime { untimed.append(row) } else { timed.append(row) }
        }
        timed.sort { ($0.utcMs!, $0.video) < ($1.utcMs!, $1.video) }
        return timed + untimed
    }

    /// `small_matrix.csv`'s bytes: big_matrix's header and row format, a row without a time having its `time`,
    /// `date` and `timestamp` fields empty; and what was written.
    public func csv(model: SyntheticEngagementModel,
                    seed: UInt64) -> (bytes: SyntheticByteBuffer, summary: SyntheticSummary.SmallMatrixSummary) {
        let world = model.world
        let block = members(users: world.userCount, videos: world.videoCount, seed: seed)
        var out = SyntheticByteBuffer()
        out.append(SyntheticCSV.bigMatrixHeader); out.newline()
        var written = 0, untimed = 0
        var labelCounts = [0, 0, 0, 0]
        for user in block.users {
            for row in rows(user: user, videos: block.videos, model: model, seed: seed) {
                let video = Int(row.video), play = Int(row.playDurationMs)
                SyntheticCSV.appendMatrixRow(user: user, video: video, playDurationMs: play,
                                             utcMs: row.utcMs, world: world, into: &out)
                let labels = SyntheticLabels(playDurationMs: play, videoDurationMs: world.videoDurationMs[video])
                for (h, on) in [labels.complete, labels.long, labels.rewatch, labels.neg].enumerated() where on { labelCounts[h] += 1 }
                written += 1
                if row.utcMs == nil { untimed += 1 }
            }
        }
        let summary = SyntheticSummary.SmallMatrixSummary(
            users: block.users.count, videos: block.videos.count, rows: written, rowsWithoutTime: untimed,
            labelRates: labelCounts.map { Double($0) / Double(max(1, written)) })
        return (out, summary)
    }
}
