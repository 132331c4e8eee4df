import Foundation
import Testing
@testable import ValueModel

/// Step 5's simulator: KuaiEnv's exit rule on hand-made histories, the closed-form reward against sampled plays,
/// policies and episodes on a tiny hand-made world, and a seeded run that reproduces exactly.
@Suite("Policy simulation (step 5)") struct PolicySimulationTests {
    @Test("the exit window is KuaiEnv's Python slice history[t − N : t], negative starts included")
    func windowSlice() {
        // Python: for a list of length t, a[t-5:t] has start t-5+t when t-5 < 0, clamped at 0.
        let rule = KuaiEnvExitRule(window: 5, threshold: 1, maxTurn: 100)
        #expect(rule.window(turn: 1) == 0..<1)    // start -4 -> -4+1 = -3 -> 0
        #expect(rule.window(turn: 2) == 0..<2)    // -3 + 2 = -1 -> 0
        #expect(rule.window(turn: 3) == 1..<3)    // -2 + 3 = 1: only the last two
        #expect(rule.window(turn: 4) == 3..<4)    // -1 + 4 = 3: only the last one
        #expect(rule.window(turn: 5) == 0..<5)
        #expect(rule.window(turn: 8) == 3..<8)
        #expect(KuaiEnvExitRule(window: 1, threshold: 0).window(turn: 3) == 2..<3)
    }

    @Test("the user leaves when a tag of the new video occurs more than the threshold in the window; never at turn 0, always at max_turn − 1")
    func exitRule() {
        let tags: [Int32: [Int32]] = [0: [7], 1: [8], 2: [7, 9], 3: [9]]
        let of = { (v: Int32) in tags[v]! }
        let previousOnly = KuaiEnvExitRule(window: 1, threshold: 0, maxTurn: 30)
        #expect(!previousOnly.leaves(turn: 0, history: [], tags: [7], tagsOf: of))
        #expect(previousOnly.leaves(turn: 1, history: [0], tags: [7], tagsOf: of))          // shares 7 with the previous video
        #expect(!previousOnly.leaves(turn: 2, history: [0, 1], tags: [7], tagsOf: of))      // the window is video 1 (tag 8) only
        #expect(previousOnly.leaves(turn: 2, history: [0, 2], tags: [9], tagsOf: of))       // video 2 carries 9
        #expect(previousOnly.leaves(turn: 29, history: Array(repeating: 1, count: 29), tags: [5], tagsOf: of))  // max_turn − 1
        #expect(!previousOnly.leaves(turn: 28, history: Array(repeating: 1, count: 28), tags: [5], tagsOf: of))
        // N = 5, threshold 1: tag 7 twice in the window ends it; the early-step slice hides older videos.
        let five = KuaiEnvExitRule(window: 5, threshold: 1, maxTurn: 30)
        #expect(five.leaves(turn: 2, history: [0, 2], tags: [7], tagsOf: of))               // window 0..<2: 7 twice
        #expect(!five.leaves(turn: 3, history: [0, 2, 1], tags: [7], tagsOf: of))           // window 1..<3: 7 once (video 0 sliced out)
        #expect(!five.leaves(turn: 4, history: [0, 2, 0, 1], tags: [7], tagsOf: of))        // window 3..<4: video 1 alone
        #expect(five.leaves(turn: 5, history: [0, 2, 0, 1, 3], tags: [7], tagsOf: of))      // window 0..<5: 7 three times
        #expect(!five.leaves(turn: 1, history: [0], tags: [7], tagsOf: of))                 // once is allowed
    }

    static func model() -> SyntheticEngagementModel {
        SyntheticEngagementModel(world: SyntheticLatentWorld(configuration: SyntheticWorldConfiguration(users: 6, videos: 8, seed: 4)))
    }

    @Test("the expected capped watch ratio equals the mean of sampled plays (within 4 standard errors)")
    func rewardClosedForm() {
        let model = Self.model()
        var generator = SeededGenerator(seed: 17)
        for (user, video, daypart) in [(0, 0, 0), (1, 3, 1), (2, 5, 2), (4, 7, 3), (5, 2, 0)] {
            let context = SyntheticContext(daypart: daypart)
            let duration = Double(model.world.videoDurationMs[video])
            let draws = (0..<60_000).map { _ in
                min(Double(model.drawPlayDuration(user: user, video: video, context: context, using: &generator)) / duration, 5)
            }
            let mean = draws.reduce(0, +) / Double(draws.count)
            let sd = (draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count - 1)).squareRoot()
            let expected = model.expectedWatchRatio(user: user, video: video, context: context)
            // The sampler rounds plays down to whole ms: at most 1 / duration lower.
            #expect(abs(expected - mean) <= 4 * sd / Double(draws.count).squareRoot() + 1 / duration, "user \(user) video \(video): \(expected) vs \(mean)")
        }
    }

    /// Two sessions of users 0 and 1 and four candidates (videos 0-3) with tags 1, 1, 2, none; predicted heads
    /// that rank the candidates 3, 0, 1, 2 under w = (1, 0, 0, 0).
    static func world() throws -> PolicyWorld {
        let predictedComplete: [Float] = [0.6, 0.4, 0.2, 0.9]
        var values: [Float] = []
        for _ in 0..<2 { for p in predictedComplete { values += [p, 0, 0, 0] } }
        return try PolicyWorld(sessionUsers: [0, 1], sessionDayparts: [0, 2], candidateVideos: [0, 1, 2, 3], candidateTags: [[1], [1], [2], []],
                               candidateExposure: [5, 50, 20, 1], predicted: CandidateHeads(sessions: 2, videos: 4, values: values),
                               responses: .model(model()), plantedWeights: [0.25, 0.25, 0, -0.5])
    }

    @Test("episodes on a hand-made world: greedy order, the exit it triggers, rewards and head rates from the model")
    func episodesByHand() throws {
        let world = try Self.world()
        let simulator = SessionSimulator(world: world, rule: KuaiEnvExitRule(window: 1, threshold: 0, maxTurn: 30), episodes: 20, seed: 3)
        let greedy = simulator.run(GreedyValuePolicy(name: "greedy", identifier: .greedyEstimated, weights: [1, 0, 0, 0], heads: .predicted))
        let model = Self.model()
        for e in greedy.episodes {
            // 3 (no tag), 0 (tag 1), 1 (tag 1 again: leaves after it is watched).
            #expect(e.shown == [3, 0, 1])
            let user = Int(world.sessionUsers[e.session]), context = SyntheticContext(daypart: Int(world.sessionDayparts[e.session]))
            let reward = [3, 0, 1].reduce(0.0) { $0 + model.expectedWatchRatio(user: user, video: $1, context: context) }
            #expect(abs(e.reward - reward) < 1e-5)
            let complete = [3, 0, 1].reduce(0.0) { $0 + model.headProbabilities(user: user, video: $1, context: context).complete }
            #expect(abs(e.headSums[0] - complete) < 1e-5)
        }
        // Most popular: 1 (50 rows), 2, 0 (tag 1, not the previous video's 2), 3: all four, then nothing left.
        #expect(simulator.run(PopularityPolicy()).episodes.allSatisfy { $0.shown == [1, 2, 0, 3] })
        // Dominant tags by exposure: tag 1 has 55 of 75 tagged rows (73% ≥ 60%).
        #expect(world.dominantTags() == [1])
        // The oracle ranks by w*·p_true, computed here directly.
        let planted = try #require(world.plantedWeights)
        let oracle = simulator.run(GreedyValuePolicy(name: "oracle", identifier: .oracle, weights: planted, heads: .truth))
        for e in oracle.episodes {
            let user = Int(world.sessionUsers[e.session]), context = SyntheticContext(daypart: Int(world.sessionDayparts[e.session]))
            let values: [Double] = (0..<4).map { model.headProbabilities(user: user, video: $0, context: context).value(weights: planted) }
            let best: Int = values.indices.max { values[$0] < values[$1] }!
            #expect(Int(e.shown[0]) == best)
        }
    }

    @Test("UCB: no bonus is the greedy order; a large bonus shows the least logged videos first")
    func ucbBonus() throws {
        let world = try Self.world()
        let simulator = SessionSimulator(world: world, rule: KuaiEnvExitRule(window: 1, threshold: 0, maxTurn: 30), episodes: 5, seed: 2)
        let greedy = GreedyValuePolicy(name: "greedy", identifier: .greedyEstimated, weights: [1, 0, 0, 0], heads: .predicted)
        #expect(simulator.run(UCBPolicy(base: greedy, bonus: 0)).episodes.map(\.shown) == simulator.run(greedy).episodes.map(\.shown))
        // Exposure (5, 50, 20, 1): the bonus dominates, so 3 (1 row), 0 (5), 2 (20), 1 (50): tags none, 1, 2, 1, no exit.
        #expect(simulator.run(UCBPolicy(base: greedy, bonus: 100)).episodes.allSatisfy { $0.shown == [3, 0, 2, 1] })
        // Small bonus by hand: video 3 (p̂ 0.9, 1 row) vs 0 (0.6, 5 rows): ln(1 + 76) = 4.344; bonus 0.1 gives
        // 0.9 + 0.1·√(4.344/2) = 1.047 and 0.6 + 0.1·√(4.344/6) = 0.685, so 3 first, then 0 (0.685) over 1
        // (0.4 + 0.1·√(4.344/51) = 0.429).
        #expect(simulator.run(UCBPolicy(base: greedy, bonus: 0.1)).episodes.allSatisfy { Array($0.shown.prefix(2)) == [3, 0] })
    }

    @Test("UCB on the seeds' spread: ŵ·p̂ + c √(Σ ŵ_h² sd_h²) by hand; without a spread it is the greedy order")
    func spreadBonus() throws {
        var world = try Self.world()
        let greedy = GreedyValuePolicy(name: "greedy", identifier: .greedyEstimated, weights: [0.5, 0, 0, -0.5], heads: .predicted)
        // p̂ complete (0.6, 0.4, 0.2, 0.9), other heads 0: values 0.3, 0.2, 0.1, 0.45. Spread of complete 0.1, 0.4, 0,
        // 0 and of neg 0, 0, 0.8, 0: σ = 0.5 · (0.1, 0.4, 0.8, 0) = 0.05, 0.2, 0.4, 0.
        let sd: [Float] = [0.1, 0, 0, 0, 0.4, 0, 0, 0, 0, 0, 0, 0.8, 0, 0, 0, 0]
        let policy = UCBPolicy(base: greedy, bonus: 1, kind: .seedSpread)
        let plain = SessionSimulator(world: world, rule: KuaiEnvExitRule(window: 1, threshold: 0, maxTurn: 30), episodes: 4, seed: 2)
        #expect(plain.run(policy).episodes.map(\.shown) == plain.run(greedy).episodes.map(\.shown))
        world.predictedSpread = CandidateHeads(sessions: 2, videos: 4, values: sd + sd)
        // c = 1: 0.35, 0.4, 0.5, 0.45, so 2 first (tag 2), then 3 (0.45, no tag), then 1 (0.4, tag 1), then 0 (tag 1: leaves).
        let simulator = SessionSimulator(world: world, rule: KuaiEnvExitRule(window: 1, threshold: 0, maxTurn: 30), episodes: 4, seed: 2)
        #expect(simulator.run(policy).episodes.allSatisfy { $0.shown == [2, 3, 1, 0] })
        let first = policy.probabilities(world.episode(session: 0, truth: world.truth(session: 0)), shown: [false, false, false, false])
        #expect(first == [0, 0, 1, 0])
    }

    @Test("the accumulated-satisfaction exit: s_t = λ s_{t−1} + (r_t − r̄) by hand; the user leaves below −threshold or at max_turn − 1")
    func satisfactionExitByHand() throws {
        let rule = SatisfactionExitRule(decay: 0.5, threshold: 1, maxTurn: 3)
        let first = rule.step(turn: 0, satisfaction: 0, reward: 0, baseline: 0.575)
        #expect(abs(first.satisfaction + 0.575) < 1e-12 && !first.leaves)
        #expect(rule.step(turn: 1, satisfaction: -0.9, reward: 0, baseline: 0.575).leaves)   // −0.45 − 0.575 < −1
        #expect(rule.step(turn: 2, satisfaction: 5, reward: 5, baseline: 0).leaves)          // max_turn − 1
        // One user, four videos of rewards 0, 2, 0.2, 0.1 in the greedy order 3, 0, 1, 2 (r̄ = 0.575, the mean).
        let rewards: [Float] = [2, 0.2, 0.1, 0]
        let predicted: [Float] = [0.6, 0.4, 0.2, 0.9].flatMap { [$0, 0, 0, 0] }
        let world = try PolicyWorld(sessionUsers: [7], sessionDayparts: [0], candidateVideos: [0, 1, 2, 3], candidateTags: [[1], [1], [1], [1]],
                                    candidateExposure: [1, 1, 1, 1], predicted: CandidateHeads(sessions: 1, videos: 4, values: predicted),
                                    responses: .table(rewards: rewards, heads: [Float](repeating: 0, count: 16)), plantedWeights: nil)
        let greedy = GreedyValuePolicy(name: "greedy", identifier: .greedyEstimated, weights: [1, 0, 0, 0], heads: .predicted)
        func lengths(_ rule: SatisfactionExitRule) -> [Int] {
            let simulator = SessionSimulator(world: world, rule: KuaiEnvExitRule(window: 1), episodes: 3, seed: 2).leaving(by: rule)
            #expect(abs(simulator.randomReward - 0.575) < 1e-6)
            return simulator.run(greedy).episodes.map(\.length)
        }
        // Threshold 0.5: s_0 = −0.575 < −0.5, so one video.
        #expect(lengths(SatisfactionExitRule(decay: 0.5, threshold: 0.5, maxTurn: 30)) == [1, 1, 1])
        // Threshold 1: s = −0.575, 1.1375, 0.19375, −0.378: never below −1, so all four videos (the tags, all equal,
        // would end KuaiEnv's session after two); with max_turn 3, three.
        #expect(lengths(SatisfactionExitRule(decay: 0.5, threshold: 1, maxTurn: 30)) == [4, 4, 4])
        #expect(lengths(SatisfactionExitRule(decay: 0.5, threshold: 1, maxTurn: 3)) == [3, 3, 3])
        #expect(SessionSimulator(world: world, rule: KuaiEnvExitRule(window: 1), episodes: 3, seed: 2).run(greedy).episodes.allSatisfy { $0.length == 2 })
    }

    @Test("a table of responses (KuaiEnv's small matrix): rewards and head rates are the table's entries, the reward oracle follows them")
    func tableResponses() throws {
        // Two users x three videos; user 1's rewards reversed. Tags all different, so only max_turn or the
        // candidates running out end a session.
        let rewards: [Float] = [0.5, 2.0, 1.0, 3.0, 0.1, 0.2]
        let heads: [Float] = (0..<6).flatMap { cell in [Float(cell) / 10, 0, 0, 0] }
        let world = try PolicyWorld(sessionUsers: [10, 11], sessionDayparts: [0, 0], candidateVideos: [0, 1, 2], candidateTags: [[1], [2], [3]],
                                    candidateExposure: [1, 2, 3], predicted: CandidateHeads(sessions: 2, videos: 3, values: [Float](repeating: 0, count: 24)),
                                    responses: .table(rewards: rewards, heads: heads), plantedWeights: nil)
        let simulator = SessionSimulator(world: world, rule: KuaiEnvExitRule(window: 1, threshold: 0, maxTurn: 30), episodes: 10, seed: 1)
        let oracle = simulator.run(RewardOraclePolicy())
        for e in oracle.episodes {
            #expect(e.shown == (e.session == 0 ? [1, 2, 0] : [0, 2, 1]))
            #expect(abs(e.reward - 3.5) < 1e-6 || abs(e.reward - 3.3) < 1e-6)   // each user's rewards summed
            let base = e.session * 3
            #expect(abs(e.headSums[0] - Double((base..<(base + 3)).reduce(0) { $0 + $1 }) / 10) < 1e-6)
        }
        #expect(PolicyEvaluation.policies(estimated: [1, 0, 0, 0], planted: nil, epsilon: 0.1).map(\.name).contains(PolicyEvaluation.oracleName) == false)
    }

    @Test("a seeded run reproduces exactly, whatever the thread count; every policy meets the same users")
    func seededRunReproduces() throws {
        let world = try Self.world()
        let rule = KuaiEnvExitRule(window: 1, threshold: 0, maxTurn: 30)
        let policy = EpsilonGreedyPolicy(base: GreedyValuePolicy(name: "greedy", identifier: .greedyEstimated, weights: [1, 0, 0, 0], heads: .predicted), epsilon: 0.5)
        let before = LearningThreads.count
        defer { LearningThreads.configure(threads: before) }
        LearningThreads.configure(threads: 1)
        let one = SessionSimulator(world: world, rule: rule, episodes: 200, seed: 9).run(policy)
        LearningThreads.configure(threads: 2)
        let simulator = SessionSimulator(world: world, rule: rule, episodes: 200, seed: 9)
        let two = simulator.run(policy)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]   // as policies.json is written
        #expect(try encoder.encode(one.episodes) == encoder.encode(two.episodes))
        #expect(Set(one.episodes.map(\.shown)).count > 1)   // ε = 0.5 does explore
        #expect(simulator.run(RandomPolicy()).episodes.map(\.session) == two.episodes.map(\.session))
        #expect(SessionSimulator(world: world, rule: rule, episodes: 200, seed: 10).starts != simulator.starts)
    }
}

/// Step 5's off-policy estimators: by hand, on a tiny bandit with known propensities, and on the hand-made world.
@Suite("Off-policy estimates (step 5)") struct OffPolicyEstimateTests {
    @Test("IPS, SNIPS, NCIS and the effective sample size by hand")
    func estimatorsByHand() {
        let e = OffPolicyEvaluation.estimators(weights: [2, 0, 1], rewards: [1, 5, 3], cap: 1.5)
        #expect(abs(e.ips - 5.0 / 3) < 1e-12)          // (2·1 + 0·5 + 1·3) / 3
        #expect(abs(e.snips - 5.0 / 3) < 1e-12)        // 5 / (2 + 0 + 1)
        #expect(abs(e.ncis - 1.8) < 1e-12)             // (1.5·1 + 1·3) / (1.5 + 1)
        #expect(abs(e.effectiveSampleSize - 1.8) < 1e-12)  // 3² / (4 + 1)
        #expect(OffPolicyEvaluation.estimators(weights: [0, 0], rewards: [1, 2], cap: 1).snips.isNaN)
    }

    @Test("on a three-action bandit IPS is unbiased and SNIPS exact on a sample in the logging proportions")
    func tinyBandit() {
        // Logging π0 = (0.5, 0.3, 0.2), target π = (0.1, 0.2, 0.7), mean rewards (1, 2, 4): the target's value is
        // 0.1·1 + 0.2·2 + 0.7·4 = 3.3.
        let logging = [0.5, 0.3, 0.2], target = [0.1, 0.2, 0.7], reward = [1.0, 2, 4]
        // E[IPS] over one logged row = Σ_a π0(a) · (π(a)/π0(a)) r(a), enumerated.
        let expectation = (0..<3).reduce(0.0) { total, a in
            total + logging[a] * OffPolicyEvaluation.estimators(weights: [target[a] / logging[a]], rewards: [reward[a]], cap: 100).ips
        }
        #expect(abs(expectation - 3.3) < 1e-12)
        // 50, 30 and 20 rows of the three actions: SNIPS = Σ π r / Σ π = 3.3 exactly; IPS too.
        var weights: [Double] = [], rewards: [Double] = []
        for (a, rows) in [50, 30, 20].enumerated() {
            weights += Array(repeating: target[a] / logging[a], count: rows)
            rewards += Array(repeating: reward[a], count: rows)
        }
        let e = OffPolicyEvaluation.estimators(weights: weights, rewards: rewards, cap: 100)
        #expect(abs(e.snips - 3.3) < 1e-12 && abs(e.ips - 3.3) < 1e-12)
        // A cap below the largest weight (3.5) biases NCIS towards the logging policy's choices.
        #expect(OffPolicyEvaluation.estimators(weights: weights, rewards: rewards, cap: 1).ncis < 3.3)
    }

    @Test("the logging platform replayed: its first choice is a softmax draw over the pool (Gumbel-max), with the probabilities it reports")
    func loggingPlatformReplay() throws {
        let world = try PolicySimulationTests.world()
        let weights = [1.0, 0.5, 0, -1], tau = 0.05
        let platform = LoggingPlatformPolicy(pools: [[0, 2, 3], []], weights: weights, noiseScale: tau)
        let truth = world.truth(session: 0)
        let episode = world.episode(session: 0, truth: truth)
        let p = platform.probabilities(episode, shown: [false, false, false, false])
        #expect(p[1] == 0 && abs(p.reduce(0, +) - 1) < 1e-12)
        // The same softmax as the logged rows' propensities: video 2 first, then video 0 among {0, 3}.
        let lists = OffPolicyEvaluation.LoggedLists(firstCandidate: [2, 1], offsets: [0, 2, 3], candidates: [2, 0, 1], watchRatios: [1, 1, 1])
        let logged = OffPolicyEvaluation.loggedRows(world: world, model: PolicySimulationTests.model(), poolOffsets: [0, 3, 3],
                                                    poolCandidates: [0, 2, 3], lists: lists, steps: 10, weights: weights, noiseScale: tau)
        // (The policy sees p_true as Float, the logged rows in Double: agreement to float rounding.)
        #expect(abs(p[2] - logged.propensities[0]) < 1e-6)
        let second = platform.probabilities(episode, shown: [false, false, true, false])
        #expect(second[2] == 0 && abs(second[0] - p[0] / (p[0] + p[3])) < 1e-9 && abs(second[0] - logged.propensities[1]) < 1e-6)
        var generator = SeededGenerator(seed: 8)
        let draws = 20_000
        var counts = [Int](repeating: 0, count: 4)
        for _ in 0..<draws { counts[platform.choose(episode, shown: [false, false, false, false], generator: &generator)] += 1 }
        for j in [0, 2, 3] {
            let se = (p[j] * (1 - p[j]) / Double(draws)).squareRoot()
            #expect(abs(Double(counts[j]) / Double(draws) - p[j]) <= 4 * se + 1e-9, "video \(j)")
        }
        #expect(counts[1] == 0)
        // A session without a pool has nothing to show.
        #expect(platform.choose(world.episode(session: 1, truth: world.truth(session: 1)), shown: [false, false, false, false], generator: &generator) == -1)
    }

    @Test("the logged rows: Plackett-Luce without replacement over the pool, step by step; support, truth and IPS by hand")
    func loggedRowsOnTheHandMadeWorld() throws {
        let world = try PolicySimulationTests.world()
        let weights = [1.0, 0.5, 0, -1], tau = 0.2
        // Session 0 had pool {0, 2, 3} and showed 2, then 3; session 1 had no pool.
        let lists = OffPolicyEvaluation.LoggedLists(firstCandidate: [2, 1], offsets: [0, 2, 3], candidates: [2, 3, 1], watchRatios: [7.5, 0.5, 1])
        let logged = OffPolicyEvaluation.loggedRows(world: world, model: PolicySimulationTests.model(), poolOffsets: [0, 3, 3],
                                                    poolCandidates: [0, 2, 3], lists: lists, steps: 10, weights: weights, noiseScale: tau)
        #expect(logged.sessions == [0] && logged.offsets == [0, 2] && logged.withoutPool == 1 && logged.rewards == [5, 0.5])   // capped at 5
        let model = PolicySimulationTests.model(), context = SyntheticContext(daypart: 0)
        // v over the pool (videos 0, 2, 3).
        let v = [0, 2, 3].map { exp(model.headProbabilities(user: 0, video: $0, context: context).value(weights: weights) / tau) }
        #expect(abs(logged.propensities[0] - v[1] / v.reduce(0, +)) < 1e-12)
        #expect(abs(logged.propensities[1] - v[2] / (v[0] + v[2])) < 1e-12)   // video 3 among {0, 3}
        let o = OffPolicyEvaluation.run(world: world, logged: logged, policies: [RandomPolicy()], cap: 100)
        let r = (0..<4).map { model.expectedWatchRatio(user: 0, video: $0, context: context) }
        let onPolicy = ((v[0] * r[0] + v[1] * r[2] + v[2] * r[3]) / v.reduce(0, +) + (v[0] * r[0] + v[2] * r[3]) / (v[0] + v[2])) / 2
        #expect(abs(o.estimates[0].truth - onPolicy) < 1e-5 && o.estimates[0].ips == 2.75)
        // Random: 3 of 4 candidates in the pool at step 1; after video 2, 2 of the 3 unshown ({0, 3} of {0, 1, 3}).
        #expect(abs(o.estimates[1].support - (0.75 + 2.0 / 3) / 2) < 1e-12)
        #expect(abs(o.estimates[1].truth - (r.reduce(0, +) / 4 + (r[0] + r[1] + r[3]) / 3) / 2) < 1e-5)
        #expect(abs(o.estimates[1].ips - (0.25 / logged.propensities[0] * 5 + (1.0 / 3) / logged.propensities[1] * 0.5) / 2) < 1e-9)
        // One step: the first-turn bandit; a repeated video cuts the session's list short.
        let first = OffPolicyEvaluation.loggedRows(world: world, model: model, poolOffsets: [0, 3, 3], poolCandidates: [0, 2, 3],
                                                   lists: lists, steps: 1, weights: weights, noiseScale: tau)
        #expect(first.decisions == 1 && first.propensities == [logged.propensities[0]])
        let repeated = OffPolicyEvaluation.LoggedLists(firstCandidate: [2, 1], offsets: [0, 3, 3], candidates: [2, 2, 3], watchRatios: [1, 1, 1])
        let cut = OffPolicyEvaluation.loggedRows(world: world, model: model, poolOffsets: [0, 3, 3], poolCandidates: [0, 2, 3],
                                                 lists: repeated, steps: 10, weights: weights, noiseScale: tau)
        #expect(cut.decisions == 1 && cut.cutShort == 1)
    }

    /// A policy that reads the session: first candidate 2; then the candidate after the last one shown when the last
    /// reward was above 1, else candidate 0. Its order-free probabilities are uniform, so an estimate that used them
    /// instead of the history would differ.
    struct HistoryReadingPolicy: RankingPolicy {
        let name = "reads the history"
        let identifier = PolicyIdentifier.learnedDORL
        func choose(_ episode: PolicyEpisode, shown: [Bool], generator: inout SeededGenerator) -> Int { shown.firstIndex(of: false) ?? -1 }
        func probabilities(_ episode: PolicyEpisode, shown: [Bool]) -> [Double] { [Double](repeating: 0.25, count: 4) }
        func probabilities(_ episode: PolicyEpisode, history: [Int32], rewards: [Float], shown: [Bool]) -> [Double] {
            var p = [Double](repeating: 0, count: 4)
            if let last = history.last {
                p[(rewards.last ?? 0) > 1 ? Int(last) + 1 : 0] = 1
            } else {
                p[2] = 1
            }
            return p
        }
    }

    @Test("a policy that reads the session is weighed after the logged history, in order, with the logged rewards")
    func offPolicyEstimatesReadTheLoggedHistory() throws {
        let world = try PolicySimulationTests.world(), model = PolicySimulationTests.model()
        // Session 0 had pool {0, 2, 3} and showed 2 (ratio 7.5, capped at 5), then 3 (0.5).
        let lists = OffPolicyEvaluation.LoggedLists(firstCandidate: [2, 1], offsets: [0, 2, 3], candidates: [2, 3, 1], watchRatios: [7.5, 0.5, 1])
        let logged = OffPolicyEvaluation.loggedRows(world: world, model: model, poolOffsets: [0, 3, 3], poolCandidates: [0, 2, 3],
                                                    lists: lists, steps: 10, weights: [1.0, 0.5, 0, -1], noiseScale: 0.2)
        let o = OffPolicyEvaluation.run(world: world, logged: logged, policies: [HistoryReadingPolicy()], cap: 100)
        // Turn 1: all mass on 2, the video logged; turn 2: after 2 with reward 5 > 1, all mass on 3, the video logged.
        let r = (0..<4).map { model.expectedWatchRatio(user: 0, video: $0, context: SyntheticContext(daypart: 0)) }
        #expect(abs(o.estimates[1].ips - (5 / logged.propensities[0] + 0.5 / logged.propensities[1]) / 2) < 1e-9)
        #expect(abs(o.estimates[1].truth - (r[2] + r[3]) / 2) < 1e-5)
        #expect(o.estimates[1].matches == 2 && o.estimates[1].support == 1)
    }

    @Test("estimated propensities: a softmax of θ̂·p̂ + α̂ over the uploaded videos ever shown, by hand")
    func estimatedPropensitiesByHand() {
        // Two sessions, four candidates. Candidate 1 is uploaded on day 11 (after session 0's day 10), candidate 3 was
        // never shown (α̂ = −∞), candidate 2's upload day is unknown (always available).
        let p: [Float] = [0.8, 0.1, 0.2, 0.1,  0.3, 0.6, 0.1, 0.2,  0.5, 0.5, 0.5, 0.5,  0.9, 0.9, 0.9, 0.0]
        let heads = CandidateHeads(sessions: 2, videos: 4, values: p + p.reversed())
        let theta = [2.0, 1.0, 0.5, -4.0], alpha = [0.3, -0.2, -0.1, -Double.infinity]
        let lists = OffPolicyEvaluation.LoggedLists(firstCandidate: [2, 1], offsets: [0, 1, 2], candidates: [2, 1], watchRatios: [6, 0.5])
        let logged = OffPolicyEvaluation.estimatedRows(heads: heads, theta: theta, videoEffects: alpha, uploadDay: [9, 11, Int32.min, 5],
                                                       sessionDay: [10, 12], lists: lists, steps: 10)
        #expect(logged.sessions == [0, 1] && logged.rewards == [5, 0.5])
        #expect(logged.pools == [[0, 2], [0, 1, 2]])
        func u(_ s: Int, _ j: Int) -> Double {
            let values = s == 0 ? p : p.reversed()
            return alpha[j] + (0..<4).reduce(0.0) { $0 + theta[$1] * Double(values[j * 4 + $1]) }
        }
        let first = exp(u(0, 2)) / (exp(u(0, 0)) + exp(u(0, 2)))
        let second = exp(u(1, 1)) / (exp(u(1, 0)) + exp(u(1, 1)) + exp(u(1, 2)))
        #expect(abs(logged.propensities[0] - first) < 1e-12 && abs(logged.propensities[1] - second) < 1e-12)
        #expect(abs(logged.poolWeights[1][1] / logged.poolWeights[1].reduce(0, +) - second) < 1e-12)
        // Without a truth (real logs): the random policy's IPS by hand, every truth NaN.
        let o = OffPolicyEvaluation.run(predicted: heads, exposure: [1, 2, 3, 4], logged: logged, policies: [RandomPolicy()], cap: 100)
        #expect(o.estimates.count == 2 && o.estimates.allSatisfy { $0.truth.isNaN })
        let ips = (0.25 / first * 5 + 0.25 / second * 0.5) / 2
        #expect(abs(o.estimates[1].ips - ips) < 1e-12 && abs(o.estimates[1].support - (0.5 + 0.75) / 2) < 1e-12)
        // A first video outside the estimated support (shown before its upload day) and an unlogged first row are left out.
        let unlogged = OffPolicyEvaluation.LoggedLists(firstCandidate: [1, -1], offsets: [0, 1, 1], candidates: [1], watchRatios: [1])
        let outside = OffPolicyEvaluation.estimatedRows(heads: heads, theta: theta, videoEffects: alpha, uploadDay: [9, 11, Int32.min, 5],
                                                        sessionDay: [10, 12], lists: unlogged, steps: 10)
        #expect(outside.sessions.isEmpty && outside.shownOutsidePool == 1 && outside.firstRowNotObserved == 1)
    }
}
