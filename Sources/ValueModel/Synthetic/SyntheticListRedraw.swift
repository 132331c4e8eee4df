#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lists re-drawn for the evaluation sessions from a synthetic world's true model, under any candidate
/// mechanism and planted w*: each session draws a pool as the world's platform would (`SyntheticCandidatePools`,
/// same users, same days), ranks it by `w*·p_true + τ·Gumbel` and keeps the top K (K = the session's observed
/// length, at most the pool). Identification checks fit these lists with `p_true` and with learned heads.
public struct SyntheticListRedraw: Sendable {
    /// Observed offsets and candidate indices in display order (for `PlackettLuceLists`).
    public var offsets: [Int]
    public var shown: [Int32]
    /// The drawn pools in candidate indices (`.catalogue` when the mechanism has none).
    public var pools: PlackettLuceChoiceSets

    /// Session s draws from `SeededGenerator(seed: seed ^ s·φ)`, so the lists do not depend on threads.
    /// - Parameters:
    ///   - trueHeads: `p_true` `[sessions, candidates, 4]` of the same sessions and candidates.
    ///   - sessionDay: the Beijing day number of each session (pools hold videos uploaded by then).
    public static func draw(world: SyntheticLatentWorld, mechanism: SyntheticCandidatePool, weights w: [Double], noiseScale tau: Double,
                            users: [Int32], sessionDay: [Int32], candidates: CandidateVideos, trueHeads: CandidateHeads,
                            lengths: [Int], seed: UInt64) -> SyntheticListRedraw {
        let sampler = SyntheticCandidatePools(world: world, mechanism: mechanism)
        let n = candidates.count, sessions = users.count
        var perSessionShown = [[Int32]](repeating: [], count: sessions)
        var perSessionPool = [[Int32]](repeating: [], count: sessions)
        trueHeads.values.withUnsafeBufferPointer { hp in
            let p = hp.baseAddress!
            perSessionShown.withUnsafeMutableBufferPointer { shownOut in
                perSessionPool.withUnsafeMutableBufferPointer { poolOut in
                    parallelRanges(sessions, minimumChunk: 8) { range in
                        var logWeights: [Double] = []
                        var keys: [Float] = []
                        var selector = TopKSelector()
                        var poolVideos: [Int32] = []
                        var members: [Int32] = []
                        var scores: [Float] = []
                        var top: [Int32] = []
                        for s in range {
                            var rng = SeededGenerator(seed: seed ^ (UInt64(s) &* 0x9E37_79B9_7F4A_7C15))
                            members.removeAll(keepingCapacity: true)
                            if sampler.drawsPools {
                                sampler.logWeights(user: Int(users[s]), into: &logWeights)
                                sampler.draw(logWeights: logWeights, day: Int(sessionDay[s]), keys: &keys, selector: &selector,
                                             using: &rng, into: &poolVideos)
                                for v in poolVideos {
                                    let j = Int(v) < candidates.indexOfVideo.count ? candidates.indexOfVideo[Int(v)] : -1
                                    if j >= 0 { members.append(j) }
                                }
                                members.sort()
                            } else {
                                members.append(contentsOf: (0..<Int32(n)))
                            }
                            scores.removeAll(keepingCapacity: true)
                            let base = p + s * n * 4
                            for j in members {
                                let q = base + Int(j) * 4
                                let gumbel = rng.nextGumbel()
                                let value = w[0] * Double(q[0]) + w[1] * Double(q[1]) + w[2] * Double(q[2]) + w[3] * Double(q[3])
                                scores.append(Float(value + tau * gumbel))
                            }
                            scores.withUnsafeBufferPointer { selector.select($0.baseAddress!, count: members.count, k: lengths[s], into: &top) }
                            shownOut[s] = top.map { members[Int($0)] }
                            if sampler.drawsPools { poolOut[s] = members }
                        }
                    }
                }
            }
        }
        var offsets = [0], shown: [Int32] = []
        var poolOffsets = [0], poolCandidates: [Int32] = []
        for s in 0..<sessions {
            shown.append(contentsOf: perSessionShown[s]); offsets.append(shown.count)
            poolCandidates.append(contentsOf: perSessionPool[s]); poolOffsets.append(poolCandidates.count)
        }
        let pools: PlackettLuceChoiceSets = sampler.drawsPools ? .listed(offsets: poolOffsets, candidates: poolCandidates) : .catalogue
        return SyntheticListRedraw(offsets: offsets, shown: shown, pools: pools)
    }
}
