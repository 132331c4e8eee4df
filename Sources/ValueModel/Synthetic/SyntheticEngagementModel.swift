// True engagement of (user, video, context) in a synthetic world, with exact (closed-form) head probabilities.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The context of a session: the day-part of its first row's Beijing hour.
public struct SyntheticContext: Sendable, Hashable, Codable {
    /// Number of day-parts.
    public static let count = 4
    /// 0 = 00-05 h, 1 = 06-11 h, 2 = 12-17 h, 3 = 18-23 h (Beijing time).
    public var daypart: Int

    public init(daypart: Int) {
        precondition((0..<SyntheticContext.count).contains(daypart), "day-part must be in 0..<4")
        self.daypart = daypart
    }

    public init(beijingHour: Int) {
        self.init(daypart: min(3, max(0, beijingHour / 6)))
    }
}

/// The four head probabilities, in `SyntheticWorldConfiguration.headOrder`.
public struct SyntheticHeadProbabilities: Sendable, Equatable, Codable {
    public var complete: Double
    public var long: Double
    public var rewatch: Double
    public var neg: Double

    public init(complete: Double, long: Double, rewatch: Double, neg: Double) {
        self.complete = complete
        self.long = long
        self.rewatch = rewatch
        self.neg = neg
    }

    /// (complete, long, rewatch, neg)
    public var array: [Double] { [complete, long, rewatch, neg] }

    /// `w · p`, w in head order.
    @inline(__always)
    public func value(weights w: [Double]) -> Double {
        w[0] * complete + w[1] * long + w[2] * rewatch + w[3] * neg
    }
}

/// The labels of SPEC step 1, computed from a row's play and video durations exactly as the pipeline does.
public struct SyntheticLabels: Sendable, Equatable {
    public var complete: Bool
    public var long: Bool
    public var rewatch: Bool
    public var neg: Bool

    public init(playDurationMs play: Int, videoDurationMs video: Int) {
        let ratio = Double(play) / Double(video)
        complete = ratio >= 1
        long = play >= 12_000 || ratio >= 1.5
        rewatch = ratio >= 2
        neg = play <= 2_000
    }
}

/// The constants of the engagement model (see `SyntheticWorldConfiguration`'s overview). Log-odds and the
/// log-ratio mean are linear in: affinity `a`, quality `q`, `ld = log(duration / 9 s)`, the user's bias and a
/// day-part shift. The three intercepts were calibrated (default noise, whole catalogue) so that the label rates
/// of the *shown* rows come out near the real ones (calibrated at 10,728 videos, seed 2026): complete 34 %, long 21.5 %, rewatch 7.5 %, neg 12.5 %.
public struct SyntheticEngagementParameters: Codable, Sendable, Equatable {
    // Skip: play ~ Uniform(skipMinMs, skipMaxMs).
    public var skipIntercept = -1.04
    public var skipAffinity = -0.9
    public var skipQuality = -0.5
    public var skipLogDuration = 0.35
    public var skipDaypart: [Double] = [0.25, 0.05, -0.05, -0.15]
    public var skipMinMs = 150.0
    public var skipMaxMs = 2_600.0
    // Loop: watch ratio = 1 + Exponential(mean loopExtraMean).
    public var loopIntercept = -2.34
    public var loopLoopiness = 0.9
    public var loopAffinity = 0.35
    public var loopLogDuration = -0.6
    public var loopDaypart: [Double] = [-0.1, -0.15, 0.0, 0.2]
    public var loopExtraMean = 0.9
    // Watch: log watch ratio ~ Normal(mu, watchSigma^2).
    public var watchIntercept = -0.85
    public var watchAffinity = 0.25
    public var watchQuality = 0.2
    public var watchLogDuration = -0.45
    public var watchSigma = 0.3
    /// Play durations are capped here (must exceed twice the longest video so no head threshold is affected).
    public var maxPlayMs = 2_400_000
    /// Duration at which `ld = 0`.
    public var referenceDurationMs = 9_000.0

    public init() {}

    func validate() throws {
        func fail(_ reason: String) -> PipelineError { .invalidOption(name: "engagement", reason: reason) }
        guard skipDaypart.count == SyntheticContext.count, loopDaypart.count == SyntheticContext.count else {
            throw fail("day-part shifts need \(SyntheticContext.count) values")
        }
        guard skipMinMs >= 0, skipMaxMs > skipMinMs else { throw fail("need 0 <= skipMinMs < skipMaxMs") }
        guard loopExtraMean > 0, watchSigma > 0, referenceDurationMs > 0 else { throw fail("scales must be positive") }
        guard maxPlayMs > 2 * SyntheticLatentWorld.maxDurationMs + 1 else {
            throw fail("maxPlayMs must exceed twice the longest video (\(2 * SyntheticLatentWorld.maxDurationMs) ms)")
        }
    }
}

/// The mixture that generates one play: probabilities of the three behaviours and the watch log-ratio mean.
public struct SyntheticWatchMixture: Sendable, Equatable {
    public var skip: Double
    public var loop: Double
    public var watch: Double
    public var logRatioMean: Double
}

/// The true engagement model of a world. `headProbabilities` is exact for `drawPlayDuration`.
public struct SyntheticEngagementModel: Sendable {
    public let world: SyntheticLatentWorld
    public let parameters: SyntheticEngagementParameters

    // Per video, 4 thresholds each in head order; the 4th is 2001 ms (neg = play < 2001).
    // threshold[v*4+h]: play >= threshold is the event (for neg: the complement).
    let threshold: [Int]
    // log(threshold / D)
    let logThresholdRatio: [Double]
    // P(play >= threshold | skip) and P(play >= threshold | loop) (for h = 3: P(play <= 2000 | ...)).
    let skipTail: [Double]
    let loopTail: [Double]
    // log(D / reference)
    let logDurationRatio: [Double]

    public init(world: SyntheticLatentWorld) {
        self.world = world
        let p = world.configuration.engagement
        parameters = p
        let nv = world.videoCount
        var thr = [Int](repeating: 0, count: nv * 4)
        var logThr = [Double](repeating: 0, count: nv * 4)
        var sTail = [Double](repeating: 0, count: nv * 4)
        var lTail = [Double](repeating: 0, count: nv * 4)
        var ld = [Double](repeating: 0, count: nv)
        for v in 0..<nv {
            let dur = world.videoDurationMs[v]
            let dd = Double(dur)
            ld[v] = log(dd / p.referenceDurationMs)
            // play >= min(12000, ceil(1.5 D)) <=> play >= 12000 || 2 play >= 3 D
            let longThreshold = min(12_000, (3 * dur + 1) / 2)
            let ks = [dur, longThreshold, 2 * dur, 2_001]
            for h in 0..<4 {
                let k = ks[h]
                thr[v * 4 + h] = k
                logThr[v * 4 + h] = log(Double(k) / dd)
                // Skip: x ~ U(a, b); P(floor(x) >= k) = P(x >= k).
                let up = min(1, max(0, (p.skipMaxMs - Double(k)) / (p.skipMaxMs - p.skipMinMs)))
                // Loop: x = D (1 + G), G ~ Exp(mean m); P(x >= k) = exp(-(k/D - 1)/m) for k > D, else 1.
                let excess = Double(k) / dd - 1
                let loopUp = excess <= 0 ? 1.0 : exp(-excess / p.loopExtraMean)
                if h < 3 {
                    sTail[v * 4 + h] = up
                    lTail[v * 4 + h] = loopUp
                } else {
                    sTail[v * 4 + h] = 1 - up
                    lTail[v * 4 + h] = excess <= 0 ? 0.0 : -expm1(-excess / p.loopExtraMean)
                }
            }
        }
        threshold = thr
        logThresholdRatio = logThr
        skipTail = sTail
        loopTail = lTail
        logDurationRatio = ld
    }

    /// The (user, video) part of the log-odds and log-ratio mean, before the context.
    @inline(__always)
    func base(user: Int, video: Int) -> (skip: Double, loop: Double, mu: Double) {
        let p = parameters
        let a = world.affinity(user: user, video: video)
        let q = world.videoQuality[video]
        let ld = logDurationRatio[video]
        let skip = p.skipIntercept + world.userSkipBias[user] + p.skipAffinity * a + p.skipQuality * q + p.skipLogDuration * ld
        let loop = p.loopIntercept + world.userLoopBias[user] + p.loopLoopiness * world.videoLoopiness[video]
            + p.loopAffinity * a + p.loopLogDuration * ld
        let mu = p.watchIntercept + world.userWatchBias[user] + p.watchAffinity * a + p.watchQuality * q
            + p.watchLogDuration * ld
        return (skip, loop, mu)
    }

    /// P(play >= threshold_h | watch) for h = 0..2 and P(play <= 2000 | watch) for h = 3.
    @inline(__always)
    func watchTails(video: Int, mu: Double) -> (Double, Double, Double, Double) {
        let s = parameters.watchSigma * 2.0.squareRoot()
        let b = video * 4
        // P(D e^z >= k) = P(z >= log(k/D)) = erfc((log(k/D) - mu) / (sigma sqrt 2)) / 2
        let t0 = 0.5 * erfc((logThresholdRatio[b] - mu) / s)
        let t1 = 0.5 * erfc((logThresholdRatio[b + 1] - mu) / s)
        let t2 = 0.5 * erfc((logThresholdRatio[b + 2] - mu) / s)
        let t3 = 0.5 * erfc(-(logThresholdRatio[b + 3] - mu) / s)
        return (t0, t1, t2, t3)
    }

    @inline(__always)
    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    @inline(__always)
    func mixture(skipBase: Double, loopBase: Double, mu: Double, daypart: Int) -> SyntheticWatchMixture {
        let pSkip = SyntheticEngagementModel.sigmoid(skipBase + parameters.skipDaypart[daypart])
        let pLoop = (1 - pSkip) * SyntheticEngagementModel.sigmoid(loopBase + parameters.loopDaypart[daypart])
        return SyntheticWatchMixture(skip: pSkip, loop: pLoop, watch: max(0, 1 - pSkip - pLoop), logRatioMean: mu)
    }

    @inline(__always)
    func combine(_ m: SyntheticWatchMixture, video: Int, tails t: (Double, Double, Double, Double)) -> SyntheticHeadProbabilities {
        let b = video * 4
        return SyntheticHeadProbabilities(
            complete: m.skip * skipTail[b] + m.loop * loopTail[b] + m.watch * t.0,
            long: m.skip * skipTail[b + 1] + m.loop * loopTail[b + 1] + m.watch * t.1,
            rewatch: m.skip * skipTail[b + 2] + m.loop * loopTail[b + 2] + m.watch * t.2,
            neg: m.skip * skipTail[b + 3] + m.loop * loopTail[b + 3] + m.watch * t.3)
    }

    /// The behaviour mixture of (user, video, context).
    public func mixture(user: Int, video: Int, context: SyntheticContext) -> SyntheticWatchMixture {
        let b = base(user: user, video: video)
        return mixture(skipBase: b.skip, loopBase: b.loop, mu: b.mu, daypart: context.daypart)
    }

    /// Exact `p_true = (P complete, P long, P rewatch, P neg)` of one play of `video` by `user` in `context`,
    /// under the very model `drawPlayDuration` samples from.
    public func headProbabilities(user: Int, video: Int, context: SyntheticContext) -> SyntheticHeadProbabilities {
        let b = base(user: user, video: video)
        let m = mixture(skipBase: b.skip, loopBase: b.loop, mu: b.mu, daypart: context.daypart)
        return combine(m, video: video, tails: watchTails(video: video, mu: b.mu))
    }

    /// `p_true` for every day-part at once: `out[daypart]`. Same arithmetic as `headProbabilities`.
    @inline(__always)
    func headProbabilitiesAllDayparts(user: Int, video: Int, _ body: (Int, SyntheticHeadProbabilities) -> Void) {
        let b = base(user: user, video: video)
        let t = watchTails(video: video, mu: b.mu)
        for dp in 0..<SyntheticContext.count {
            body(dp, combine(mixture(skipBase: b.skip, loopBase: b.loop, mu: b.mu, daypart: dp), video: video, tails: t))
        }
    }

    /// Draws one play duration (integer ms) given the mixture and the video's duration.
    @inline(__always)
    public func drawPlayDuration(mixture m: SyntheticWatchMixture, video: Int, using rng: inout SeededGenerator) -> Int {
        let p = parameters
        let duration = Double(world.videoDurationMs[video])
        let u = rng.nextUniform()
        var x: Double
        if u < m.skip {
            x = p.skipMinMs + (p.skipMaxMs - p.skipMinMs) * rng.nextUniform()
        } else if u < m.skip + m.loop {
            let g = -p.loopExtraMean * log(1 - rng.nextUniform())
            x = duration * (1 + g)
        } else {
            x = duration * exp(m.logRatioMean + p.watchSigma * rng.nextNormal())
        }
        x = min(x, Double(p.maxPlayMs))
        return max(0, Int(x.rounded(.down)))
    }

    /// Draws one play duration (integer ms) of `video` by `user` in `context`.
    public func drawPlayDuration(user: Int, video: Int, context: SyntheticContext, using rng: inout SeededGenerator) -> Int {
        drawPlayDuration(mixture: mixture(user: user, video: video, context: context), video: video, using: &rng)
    }
}
