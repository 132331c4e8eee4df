import Foundation

/// The policy and its critics: DORL's A2C network (tianshou's `Net` 64-64 shared by an `Actor` and a `Critic`) on
/// `StateTracker`'s state, with the actor's logits over items computed one of two ways:
///
/// - `.itemFeatures` (the default): `score(state, j) = f(state) · g(x_j)`, with f the shared trunk
///   `state -> 64 -> ReLU -> 64 -> ReLU` and g a linear map of item j's features `x_j` to 64 (`item_tower.weight`,
///   no bias: it would add the same number to every item's score): a bilinear score, so the policy ranks any item
///   from its features and the state;
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
    /// `.itemFeatures`: g(x) for every item, `[items, hidden]`, recomputed as soon as the parameters are set or change,
    /// so that forwards running in parallel (a simulator's episodes) only read it.
    private let itemVectors: FloatBuffer

    /// A network initialised as PyTorch initialises its layers (`nn.Linear`'s defaults, the start vector
    /// N(0, 0.01²)), in that order, from `generator`; `itemFeatures` is `[items, featureWidth]`.
    public convenience init(configuration c: Configuration, itemFeatures: [Float], generator: inout SeededGenerator) throws {
        try self.init(configuration: c, itemFeatures: itemFeatures)
        for layer in ["trunk.0", "trunk.2", c.scorer == .table ? "actor" : "item_tower", "critic"] {
            parameters.initLinear(weight: layer + ".weight", bias: layer == "item_tower" ? nil : layer + ".bias", using: &generator)
        }
        for k in 0..<c.featureWidth { start[k] = Float(generator.nextNormal() * 0.01) }
        parametersChanged()
    }

    /// A network with the weights of `file` (as `safetensors()` writes them, the configuration in its metadata).
    public convenience init(file: SafetensorsFile, itemFeatures: [Float]) throws {
        guard let json = file.metadata["configuration"],
              let c = try? JSONDecoder().decode(Configuration.self, from: Data(json.utf8)) else {
            throw PipelineError.invalidData("safetensors: no actor-critic configuration in the metadata")
        }
        try self.init(configuration: c, itemFeatures: itemFeatures)
        try parameters.load(from: file)
        parametersChanged()
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
        itemVectors = FloatBuffer(count: c.scorer == .itemFeatures ? c.items * h : 0)
    }

    /// The weights as a safetensors file with PyTorch-style names and the configuration in the metadata.
    public func safetensors() -> SafetensorsFile {
        let json = (try? TrainingState.encoder().encode(configuration)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return parameters.safetensors(metadata: ["configuration": json, "format": "actor-critic (Reinforcement/ActorCritic.swift)"])
    }

    /// Tells the network its parameters were set or changed (after initialisation, an optimiser step or a load):
    /// recomputes g(x) at once, on the calling thread.
    func parametersChanged() {
        guard configuration.scorer == .itemFeatures else { return }
        tracker.itemFeatures.withUnsafeBufferPointer { x in
            scoreLayer.forward(x.baseAddress!, into: itemVectors.pointer, rows: configuration.items)   // [items, d] -> [items, hidden]
        }
    }

    /// The item matrix Q `[items, hidden]` the logits are `h Qᵀ (+ bias)` of.
    private func itemMatrix() -> UnsafeMutablePointer<Float> {
        configuration.scorer == .itemFeatures ? itemVectors.pointer : scoreLayer.weight
    }

    /// Forward for `n` states; everything backward needs stays in `w`.
    // w.states: [n, d + 1] -> w.hidden0: [n, h], w.hidden1: [n, h], w.logits: [n, items], w.values: [n, critics]
    func forward(_ w: ActorCriticWorkspace, rows n: Int) {
        let c = configuration, h = c.hiddenWidth
        trunk[0].forwardReLU(w.states, into: w.hidden0, rows: n)
        trunk[1].forwardReLU(w.hidden0, into: w.hidden1, rows: n)
        let q = itemMatrix()
        sgemm(transB: true, m: n, n: c.items, k: h, w.hidden1, q, beta: 0, w.logits)   // [n, h] · [items, h]ᵀ
        if c.scorer == .table, let bias = scoreLayer.bias { addBiasRows(w.logits, bias, rows: n, width: c.items) }
        critic.forward(w.hidden1, into: w.values, rows: n)
    }

    /// Backward from `w.dLogits` and `w.dValues` (the loss's gradients): accumulates every parameter's gradient,
    /// the start vector's through the states' `startWeights` `[n]`.
    // dLogits: [n, items], dValues: [n, critics] -> parameter gradients
    func backward(_ w: ActorCriticWorkspace, startWeights: UnsafePointer<Float>, rows n: Int) {
        let c = configuration, h = c.hiddenWidth
        switch c.scorer {
        case .table:
            scoreLayer.backward(w.dLogits, input: w.hidden1, dx: w.dHidden1, rows: n)
        case .itemFeatures:
            let q = itemMatrix()
            sgemm(m: n, n: h, k: c.items, w.dLogits, q, beta: 0, w.dHidden1)                           // dh: [n, items] · [items, h]
            sgemm(transA: true, m: c.items, n: h, k: n, w.dLogits, w.hidden1, beta: 0, w.dItemVectors)  // dQ: [items, n] · [n, h]
            tracker.itemFeatures.withUnsafeBufferPointer { x in
                scoreLayer.backward(w.dItemVectors, input: x.baseAddress!, dx: nil, rows: c.items)     // dQ -> d item_tower
            }
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
    let states, hidden0, hidden1, logits, values: UnsafeMutablePointer<Float>
    let dLogits, dValues, dHidden0, dHidden1, dStates, dItemVectors: UnsafeMutablePointer<Float>
    private let storage: FloatBuffer

    init(_ c: ActorCritic.Configuration, capacity: Int) {
        self.capacity = capacity
        let s = c.featureWidth + 1, h = c.hiddenWidth
        let sizes = [capacity * s, capacity * h, capacity * h, capacity * c.items, capacity * c.critics,
                     capacity * c.items, capacity * c.critics, capacity * h, capacity * h, capacity * s,
                     c.scorer == .itemFeatures ? c.items * h : 0]
        storage = FloatBuffer(count: sizes.reduce(0, +))
        var offsets: [UnsafeMutablePointer<Float>] = []
        var p = storage.pointer
        for size in sizes { offsets.append(p); p += size }
        (states, hidden0, hidden1, logits, values) = (offsets[0], offsets[1], offsets[2], offsets[3], offsets[4])
        (dLogits, dValues, dHidden0, dHidden1, dStates, dItemVectors) = (offsets[5], offsets[6], offsets[7], offsets[8], offsets[9], offsets[10])
    }
}
