import Dispatch
import Foundation

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
    /// For a `retrieval` world, `[sessions, videos]` the user-dependent part of the retrieval stage's log-weight,
    /// `retrievalAffinityWeight · (affinity + retrievalNoise · η)` (the platform's retrieval scores, never logged),
    /// and the same without the retrieval model's error η (`retrievalAffinityWeight · affinity`: the user's taste as
    /// the world knows it); nil for the other mechanisms.
    public var retrievalScores: [Float]?
    public var retrievalTaste: [Float]?

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
        if configuration.candidatePool == .retrieval {
            let weight = configuration.retrievalAffinityWeight, noise = configuration.retrievalNoise
            var scores = [Float](repeating: 0, count: sessions.count * n), taste = scores
            for (s, user) in sessions.users.enumerated() {
                for v in 0..<n {
                    let affinity = world.affinity(user: Int(user), video: v)
                    taste[s * n + v] = Float(weight * affinity)
                    scores[s * n + v] = Float(weight * (affinity + noise * world.retrievalError(user: Int(user), video: v)))
                }
            }
            retrievalScores = scores
            retrievalTaste = taste
        }
    }

    /// `[videos]` the log of each video's share of pools: of the sessions with the video uploaded by their day,
    /// the fraction whose recorded pool held it (−∞ for a video in no pool); nil without recorded pools.
    public var trueInclusionLogRates: [Double]? {
        guard case let .listed(offsets, candidates) = pools, case let .uploaded(uploadDay, sessionDay) = availability.choiceSets else { return nil }
        let n = uploadDay.count
        var inPool = [Double](repeating: 0, count: n), available = [Double](repeating: 0, count: n)
        for s in 0..<(offsets.count - 1) {
            for j in candidates[offsets[s]..<offsets[s + 1]] { inPool[Int(j)] += 1 }
            for j in 0..<n where uploadDay[j] <= sessionDay[s] { available[j] += 1 }
        }
        return (0..<n).map { j -> Double in
            guard inPool[j] > 0, available[j] > 0 else { return -Double.infinity }
            return Foundation.log(min(1, inPool[j] / available[j]))
        }
    }
}
