/// How a reward enters the state: `min((r − minimum) / (maximum − minimum), 1)` (DORL's `StateTrackerAvg2`, which
/// normalises training rewards by `[0, MAX_R − MIN_R]` and evaluation rewards by the true table's range, and clips at 1).
public struct RewardNormalisation: Sendable, Codable, Equatable {
    /// The reward that maps to 0.
    public var minimum: Double
    /// The reward that maps to 1 (larger ones are clipped to 1).
    public var maximum: Double

    /// Normalisation of rewards in `[minimum, maximum]` to `[0, 1]`.
    public init(minimum: Double, maximum: Double) {
        self.minimum = minimum
        self.maximum = maximum
    }

    /// The normalised reward.
    public func callAsFunction(_ r: Float) -> Float {
        let width = maximum > minimum ? maximum - minimum : 1
        return Float(min((Double(r) - minimum) / width, 1))
    }
}

/// DORL's state (`src/core/state_tracker2.py`, `StateTrackerAvg2` with `reward_handle = "cat"`, `window_size = 3`):
/// the mean, over the last `window` steps of the session, of `[item representation ⊕ normalised reward]`; while
/// fewer than `window` items were shown, a start entry `[start ⊕ 1]` (DORL's extra embedding row with its initial
/// reward 1) is one of the averaged entries, so at turn t the state averages `min(t + 1, window)` entries.
///
/// The item representation is the caller's item-feature matrix (fixed); `start` is a learned vector
/// (`state_tracker.start`, initialised N(0, 0.01²) as DORL's). The state is split into a fixed part (the sum of
/// the item entries, and the weights of the mean) and the start entry, so a learner can rebuild states with the
/// current `start` and send gradients to it.
struct StateTracker {
    let window: Int
    let featureWidth: Int
    var stateWidth: Int { featureWidth + 1 }
    /// `[items, featureWidth]`.
    let itemFeatures: [Float]

    /// The fixed part of the state at turn `t` of a session that showed `items[0..<t]` with (raw) `rewards`: writes
    /// `sum` `[stateWidth]` (the item entries' sum) and returns the mean's weight `1 / entries` and the start entry's
    /// weight (`1 / entries` while it is in the window, else 0).
    // items: [t], rewards: [t] -> sum: [featureWidth + 1]
    func compose(items: UnsafePointer<Int32>, rewards: UnsafePointer<Float>, turn t: Int, normalisation: RewardNormalisation,
                 sum: UnsafeMutablePointer<Float>) -> (meanWeight: Float, startWeight: Float) {
        let d = featureWidth
        sum.update(repeating: 0, count: d + 1)
        let shownEntries = min(t, window)
        itemFeatures.withUnsafeBufferPointer { x in
            for position in (t - shownEntries)..<t {
                let row = x.baseAddress! + Int(items[position]) * d
                for k in 0..<d { sum[k] += row[k] }
                sum[d] += normalisation(rewards[position])
            }
        }
        let entries = min(t + 1, window)
        let weight = 1 / Float(entries)
        return (weight, t < window ? weight : 0)
    }

    /// `states[b] = sums[b] · meanWeights[b] + startWeights[b] · [start ⊕ 1]`.
    // sums: [n, d + 1], meanWeights: [n], startWeights: [n], start: [d] -> states: [n, d + 1]
    func assemble(sums: UnsafePointer<Float>, meanWeights: UnsafePointer<Float>, startWeights: UnsafePointer<Float>,
                  start: UnsafePointer<Float>, rows n: Int, into states: UnsafeMutablePointer<Float>) {
        let w = stateWidth, d = featureWidth
        for b in 0..<n {
            let s = states + b * w, f = sums + b * w
            let m = meanWeights[b], a = startWeights[b]
            for k in 0..<d { s[k] = f[k] * m + a * start[k] }
            s[d] = f[d] * m + a
        }
    }

    /// Backward of `assemble` into the start vector: `dStart += Σ_b startWeights[b] · dStates[b, 0..<d]`.
    // dStates: [n, d + 1], startWeights: [n] -> dStart: [d]
    func backwardToStart(_ dStates: UnsafePointer<Float>, startWeights: UnsafePointer<Float>, rows n: Int, dStart: UnsafeMutablePointer<Float>) {
        let w = stateWidth
        for b in 0..<n where startWeights[b] != 0 {
            let g = dStates + b * w, a = startWeights[b]
            for k in 0..<featureWidth { dStart[k] += a * g[k] }
        }
    }
}
