/// A second way a simulated user leaves, as a robustness check of KuaiEnv's tag rule: by accumulated satisfaction.
///
/// After each watched video the user's satisfaction moves by how much better than a random video it was and
/// fades: `s_t = decay · s_{t−1} + (r_t − r̄)`, `s_{−1} = 0`, with `r_t` the video's reward (capped watch ratio)
/// and `r̄` the mean reward of a uniformly random video for the simulated sessions (what the random policy earns
/// per step). The user leaves after the video of turn t when `s_t < −threshold`, and after turn `maxTurn − 1`
/// in any case. A policy that keeps showing better-than-random videos keeps its users; one below random loses
/// them after about `threshold / (r̄ − r)` videos. Unlike KuaiEnv's rule it ignores the videos' tags.
public struct SatisfactionExitRule: Sendable, Equatable, Codable {
    /// How much of the previous satisfaction is kept at each turn (0...1).
    public var decay: Double
    /// The satisfaction below which (negated) the user leaves.
    public var threshold: Double
    public var maxTurn: Int

    public init(decay: Double = 0.9, threshold: Double = 1, maxTurn: Int = 30) {
        self.decay = decay
        self.threshold = threshold
        self.maxTurn = maxTurn
    }

    /// The satisfaction after a video of reward `reward` at `turn` (from the one before) and whether the user leaves.
    public func step(turn: Int, satisfaction: Double, reward: Double, baseline: Double) -> (satisfaction: Double, leaves: Bool) {
        let s = decay * satisfaction + (reward - baseline)
        return (s, turn >= maxTurn - 1 || s < -threshold)
    }
}
