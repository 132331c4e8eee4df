import Foundation
import Testing
@testable import ValueModel

/// TSCAC's math core (issue 33): the stage-two optimum π* against its closed form by hand, the stage-two loss's
/// gradient by central differences of a Float64 reference, RCPO's dual ascent on two-armed bandits whose constrained
/// optima are known by hand, and NCIS clipping by hand.
@Suite("Constrained policies: TSCAC's π* and stage-two loss, RCPO's multipliers, NCIS")
struct ConstrainedPolicyTests {
    static let ln2 = log(2.0)

    /// Three candidates (items 0, 1, 2; item 3 already shown), two stage-one policies with λ = (1, 3), Λ = 4:
    ///
    ///     logits ℓ_1 = (2 ln 2, 0, 0)  →  π_1 = (4, 1, 1)/6 = (2/3, 1/6, 1/6)
    ///     logits ℓ_2 = (0, 0, 2 ln 2)  →  π_2 = (1, 1, 4)/6 = (1/6, 1/6, 2/3)
    ///     A = (0, 6 ln 2, 4 ln 2)      →  exp(A/Λ) = (1, 2^1.5, 2) = (1, 2√2, 2)
    ///
    /// π* ∝ π_1^{1/4} π_2^{3/4} exp(A/4), with (2/3) = 4 · (1/6):
    ///
    ///     a = 0: (4/6)^{1/4} (1/6)^{3/4} · 1    = 4^{1/4}/6         = √2/6
    ///     a = 1: (1/6)^{1/4} (1/6)^{3/4} · 2√2  = 2√2/6
    ///     a = 2: (1/6)^{1/4} (4/6)^{3/4} · 2    = 4^{3/4} · 2/6     = 2√2 · 2/6 = 4√2/6
    ///
    /// so π* = (1, 2, 4)/7 = (0.142857, 0.285714, 0.571429) and π*(3) = 0 — whatever item 3's logits and advantage
    /// (50 and 100 here). A second row shows the batch and another mask: every input equal on candidates {0, 2, 3}
    /// (item 1 shown) gives the uniform 1/3 there.
    @Test("π* on three candidates equals its closed form by hand, masked items get 0")
    func targetByHand() throws {
        let l = Float(Self.ln2)
        let items = 4
        let candidates = [true, true, true, false,
                          true, false, true, true]
        let stageOne: [[Float]] = [[2 * l, 0, 0, 50,
                                    1, 7, 1, 1],
                                   [0, 0, 2 * l, 50,
                                    -2, 9, -2, -2]]
        let advantages: [Float] = [0, 6 * l, 4 * l, 100,
                                   0.5, -3, 0.5, 0.5]
        let target = try ConstrainedPolicyTarget(multipliers: [1, 3])
        #expect(target.total == 4)
        let pi = try target.probabilities(advantages: advantages, stageOneLogits: stageOne, candidates: candidates, items: items)
        let expected: [Double] = [1.0 / 7, 2.0 / 7, 4.0 / 7, 0,
                                  1.0 / 3, 0, 1.0 / 3, 1.0 / 3]
        for k in expected.indices {
            #expect(abs(Double(pi[k]) - expected[k]) < 1e-6, "π*[\(k)] = \(pi[k]), by hand \(expected[k])")
        }
        #expect(pi[3] == 0 && pi[5] == 0)

        // The same policies given as log-probabilities (log(2/3), log(1/6), …) instead of logits: the row constants cancel.
        let twoThirds = Float(log(2.0 / 3)), oneSixth = Float(log(1.0 / 6))
        let logProbabilities: [[Float]] = [[twoThirds, oneSixth, oneSixth, 50, 1, 7, 1, 1],
                                           [oneSixth, oneSixth, twoThirds, 50, -2, 9, -2, -2]]
        let again = try target.probabilities(advantages: advantages, stageOneLogits: logProbabilities, candidates: candidates, items: items)
        for k in expected.indices { #expect(abs(Double(again[k]) - expected[k]) < 1e-6) }
    }

    @Test("Bad inputs are errors: Σλ = 0, a negative λ, a row without candidates, mismatched sizes, a target off the candidates")
    func badInputs() throws {
        #expect(throws: PipelineError.self) { try ConstrainedPolicyTarget(multipliers: [0, 0]) }
        #expect(throws: PipelineError.self) { try ConstrainedPolicyTarget(multipliers: [2, -1]) }
        #expect(throws: PipelineError.self) { try ConstrainedPolicyTarget(multipliers: []) }
        let target = try ConstrainedPolicyTarget(multipliers: [1])
        #expect(throws: PipelineError.self) {
            try target.probabilities(advantages: [0, 0], stageOneLogits: [[0, 0]], candidates: [false, false], items: 2)
        }
        #expect(throws: PipelineError.self) {
            try target.probabilities(advantages: [0, 0], stageOneLogits: [[0, 0], [0, 0]], candidates: [true, true], items: 2)
        }
        #expect(throws: PipelineError.self) {
            try target.probabilities(advantages: [0, .nan], stageOneLogits: [[0, 0]], candidates: [true, true], items: 2)
        }
        #expect(throws: PipelineError.self) {
            try StageTwoLoss.evaluate(logits: [0, 0], target: [0.5, 0.5], candidates: [true, false], items: 2)
        }
        #expect(throws: PipelineError.self) {
            try StageTwoLoss.evaluate(logits: [0, 0], target: [0.5, 0.4], candidates: [true, true], items: 2)
        }
    }

    /// KL(π* ‖ softmax z) over a row's candidates, from its definition in Float64.
    static func referenceLoss(_ z: [Double], target: [Double], candidates: [Bool], items: Int) -> Double {
        let rows = z.count / items
        var total = 0.0
        for b in 0..<rows {
            let open = (0..<items).filter { candidates[b * items + $0] }
            let top = open.map { z[b * items + $0] }.max() ?? 0
            let lse = top + log(open.reduce(0.0) { $0 + exp(z[b * items + $1] - top) })
            for j in open where target[b * items + j] > 0 {
                let q = target[b * items + j]
                total += q * (log(q) - (z[b * items + j] - lse))
            }
        }
        return total / Double(rows)
    }

    @Test("Stage-two loss: the forward against a Float64 reference, the gradient against its central differences")
    func stageTwoGradient() throws {
        let items = 5
        let candidates = [true, true, false, true, true,
                          false, true, true, true, false,
                          true, true, true, true, true]
        let logits: [Float] = [0.3, -1.2, 4.0, 0.8, 0.1,
                               2.0, -0.4, 0.9, 1.7, -3.0,
                               0.0, 0.5, -0.5, 1.0, -1.0]
        // π* from the TSCAC target (two stage-one policies, λ = (0.5, 2)), so the test also runs the pair as TSCAC will.
        let stageOne: [[Float]] = [[1.0, 0.2, 0, -0.3, 0.4, 0, 0.6, -0.1, 0.3, 0, 0.9, -0.8, 0.1, 0.2, 0.0],
                                   [-0.5, 0.7, 0, 0.2, 0.1, 0, -0.2, 0.4, 0.8, 0, 0.3, 0.3, -0.6, 0.5, 1.1]]
        let advantages: [Float] = [0.4, -0.2, 0, 1.0, -0.7, 0, 0.3, 0.9, -1.1, 0, 0.2, 0.6, -0.4, 0.0, 0.8]
        let pi = try ConstrainedPolicyTarget(multipliers: [0.5, 2]).probabilities(advantages: advantages, stageOneLogits: stageOne,
                                                                                 candidates: candidates, items: items)
        let (loss, gradient) = try StageTwoLoss.evaluate(logits: logits, target: pi, candidates: candidates, items: items)
        let z = logits.map(Double.init), q = pi.map(Double.init)
        let reference = Self.referenceLoss(z, target: q, candidates: candidates, items: items)
        #expect(reference > 0.01, "the example should be away from the optimum, KL = \(reference)")
        #expect(abs(loss - reference) < 1e-6, "loss \(loss), Float64 reference \(reference)")
        let h = 1e-5
        for k in z.indices {
            var plus = z, minus = z
            plus[k] += h
            minus[k] -= h
            let numeric = (Self.referenceLoss(plus, target: q, candidates: candidates, items: items)
                           - Self.referenceLoss(minus, target: q, candidates: candidates, items: items)) / (2 * h)
            #expect(abs(Double(gradient[k]) - numeric) < 1e-5, "dℓ/dz[\(k)]: analytic \(gradient[k]), numeric \(numeric)")
            if !candidates[k] { #expect(gradient[k] == 0) }
        }

        // At π_θ = π* (logits log π* on the candidates) the KL and the gradient vanish.
        let atOptimum = zip(pi, candidates).map { p, c in c ? Float(log(Double(p))) : 0 }
        let (zero, flat) = try StageTwoLoss.evaluate(logits: atOptimum, target: pi, candidates: candidates, items: items)
        #expect(abs(zero) < 1e-6)
        #expect(flat.allSatisfy { abs($0) < 1e-6 })
    }

    /// One bandit of `dualAscent`: its name, constraint level, starting λ, and the λ and p_A computed by hand.
    struct Bandit: Sendable, CustomStringConvertible {
        var name: String
        var level: Double
        var initial: Double
        var lambdaByHand: Double
        var armAByHand: Double
        var description: String { name }
    }

    /// Two arms, an entropy-regularised best response at temperature τ = 0.5 to the combined reward (RCPO's inner
    /// loop solved exactly): p_A = σ((R_A − R_B)/τ), R the combined rewards `r_main + λ σ r_aux` the multipliers give.
    /// The three bandits, all with p_A the probability of arm A:
    /// - **keep** (`≥`): A pays main 1, aux 0; B pays main 0, aux 1; constraint E[aux] = 1 − p_A ≥ 0.4.
    ///   R_A − R_B = 1 − λ. Unconstrained (λ = 0): p_A = σ(2) = 0.880797, E[aux] = 0.119203 < 0.4, so the constraint
    ///   binds: p_A = 0.6, (1 − λ)/0.5 = ln(0.6/0.4) = ln 1.5 = 0.405465, λ* = 1 − 0.5 · 0.405465 = 0.797267.
    /// - **cost** (`≤`, the neg convention): A pays main 1, cost 1; B pays 0 and 0; constraint E[cost] = p_A ≤ 0.6.
    ///   R_A − R_B = 1 − λ (the cost enters as −λ · cost): binds at the same p_A = 0.6 and λ* = 0.797267.
    /// - **slack**: the keep bandit with level 0.05 < 0.119203: the constraint does not bind, λ → 0 (from λ₀ = 1) and
    ///   p_A → the unconstrained 0.880797.
    /// Exact values Ĵ, dual step η = 0.5: dĴ/dλ ≤ 1/(4τ) = 0.5, so each step contracts by at least 1 − 0.25; 300 steps.
    @Test("RCPO's dual ascent converges to the hand-computed λ* (binding, for a signal and for a cost) or to 0 (slack)",
          arguments: [Bandit(name: "keep", level: 0.4, initial: 0, lambdaByHand: 0.797267, armAByHand: 0.6),
                      Bandit(name: "cost", level: 0.6, initial: 0, lambdaByHand: 0.797267, armAByHand: 0.6),
                      Bandit(name: "slack", level: 0.05, initial: 1, lambdaByHand: 0, armAByHand: 0.880797)])
    func dualAscent(case c: Bandit) throws {
        let (bandit, level, initial, lambdaByHand, armAByHand) = (c.name, c.level, c.initial, c.lambdaByHand, c.armAByHand)
        let tau = 0.5
        let sense: LagrangeMultipliers.Sense = bandit == "cost" ? .atMost : .atLeast
        // (main, auxiliary) of arms A and B.
        let arms: [(main: Double, aux: Double)] = bandit == "cost" ? [(1, 1), (0, 0)] : [(1, 0), (0, 1)]
        var duals = try LagrangeMultipliers(constraints: [.init(level: level, sense: sense)], stepSize: 0.5, initial: [initial])
        var pA = 0.0, auxiliary = 0.0
        for _ in 0..<300 {
            let rA = try duals.combinedReward(main: arms[0].main, signals: [arms[0].aux])
            let rB = try duals.combinedReward(main: arms[1].main, signals: [arms[1].aux])
            pA = 1 / (1 + exp(-(rA - rB) / tau))
            auxiliary = pA * arms[0].aux + (1 - pA) * arms[1].aux
            try duals.update(estimates: [auxiliary])
        }
        #expect(abs(duals.values[0] - lambdaByHand) < 1e-5, "\(bandit): λ = \(duals.values[0]), by hand \(lambdaByHand)")
        #expect(abs(pA - armAByHand) < 1e-5, "\(bandit): p_A = \(pA), by hand \(armAByHand)")
        if lambdaByHand > 0 {
            #expect(abs(auxiliary - level) < 1e-5, "\(bandit): the constraint should bind, Ĵ = \(auxiliary), C = \(level)")
        } else {
            #expect(duals.values[0] == 0)
            #expect(try duals.violations(estimates: [auxiliary])[0] < 0, "\(bandit): the constraint should have slack")
        }
    }

    /// λ = (2, 0.5) on a keep constraint and a cost: r = r_main + 2 r_1 − 0.5 r_2, by hand for two steps:
    /// 1 + 2·0.5 − 0.5·1 = 1.5 and 0.2 + 2·0 − 0.5·0.4 = 0; one dual step with η = 0.1 from estimates (0.3, 0.9)
    /// against levels (0.5, 0.8): λ_1 = 2 + 0.1 (0.5 − 0.3) = 2.02, λ_2 = max(0, 0.5 − 0.1 (0.8 − 0.9)) = 0.51.
    @Test("Combined reward and one dual step by hand, a cost entering with a minus sign")
    func combinedRewardByHand() throws {
        var duals = try LagrangeMultipliers(constraints: [.init(level: 0.5, sense: .atLeast), .init(level: 0.8, sense: .atMost)],
                                            stepSize: 0.1, initial: [2, 0.5])
        let rewards = try duals.combinedRewards(main: [1, 0.2], signals: [0.5, 1, 0, 0.4])
        #expect(abs(rewards[0] - 1.5) < 1e-6 && abs(rewards[1]) < 1e-6, "\(rewards)")
        try duals.update(estimates: [0.3, 0.9])
        #expect(abs(duals.values[0] - 2.02) < 1e-12 && abs(duals.values[1] - 0.51) < 1e-12, "\(duals.values)")
        #expect(throws: PipelineError.self) { try duals.combinedRewards(main: [1], signals: [1]) }
        #expect(throws: PipelineError.self) { try LagrangeMultipliers(constraints: [.init(level: 0, sense: .atLeast)], stepSize: 0) }
    }

    /// NCIS as TSCAC's evaluation computes it (`ratio = exp(log π − log μ).clamp(0, 10)`, the reward weighted by
    /// `ratio / Σ ratio`), which is step 5's `OffPolicyEvaluation.estimators` with cap 10. Three logged rows:
    ///
    ///     π = 0.6, μ = 0.05 → w = 12  (above the cap: 10),  r = 1
    ///     π = 0.3, μ = 0.6  → w = 0.5 (below the cap),      r = 2
    ///     π = 0,   μ = 0.35 → w = 0,                        r = 4
    ///
    /// IPS = (12 · 1 + 0.5 · 2 + 0)/3 = 13/3 = 4.333333; SNIPS = 13/12.5 = 1.04; NCIS = (10 · 1 + 0.5 · 2)/(10 + 0.5)
    /// = 11/10.5 = 1.047619; Kish's ESS = 12.5²/(144 + 0.25) = 156.25/144.25 = 1.083189. With a cap of 20 nothing is
    /// clipped and NCIS = SNIPS.
    @Test("NCIS clipping by hand: a weight above the cap, one below, one zero")
    func ncisByHand() {
        let target = [0.6, 0.3, 0.0], logging = [0.05, 0.6, 0.35], rewards = [1.0, 2.0, 4.0]
        let weights = zip(target, logging).map { $0 / $1 }
        let e = OffPolicyEvaluation.estimators(weights: weights, rewards: rewards, cap: 10)
        #expect(abs(e.ips - 13.0 / 3) < 1e-12, "IPS \(e.ips)")
        #expect(abs(e.snips - 1.04) < 1e-12, "SNIPS \(e.snips)")
        #expect(abs(e.ncis - 11.0 / 10.5) < 1e-12, "NCIS \(e.ncis)")
        #expect(abs(e.effectiveSampleSize - 156.25 / 144.25) < 1e-12, "ESS \(e.effectiveSampleSize)")
        let loose = OffPolicyEvaluation.estimators(weights: weights, rewards: rewards, cap: 20)
        #expect(abs(loose.ncis - 1.04) < 1e-12)
    }
}
