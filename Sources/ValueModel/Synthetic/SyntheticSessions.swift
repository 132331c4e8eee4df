// Time in a synthetic world: the calendar of bursts and the simulation of one user's sessions.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Calendar helpers in Beijing time (UTC+8), the time zone of KuaiRec's `time` and `date` columns.
public enum SyntheticCalendar {
    public static let msPerDay: Int64 = 86_400_000
    public static let beijingOffsetMs: Int64 = 8 * 3_600_000

    /// Beijing day numbers of all burst days, in order.
    public static let burstDays: [Int] = Burst.kuaiRec.flatMap { Array($0.firstDay...$0.lastDay) }

    /// Beijing day numbers outside the bursts where stray sessions may fall: the gaps between bursts and
    /// three days either side of the whole period.
    public static let strayDays: [Int] = {
        let first = burstDays.first!, last = burstDays.last!
        let inBurst = Set(burstDays)
        return ((first - 3)...(last + 3)).filter { !inBurst.contains($0) }
    }()

    /// Whether a Beijing day number lies in a burst.
    public static func isBurstDay(_ day: Int) -> Bool {
        burstDayRanges.contains { $0.contains(day) }
    }

    static let burstDayRanges: [ClosedRange<Int>] = Burst.kuaiRec.map { $0.firstDay...$0.lastDay }

    /// Beijing day number of a UTC instant in ms.
    @inline(__always)
    public static func beijingDay(utcMs: Int64) -> Int {
        let local = utcMs + beijingOffsetMs
        return Int(local >= 0 ? local / msPerDay : (local - msPerDay + 1) / msPerDay)
    }

    /// Relative session-start intensity per Beijing hour (evening peak, night trough).
    static let hourProfile: [Double] = [
        3, 2, 1.2, 0.8, 0.6, 0.6, 1, 2, 3, 3.5, 3.5, 4, 5, 5, 4, 4, 4, 4.5, 5, 6, 7, 7.5, 7, 5,
    ]
}

/// One row of big_matrix before formatting: the user is implicit.
public struct SyntheticInteraction: Sendable, Equatable {
    public var video: Int32
    public var playDurationMs: Int32
    /// UTC unix time in milliseconds.
    public var utcMs: Int64
}

/// Everything simulated for one user, in time order.
public struct SyntheticUserLog: Sendable {
    public var user: Int
    public var rows: [SyntheticInteraction] = []
    /// Rows per simulated session, in order.
    public var sessionLengths: [Int32] = []
    /// Context of each session.
    public var sessionDayparts: [UInt8] = []
    /// Each session's candidate pool (when the platform draws pools): session s's pool is
    /// `poolVideos[poolOffsets[s] ..< poolOffsets[s + 1]]`, in descending retrieval key.
    public var poolOffsets: [Int] = [0]
    public var poolVideos: [Int32] = []
}

/// Simulates the sessions of one user: when they happen, which videos the platform shows, how they are watched.
public struct SyntheticSessionSimulator: Sendable {
    public let platform: SyntheticPlatform
    public var world: SyntheticLatentWorld { platform.model.world }
    public var configuration: SyntheticWorldConfiguration { platform.model.world.configuration }

    /// Smallest and largest pause between two rows of a session (ms), on top of the play duration.
    static let minPauseMs = 300.0
    static let meanExtraPauseMs = 2_500.0
    static let maxPauseMs = 60_000.0
    /// A new session starts at least this long after the previous session's last row (> 1 h).
    static let minSessionGapMs: Int64 = 3_600_000 + 1_000

    public init(platform: SyntheticPlatform) {
        self.platform = platform
    }

    /// The generator of a user's sessions: derived from (seed, user) only, so output is independent of threads.
    public static func userGenerator(seed: UInt64, user: Int) -> SeededGenerator {
        var z = seed ^ 0x5E55_10E5_0000_0000 &+ UInt64(truncatingIfNeeded: user) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return SeededGenerator(seed: z ^ (z >> 31))
    }

    static func poisson(_ lambda: Double, _ rng: inout SeededGenerator) -> Int {
        guard lambda > 0 else { return 0 }
        if lambda > 30 {
            return max(0, Int((lambda + lambda.squareRoot() * rng.nextNormal()).rounded()))
        }
        let limit = exp(-lambda)
        var k = 0
        var p = rng.nextUniform()
        while p > limit { k += 1; p *= rng.nextUniform() }
        return k
    }

    static func drawHour(_ rng: inout SeededGenerator) -> Int {
        let total = SyntheticCalendar.hourProfile.reduce(0, +)
        var r = rng.nextUniform() * total
        for (h, w) in SyntheticCalendar.hourProfile.enumerated() {
            if r < w { return h }
            r -= w
        }
        return 23
    }

    /// Simulates one user. `scratch` is per thread; the result depends only on (configuration, user).
    public func simulate(user: Int, scratch: SyntheticPlatform.Scratch) -> SyntheticUserLog {
        var rng = SyntheticSessionSimulator.userGenerator(seed: configuration.seed, user: user)
        let config = configuration
        var log = SyntheticUserLog(user: user)
        platform.prepare(user: user, scratch: scratch)

        // Planned session starts (UTC ms), burst days then stray days, in time order.
        var planned: [Int64] = []
        let lambda = config.sessionsPerDay * world.userActivity[user]
        func plan(day: Int, sessions: Int) {
            for _ in 0..<sessions {
                let hour = SyntheticSessionSimulator.drawHour(&rng)
                let within = Int64(rng.nextUniform() * 3_600_000)
                planned.append(Int64(day) * SyntheticCalendar.msPerDay - SyntheticCalendar.beijingOffsetMs
                               + Int64(hour) * 3_600_000 + within)
            }
        }
        for day in SyntheticCalendar.burstDays {
            plan(day: day, sessions: SyntheticSessionSimulator.poisson(lambda, &rng))
        }
        let strays = SyntheticSessionSimulator.poisson(config.straySessionsPerUser, &rng)
        for _ in 0..<strays {
            let days = SyntheticCalendar.strayDays
            plan(day: days[Int(rng.next() % UInt64(days.count))], sessions: 1)
        }
        planned.sort()

        let model = platform.model
        var lastRow: Int64 = .min
        var shown: [Int32] = []
        for plannedStart in planned {
            var start = plannedStart
            if lastRow != .min && start < lastRow + SyntheticSessionSimulator.minSessionGapMs {
                // Too close to the previous session: push it past the one-hour gap.
                start = lastRow + SyntheticSessionSimulator.minSessionGapMs + Int64(rng.nextUniform() * 1_200_000)
                let plannedDay = SyntheticCalendar.beijingDay(utcMs: plannedStart)
                let day = SyntheticCalendar.beijingDay(utcMs: start)
                if day != plannedDay && SyntheticCalendar.isBurstDay(plannedDay) && !SyntheticCalendar.isBurstDay(day) {
                    continue  // pushed out of its burst: drop it.
                }
            }
            let z = rng.nextNormal()
            let rawLength = exp(world.userSessionLogMedian[user] + config.sessionLengthSigma * z)
            let length = Int(min(Double(config.maxSessionLength), max(1, rawLength.rounded())))
            let localHour = Int(((start + SyntheticCalendar.beijingOffsetMs) % SyntheticCalendar.msPerDay) / 3_600_000)
            let context = SyntheticContext(beijingHour: localHour)

            shown.removeAll(keepingCapacity: true)
            let day = SyntheticCalendar.beijingDay(utcMs: start)
            platform.selectSession(count: length, context: context, day: day, scratch: scratch, using: &rng, into: &shown)
            guard !shown.isEmpty else { continue }  // nothing uploaded yet: no session
            if platform.pools.drawsPools {
                log.poolVideos.append(contentsOf: scratch.pool)
                log.poolOffsets.append(log.poolVideos.count)
            }
            var t = start
            for v in shown {
                let video = Int(v)
                let m = model.mixture(user: user, video: video, context: context)
                let play = model.drawPlayDuration(mixture: m, video: video, using: &rng)
                log.rows.append(SyntheticInteraction(video: v, playDurationMs: Int32(play), utcMs: t))
                lastRow = t
                let pause = min(SyntheticSessionSimulator.maxPauseMs,
                                SyntheticSessionSimulator.minPauseMs
                                    - SyntheticSessionSimulator.meanExtraPauseMs * log1p(-rng.nextUniform()))
                t += Int64(play) + Int64(pause)
            }
            log.sessionLengths.append(Int32(shown.count))
            log.sessionDayparts.append(UInt8(context.daypart))
        }
        return log
    }
}

