import Foundation
import Testing
@testable import ValueModel

/// DORL's entropy bonus and penalised reward against hand computations, and GAE against a hand computation.
@Suite("Reinforcement: entropy bonus, penalised reward, GAE")
struct ReinforcementRewardTests {
    /// One logged sequence 0 1 0 1 0 2 0 3 over 4 items. Followers of the single items: 0 -> 1, 1, 2, 3 (counts
    /// 2, 1, 1: H = 1.5 bits over log₂ 3 = 0.946395), 1 -> 0, 0 (one distinct: 1), 2 -> 0 (1), 3 -> nothing.
    /// Followers of the sorted pairs: (0, 1) -> 0, 1, 0, 2 (0.946395), (0, 2) -> 0, 3 (H = 1 over log₂ 2: 1).
    static let h = 1.5 / log2(3.0)
    static func bonus() throws -> EntropyBonus { try EntropyBonus(sequences: [[0, 1, 0, 1, 0, 2, 0, 3]], items: 4) }

    @Test("Entropy bonus: DORL's counts of the next item after the last one and two items")
    func entropy() throws {
        let e = try Self.bonus()
        #expect(abs(e.minimum - 2 * Self.h) < 1e-6 && abs(e.maximum - 2) < 1e-6)
        let cases: [(current: Int32, previous: Int32?, expected: Double)] = [
            (0, nil, Self.h + 1),       // first turn: (0) and one missing item
            (1, 0, 1 + Self.h),         // (1) = 1, (0, 1)
            (0, 1, Self.h + Self.h),    // (0), (0, 1)
            (2, 0, 1 + 1),              // (2) = 1, (0, 2) = 1
            (3, 1, 1 + 1),              // (3) and (1, 3) never seen: 1 each
            (1, 2, 1 + 1),              // (1, 2) never seen
        ]
        for c in cases {
            #expect(abs(c.expected - e.bonus(current: c.current, previous: c.previous)) < 1e-6, "\(c)")
        }
        let firstOrder = try EntropyBonus(sequences: [[0, 1, 0, 1, 0, 2, 0, 3]], items: 4, order: 1)
        #expect(abs(firstOrder.bonus(current: 0, previous: 3) - Self.h) < 1e-6)
        #expect(abs(firstOrder.minimum - Self.h) < 1e-6)
        #expect(throws: PipelineError.self) { try EntropyBonus(sequences: [[0, 7]], items: 4) }
        #expect(throws: PipelineError.self) { try EntropyBonus(sequences: [[0, 1]], items: 4, order: 3) }
    }

    /// Two users x 4 items; DORL's weights λ_U = 0.05, λ_E = 5. MIN_R = min R̂ − 0.05 · max U + 5 · entropy_min =
    /// 0.2 − 0.05 · 4 + 5 · 2h; MAX_R = 3 − 0.05 · 0 + 5 · 2.
    @Test("Penalised reward: r = max(0, R̂ − λ_U U + λ_E Ent − MIN_R) by hand, through the environment")
    func penalisedReward() throws {
        let reward: [Float] = [1, 0.2, 3, 0.5, 2, 1.5, 0.7, 1]
        let uncertainty: [Float] = [0, 1, 2, 4, 0.5, 0.5, 3, 1]
        let tables = try RewardTables(users: 2, items: 4, reward: reward, heads: [Float](repeating: 0.5, count: 32), uncertainty: uncertainty)
        let bound = try BoundPenalisedReward(.dorl, tables: tables, entropy: try Self.bonus())
        let minR = 0.2 - 0.05 * 4 + 5 * 2 * Self.h, maxR = 3.0 + 5 * 2
        #expect(abs(bound.minimum - minR) < 1e-6 && abs(bound.maximum - maxR) < 1e-6)
        let env = try BatchedSessionEnvironment(tables: tables, itemTags: [[0], [1], [2], [3]], rule: KuaiEnvExitRule(window: 1, threshold: 0, maxTurn: 4),
                                                reward: bound, environments: 1)
        try env.reset(users: [1])
        var signals = [Float](repeating: 0, count: 5), ratios: [Float] = [0]
        // User 1 sees item 0 (R̂ 2, U 0.5, Ent (0) + 1), then item 1 (R̂ 1.5, U 0.5, Ent (1) + (0, 1)).
        let expected = [2 - 0.05 * 0.5 + 5 * (Self.h + 1) - minR, 1.5 - 0.05 * 0.5 + 5 * (1 + Self.h) - minR]
        for (t, item) in [Int32(0), 1].enumerated() {
            try env.step(actions: [item], signals: &signals, watchRatios: &ratios)
            #expect(abs(Double(signals[0]) - expected[t]) < 1e-5, "turn \(t): \(signals[0]) vs \(expected[t])")
            #expect(ratios[0] == reward[4 + Int(item)])
        }
        // MBPO keeps only the shift by min R̂; a reward below the shift is clipped at 0.
        let mbpo = try BoundPenalisedReward(.mbpo, tables: tables, entropy: nil)
        #expect(mbpo.reward(prediction: 1, uncertainty: 4, current: 0, previous: nil) == Float(1 - 0.2))
        #expect(mbpo.reward(prediction: 0.1, uncertainty: 0, current: 0, previous: nil) == 0)
        let mopo = try BoundPenalisedReward(.mopo, tables: tables, entropy: nil)
        #expect(abs(Double(mopo.reward(prediction: 1, uncertainty: 2, current: 0, previous: nil)) - (1 - 0.1 - (0.2 - 0.2))) < 1e-6)
    }

    /// rewards 1 2 3 4, values .5 .4 .3 .2, an episode ends after step 1, bootstrap .7, γ .9, λ .8:
    /// δ₃ = 4 + .9·.7 − .2 = 4.43, A₃ = 4.43; δ₂ = 3 + .9·.2 − .3 = 2.88, A₂ = 2.88 + .72·4.43 = 6.0696;
    /// δ₁ = 2 − .4 = 1.6 = A₁ (done); δ₀ = 1 + .9·.4 − .5 = .86, A₀ = .86 + .72·1.6 = 2.012; R = A + V.
    @Test("GAE with γ, λ and dones against a hand computation")
    func gae() throws {
        let (a, r) = try GeneralizedAdvantageEstimation.estimate(rewards: [1, 2, 3, 4], values: [0.5, 0.4, 0.3, 0.2], dones: [false, true, false, false],
                                                                 bootstrap: 0.7, gamma: 0.9, lambda: 0.8)
        for (x, y) in zip(a, [2.012, 1.6, 6.0696, 4.43]) { #expect(abs(Double(x) - y) < 1e-5, "\(a)") }
        for (x, y) in zip(r, [2.512, 2.0, 6.3696, 4.63]) { #expect(abs(Double(x) - y) < 1e-5, "\(r)") }
        // λ = 1: returns are the discounted returns of each episode, 1 + .9·2 = 2.8 and 2.
        let (_, mc) = try GeneralizedAdvantageEstimation.estimate(rewards: [1, 2], values: [5, -3], dones: [false, true], gamma: 0.9, lambda: 1)
        #expect(abs(Double(mc[0]) - 2.8) < 1e-6 && abs(Double(mc[1]) - 2) < 1e-6)
        #expect(throws: PipelineError.self) { try GeneralizedAdvantageEstimation.estimate(rewards: [1], values: [], dones: [true], gamma: 0.9, lambda: 1) }
    }
}
