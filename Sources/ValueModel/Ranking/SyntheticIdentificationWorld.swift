import Dispatch

/// A synthetic world simulated in memory (no files), reduced to what identification checks need: its sessions'
/// shown lists, `p_true` for every (session, video), the sessions' days, the videos' upload days and the pools
/// the platform drew. The coverage study fits many such worlds; tests use small ones.
public struct SyntheticIdentificationWorld: Sendable {
    public var configuration: SyntheticWorldConfiguration
    /// `p_true` `[sessions, videos, 4]`; candidate j is video j.
    public var heads: CandidateHeads
    /// The sessions' shown lists, with `.catalogue` choice sets.
    public var lists: PlackettLuceLists
    public var availability: CandidateAvailability
    /// The pools the platform drew (`.catalogue` for the catalogue mechanism).
    public var pools: PlackettLuceChoiceSets
    /// `[sessions]` each session's user and `[videos]` each video's level-1 category (what the logs show).
    public var sessionUsers: [Int32]
    public var candidateCategory: [Int32]

    /// Simulates every user and keeps up to `maximumSessions` sessions of at least `minimumLength` rows (the
    /// first ones in user order).
    public init(configuration: SyntheticWorldConfiguration, minimumLength: Int = 5, maximumSessions: Int) throws {
        let generator = try SyntheticWorldGenerator(configuration: configuration)
        let world = generator.world
        let users = world.userCount, n = world.videoCount
        var logs = [SyntheticUserLog](repeating: SyntheticUserLog(user: 0), count: users)
        let workers = LearningThreads.count
        logs.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let scratch = SyntheticPlatform.Scratch(videos: n)
                var user = worker
                while user < users {
                    out[user] = generator.simulator.simulate(user: user, scratch: scratch)
                    user += workers
                }
            }
        }
        var sessions = EvaluationSessions()
        var shown: [Int32] = []
        var sessionDay: [Int32] = []
        var poolOffsets = [0], poolCandidates: [Int32] = []
        collect: for log in logs {
            var row = 0
            for (s, length) in log.sessionLengths.enumerated() {
                defer { row += Int(length) }
                guard Int(length) >= minimumLength else { continue }
                if sessions.count >= maximumSessions { break collect }
                sessions.users.append(Int32(log.user))
                sessions.dayparts.append(log.sessionDayparts[s])
                sessions.lengths.append(length)
                for r in row..<(row + Int(length)) { shown.append(log.rows[r].video) }
                sessions.observedOffsets.append(shown.count)
                sessionDay.append(Int32(SyntheticCalendar.beijingDay(utcMs: log.rows[row].utcMs)))
                if generator.platform.pools.drawsPools {
                    poolCandidates.append(contentsOf: log.poolVideos[log.poolOffsets[s]..<log.poolOffsets[s + 1]])
                    poolOffsets.append(poolCandidates.count)
                }
            }
        }
        sessions.observedVideos = shown
        let candidates = try CandidateVideos(videos: (0..<Int32(n)).map { $0 }, catalogueSize: n)
        heads = CandidateHeads.synthetic(model: generator.model, sessions: sessions, candidates: candidates)
        lists = try PlackettLuceLists(heads: heads, observedOffsets: sessions.observedOffsets, observed: shown)
        availability = CandidateAvailability(uploadDay: world.videoUploadDay.map { Int32($0) }, sessionDay: sessionDay,
                                             observedOffsets: sessions.observedOffsets, observed: shown)
        pools = generator.platform.pools.drawsPools ? .listed(offsets: poolOffsets, candidates: poolCandidates) : .catalogue
        sessionUsers = sessions.users
        candidateCategory = world.videoLevel1.map { Int32($0) }
        self.configuration = configuration
    }
}
