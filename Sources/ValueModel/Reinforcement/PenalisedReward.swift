/// The reward a policy is trained on in the learned user model (DORL-codes, `simulated_env.py`,
/// `_compute_pred_reward`, version "v1" without exposure intervention):
///
///     r = max(0, R̂ − λ_U · U + λ_E · Ent − MIN_R),   MIN_R = min R̂ − λ_U · max U + λ_E · entropy_min
///
/// with R̂ the user model's reward for the pair, U the members' disagreement, Ent `EntropyBonus`'s bonus, and the
/// shift MIN_R (over the whole tables) that keeps rewards non-negative; `MAX_R = max R̂ − λ_U · min U + λ_E ·
/// entropy_max` bounds them, and `MAX_R − MIN_R` is the scale the state tracker divides rewards by.
/// MBPO is λ_U = λ_E = 0 (only the shift remains), MOPO λ_U = 0.05, DORL λ_U = 0.05 and λ_E = 5.
public struct PenalisedReward: Sendable, Codable, Equatable {
    /// λ_U, the weight of the uncertainty penalty.
    public var uncertaintyWeight: Double
    /// λ_E, the weight of the entropy bonus.
    public var entropyWeight: Double

    /// The weights λ_U and λ_E.
    public init(uncertaintyWeight: Double, entropyWeight: Double) {
        self.uncertaintyWeight = uncertaintyWeight
        self.entropyWeight = entropyWeight
    }

    /// The model-based baseline: the user model's reward, shifted.
    public static let mbpo = PenalisedReward(uncertaintyWeight: 0, entropyWeight: 0)
    /// MOPO: penalised by the members' disagreement.
    public static let mopo = PenalisedReward(uncertaintyWeight: 0.05, entropyWeight: 0)
    /// DORL: penalised by disagreement, rewarded by the entropy of what the logs show next.
    public static let dorl = PenalisedReward(uncertaintyWeight: 0.05, entropyWeight: 5)
}

/// `PenalisedReward` bound to its tables: the shift MIN_R and the bound MAX_R, and the reward of one step.
public struct BoundPenalisedReward: Sendable {
    /// λ_U and λ_E.
    public let weights: PenalisedReward
    /// MIN_R and MAX_R.
    public let minimum: Double
    public let maximum: Double
    let entropy: EntropyBonus?

    /// Binds `weights` to `tables` (which must carry an uncertainty table when λ_U ≠ 0) and `entropy` (needed when
    /// λ_E ≠ 0; ignored otherwise).
    public init(_ weights: PenalisedReward, tables: RewardTables, entropy: EntropyBonus?) throws {
        guard weights.uncertaintyWeight.isFinite, weights.uncertaintyWeight >= 0, weights.entropyWeight.isFinite, weights.entropyWeight >= 0 else {
            throw PipelineError.invalidOption(name: "penalty weights", reason: "λ_U and λ_E must be finite and non-negative, got \(weights.uncertaintyWeight) and \(weights.entropyWeight)")
        }
        if weights.uncertaintyWeight != 0, tables.uncertainty == nil {
            throw PipelineError.invalidOption(name: "uncertainty weight", reason: "λ_U = \(weights.uncertaintyWeight) needs the user model's uncertainty table, and these tables have none")
        }
        if weights.entropyWeight != 0 {
            guard let entropy else {
                throw PipelineError.invalidOption(name: "entropy weight", reason: "λ_E = \(weights.entropyWeight) needs the entropy counted from logged sequences")
            }
            guard entropy.items == tables.items else {
                throw PipelineError.invalidData("the entropy bonus counts \(entropy.items) items, the reward tables have \(tables.items)")
            }
        }
        self.weights = weights
        self.entropy = weights.entropyWeight != 0 ? entropy : nil
        var rMin = Double.infinity, rMax = -Double.infinity
        for r in tables.reward { rMin = min(rMin, Double(r)); rMax = max(rMax, Double(r)) }
        var uMin = 0.0, uMax = 0.0
        if weights.uncertaintyWeight != 0, let u = tables.uncertainty {
            uMin = Double(u.min() ?? 0)
            uMax = Double(u.max() ?? 0)
        }
        let eMin = self.entropy?.minimum ?? 0, eMax = self.entropy?.maximum ?? 0
        minimum = rMin - weights.uncertaintyWeight * uMax + weights.entropyWeight * eMin
        maximum = rMax - weights.uncertaintyWeight * uMin + weights.entropyWeight * eMax
    }

    /// The width of the reward's range, `MAX_R − MIN_R` (1 when the range is empty).
    public var scale: Double { maximum > minimum ? maximum - minimum : 1 }

    /// `max(0, R̂ − λ_U U + λ_E Ent − MIN_R)` for a step showing `current` after `previous`.
    public func reward(prediction: Float, uncertainty: Float, current: Int32, previous: Int32?) -> Float {
        var r = Double(prediction) - minimum
        if weights.uncertaintyWeight != 0 { r -= weights.uncertaintyWeight * Double(uncertainty) }
        if let entropy { r += weights.entropyWeight * entropy.bonus(current: current, previous: previous) }
        return Float(max(0, r))
    }
}
