import Foundation
import Testing
@testable import ValueModel

/// The A2C loss's gradients (actor term with entropy regularisation and masking, critics' squared error, through
/// the trunk, the item scorer and the state tracker's start vector) against central differences of a naive
/// Float64 forward written here from the loss's definition.
@Suite("Reinforcement: A2C loss gradients by finite differences (Float64 reference)")
struct ReinforcementGradientTests {
    typealias Check = LearningGradientCheckTests

    static let items = 5, featureWidth = 3, hidden = 4, critics = 2, rows = 3
    static let masks: [[Int32]] = [[], [2], [0, 4]]
    static let actions: [Int32] = [1, 3, 2]
    static let advantages: [Float] = [0.7, -1.2, 0.4]
    static let meanWeights: [Float] = [1, 0.5, 1.0 / 3]
    static let startWeights: [Float] = [1, 0.5, 0]
    static let valueCoefficient = 0.5, entropyCoefficient = 0.3

    /// The loss from its definition, in Float64: states `sums · m + a · [start ⊕ 1]`, the trunk, the logits (a table,
    /// or `(W_g x_j) · h`), the softmax over unmasked items, the critics.
    static func referenceLoss(_ p: [String: [Double]], scorer: ActorCritic.ItemScorer, sums: [Double], features: [Double], returns: [Double]) -> Double {
        let d = featureWidth, s = d + 1
        var loss = 0.0
        for b in 0..<rows {
            var state = (0..<s).map { sums[b * s + $0] * Double(meanWeights[b]) }
            for k in 0..<d { state[k] += Double(startWeights[b]) * p["state_tracker.start"]![k] }
            state[d] += Double(startWeights[b])
            let h1 = Check.refReLU(Check.refLinear(state, n: 1, p["trunk.0.weight"]!, p["trunk.0.bias"]!, inDim: s, outDim: hidden))
            let h2 = Check.refReLU(Check.refLinear(h1, n: 1, p["trunk.2.weight"]!, p["trunk.2.bias"]!, inDim: hidden, outDim: hidden))
            var z: [Double]
            switch scorer {
            case .table:
                z = Check.refLinear(h2, n: 1, p["actor.weight"]!, p["actor.bias"]!, inDim: hidden, outDim: items)
            case .itemFeatures:
                let q = Check.refLinear(features, n: items, p["item_tower.weight"]!, nil, inDim: d, outDim: hidden)
                z = (0..<items).map { j in (0..<hidden).reduce(0.0) { $0 + q[j * hidden + $1] * h2[$1] } }
            }
            let open = (0..<items).filter { !masks[b].contains(Int32($0)) }
            let top = open.map { z[$0] }.max()!
            let lse = top + log(open.reduce(0.0) { $0 + exp(z[$1] - top) })
            let entropy = -open.reduce(0.0) { acc, j in acc + exp(z[j] - lse) * (z[j] - lse) }
            loss += -Double(advantages[b]) * (z[Int(actions[b])] - lse) / Double(rows) - entropyCoefficient * entropy / Double(rows)
            let v = Check.refLinear(h2, n: 1, p["critic.weight"]!, p["critic.bias"]!, inDim: hidden, outDim: critics)
            for c in 0..<critics { loss += valueCoefficient * (v[c] - returns[b * critics + c]) * (v[c] - returns[b * critics + c]) / Double(rows) }
        }
        return loss
    }

    @Test("Actor (masked softmax, entropy) and critic gradients of both scorers", arguments: [ActorCritic.ItemScorer.table, .itemFeatures])
    func gradients(scorer: ActorCritic.ItemScorer) throws {
        var g = SeededGenerator(seed: 21)
        let features = Check.randomArray(Self.items * Self.featureWidth, &g)
        let sums = Check.randomArray(Self.rows * (Self.featureWidth + 1), &g)
        let returns = Check.randomArray(Self.rows * Self.critics, &g, scale: 2)
        let model = try ActorCritic(configuration: .init(items: Self.items, featureWidth: Self.featureWidth, hiddenWidth: Self.hidden,
                                                         critics: Self.critics, scorer: scorer),
                                    itemFeatures: features.map(Float.init), generator: &g)
        try model.parameters.setValue("state_tracker.start", Check.randomArray(Self.featureWidth, &g).map(Float.init))   // not ~0.01
        let w = ActorCriticWorkspace(model.configuration, capacity: Self.rows)
        let floatSums = sums.map(Float.init)
        model.tracker.assemble(sums: floatSums, meanWeights: Self.meanWeights, startWeights: Self.startWeights, start: model.start, rows: Self.rows, into: w.states)
        let flatMasks = Self.masks.flatMap { $0 }, maskStarts = [0, 0, 1]   // rows' masks: [], [2], [0, 4]
        var logProbabilities = [Double](repeating: 0, count: Self.rows), entropies = logProbabilities
        let loss = A2CLoss(valueCoefficient: Float(Self.valueCoefficient), entropyCoefficient: Float(Self.entropyCoefficient))
        let terms = flatMasks.withUnsafeBufferPointer { masks in
            loss.apply(model: model, workspace: w, rows: Self.rows, masked: { b in
                (masks.baseAddress! + maskStarts[b], Self.masks[b].count)
            }, actions: Self.actions, advantages: Self.advantages, returns: returns.map(Float.init), startWeights: Self.startWeights,
               logProbabilities: &logProbabilities, entropies: &entropies)
        }
        let p = Check.parameters(model.parameters)
        let total = terms.actor + Self.valueCoefficient * terms.value - Self.entropyCoefficient * terms.entropy
        let reference = Self.referenceLoss(p, scorer: scorer, sums: sums.map { Double(Float($0)) }, features: features.map { Double(Float($0)) }, returns: returns.map { Double(Float($0)) })
        #expect(abs(total - reference) < 1e-4, "loss \(total) vs reference \(reference)")
        let analytic = Dictionary(uniqueKeysWithValues: model.parameters.entries.map { ($0.name, model.parameters.gradient($0.name)!) })
        Check.checkGradients(p, analytic: analytic, generator: &g) {
            Self.referenceLoss($0, scorer: scorer, sums: sums.map { Double(Float($0)) }, features: features.map { Double(Float($0)) }, returns: returns.map { Double(Float($0)) })
        }
    }

    @Test("exp8 agrees with exp to a few ulp, and masked items get probability 0")
    func exponential() {
        var worst = 0.0
        for i in 0..<4000 {
            let x = -87.0 + Double(i) * 0.04375
            let lanes = exp8(SIMD8<Float>(repeating: Float(x)))
            let exact = exp(Double(Float(x)))
            worst = max(worst, abs(Double(lanes[3]) - exact) / exact)
        }
        #expect(worst < 5e-7, "worst relative error \(worst)")
        var z: [Float] = [0.5, 2, -1, 3, 0, 1, 1, 2, 0.25, -3]
        var e = [Float](repeating: 9, count: 10)
        let masked: [Int32] = [3, 7]
        let row = MaskedSoftmax.exponentiate(&z, count: 10, masked: masked, maskedCount: 2, into: &e)
        #expect(e[3] == 0 && e[7] == 0)
        let open = [0.5, 2, -1, 0, 1, 1, 0.25, -3]
        #expect(abs(row.logSumExp - log(open.reduce(0) { $0 + exp($1) })) < 1e-5)
        #expect(abs(Double(e[1]) / row.sum - exp(2) / open.reduce(0) { $0 + exp($1) }) < 1e-6)
    }
}
