import Foundation

/// Synchronous advantage actor-critic over a `BatchedSessionEnvironment` (DORL's `A2CPolicy_withEmbedding` under
/// tianshou's on-policy trainer, with `episode_per_collect` equal to the number of environments).
///
/// One **rollout** resets every environment (new users from the run's generator) and runs each session to its end,
/// all sessions in lock step: the running sessions' states go through the network's trunk as one batch (GEMMs), each
/// session's logits and softmax are computed row by row in parallel (`ActorCritic.logits`, `MaskedSoftmax`), each
/// samples its item from the softmax over the items it has not shown, and the environment answers. The **update**
/// then estimates advantages and returns per critic (`GeneralizedAdvantageEstimation`, with the values the network
/// gave during the rollout, as tianshou computes them before learning), shuffles the rollout's steps, and takes one
/// Adam step per minibatch on
///
///     loss = −mean(A · log π(a | s)) + c_v · Σ_c mean((V_c(s) − R_c)²) − c_e · mean(H(π(· | s)))
///
/// with π the softmax over the items not yet shown in the step's session (DORL samples and learns from the
/// softmax over all items, repeats allowed). An **epoch** is rollouts until `stepsPerEpoch` environment steps.
/// Everything random comes from one `SeededGenerator`, so a seed gives the same bytes; `A2CCheckpoint` saves the
/// trainer between epochs so that an interrupted run continues to the same bytes.
public final class A2CTrainer {
    /// The run's settings.
    public let options: A2COptions
    /// The sessions the policy is trained in.
    public let environment: BatchedSessionEnvironment
    /// The policy and its critics being trained.
    public let model: ActorCritic
    let adam: Adam
    var generator: SeededGenerator
    /// Epochs completed.
    public internal(set) var epoch = 0
    /// One summary per completed epoch.
    public internal(set) var history: [A2CEpochSummary] = []
    /// The epochs a checkpoint supplied when `train(checkpoint:)` continued from one (nil: trained from the start).
    public internal(set) var resumedEpochs: Int?
    /// Wall time spent in each phase so far (a profile; nothing depends on it).
    public var phaseTimes = A2CPhaseTimes()
    /// Environment steps and wall seconds of the epochs `train` ran in this process (resumed epochs not counted):
    /// the engine's throughput, evaluations excluded (nothing depends on it).
    public internal(set) var throughput = A2CThroughput()

    private let workspace: ActorCriticWorkspace
    private let rollout: RolloutStorage
    /// How rewards enter the state during training: the penalised reward over `[0, MAX_R − MIN_R]`.
    public let normalisation: RewardNormalisation

    /// A trainer for `environment` with a network on `itemFeatures` (`[items, d]`), initialised from `options.seed`.
    public init(options: A2COptions, environment: BatchedSessionEnvironment, itemFeatures: [Float], featureWidth: Int) throws {
        try options.validate()
        guard options.environments == environment.environments else {
            throw PipelineError.invalidOption(name: "environments", reason: "the options say \(options.environments), the environment runs \(environment.environments)")
        }
        let transitions = environment.environments * environment.rule.maxTurn   // ≤ 2^20 · 2^31
        let (rolloutFloats, rolloutOverflow) = transitions.multipliedReportingOverflow(by: min(featureWidth, 1 << 20) + 2 * min(options.critics.count, 1 << 20) + 24)
        guard !rolloutOverflow, rolloutFloats <= 1 << 28 else {
            throw PipelineError.invalidOption(name: "environments / max turn", reason: "a rollout of \(environment.environments) sessions of up to \(environment.rule.maxTurn) steps needs more than 1 GiB; use fewer environments or a smaller max turn")
        }
        let configuration = ActorCritic.Configuration(items: environment.tables.items, featureWidth: featureWidth, hiddenWidth: options.hiddenWidth,
                                                      critics: options.critics.count, scorer: options.scorer, stateWindow: options.stateWindow)
        let capacity = max(environment.environments, 2 * options.minibatchSize - 1)
        let (logitFloats, overflow) = capacity.multipliedReportingOverflow(by: options.scorer == .table ? 2 * environment.tables.items : 0)
        guard !overflow, logitFloats <= 1 << 29 else {
            throw PipelineError.invalidOption(name: "environments / minibatch size", reason: "\(capacity) rows of logits over \(environment.tables.items) items need more than 2 GiB; use fewer environments or a smaller minibatch")
        }
        var generator = SeededGenerator(seed: options.seed)
        model = try ActorCritic(configuration: configuration, itemFeatures: itemFeatures, generator: &generator)
        self.generator = generator
        self.options = options
        self.environment = environment
        adam = Adam(parameters: model.parameters, learningRate: Float(options.learningRate))
        workspace = ActorCriticWorkspace(configuration, capacity: capacity)
        rollout = RolloutStorage(transitions: transitions, stateWidth: featureWidth + 1, critics: options.critics.count)
        normalisation = RewardNormalisation(minimum: 0, maximum: environment.reward.scale)
    }

    /// Trains `options.epochs − epoch` more epochs. After each, `evaluate` (if any) scores the policy and its value is
    /// kept as the epoch's `evaluation`, `onEpoch` sees the summary, and `checkpoint` (if any) is saved; with
    /// `checkpoint.resume`, the run first continues from the saved state when there is one.
    public func train(checkpoint: A2CCheckpoint? = nil, evaluate: (() throws -> Double)? = nil,
                      onEpoch: (A2CEpochSummary) -> Void = { _ in }) throws {
        if let checkpoint, checkpoint.resume {
            try checkpoint.restore(into: self)
            if epoch > 0 { resumedEpochs = epoch }
        }
        while epoch < options.epochs {
            let started = DispatchTime.now().uptimeNanoseconds
            var summary = try trainEpoch()
            throughput.steps += summary.steps
            throughput.seconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            if let evaluate {
                summary.evaluation = try evaluate()
                history[history.count - 1] = summary
            }
            onEpoch(summary)
            try checkpoint?.save(self)
        }
    }

    /// One epoch: rollouts and updates until `stepsPerEpoch` environment steps. Throws when the network's scores
    /// stop being finite (a diverged training: a learning rate too large for the rewards' scale).
    /// Its matrix products are small (a few hundred rows of 64), so they run on one OpenBLAS thread
    /// (`LearningThreads.withSingleThreadedBLAS`) and the epoch's parallel work is the per-session softmax, sampling
    /// and gradients, each row's numbers its own: the epoch's bytes do not depend on the thread count.
    @discardableResult
    public func trainEpoch() throws -> A2CEpochSummary {
        var totals = EpochTotals()
        try LearningThreads.withSingleThreadedBLAS {
            while totals.steps < options.stepsPerEpoch {
                try collectRollout(&totals)
                update(&totals)
            }
        }
        let updates = Double(max(totals.minibatches, 1)), episodes = Double(max(totals.episodes, 1))
        let summary = A2CEpochSummary(epoch: epoch, steps: totals.steps, episodes: totals.episodes,
                                      meanReturn: totals.returns / episodes, meanWatchRatioReturn: totals.watchRatios / episodes,
                                      meanLength: Double(totals.steps) / episodes, actorLoss: totals.actorLoss / updates,
                                      valueLoss: totals.valueLoss / updates, entropy: totals.entropy / updates)
        history.append(summary)
        epoch += 1
        return summary
    }

    private struct EpochTotals {
        var steps = 0, episodes = 0, minibatches = 0
        var returns = 0.0, watchRatios = 0.0, actorLoss = 0.0, valueLoss = 0.0, entropy = 0.0
    }

    // MARK: Rollout

    /// Runs one session per environment to its end, recording every step in `rollout`.
    private func collectRollout(_ totals: inout EpochTotals) throws {
        let env = environment, w = workspace, r = rollout
        let maxTurn = env.rule.maxTurn, width = RewardTables.signalCount, critics = options.critics.count
        env.reset(generator: &generator)
        var actions = [Int32](repeating: -1, count: env.environments)
        var signals = [Float](repeating: 0, count: env.environments * width)
        var watchRatios = [Float](repeating: 0, count: env.environments)
        var running: [Int32] = []
        var uniforms: [Double] = []
        r.count = 0
        while true {
            running.removeAll(keepingCapacity: true)
            for e in 0..<env.environments where !env.done[e] { running.append(Int32(e)) }
            guard !running.isEmpty else { break }
            let n = running.count, first = r.count
            // States of the running sessions, stored as the rollout's rows first..<first + n.
            phaseTimes.time(\.rolloutStates) {
                env.history.withUnsafeBufferPointer { history in
                    env.historyRewards.withUnsafeBufferPointer { rewards in
                        for (i, e32) in running.enumerated() {
                            let e = Int(e32), row = first + i, t = env.turns[e]
                            (r.meanWeights[row], r.startWeights[row]) = model.tracker.compose(
                                items: history.baseAddress! + e * maxTurn, rewards: rewards.baseAddress! + e * maxTurn, turn: t,
                                normalisation: normalisation, sum: r.sums + row * r.stateWidth)
                            r.environments[row] = e32
                            r.turns[row] = Int32(t)
                            r.stepOfEpisode[e * maxTurn + t] = Int32(row)
                        }
                    }
                }
                model.tracker.assemble(sums: r.sums + first * r.stateWidth, meanWeights: r.meanWeights + first,
                                       startWeights: r.startWeights + first, start: model.start, rows: n, into: w.states)
            }
            phaseTimes.time(\.rolloutForward) { model.forward(w, rows: n) }
            (r.values + first * critics).update(from: w.values, count: n * critics)
            uniforms.removeAll(keepingCapacity: true)
            for _ in 0..<n { uniforms.append(generator.nextUniform()) }
            phaseTimes.time(\.rolloutSampling) { sample(rows: n, first: first, uniforms: uniforms, into: &actions) }
            // The masked softmax always leaves an item (maxTurn ≤ items); only non-finite scores sample none.
            if let e = running.first(where: { actions[Int($0)] < 0 }) {
                throw PipelineError.invalidData("A2C diverged at epoch \(epoch): the policy's scores for environment \(e) are not finite; lower the learning rate")
            }
            let stepStart = DispatchTime.now().uptimeNanoseconds
            try env.step(actions: actions, signals: &signals, watchRatios: &watchRatios)
            for (i, e32) in running.enumerated() {
                let e = Int(e32), row = first + i
                r.actions[row] = actions[e]
                for k in 0..<width { r.signals[row * width + k] = signals[e * width + k] }
                totals.returns += Double(signals[e * width])
                totals.watchRatios += Double(watchRatios[e])
            }
            r.count += n
            phaseTimes.rolloutEnvironment += Double(DispatchTime.now().uptimeNanoseconds - stepStart) / 1e9
        }
        totals.steps += r.count
        totals.episodes += env.environments
    }

    /// Each of the `n` running sessions' item: the rollout's rows `first..<first + n` (already forwarded into the
    /// workspace) name the sessions; row i samples with `uniforms[i]` from the softmax over the items its session has
    /// not shown, in parallel over rows (each row's numbers alone decide its item, whatever the thread count).
    // w (forwarded): [n] rows, uniforms: [n] -> actions[session] for each row's session (−1 where the scores are not finite)
    private func sample(rows n: Int, first: Int, uniforms: [Double], into actions: inout [Int32]) {
        let env = environment, w = workspace, r = rollout, model = model
        let items = env.tables.items, maxTurn = env.rule.maxTurn, scratchCount = model.scratchCount, blocks = MaskedSoftmax.blocks(items)
        env.history.withUnsafeBufferPointer { history in
            uniforms.withUnsafeBufferPointer { uniforms in
                actions.withUnsafeMutableBufferPointer { actions in
                    let (history, uniforms, actions) = (history, uniforms, actions)
                    parallelRanges(n, minimumChunk: 8) { range in
                        // Per range: the row's logits (.itemFeatures), exponentials and block sums.
                        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount + items)
                        let blockSums = UnsafeMutablePointer<Double>.allocate(capacity: blocks)
                        defer { scratch.deallocate(); blockSums.deallocate() }
                        scratch.initialize(repeating: 0, count: scratchCount + items)
                        let e = scratch + scratchCount
                        for i in range {
                            let row = first + i, session = Int(r.environments[row])
                            let z = model.logits(w, row: i, scratch: scratch)
                            let softmax = MaskedSoftmax.exponentiate(z, count: items, masked: history.baseAddress! + session * maxTurn,
                                                                     maskedCount: Int(r.turns[row]), into: e, blockSums: blockSums)
                            actions[session] = MaskedSoftmax.sample(e, count: items, blockSums: blockSums, sum: softmax.sum, uniform: uniforms[i])
                        }
                    }
                }
            }
        }
    }

    // MARK: Update

    /// Advantages and returns for every critic, then one Adam step per shuffled minibatch.
    private func update(_ totals: inout EpochTotals) {
        let r = rollout, env = environment, maxTurn = env.rule.maxTurn, critics = options.critics.count
        let advantagesStart = DispatchTime.now().uptimeNanoseconds
        // Per session and critic: the weighted signal and the values, GAE, scattered back to the rollout's rows.
        var rewards = [Float](repeating: 0, count: maxTurn), values = rewards, advantages = rewards, returns = rewards
        var dones = [Bool](repeating: false, count: maxTurn)
        for e in 0..<env.environments {
            let length = env.turns[e]
            guard length > 0 else { continue }
            for t in 0..<length { dones[t] = t == length - 1 }
            for c in 0..<critics {
                let weights = options.critics[c]
                for t in 0..<length {
                    let row = Int(r.stepOfEpisode[e * maxTurn + t])
                    var s: Float = 0
                    for k in 0..<RewardTables.signalCount { s += weights[k] * r.signals[row * RewardTables.signalCount + k] }
                    rewards[t] = s
                    values[t] = r.values[row * critics + c]
                }
                GeneralizedAdvantageEstimation.estimate(rewards: rewards, values: values, dones: dones, count: length, bootstrap: 0,
                                                        gamma: options.gamma, lambda: options.gaeLambda, advantages: &advantages, returns: &returns)
                for t in 0..<length {
                    let row = Int(r.stepOfEpisode[e * maxTurn + t])
                    r.advantages[row * critics + c] = advantages[t]
                    r.returns[row * critics + c] = returns[t]
                }
            }
        }
        for row in 0..<r.count {
            var a: Float = 0
            for c in 0..<critics { a += options.actorWeights[c] * r.advantages[row * critics + c] }
            r.actorAdvantages[row] = a
        }
        // Shuffle, then tianshou's split: minibatches of `minibatchSize`, the last one taking the remainder.
        var order = (0..<Int32(r.count)).map { $0 }
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
        }
        phaseTimes.advantages += Double(DispatchTime.now().uptimeNanoseconds - advantagesStart) / 1e9
        let size = options.minibatchSize, merge = r.count % size > 0
        var begin = 0
        while begin < r.count {
            let end = merge && begin + 2 * size >= r.count ? r.count : min(begin + size, r.count)
            order[begin..<end].withUnsafeBufferPointer { learn(minibatch: $0, totals: &totals) }
            begin = end
        }
    }

    /// One Adam step on the rows `batch` of the rollout.
    private func learn(minibatch batch: UnsafeBufferPointer<Int32>, totals: inout EpochTotals) {
        let r = rollout, w = workspace, env = environment, maxTurn = env.rule.maxTurn
        let n = batch.count, critics = options.critics.count, stateWidth = r.stateWidth
        let gatherStart = DispatchTime.now().uptimeNanoseconds
        for (i, row32) in batch.enumerated() {
            let row = Int(row32)
            (r.batchSums + i * stateWidth).update(from: r.sums + row * stateWidth, count: stateWidth)
            (r.batchReturns + i * critics).update(from: r.returns + row * critics, count: critics)
            r.batchMeanWeights[i] = r.meanWeights[row]
            r.batchStartWeights[i] = r.startWeights[row]
            r.batchActions[i] = r.actions[row]
            r.batchAdvantages[i] = r.actorAdvantages[row]
        }
        model.tracker.assemble(sums: r.batchSums, meanWeights: r.batchMeanWeights, startWeights: r.batchStartWeights,
                               start: model.start, rows: n, into: w.states)
        phaseTimes.updateGather += Double(DispatchTime.now().uptimeNanoseconds - gatherStart) / 1e9
        var times = phaseTimes
        let terms = env.history.withUnsafeBufferPointer { history in
            let loss = A2CLoss(valueCoefficient: Float(options.valueCoefficient), entropyCoefficient: Float(options.entropyCoefficient))
            return loss.apply(model: model, workspace: w, rows: n, masked: { b in
                let row = Int(batch[b])
                return (history.baseAddress! + Int(r.environments[row]) * maxTurn, Int(r.turns[row]))
            }, actions: r.batchActions, advantages: r.batchAdvantages, returns: r.batchReturns, startWeights: r.batchStartWeights,
               logProbabilities: r.rowLogProbabilities, entropies: r.rowEntropies, times: &times)
        }
        phaseTimes = times
        phaseTimes.time(\.adam) { adam.update() }
        totals.minibatches += 1
        totals.actorLoss += terms.actor
        totals.valueLoss += terms.value
        totals.entropy += terms.entropy
    }
}

/// The steps of one rollout (up to `environments × maxTurn`), in the order they were taken, and a minibatch's
/// gathered rows.
final class RolloutStorage {
    let stateWidth: Int
    var count = 0
    /// `[transitions, stateWidth]`, `[transitions]`, `[transitions]`: the states' fixed parts (`StateTracker.compose`).
    let sums: UnsafeMutablePointer<Float>
    let meanWeights: UnsafeMutablePointer<Float>
    let startWeights: UnsafeMutablePointer<Float>
    /// `[transitions]`: the step's session, turn and item.
    let environments: UnsafeMutablePointer<Int32>
    let turns: UnsafeMutablePointer<Int32>
    let actions: UnsafeMutablePointer<Int32>
    /// `[environments, maxTurn]`: the row of each session's step t.
    let stepOfEpisode: UnsafeMutablePointer<Int32>
    /// `[transitions, 5]`, `[transitions, critics]` ×3, `[transitions]`.
    let signals: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>
    let advantages: UnsafeMutablePointer<Float>
    let returns: UnsafeMutablePointer<Float>
    let actorAdvantages: UnsafeMutablePointer<Float>
    /// A minibatch's gathered rows (state parts, returns, items, actor advantages), and its rows' log π(a | s)
    /// and entropies (for the summaries).
    let batchSums: UnsafeMutablePointer<Float>
    let batchMeanWeights: UnsafeMutablePointer<Float>
    let batchStartWeights: UnsafeMutablePointer<Float>
    let batchReturns: UnsafeMutablePointer<Float>
    let batchAdvantages: UnsafeMutablePointer<Float>
    let batchActions: UnsafeMutablePointer<Int32>
    let rowLogProbabilities: UnsafeMutablePointer<Double>
    let rowEntropies: UnsafeMutablePointer<Double>
    private let floats: FloatBuffer
    private let integers: UnsafeMutablePointer<Int32>
    private let doubles: UnsafeMutablePointer<Double>

    init(transitions n: Int, stateWidth: Int, critics: Int) {
        self.stateWidth = stateWidth
        let sizes = [n * stateWidth, n, n, n * RewardTables.signalCount, n * critics, n * critics, n * critics, n, n * stateWidth, n, n, n * critics, n]
        floats = FloatBuffer(count: sizes.reduce(0, +))
        var p = floats.pointer
        var slots: [UnsafeMutablePointer<Float>] = []
        for size in sizes { slots.append(p); p += size }
        (sums, meanWeights, startWeights, signals, values, advantages) = (slots[0], slots[1], slots[2], slots[3], slots[4], slots[5])
        (returns, actorAdvantages, batchSums, batchMeanWeights, batchStartWeights) = (slots[6], slots[7], slots[8], slots[9], slots[10])
        (batchReturns, batchAdvantages) = (slots[11], slots[12])
        integers = .allocate(capacity: 5 * n)
        integers.initialize(repeating: 0, count: 5 * n)
        (environments, turns, actions, stepOfEpisode, batchActions) = (integers, integers + n, integers + 2 * n, integers + 3 * n, integers + 4 * n)
        doubles = .allocate(capacity: 2 * n)
        doubles.initialize(repeating: 0, count: 2 * n)
        (rowLogProbabilities, rowEntropies) = (doubles, doubles + n)
    }

    deinit {
        integers.deallocate()
        doubles.deallocate()
    }
}
