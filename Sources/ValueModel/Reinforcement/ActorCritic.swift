import Foundation

/// The policy and its critics: DORL's A2C network (tianshou's `Net` 64-64 shared by an `Actor` and a `Critic`) on
/// `StateTracker`'s state, with the actor's logits over items computed one of two ways:
///
/// - `.itemFeatures` (the default): `score(state, j) = f(state) · g(x_j)`, with f the shared trunk
///   `state -> 64 -> ReLU -> 64 -> ReLU` and g a linear map of item j's features `x_j` to 64 (`item_tower.weight`
///   W `[64, d]`, no bias: it would add the same number to every item's score): a bilinear score, so the policy
///   ranks any item from its features and the state. It is computed as `(f(state) W) · x_j`: one query `u = f W`
///   `[d]` per state, then d multiply-adds per item (`ItemPanels`), instead of 64 through the item matrix `X Wᵀ`;
/// - `.table`: DORL's own actor, one logit per item from a Linear `64 -> items` (`actor.weight`, `actor.bias`).
///
/// The critic head is a Linear `64 -> critics` (one value per critic, each learning the return of its own weighting
/// of the environment's signals). Parameters carry PyTorch-style names (`trunk.0.weight`, `trunk.2.weight`,
/// `item_tower.weight` or `actor.weight` and `actor.bias`, `critic.weight`, the biases, and `state_tracker.start`).
public final class ActorCritic: @unchecked Sendable {
    /// How the actor scores items.
    public enum ItemScorer: String, Codable, Sendable {
        /// `f(state) · g(item features)`.
        case itemFeatures
        /// A logit per item (DORL's table).
        case table
    }

    /// The network's shape.
    public struct Configuration: Codable, Sendable, Equatable {
        /// Number of items the actor scores.
        public var items: Int
        /// Width d of the item features (the state is d + 1 wide).
        public var featureWidth: Int
        /// Width of both hidden layers (DORL: 64).
        public var hiddenWidth: Int
        /// Number of critics (value outputs).
        public var critics: Int
        /// How the actor scores items.
        public var scorer: ItemScorer
        /// Steps the state averages over (DORL: 3).
        public var stateWindow: Int

        /// A configuration with DORL's widths by default.
        public init(items: Int, featureWidth: Int, hiddenWidth: Int = 64, critics: Int = 1, scorer: ItemScorer = .itemFeatures, stateWindow: Int = 3) {
            self.items = items
            self.featureWidth = featureWidth
            self.hiddenWidth = hiddenWidth
            self.critics = critics
            self.scorer = scorer
            self.stateWindow = stateWindow
        }
    }

    /// The network's shape.
    public let configuration: Configuration
    /// Every parameter, with PyTorch-style names (`parameters.saveSafetensors(to:)` exports them).
    public let parameters: ParameterStore
    let tracker: StateTracker
    let trunk: [Linear]
    /// `.table`: `actor` (`[items, hidden]`); `.itemFeatures`: `item_tower` (`[hidden, d]`).
    let scoreLayer: Linear
    let critic: Linear
    let start: UnsafeMutablePointer<Float>
    let startGradient: UnsafeMutablePointer<Float>
    /// `.itemFeatures`: the item features in the layout of the per-state products (nil for `.table`). Fixed, like
    /// the features; nothing is derived from the parameters between forwards, so forwards running in parallel (a
    /// simulator's episodes) share no mutable state.
    let panels: ItemPanels?

    /// A network initialised as PyTorch initialises its layers (`nn.Linear`'s defaults, the start vector
    /// N(0, 0.01²)), in that order, from `generator`; `itemFeatures` is `[items, featureWidth]`.
    public convenience init(configuration c: Configuration, itemFeatures: [Float], generator: inout SeededGenerator) throws {
        try self.init(configuration: c, itemFeatures: itemFeatures)
        for layer in ["trunk.0", "trunk.2", c.scorer == .table ? "actor" : "item_tower", "critic"] {
            parameters.initLinear(weight: layer + ".weight", bias: layer == "item_tower" ? nil : layer + ".bias", using: &generator)
        }
        for k in 0..<c.featureWidth { start[k] = Float(generator.nextNormal() * 0.01) }
    }

    /// A network with the weights of `file` (as `safetensors()` writes them, the configuration in its metadata).
    public convenience init(file: SafetensorsFile, itemFeatures: [Float]) throws {
        guard let json = file.metadata["configuration"],
              let c = try? JSONDecoder().decode(Configuration.self, from: Data(json.utf8)) else {
            throw PipelineError.invalidData("safetensors: no actor-critic configuration in the metadata")
        }
        try self.init(configuration: c, itemFeatures: itemFeatures)
        try parameters.load(from: file)
    }

    private init(configuration c: Configuration, itemFeatures: [Float]) throws {
        guard c.items > 0, c.featureWidth > 0, c.hiddenWidth > 0, c.critics > 0, c.stateWindow > 0,
              c.items <= 1 << 24, c.featureWidth <= 1 << 12, c.hiddenWidth <= 1 << 12, c.critics <= 64 else {
            throw PipelineError.invalidOption(name: "actor-critic", reason: "needs 1...2^24 items, feature and hidden widths in 1...4096, 1...64 critics and a state window ≥ 1; got \(c)")
        }
        guard itemFeatures.count == c.items * c.featureWidth, itemFeatures.allSatisfy({ $0.isFinite }) else {
            throw PipelineError.invalidData("item features: need \(c.items) x \(c.featureWidth) finite values, got \(itemFeatures.count) values")
        }
        configuration = c
        let d = c.featureWidth, h = c.hiddenWidth
        var layout: [(name: String, shape: [Int])] = [
            ("trunk.0.weight", [h, d + 1]), ("trunk.0.bias", [h]), ("trunk.2.weight", [h, h]), ("trunk.2.bias", [h]),
        ]
        let scoreName = c.scorer == .table ? "actor" : "item_tower"
        layout += c.scorer == .table ? [("actor.weight", [c.items, h]), ("actor.bias", [c.items])]
                                     : [("item_tower.weight", [h, d])]   // a bias would shift a row's logits alike
        layout += [("critic.weight", [c.critics, h]), ("critic.bias", [c.critics]), ("state_tracker.start", [d])]
        let store = ParameterStore(layout)
        parameters = store
        trunk = ["trunk.0", "trunk.2"].map { Linear(store: store, weightName: $0 + ".weight", biasName: $0 + ".bias") }
        scoreLayer = Linear(store: store, weightName: scoreName + ".weight", biasName: c.scorer == .table ? "actor.bias" : nil)
        critic = Linear(store: store, weightName: "critic.weight", biasName: "critic.bias")
        start = store.valuePointer("state_tracker.start")
        startGradient = store.gradientPointer("state_tracker.start")
        tracker = StateTracker(window: c.stateWindow, featureWidth: d, itemFeatures: itemFeatures)
        panels = c.scorer == .itemFeatures
            ? itemFeatures.withUnsafeBufferPointer { ItemPanels(features: $0.baseAddress!, items: c.items, width: d) } : nil
    }

    /// The weights as a safetensors file with PyTorch-style names and the configuration in the metadata.
    public func safetensors() -> SafetensorsFile {
        let json = (try? TrainingState.encoder().encode(configuration)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return parameters.safetensors(metadata: ["configuration": json, "format": "actor-critic (Reinforcement/ActorCritic.swift)"])
    }

    /// Forward for `n` states; everything backward needs stays in `w`. The logits are left per row: `logits(_:row:scratch:)`.
    // w.states: [n, d + 1] -> w.hidden0, w.hidden1: [n, h], w.values: [n, critics],
    //   .itemFeatures: w.queries [n, d] (u = h W); .table: w.logits [n, items]
    func forward(_ w: ActorCriticWorkspace, rows n: Int) {
        let c = configuration, h = c.hiddenWidth
        trunk[0].forwardReLU(w.states, into: w.hidden0, rows: n)
        trunk[1].forwardReLU(w.hidden0, into: w.hidden1, rows: n)
        switch c.scorer {
        case .itemFeatures:
            sgemm(m: n, n: c.featureWidth, k: h, w.hidden1, scoreLayer.weight, beta: 0, w.queries)   // [n, h] · [h, d]
        case .table:
            sgemm(transB: true, m: n, n: c.items, k: h, w.hidden1, scoreLayer.weight, beta: 0, w.logits)   // [n, h] · [items, h]ᵀ
            if let bias = scoreLayer.bias { addBiasRows(w.logits, bias, rows: n, width: c.items) }
        }
        critic.forward(w.hidden1, into: w.values, rows: n)
    }

    /// Floats of the scratch buffer `logits(_:row:scratch:)` and `logitGradient(_:row:scratch:)` may use (the items,
    /// padded to a multiple of 8); its padding must stay 0.
    var scratchCount: Int { panels?.paddedItems ?? configuration.items }

    /// Row `b`'s logits `[items]` after `forward`: `.itemFeatures` computes them into `scratch` (`[scratchCount]`);
    /// `.table` returns its row of `w.logits`. The caller may overwrite them (the masked softmax does).
    // w.queries[b]: [d] or w.logits[b]: [items] -> [items]
    func logits(_ w: ActorCriticWorkspace, row b: Int, scratch: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        guard let panels else { return w.logits + b * configuration.items }
        panels.scores(w.queries + b * configuration.featureWidth, into: scratch)
        return scratch
    }

    /// Where row `b`'s gradient with respect to its logits `[items]` is to be written: `scratch` (`[scratchCount]`)
    /// for `.itemFeatures`, row b of `w.dLogits` for `.table`. Pass it to `logitGradientWritten` afterwards.
    func logitGradient(_ w: ActorCriticWorkspace, row b: Int, scratch: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        panels == nil ? w.dLogits + b * configuration.items : scratch
    }

    /// Row `b`'s logit gradient `dz` is written: `.itemFeatures` takes it to the query, `dQueries[b] = Xᵀ dz`.
    // dz: [items] -> w.dQueries[b]: [d]
    func logitGradientWritten(_ w: ActorCriticWorkspace, row b: Int, _ dz: UnsafePointer<Float>) {
        panels?.transposedProduct(dz, into: w.dQueries + b * configuration.featureWidth)
    }

    /// Backward from the rows' logit gradients (`logitGradientWritten`) and `w.dValues` (the loss's gradients):
    /// accumulates every parameter's gradient, the start vector's through the states' `startWeights` `[n]`.
    // .itemFeatures: dQueries [n, d]; .table: dLogits [n, items]; dValues: [n, critics] -> parameter gradients
    func backward(_ w: ActorCriticWorkspace, startWeights: UnsafePointer<Float>, rows n: Int) {
        let c = configuration, h = c.hiddenWidth, d = c.featureWidth
        switch c.scorer {
        case .table:
            scoreLayer.backward(w.dLogits, input: w.hidden1, dx: w.dHidden1, rows: n)
        case .itemFeatures:
            sgemm(transA: true, m: h, n: d, k: n, w.hidden1, w.dQueries, beta: 1, scoreLayer.weightGrad)   // dW += hᵀ du: [h, n] · [n, d]
            sgemm(transB: true, m: n, n: h, k: d, w.dQueries, scoreLayer.weight, beta: 0, w.dHidden1)     // dh = du Wᵀ: [n, d] · [h, d]ᵀ
        }
        critic.backward(w.dValues, input: w.hidden1, dx: w.dHidden0, rows: n)
        for i in 0..<(n * h) { w.dHidden1[i] += w.dHidden0[i] }
        reluBackward(w.dHidden1, w.dHidden1, output: w.hidden1, count: n * h)
        trunk[1].backward(w.dHidden1, input: w.hidden0, dx: w.dHidden0, rows: n)
        reluBackward(w.dHidden0, w.dHidden0, output: w.hidden0, count: n * h)
        trunk[0].backward(w.dHidden0, input: w.states, dx: w.dStates, rows: n)
        tracker.backwardToStart(w.dStates, startWeights: startWeights, rows: n, dStart: startGradient)
    }
}

/// The activations and gradients of `ActorCritic.forward` / `backward` for up to `capacity` rows.
final class ActorCriticWorkspace {
    let capacity: Int
    /// `[capacity, d + 1]`, `[capacity, h]` x2, `[capacity, critics]`; `.itemFeatures`: queries `[capacity, d]`;
    /// `.table`: logits `[capacity, items]` (the other scorer's buffer is empty).
    let states, hidden0, hidden1, values, queries, logits: UnsafeMutablePointer<Float>
    /// The gradients of the same, and of the logits (`.table`) or the queries (`.itemFeatures`).
    let dValues, dHidden0, dHidden1, dStates, dQueries, dLogits: UnsafeMutablePointer<Float>
    private let storage: FloatBuffer

    init(_ c: ActorCritic.Configuration, capacity: Int) {
        self.capacity = capacity
        let s = c.featureWidth + 1, h = c.hiddenWidth
        let queryWidth = c.scorer == .itemFeatures ? c.featureWidth : 0, logitWidth = c.scorer == .table ? c.items : 0
        let sizes = [s, h, h, c.critics, queryWidth, logitWidth, c.critics, h, h, s, queryWidth, logitWidth].map { capacity * $0 }
        storage = FloatBuffer(count: sizes.reduce(0, +))
        var offsets: [UnsafeMutablePointer<Float>] = []
        var p = storage.pointer
        for size in sizes { offsets.append(p); p += size }
        (states, hidden0, hidden1, values, queries, logits) = (offsets[0], offsets[1], offsets[2], offsets[3], offsets[4], offsets[5])
        (dValues, dHidden0, dHidden1, dStates, dQueries, dLogits) = (offsets[6], offsets[7], offsets[8], offsets[9], offsets[10], offsets[11])
    }
}
