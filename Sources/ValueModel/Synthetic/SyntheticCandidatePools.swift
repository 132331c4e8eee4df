// The retrieval stage of a synthetic platform: which videos a session's ranking may choose from.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Draws a session's candidate pool as a real platform's retrieval stage would, before the value model ranks.
///
/// `popularity` and `retrieval` pools hold `m ~ Uniform{poolMinimum...poolMaximum}` videos uploaded on or
/// before the session's day (all of them when fewer are uploaded), drawn without replacement with probability
/// proportional to `exp(logWeight)`: the Gumbel-top-m of `logWeight + Gumbel`, which is exactly successive
/// weighted sampling without replacement. The log-weight is the video's log-popularity, plus, for `retrieval`,
/// `retrievalAffinityWeight · (affinity(user, video) + retrievalNoise · η(user, video))` with η the retrieval
/// model's fixed error. `catalogue` has no pool (every video is a candidate).
public struct SyntheticCandidatePools: Sendable {
    public let world: SyntheticLatentWorld
    public let mechanism: SyntheticCandidatePool

    /// The world's own mechanism, or another one on the same world (`mechanism`).
    public init(world: SyntheticLatentWorld, mechanism: SyntheticCandidatePool? = nil) {
        self.world = world
        self.mechanism = mechanism ?? world.configuration.candidatePool
    }

    /// Whether sessions draw a pool (false: the whole catalogue is every session's pool).
    public var drawsPools: Bool { mechanism != .catalogue }

    /// The user's retrieval log-weight of every video `[videos]` (written into `weights`).
    public func logWeights(user: Int, into weights: inout [Double]) {
        let c = world.configuration
        let n = world.videoCount
        if weights.count != n { weights = [Double](repeating: 0, count: n) }
        for v in 0..<n {
            var x = world.videoLogPopularity[v]
            if mechanism == .retrieval {
                x += c.retrievalAffinityWeight
                    * (world.affinity(user: user, video: v) + c.retrievalNoise * world.retrievalError(user: user, video: v))
            }
            weights[v] = x
        }
    }

    /// Appends a pool for a session on Beijing day `day` to `pool` (cleared first), best retrieval key first.
    /// - Parameters:
    ///   - logWeights: `[videos]` from `logWeights(user:into:)`.
    ///   - keys: scratch of `videos` Float keys.
    public func draw(logWeights: [Double], day: Int, keys: inout [Float], selector: inout TopKSelector,
                     using rng: inout SeededGenerator, into pool: inout [Int32]) {
        let c = world.configuration
        let n = world.videoCount
        if keys.count != n { keys = [Float](repeating: 0, count: n) }
        let span = UInt64(c.poolMaximum - c.poolMinimum + 1)
        let size = c.poolMinimum + Int(rng.next() % span)
        var uploaded = 0
        for v in 0..<n {
            if world.videoUploadDay[v] <= day {
                keys[v] = Float(logWeights[v] + rng.nextGumbel())
                uploaded += 1
            } else {
                keys[v] = -.infinity
            }
        }
        keys.withUnsafeBufferPointer { selector.select($0.baseAddress!, count: n, k: min(size, uploaded), into: &pool) }
    }
}
