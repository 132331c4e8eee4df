// The platform's recommender in a synthetic world: the planted value model that decides what a session shows.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ranks a session's candidate pool (`SyntheticCandidatePools`) by `w* · p_true(user, video, context) +
/// noiseScale · ε` and shows the top K in descending score.
///
/// With Gumbel noise and the whole catalogue as pool, the ordered top-K is drawn by its exact equivalent,
/// sequential Plackett-Luce sampling with weights `exp(value / noiseScale)` (Gumbel-top-k trick): a weighted
/// draw by binary search over cumulative weights, redrawn when the video is already in the session. If
/// redraws pile up (a very peaked distribution), the rest of the list is completed by scoring every remaining
/// candidate with explicit Gumbel noise, which is the exact conditional distribution. In every other case
/// (a drawn pool, normal noise, `scoreEveryCandidate`) every candidate of the pool is scored and the top K are
/// kept with a bounded heap (O(N log K)), then put in score order.
public struct SyntheticPlatform: Sendable {
    public let model: SyntheticEngagementModel
    public let weights: [Double]
    public let noiseScale: Double
    public let noise: SyntheticNoiseDistribution
    /// The retrieval stage.
    public let pools: SyntheticCandidatePools
    /// Whether sessions are drawn by the Plackett-Luce shortcut.
    public let usesPlackettLuce: Bool

    public init(model: SyntheticEngagementModel) {
        let c = model.world.configuration
        self.model = model
        weights = c.weights
        noiseScale = c.noiseScale
        noise = c.noiseDistribution
        pools = SyntheticCandidatePools(world: model.world)
        usesPlackettLuce = c.noiseDistribution == .gumbel && !pools.drawsPools && !c.scoreEveryCandidate
    }

    /// The planted value `w* · p_true` of a video for a user in a context.
    public func value(user: Int, video: Int, context: SyntheticContext) -> Double {
        model.headProbabilities(user: user, video: video, context: context).value(weights: weights)
    }

    /// Per-thread working memory, reused across users.
    public final class Scratch {
        /// [daypart, video] planted values of the current user.
        var values: [Double]
        /// [daypart, video] running sums of exp((value - max) / noise) (Plackett-Luce mode).
        var cumulative: [Double]
        var stamp: [UInt32]
        var currentStamp: UInt32 = 0
        /// [video] the user's retrieval log-weights, Float keys of a pool draw, and the last session's pool.
        var retrievalWeights: [Double] = []
        var keys: [Float] = []
        var selector = TopKSelector()
        public internal(set) var pool: [Int32] = []
        var heapScore: [Double] = []
        var heapIndex: [Int32] = []

        public init(videos: Int) {
            values = [Double](repeating: 0, count: videos * SyntheticContext.count)
            cumulative = [Double](repeating: 0, count: videos * SyntheticContext.count)
            stamp = [UInt32](repeating: 0, count: videos)
        }

        func nextStamp() -> UInt32 {
            if currentStamp == UInt32.max {
                for i in stamp.indices { stamp[i] = 0 }
                currentStamp = 0
            }
            currentStamp += 1
            return currentStamp
        }
    }

    /// Computes the user's planted values for every video and day-part (and the Plackett-Luce weights).
    public func prepare(user: Int, scratch: Scratch) {
        let n = model.world.videoCount
        let w = weights
        scratch.values.withUnsafeMutableBufferPointer { values in
            for v in 0..<n {
                model.headProbabilitiesAllDayparts(user: user, video: v) { dp, p in
                    values[dp * n + v] = p.value(weights: w)
                }
            }
        }
        if pools.drawsPools { pools.logWeights(user: user, into: &scratch.retrievalWeights) }
        guard usesPlackettLuce else { return }
        let inverseScale = 1 / noiseScale
        scratch.values.withUnsafeBufferPointer { values in
            scratch.cumulative.withUnsafeMutableBufferPointer { cum in
                for dp in 0..<SyntheticContext.count {
                    let base = dp * n
                    var top = -Double.infinity
                    for v in 0..<n { top = max(top, values[base + v]) }
                    var sum = 0.0
                    for v in 0..<n {
                        sum += exp((values[base + v] - top) * inverseScale)
                        cum[base + v] = sum
                    }
                }
            }
        }
    }

    /// Appends the videos a session of `count` rows on Beijing day `day` shows, in display order; a drawn pool is
    /// left in `scratch.pool`. `prepare(user:scratch:)` first.
    public func selectSession(count requested: Int, context: SyntheticContext, day: Int, scratch: Scratch,
                              using rng: inout SeededGenerator, into shown: inout [Int32]) {
        let n = model.world.videoCount
        if pools.drawsPools {
            pools.draw(logWeights: scratch.retrievalWeights, day: day, keys: &scratch.keys, selector: &scratch.selector,
                       using: &rng, into: &scratch.pool)
        }
        let candidates = pools.drawsPools ? scratch.pool.count : n
        let k = min(requested, candidates)
        guard k > 0 else { return }
        let stamp = scratch.nextStamp()
        let dp = context.daypart
        if usesPlackettLuce {
            var taken = 0
            let total = scratch.cumulative[dp * n + n - 1]
            scratch.cumulative.withUnsafeBufferPointer { cumAll in
                let cum = UnsafeBufferPointer(rebasing: cumAll[(dp * n)..<(dp * n + n)])
                var misses = 0
                while taken < k && misses < 64 {
                    let r = rng.nextUniform() * total
                    // First index with cum > r.
                    var lo = 0, hi = n - 1
                    while lo < hi {
                        let mid = (lo + hi) >> 1
                        if cum[mid] > r { hi = mid } else { lo = mid + 1 }
                    }
                    if scratch.stamp[lo] == stamp {
                        misses += 1
                    } else {
                        scratch.stamp[lo] = stamp
                        shown.append(Int32(lo))
                        taken += 1
                        misses = 0
                    }
                }
            }
            if taken < k {
                // Exact completion: explicit Gumbel scores over the videos not yet shown.
                explicitTopK(k - taken, daypart: dp, candidateCount: n, usePool: false, stamp: stamp,
                             scratch: scratch, rng: &rng, into: &shown)
            }
            return
        }
        explicitTopK(k, daypart: dp, candidateCount: candidates, usePool: pools.drawsPools, stamp: stamp,
                     scratch: scratch, rng: &rng, into: &shown)
    }

    @inline(__always)
    func drawNoise(_ rng: inout SeededGenerator) -> Double {
        switch noise {
        case .gumbel:
            return rng.nextGumbel()
        case .normal:
            return rng.nextNormal()
        }
    }

    /// Scores candidates (the drawn pool, or every video not stamped) and appends the
    /// top `k` in descending score order, stamping them.
    func explicitTopK(_ k: Int, daypart dp: Int, candidateCount: Int, usePool: Bool, stamp: UInt32,
                      scratch: Scratch, rng: inout SeededGenerator, into shown: inout [Int32]) {
        let n = model.world.videoCount
        var heapScore = scratch.heapScore
        var heapIndex = scratch.heapIndex
        heapScore.removeAll(keepingCapacity: true)
        heapIndex.removeAll(keepingCapacity: true)
        // Min-heap on (score, -index): the root is the weakest kept candidate.
        @inline(__always) func weaker(_ a: Int, _ b: Int) -> Bool {
            heapScore[a] < heapScore[b] || (heapScore[a] == heapScore[b] && heapIndex[a] > heapIndex[b])
        }
        func siftDown(_ start: Int) {
            var i = start
            let count = heapScore.count
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < count && weaker(l, m) { m = l }
                if r < count && weaker(r, m) { m = r }
                if m == i { return }
                heapScore.swapAt(i, m); heapIndex.swapAt(i, m); i = m
            }
        }
        func siftUp(_ start: Int) {
            var i = start
            while i > 0 {
                let parent = (i - 1) / 2
                if weaker(i, parent) {
                    heapScore.swapAt(i, parent); heapIndex.swapAt(i, parent); i = parent
                } else { return }
            }
        }
        scratch.values.withUnsafeBufferPointer { valuesAll in
            let values = UnsafeBufferPointer(rebasing: valuesAll[(dp * n)..<(dp * n + n)])
            for c in 0..<candidateCount {
                let v = usePool ? Int(scratch.pool[c]) : c
                if scratch.stamp[v] == stamp { continue }
                let score = values[v] + noiseScale * drawNoise(&rng)
                if heapScore.count < k {
                    heapScore.append(score); heapIndex.append(Int32(v)); siftUp(heapScore.count - 1)
                } else if score > heapScore[0] || (score == heapScore[0] && Int32(v) < heapIndex[0]) {
                    heapScore[0] = score; heapIndex[0] = Int32(v); siftDown(0)
                }
            }
        }
        // Pop weakest first, then reverse: descending score order.
        var ordered: [Int32] = []
        ordered.reserveCapacity(heapScore.count)
        while !heapScore.isEmpty {
            ordered.append(heapIndex[0])
            let last = heapScore.count - 1
            heapScore.swapAt(0, last); heapIndex.swapAt(0, last)
            heapScore.removeLast(); heapIndex.removeLast()
            siftDown(0)
        }
        for v in ordered.reversed() {
            scratch.stamp[Int(v)] = stamp
            shown.append(v)
        }
        scratch.heapScore = heapScore
        scratch.heapIndex = heapIndex
    }
}
