import Foundation

extension SyntheticEngagementModel {
    /// KuaiEnv's reward, the watch ratio `play / duration` capped at 5, in expectation over one play of `video` by
    /// `user` in `context`, in closed form under the model `drawPlayDuration` samples from: a skip plays a uniform
    /// time on [skipMin, skipMax], a loop `duration · (1 + g)` with g exponential, a watch `duration · e^{μ + σZ}`;
    /// every play is capped at `maxPlayMs`, so the ratio's cap is `c = min(cap, maxPlayMs / duration)`. (The
    /// sampler rounds plays down to whole milliseconds, which moves the ratio by less than 1 / duration.)
    public func expectedWatchRatio(user: Int, video: Int, context: SyntheticContext, cap: Double = 5) -> Double {
        let m = mixture(user: user, video: video, context: context)
        let p = parameters
        let duration = Double(world.videoDurationMs[video])
        let c = min(cap, Double(p.maxPlayMs) / duration)
        // Skip: x / D with x ~ U[a, b].
        let a = p.skipMinMs / duration, b = p.skipMaxMs / duration
        let skip: Double
        if b <= c { skip = (a + b) / 2 } else if a >= c { skip = c } else { skip = ((c * c - a * a) / 2 + c * (b - c)) / (b - a) }
        // Loop: 1 + g, g ~ Exp(mean λ): E[min(1 + g, c)] = 1 + λ (1 − e^{−(c − 1)/λ}) for c ≥ 1.
        let lambda = p.loopExtraMean
        let loop = c <= 1 ? c : 1 + lambda * (1 - exp(-(c - 1) / lambda))
        // Watch: e^Y, Y ~ N(μ, σ²): E[min(e^Y, c)] = e^{μ + σ²/2} Φ((ln c − μ − σ²)/σ) + c (1 − Φ((ln c − μ)/σ)).
        let mu = m.logRatioMean, sigma = p.watchSigma
        func phi(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
        let logC = log(c)
        let watch = exp(mu + sigma * sigma / 2) * phi((logC - mu - sigma * sigma) / sigma) + c * (1 - phi((logC - mu) / sigma))
        return m.skip * skip + m.loop * loop + m.watch * watch
    }
}
