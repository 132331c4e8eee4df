import Foundation
import Testing
@testable import ValueModel

/// A learned policy evaluated by step 5's simulator right after a training epoch (step 6's training curve) gives
/// the episodes of the same weights loaded afresh and evaluated on one thread, whatever the thread count.
@Suite("Reinforcement: learned policies in the simulator reproduce")
struct LearnedPolicyDeterminismTests {
    /// A world of `sessions` users and `items` candidates whose responses are a random table, each candidate one of
    /// `categories` tags (video ids are the candidate indices, so the policy's catalogue is the candidates).
    static func tableWorld(sessions: Int, items: Int, categories: Int, seed: UInt64) throws -> PolicyWorld {
        var g = SeededGenerator(seed: seed)
        let rewards = (0..<(sessions * items)).map { _ in Float(g.nextUniform() * 2) }
        let heads = (0..<(sessions * items * 4)).map { _ in Float(g.nextUniform()) }
        return try PolicyWorld(sessionUsers: (0..<sessions).map(Int32.init), sessionDayparts: [Int32](repeating: 0, count: sessions),
                               candidateVideos: (0..<items).map(Int32.init),
                               candidateTags: (0..<items).map { _ in [Int32(g.next() % UInt64(categories))] },
                               candidateExposure: [Int32](repeating: 1, count: items),
                               predicted: CandidateHeads(sessions: sessions, videos: items, values: heads),
                               responses: .table(rewards: rewards, heads: heads), plantedWeights: nil)
    }

    /// The episodes as step 6 writes them (sorted keys).
    static func bytes(_ outcome: SessionSimulator.Outcome) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(outcome.episodes)
    }

    /// Step 6's loop in small: after every epoch of A2C, the trained network goes straight into a parallel simulator
    /// run on 4 threads (its first forward since the epoch's last update, as step 6's training curve does); that run
    /// must equal a copy of the same weights, loaded from their safetensors bytes, run on one thread, and the last
    /// epoch's network run again on 2 threads too. Features 256 wide make the item matrix g(x) slow enough to
    /// compute that a computation racing with the parallel episodes (7f3f6bf's bug: g(x) rebuilt lazily by whichever
    /// episode came first) shows in most epochs; twelve one-rollout epochs give it twelve chances.
    @Test("A LearnedRankingPolicy right after an update gives a fresh copy's episodes, at 1, 2 and 4 threads")
    func evaluationAfterAnUpdateReproduces() throws {
        let items = 500, featureWidth = 256, epochs = 12
        let (tables, tags, features) = try ReinforcementTrainingTests.randomWorld(users: 30, items: items, featureWidth: featureWidth,
                                                                                 categories: 40, seed: 11)
        var options = ReinforcementTrainingTests.smallRun(seed: 21, epochs: epochs)
        options.stepsPerEpoch = 50   // one rollout of 16 sessions
        options.hiddenWidth = 64
        let rule = KuaiEnvExitRule(window: 4, threshold: 0, maxTurn: 10)
        let trainer = try ReinforcementTrainingTests.trainer(options, tables: tables, tags: tags, features: features,
                                                             featureWidth: featureWidth, rule: rule)
        let world = try Self.tableWorld(sessions: 25, items: items, categories: 40, seed: 12)
        let simulator = SessionSimulator(world: world, rule: rule, episodes: 64, seed: 13)
        func policy(_ model: ActorCritic) -> LearnedRankingPolicy {
            LearnedRankingPolicy(name: "learned", identifier: .learnedDORL, model: model, normalisation: trainer.normalisation,
                                 candidateVideos: world.candidateVideos)
        }
        let before = LearningThreads.count
        defer { LearningThreads.configure(threads: before) }
        // Per epoch: the trained network on 4 threads, then the fresh copy on one.
        var runs: [(trained: Data, copy: Data)] = []
        var failure: Error?
        try trainer.train(onEpoch: { _ in
            do {
                LearningThreads.configure(threads: 4)
                let trained = try Self.bytes(simulator.run(policy(trainer.model)))
                LearningThreads.configure(threads: before)
                let copy = try ActorCritic(file: SafetensorsFile(data: trainer.model.safetensors().serialized()), itemFeatures: features)
                LearningThreads.configure(threads: 1)
                runs.append((trained, try Self.bytes(simulator.run(policy(copy)))))
                LearningThreads.configure(threads: before)
            } catch {
                failure = error
            }
        })
        #expect(failure == nil, "\(String(describing: failure))")
        #expect(runs.count == epochs)
        for (epoch, run) in runs.enumerated() {
            #expect(run.trained == run.copy, "epoch \(epoch): the parallel run right after the update differs from the fresh copy's")
        }
        LearningThreads.configure(threads: 2)
        #expect(try Self.bytes(simulator.run(policy(trainer.model))) == runs.last?.copy)
        // The policy learns: its episodes change between epochs.
        #expect(Set(runs.map(\.copy)).count > 1)
    }
}
