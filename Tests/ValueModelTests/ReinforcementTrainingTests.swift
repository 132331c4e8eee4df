import Foundation
import Testing
@testable import ValueModel

/// A2C end to end: a hand-made MDP whose optimal policy and value are computed by hand, byte-for-byte
/// reproducibility, resuming from a checkpoint. (The throughput at KuaiRec's small-matrix size is `bench rl`'s.)
@Suite("Reinforcement: A2C training")
struct ReinforcementTrainingTests {
    /// A world of random tables: `users` x `items`, `featureWidth` random features, one of `categories` tags per item.
    static func randomWorld(users: Int, items: Int, featureWidth: Int, categories: Int, seed: UInt64) throws -> (RewardTables, [[Int32]], [Float]) {
        var g = SeededGenerator(seed: seed)
        let reward = (0..<(users * items)).map { _ in Float(g.nextUniform() * 2) }
        let heads = (0..<(users * items * 4)).map { _ in Float(g.nextUniform()) }
        let tables = try RewardTables(users: users, items: items, reward: reward, heads: heads)
        let tags = (0..<items).map { _ in [Int32(g.next() % UInt64(categories))] }
        let features = (0..<(items * featureWidth)).map { _ in Float(g.nextNormal()) }
        return (tables, tags, features)
    }

    static func trainer(_ options: A2COptions, tables: RewardTables, tags: [[Int32]], features: [Float], featureWidth: Int,
                        rule: KuaiEnvExitRule) throws -> A2CTrainer {
        let reward = try BoundPenalisedReward(.mbpo, tables: tables, entropy: nil)
        let env = try BatchedSessionEnvironment(tables: tables, itemTags: tags, rule: rule, reward: reward, environments: options.environments)
        return try A2CTrainer(options: options, environment: env, itemFeatures: features, featureWidth: featureWidth)
    }

    static func weightBytes(_ t: A2CTrainer) throws -> Data { try t.model.safetensors().serialized() }

    /// Items A (tag 0, reward 1), B (tag 0, 0.8), C (tag 1, 0.5), D (tag 1, 0); window 1, threshold 0, at most 3
    /// items. Showing an item with the previous one's tag ends the session (it is still rewarded). With γ = 0.9
    /// the best session is A, C, B: 1 + 0.9 · 0.5 + 0.81 · 0.8 = 2.098 (A, B stops at 1.72; B, C, A gives 2.06;
    /// the rest less), so V*(start) = 2.098 and after A the best item is C (V* = 0.5 + 0.9 · 0.8 = 1.22), not the
    /// greedy B (0.8). MBPO's shift is min R̂ = 0, so the rewards are as listed.
    @Test("A2C on a hand-made MDP finds A, C, B and the value 2.098")
    func handMadeMDP() throws {
        let tables = try RewardTables(users: 1, items: 4, reward: [1, 0.8, 0.5, 0], heads: [Float](repeating: 0.5, count: 16))
        let tags: [[Int32]] = [[0], [0], [1], [1]]
        let features: [Float] = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]   // one-hot
        var options = A2COptions()
        options.seed = 7
        options.environments = 32
        options.stepsPerEpoch = 32 * 3 * 50
        options.epochs = 12
        options.learningRate = 0.01
        options.minibatchSize = 256
        options.hiddenWidth = 32
        for scorer in [ActorCritic.ItemScorer.table, .itemFeatures] {
            options.scorer = scorer
            let t = try Self.trainer(options, tables: tables, tags: tags, features: features, featureWidth: 4,
                                     rule: KuaiEnvExitRule(window: 1, threshold: 0, maxTurn: 3))
            try t.train()
            let normalisation = t.normalisation
            let first = try t.model.probabilities(shown: [], rewards: [], normalisation: normalisation)
            let second = try t.model.probabilities(shown: [0], rewards: [1], normalisation: normalisation)
            #expect(first[0] > 0.9, "\(scorer): P(A first) = \(first)")
            #expect(second[2] > 0.9, "\(scorer): P(C after A) = \(second)")
            let last = t.history[t.history.count - 1]
            // The sessions' undiscounted return under A, C, B: 1 + 0.5 + 0.8.
            #expect(abs(last.meanReturn - 2.3) < 0.08, "\(scorer): mean undiscounted return \(last.meanReturn)")
            // The critic's value of the start state against the hand-computed V* = 2.098.
            let value = try Self.startValue(t)
            #expect(abs(value - 2.098) < 0.08, "\(scorer): V(start) = \(value), V* = 2.098")
        }
    }

    /// The critic's value of the start state (no item shown yet).
    static func startValue(_ t: A2CTrainer) throws -> Double {
        let w = ActorCriticWorkspace(t.model.configuration, capacity: 1)
        var sum = [Float](repeating: 0, count: t.model.configuration.featureWidth + 1)
        let (m, a) = t.model.tracker.compose(items: [0], rewards: [0], turn: 0, normalisation: t.normalisation, sum: &sum)
        t.model.tracker.assemble(sums: sum, meanWeights: [m], startWeights: [a], start: t.model.start, rows: 1, into: w.states)
        t.model.forward(w, rows: 1)
        return Double(w.values[0])
    }

    static func smallRun(seed: UInt64, epochs: Int) -> A2COptions {
        var o = A2COptions()
        o.seed = seed
        o.environments = 16
        o.stepsPerEpoch = 400
        o.epochs = epochs
        o.minibatchSize = 64
        o.hiddenWidth = 16
        o.entropyCoefficient = 0.01
        o.critics = [[1, 0, 0, 0, 0], [0, 1, 1, 1, -1]]
        o.actorWeights = [1, 0.5]
        return o
    }

    @Test("A seeded training gives the same weight bytes twice and at 1, 2 and 4 threads, another seed other bytes",
          arguments: [ActorCritic.ItemScorer.itemFeatures, .table])
    func reproducible(scorer: ActorCritic.ItemScorer) throws {
        let (tables, tags, features) = try Self.randomWorld(users: 20, items: 60, featureWidth: 8, categories: 6, seed: 1)
        let rule = KuaiEnvExitRule(window: 2, threshold: 0, maxTurn: 10)
        let before = LearningThreads.count
        defer { LearningThreads.configure(threads: before) }
        var bytes: [Data] = [], histories: [[A2CEpochSummary]] = []
        for (seed, threads): (UInt64, Int) in [(3, 2), (3, 2), (3, 1), (3, 4), (4, 2)] {
            LearningThreads.configure(threads: threads)
            var options = Self.smallRun(seed: seed, epochs: 3)
            options.scorer = scorer
            let t = try Self.trainer(options, tables: tables, tags: tags, features: features, featureWidth: 8, rule: rule)
            try t.train()
            bytes.append(try Self.weightBytes(t))
            histories.append(t.history)
        }
        #expect(bytes[1] == bytes[0] && bytes[2] == bytes[0] && bytes[3] == bytes[0])
        #expect(histories[1] == histories[0] && histories[2] == histories[0] && histories[3] == histories[0])
        #expect(bytes[4] != bytes[0])
    }

    @Test("A checkpoint after epoch 2, loaded by a fresh trainer, continues to the uninterrupted run's bytes")
    func resume() throws {
        let (tables, tags, features) = try Self.randomWorld(users: 20, items: 60, featureWidth: 8, categories: 6, seed: 2)
        let rule = KuaiEnvExitRule(window: 2, threshold: 0, maxTurn: 10)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("a2c-resume-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for scorer in [ActorCritic.ItemScorer.itemFeatures, .table] {
            var options = Self.smallRun(seed: 5, epochs: 4)
            options.scorer = scorer
            let whole = try Self.trainer(options, tables: tables, tags: tags, features: features, featureWidth: 8, rule: rule)
            try whole.train()

            let path = folder.appendingPathComponent("\(scorer).safetensors").path
            var interrupted = options
            interrupted.epochs = 2
            let first = try Self.trainer(interrupted, tables: tables, tags: tags, features: features, featureWidth: 8, rule: rule)
            try first.train(checkpoint: A2CCheckpoint(path: path, resume: false))
            let fresh = try Self.trainer(options, tables: tables, tags: tags, features: features, featureWidth: 8, rule: rule)
            try fresh.train(checkpoint: A2CCheckpoint(path: path, resume: true))
            #expect(fresh.epoch == 4)
            #expect(try Self.weightBytes(fresh) == Self.weightBytes(whole), "\(scorer)")
            #expect(fresh.history == whole.history)
            // Throughput counts the epochs trained in each process: all four in one, the last two after the resume.
            #expect(whole.throughput.steps == whole.history.map(\.steps).reduce(0, +) && whole.throughput.seconds > 0)
            #expect(fresh.throughput.steps == whole.history[2...].map(\.steps).reduce(0, +))

            // A state saved with other options is refused, naming the difference.
            var other = options
            other.learningRate = 0.002
            let refused = try Self.trainer(other, tables: tables, tags: tags, features: features, featureWidth: 8, rule: rule)
            #expect(throws: PipelineError.self) { try refused.train(checkpoint: A2CCheckpoint(path: path, resume: true)) }
        }
    }

    @Test("Throughput per 100,000 steps and the sum of two records, by hand")
    func throughputArithmetic() {
        #expect(A2CThroughput().secondsPer100k == nil)
        #expect(A2CThroughput(steps: 50_000, seconds: 1.5).secondsPer100k == 3.0)
        let both = A2CThroughput(steps: 50_000, seconds: 1.5) + A2CThroughput(steps: 150_000, seconds: 2.5)
        #expect(both == A2CThroughput(steps: 200_000, seconds: 4.0) && both.secondsPer100k == 2.0)
    }

    @Test("Exported weights carry PyTorch-style names and load back into the same policy")
    func export() throws {
        let (tables, tags, features) = try Self.randomWorld(users: 10, items: 30, featureWidth: 4, categories: 5, seed: 3)
        let t = try Self.trainer(Self.smallRun(seed: 9, epochs: 1), tables: tables, tags: tags, features: features, featureWidth: 4,
                                 rule: KuaiEnvExitRule(window: 1, threshold: 0, maxTurn: 8))
        try t.train()
        let file = try SafetensorsFile(data: t.model.safetensors().serialized())
        #expect(Set(file.tensors.keys) == ["trunk.0.weight", "trunk.0.bias", "trunk.2.weight", "trunk.2.bias", "item_tower.weight",
                                           "critic.weight", "critic.bias", "state_tracker.start"])
        #expect(try file.tensor("trunk.0.weight").shape == [16, 5])
        let loaded = try ActorCritic(file: file, itemFeatures: features)
        let history: [Int32] = [3, 7], rewards: [Float] = [0.4, 1.2]
        let p = try t.model.probabilities(shown: history, rewards: rewards, normalisation: t.normalisation)
        #expect(try loaded.probabilities(shown: history, rewards: rewards, normalisation: t.normalisation) == p)
        #expect(p[3] == 0 && p[7] == 0)
        #expect(abs(p.reduce(0, +) - 1) < 1e-5)
        #expect(throws: PipelineError.self) { try t.model.probabilities(shown: [3, 3], rewards: [1, 1], normalisation: t.normalisation) }
    }
}
