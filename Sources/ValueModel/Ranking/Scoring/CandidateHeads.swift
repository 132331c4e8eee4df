/// Predicted head probabilities of every candidate video for every evaluation session:
/// `values[(s * videos + v) * 4 + h]`, Float32, heads in the order complete, long, rewatch, neg.
///
/// All candidates are kept (not only the top ones): the simulated list for an arbitrary `w` can contain any
/// video, and every loss evaluation of the optimisers needs them. At full KuaiRec size (66,423 sessions x
/// 10,728 videos) this is 11.4 GB (10.6 GiB); step 4 checks it against `--memory-budget-gib` before allocating.
public struct CandidateHeads: Sendable {
    public let sessions: Int
    public let videos: Int
    public var values: [Float]

    public init(sessions: Int, videos: Int, values: [Float]) {
        precondition(values.count == sessions * videos * 4, "candidate heads: wrong size")
        self.sessions = sessions
        self.videos = videos
        self.values = values
    }

    /// The heads of the sessions `indices`, in that order.
    public func subset(_ indices: [Int]) -> CandidateHeads {
        let stride = videos * 4
        var out = [Float](repeating: 0, count: indices.count * stride)
        for (row, s) in indices.enumerated() {
            out.withUnsafeMutableBufferPointer { o in
                values.withUnsafeBufferPointer { v in
                    (o.baseAddress! + row * stride).update(from: v.baseAddress! + s * stride, count: stride)
                }
            }
        }
        return CandidateHeads(sessions: indices.count, videos: videos, values: out)
    }

    /// Bytes a store of this shape takes.
    public static func bytes(sessions: Int, videos: Int) -> Int { sessions * videos * 4 * MemoryLayout<Float>.size }

    /// Folds `member` into a running mean in place: when `self` is the mean of `count - 1` stores of this shape,
    /// it becomes the mean of `count` (`mean += (member − mean) / count`, so no second store of sums is needed).
    /// With `squares` (Welford's update) it also accumulates `Σ (x − old mean)(x − new mean)` per value: the members'
    /// sum of squared deviations from their mean, so `squares / (count − 1)` is their sample variance.
    public mutating func foldIntoMean(_ member: CandidateHeads, count: Int, squares: UnsafeMutablePointer<Float>? = nil) {
        precondition(member.values.count == values.count && count >= 1, "running mean of head stores of different shapes")
        let k = Float(count)
        for i in values.indices {
            let old = values[i], x = member.values[i]
            values[i] = old + (x - old) / k
            squares?[i] += (x - old) * (x - values[i])
        }
    }

    /// Heads of the synthetic world's true engagement model, `p_true(user, video, day-part)`, for the same
    /// sessions and candidates (the diagnostic that separates identification from the predicted heads' quality).
    public static func synthetic(model: SyntheticEngagementModel, sessions: EvaluationSessions,
                                 candidates: CandidateVideos) -> CandidateHeads {
        let n = candidates.count
        var values = [Float](repeating: 0, count: sessions.count * n * 4)
        values.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            parallelRanges(sessions.count, minimumChunk: 16) { range in
                for s in range {
                    let user = Int(sessions.users[s])
                    let context = SyntheticContext(daypart: Int(sessions.dayparts[s]))
                    for (j, v) in candidates.videoIds.enumerated() {
                        let p = model.headProbabilities(user: user, video: Int(v), context: context)
                        let o = base + (s * n + j) * 4
                        o[0] = Float(p.complete); o[1] = Float(p.long); o[2] = Float(p.rewatch); o[3] = Float(p.neg)
                    }
                }
            }
        }
        return CandidateHeads(sessions: sessions.count, videos: n, values: values)
    }
}
