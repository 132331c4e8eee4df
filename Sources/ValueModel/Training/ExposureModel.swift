import Foundation

/// How often the platform showed each video to each user, as a Poisson factorisation of the exposure counts
/// (Schnabel et al. 2016, "Recommendations as treatments"): the logged rows of pair `(u, v)` number
/// `n_uv ~ Poisson(λ_uv)` with
///
///     log λ_uv = a_u + b_v + P_u · Q_v        (user and video activity, plus a rank-k affinity)
///
/// fitted by full-batch Adam on the mean Poisson loss `mean_uv(λ − n log λ)` plus `ρ/2 (‖P‖²/U + ‖Q‖²/V)`.
/// Started from the independence fit (`λ = n_u n_v / N`, factors near 0), so rank 0 is that fit exactly.
///
/// Its use is inverse-propensity weighting (`rowWeights`): a logged row of `(u, v)` weighted by `1 / λ̂_uv`
/// makes every user × video pair count about equally, as in the fully observed small matrix, instead of
/// in proportion to how often the platform chose it. The assumption a user must defend: exposure depends on
/// the pair only through this low-rank structure, and not on the outcome itself.
public struct ExposureModel: Sendable {
    /// The fit's knobs.
    public struct Settings: Codable, Sendable, Equatable {
        /// Rank k of the affinity term (0: activity × popularity only).
        public var rank = 8
        /// L2 penalty ρ on the factors.
        public var penalty: Float = 0.01
        /// Full-batch Adam steps and learning rate.
        public var steps = 200
        public var learningRate: Float = 0.05
        /// Largest row weight after normalising to mean 1 (clipped inverse propensities).
        public var maximumWeight = 10.0
        public var seed: UInt64 = 11
        public init() {}
    }

    public let users: Int
    public let videos: Int
    public let settings: Settings
    /// `log λ` per pair, `[users, videos]` row-major.
    public let logRate: [Float]
    /// Mean Poisson deviance per pair of the independence start and of the final fit.
    public let independenceDeviance: Double
    public let deviance: Double

    /// Fits the model to the rows `(users[i], videos[i])` (ids in `0..<userCount`, `0..<videoCount`).
    public init(users rowUsers: [Int32], videos rowVideos: [Int32], userCount: Int, videoCount: Int,
                settings: Settings = Settings()) throws {
        guard rowUsers.count == rowVideos.count, !rowUsers.isEmpty, userCount > 0, videoCount > 0 else {
            throw PipelineError.invalidData("exposure model: \(rowUsers.count) users and \(rowVideos.count) videos given for \(userCount) x \(videoCount) pairs")
        }
        guard settings.rank >= 0, settings.steps >= 0, settings.penalty >= 0, settings.learningRate > 0, settings.maximumWeight >= 1 else {
            throw PipelineError.invalidOption(name: "exposure model", reason: "rank, steps and penalty must be non-negative, the learning rate positive and the weight cap at least 1")
        }
        let u = userCount, v = videoCount, k = settings.rank, cells = u * v
        var counts = [Float](repeating: 0, count: cells)            // n: [U, V]
        var userRows = [Double](repeating: 0, count: u), videoRows = [Double](repeating: 0, count: v)
        for i in 0..<rowUsers.count {
            let a = Int(rowUsers[i]), b = Int(rowVideos[i])
            guard a >= 0, a < u, b >= 0, b < v else {
                throw PipelineError.invalidData("exposure model: row \(i) is pair (\(a), \(b)), outside \(u) x \(v)")
            }
            counts[a * v + b] += 1
            userRows[a] += 1; videoRows[b] += 1
        }
        let total = Double(rowUsers.count)
        let store = ParameterStore([("user_bias", [u]), ("video_bias", [v]), ("user_factors", [u, k]), ("video_factors", [v, k])])
        // Independence start: a_u + b_v = log(n_u n_v / N), with half a row added to empty users and videos.
        try store.setValue("user_bias", userRows.map { Float(log(($0 + 0.5) / total)) })
        try store.setValue("video_bias", videoRows.map { Float(log($0 + 0.5)) })
        var generator = SeededGenerator(seed: settings.seed)
        try store.setValue("user_factors", (0..<(u * k)).map { _ in Float(0.01 * generator.nextNormal()) })
        try store.setValue("video_factors", (0..<(v * k)).map { _ in Float(0.01 * generator.nextNormal()) })
        let optimizer = Adam(parameters: store, learningRate: settings.learningRate)
        var logits = [Float](repeating: 0, count: cells)             // log λ, then reused for the gradient
        var gradient = [Float](repeating: 0, count: cells)           // (λ − n) / (U V): [U, V]

        /// `log λ` of the current parameters into `logits`.
        func computeLogRates() {
            let a = store.valuePointer("user_bias"), b = store.valuePointer("video_bias")
            logits.withUnsafeMutableBufferPointer { out in
                let out = out.baseAddress!
                sgemm(transB: true, m: u, n: v, k: k, store.valuePointer("user_factors"), store.valuePointer("video_factors"), beta: 0, out)
                parallelRanges(u, minimumChunk: 16) { range in
                    for r in range { for c in 0..<v { out[r * v + c] += a[r] + b[c] } }
                }
            }
        }
        /// Mean Poisson deviance `2 mean(n log(n/λ) − (n − λ))` of the current `logits`.
        func meanDeviance() -> Double {
            var sum = 0.0
            for i in 0..<cells {
                let n = Double(counts[i]), l = Double(logits[i])
                sum += (n > 0 ? n * (log(n) - l) : 0) - (n - exp(l))
            }
            return 2 * sum / Double(cells)
        }

        computeLogRates()
        independenceDeviance = meanDeviance()
        if k > 0 {
            let scale = 1 / Float(cells)
            for _ in 0..<settings.steps {
                computeLogRates()
                store.zeroGradients()
                gradient.withUnsafeMutableBufferPointer { g in
                    logits.withUnsafeBufferPointer { l in
                        counts.withUnsafeBufferPointer { n in
                            let g = g.baseAddress!, l = l.baseAddress!, n = n.baseAddress!
                            parallelRanges(cells, minimumChunk: 1 << 15) { range in
                                for i in range { g[i] = (expf(min(l[i], 30)) - n[i]) * scale }
                            }
                            let da = store.gradientPointer("user_bias"), db = store.gradientPointer("video_bias")
                            for r in 0..<u { var s: Float = 0; for c in 0..<v { s += g[r * v + c] }; da[r] = s }
                            accumulateColumnSums(db, g, rows: u, width: v)
                            let p = store.valuePointer("user_factors"), q = store.valuePointer("video_factors")
                            let dp = store.gradientPointer("user_factors"), dq = store.gradientPointer("video_factors")
                            // dP = G Q + ρ P / U: [U, k];  dQ = Gᵀ P + ρ Q / V: [V, k]
                            sgemm(m: u, n: k, k: v, g, q, beta: 0, dp)
                            sgemm(transA: true, m: v, n: k, k: u, g, p, beta: 0, dq)
                            for i in 0..<(u * k) { dp[i] += settings.penalty / Float(u) * p[i] }
                            for i in 0..<(v * k) { dq[i] += settings.penalty / Float(v) * q[i] }
                        }
                    }
                }
                optimizer.update()
            }
            computeLogRates()
        }
        deviance = meanDeviance()
        users = u
        videos = v
        self.settings = settings
        logRate = logits
    }

    /// `λ̂` of pair `(user, video)`.
    public func rate(user: Int, video: Int) -> Double { exp(Double(logRate[user * videos + video])) }

    /// Inverse-propensity weights of the rows `(users[i], videos[i])`: `1 / λ̂` scaled to mean 1, capped at
    /// `settings.maximumWeight`, and scaled to mean 1 again (so the cap holds before that last scaling).
    public func rowWeights(users rowUsers: [Int32], videos rowVideos: [Int32]) -> [Double] {
        func normalised(_ w: [Double]) -> [Double] {
            let mean = w.reduce(0, +) / Double(max(w.count, 1))
            return w.map { $0 / mean }
        }
        let inverse = normalised(zip(rowUsers, rowVideos).map { 1 / rate(user: Int($0), video: Int($1)) })
        return normalised(inverse.map { min($0, settings.maximumWeight) })
    }
}
