import Foundation

/// Wall-clock seconds an `A2CTrainer` spent in each phase of its epochs since it was made (or since `reset`): the
/// profile `bench rl` prints. Timings only: nothing the trainer computes depends on them.
public struct A2CPhaseTimes: Sendable, Equatable {
    /// Rollout: the running sessions' states (`StateTracker.compose` / `assemble`).
    public var rolloutStates = 0.0
    /// Rollout: the network on those states (trunk, critics and the logits over every item).
    public var rolloutForward = 0.0
    /// Rollout: each session's masked softmax and its sampled item.
    public var rolloutSampling = 0.0
    /// Rollout: the environment's step (exit rule, rewards) and recording the transitions.
    public var rolloutEnvironment = 0.0
    /// Update: advantages and returns (GAE) per session and critic, and the minibatch shuffle.
    public var advantages = 0.0
    /// Update: gathering each minibatch's rows and assembling their states.
    public var updateGather = 0.0
    /// Update: the network forward on the minibatch (trunk, critics and the logits).
    public var updateForward = 0.0
    /// Update: the loss's softmax over the unmasked items, its terms and its gradient with respect to the logits.
    public var updateLoss = 0.0
    /// Update: the backward pass to every parameter's gradient.
    public var updateBackward = 0.0
    /// Update: Adam's step (with the engine before `ItemPanels`, also the item matrix recomputed from the new weights).
    public var adam = 0.0

    /// No time yet.
    public init() {}

    /// The phases as (name, seconds), in the order above (the names `bench rl` prints).
    public var phases: [(name: String, seconds: Double)] {
        [("rollout_states", rolloutStates), ("rollout_forward", rolloutForward), ("rollout_sampling", rolloutSampling),
         ("rollout_environment", rolloutEnvironment), ("advantages", advantages), ("update_gather", updateGather),
         ("update_forward", updateForward), ("update_loss", updateLoss), ("update_backward", updateBackward), ("adam", adam)]
    }

    /// The sum of every phase.
    public var total: Double { phases.reduce(0) { $0 + $1.seconds } }

    /// Runs `body` and adds its wall time to the phase `phase`.
    @inline(__always)
    mutating func time<T>(_ phase: WritableKeyPath<A2CPhaseTimes, Double>, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { self[keyPath: phase] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        return try body()
    }
}
