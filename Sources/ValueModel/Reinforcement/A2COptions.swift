/// The settings of an A2C run, with DORL's values where it has them (`run_Policy_Main.py`: Adam 1e-3, γ 0.9, GAE
/// λ 1, value coefficient 0.5, entropy coefficient 0, minibatches of 1024, 100 environments, hidden 64-64, a state
/// of the last 3 steps). DORL trains 200 epochs of 100,000 steps; the defaults here are shorter.
public struct A2COptions: Codable, Sendable, Equatable {
    /// Seeds the network's initialisation, the users drawn at reset, the sampled actions and the minibatch shuffles.
    public var seed: UInt64 = 2022
    /// Sessions run side by side; each rollout runs one session in each to its end.
    public var environments = 100
    /// Epochs to train (DORL: 200).
    public var epochs = 10
    /// An epoch ends after the first rollout that brings its environment steps to this many.
    public var stepsPerEpoch = 100_000
    /// Adam's learning rate.
    public var learningRate = 1e-3
    /// Discount γ.
    public var gamma = 0.9
    /// GAE's λ.
    public var gaeLambda = 1.0
    /// Weight of the critics' squared error in the loss.
    public var valueCoefficient = 0.5
    /// Weight of the policy's entropy, subtracted from the loss (entropy regularisation; DORL: 0).
    public var entropyCoefficient = 0.0
    /// Minibatch size of the update over a rollout (split as tianshou's `Batch.split(merge_last=True)`: the last
    /// minibatch takes the remainder, so sizes run up to twice this).
    public var minibatchSize = 1024
    /// Width of the trunk's two hidden layers.
    public var hiddenWidth = 64
    /// Steps the state averages over.
    public var stateWindow = 3
    /// How the actor scores items (`ActorCritic.ItemScorer`).
    public var scorer: ActorCritic.ItemScorer = .itemFeatures
    /// One weighting of the environment's `RewardTables.signalCount` signals per critic (penalised reward, complete,
    /// long, rewatch, negative); each critic learns the return of its weighted signal. DORL: one critic on the reward.
    public var critics: [[Float]] = [[1, 0, 0, 0, 0]]
    /// The actor's advantage is `Σ_c actorWeights[c] · A_c`.
    public var actorWeights: [Float] = [1]

    /// DORL's settings, 10 epochs.
    public init() {}

    /// Throws unless every option is usable.
    func validate() throws {
        func fail(_ name: String, _ reason: String) -> PipelineError { .invalidOption(name: name, reason: reason) }
        guard environments >= 1, environments <= 1 << 16 else { throw fail("environments", "needs 1...65536, got \(environments)") }
        guard epochs >= 0, stepsPerEpoch >= 1 else { throw fail("epochs", "needs epochs ≥ 0 and steps per epoch ≥ 1, got \(epochs) and \(stepsPerEpoch)") }
        guard learningRate.isFinite, learningRate > 0 else { throw fail("learning rate", "must be positive, got \(learningRate)") }
        guard gamma >= 0, gamma <= 1, gaeLambda >= 0, gaeLambda <= 1 else { throw fail("gamma / gae lambda", "must lie in [0, 1], got \(gamma) and \(gaeLambda)") }
        guard valueCoefficient.isFinite, valueCoefficient >= 0, entropyCoefficient.isFinite, entropyCoefficient >= 0 else {
            throw fail("value / entropy coefficient", "must be finite and non-negative, got \(valueCoefficient) and \(entropyCoefficient)")
        }
        guard minibatchSize >= 1, minibatchSize <= 1 << 16 else { throw fail("minibatch size", "needs 1...65536, got \(minibatchSize)") }
        guard !critics.isEmpty, critics.count == actorWeights.count,
              critics.allSatisfy({ $0.count == RewardTables.signalCount && $0.allSatisfy(\.isFinite) }), actorWeights.allSatisfy(\.isFinite) else {
            throw fail("critics", "need at least one critic, each a weighting of \(RewardTables.signalCount) finite signals, and one finite actor weight per critic")
        }
    }
}

/// What one epoch of A2C did: its rollouts' episodes and the update's losses (means over the epoch).
public struct A2CEpochSummary: Codable, Sendable, Equatable {
    /// The epoch's index (0-based).
    public var epoch: Int
    /// Environment steps and sessions in the epoch.
    public var steps: Int
    public var episodes: Int
    /// Mean over episodes of the summed training reward (signal 0, penalised).
    public var meanReturn: Double
    /// Mean over episodes of the summed watch ratio R̂ (the user model's reward, before penalties).
    public var meanWatchRatioReturn: Double
    /// Mean session length.
    public var meanLength: Double
    /// Means over minibatches of the actor loss `−mean(A log π)`, the critics' squared error and the entropy.
    public var actorLoss: Double
    public var valueLoss: Double
    public var entropy: Double
    /// The caller's evaluation of the policy right after this epoch (step 6: its mean R_tra in the first simulator);
    /// nil when the run evaluates none. Saved with the checkpoint, so a resumed run keeps the skipped epochs' values.
    public var evaluation: Double?
}
