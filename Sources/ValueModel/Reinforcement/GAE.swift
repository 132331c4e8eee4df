/// Generalised advantage estimation (Schulman et al. 2016) as tianshou's `compute_episodic_return` does it for A2C:
/// over steps t = 0..<T (one or several episodes back to back), with `done_t` true when an episode ends after step t,
///
///     δ_t = r_t + γ V_{t+1} (1 − done_t) − V_t,   A_t = δ_t + γ λ (1 − done_t) A_{t+1},   R_t = A_t + V_t,
///
/// where `V_T` is the bootstrap value after the last step (unused when the last step ends its episode). With λ = 1
/// (DORL's setting) R_t is the discounted Monte-Carlo return. Sums in Float64.
public enum GeneralizedAdvantageEstimation {
    /// Advantages and returns `[T]` of `rewards`, `values` and `dones` `[T]`.
    public static func estimate(rewards: [Float], values: [Float], dones: [Bool], bootstrap: Float = 0,
                                gamma: Double, lambda: Double) throws -> (advantages: [Float], returns: [Float]) {
        guard rewards.count == values.count, rewards.count == dones.count else {
            throw PipelineError.invalidData("GAE needs as many values and dones as rewards: \(rewards.count), \(values.count), \(dones.count)")
        }
        guard gamma >= 0, gamma <= 1, lambda >= 0, lambda <= 1 else {
            throw PipelineError.invalidOption(name: "GAE", reason: "γ and λ must lie in [0, 1], got \(gamma) and \(lambda)")
        }
        var advantages = [Float](repeating: 0, count: rewards.count), returns = advantages
        estimate(rewards: rewards, values: values, dones: dones, count: rewards.count, bootstrap: bootstrap,
                 gamma: gamma, lambda: lambda, advantages: &advantages, returns: &returns)
        return (advantages, returns)
    }

    /// The same on buffers (`count` entries each), no allocation.
    // rewards, values, dones: [count] -> advantages, returns: [count]
    static func estimate(rewards: UnsafePointer<Float>, values: UnsafePointer<Float>, dones: UnsafePointer<Bool>, count: Int,
                         bootstrap: Float, gamma: Double, lambda: Double,
                         advantages: UnsafeMutablePointer<Float>, returns: UnsafeMutablePointer<Float>) {
        var next = 0.0, nextValue = Double(bootstrap)
        for t in stride(from: count - 1, through: 0, by: -1) {
            let continues = dones[t] ? 0.0 : 1.0
            let delta = Double(rewards[t]) + gamma * nextValue * continues - Double(values[t])
            next = delta + gamma * lambda * continues * next
            advantages[t] = Float(next)
            returns[t] = Float(next + Double(values[t]))
            nextValue = Double(values[t])
        }
    }
}
