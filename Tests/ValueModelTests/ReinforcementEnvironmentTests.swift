import Foundation
import Testing
@testable import ValueModel

/// The batched environment: KuaiEnv's exit rule on hand-made histories (window 4 and its Python-slice quirk),
/// agreement with `KuaiEnvExitRule.leaves` on random histories, no repeated item, and the tables' validation.
@Suite("Reinforcement: batched session environment")
struct ReinforcementEnvironmentTests {
    static func environment(items: Int, tags: [[Int32]], rule: KuaiEnvExitRule, environments: Int, users: Int = 1) throws -> BatchedSessionEnvironment {
        let reward = (0..<(users * items)).map { Float($0 % items) / 10 + 0.1 }
        let tables = try RewardTables(users: users, items: items, reward: reward, heads: [Float](repeating: 0.25, count: users * items * 4))
        return try BatchedSessionEnvironment(tables: tables, itemTags: tags, rule: rule, reward: try BoundPenalisedReward(.mbpo, tables: tables, entropy: nil),
                                             environments: environments)
    }

    /// Steps every environment through `sequences[e]` (a session per environment) and returns, per environment,
    /// the turn at which it reported done (nil if it never did), checking the shown item is always rewarded.
    static func run(_ env: BatchedSessionEnvironment, _ sequences: [[Int32]]) throws -> [Int?] {
        try env.reset(users: [Int32](repeating: 0, count: env.environments))
        var ended = [Int?](repeating: nil, count: env.environments)
        var signals = [Float](repeating: 0, count: env.environments * 5), ratios = [Float](repeating: 0, count: env.environments)
        for t in 0..<(sequences.map(\.count).max() ?? 0) {
            let actions = (0..<env.environments).map { e in t < sequences[e].count ? sequences[e][t] : -1 }
            let running = (0..<env.environments).map { !env.done[$0] }
            try env.step(actions: actions, signals: &signals, watchRatios: &ratios)
            for e in 0..<env.environments where running[e] {
                #expect(ratios[e] == Float(actions[e]) / 10 + 0.1, "the item shown at turn \(t) is rewarded")
                #expect(signals[e * 5 + 1] == 0.25)
                if env.done[e] { ended[e] = t }
            }
        }
        return ended
    }

    /// Window N = 4, threshold 0: the session ends when the new item shares a tag with an item in KuaiEnv's window
    /// `history[t − 4 : t]`, which for t < 4 is Python's negative-start slice: turn 1 sees item 0, turn 2 items 0-1,
    /// turn 3 only item 2 (start 2·3 − 4), turn 4 items 0-3, turn 5 items 1-4.
    @Test("Exit rule, window 4: hand-made histories in one batch")
    func windowFour() throws {
        // Item tags: 0 A, 1 B, 2 C, 3 A, 4 D, 5 B, 6 E, 7 C, 8 F.
        let tags: [[Int32]] = [[0], [1], [2], [0], [3], [1], [4], [2], [5]]
        let env = try Self.environment(items: 9, tags: tags, rule: KuaiEnvExitRule(window: 4, threshold: 0, maxTurn: 8), environments: 4)
        let ended = try Self.run(env, [
            [0, 1, 2, 3, 4, 5, 6],   // turn 3: A with window [C] stays (item 0's A is outside); turn 5: B with window [B C A D] ends
            [0, 1, 3],               // turn 2: A with window [A B] ends
            [0, 1, 2, 4, 7],         // turn 4: C with window [A B C D] ends
            [0, 1, 2, 4, 6, 8, 3, 5],// all distinct tags until turn 6 (A, window [D E F C]: no), turn 7 = max turn − 1 ends
        ])
        #expect(ended == [5, 2, 4, 7])
        #expect(env.turns == [6, 3, 5, 8])
        // Showing an item twice, or an item outside the catalogue, is refused.
        try env.reset(users: [0, 0, 0, 0])
        var signals = [Float](repeating: 0, count: 20), ratios = [Float](repeating: 0, count: 4)
        try env.step(actions: [0, 1, 2, 3], signals: &signals, watchRatios: &ratios)
        #expect(env.wasShown(2, in: 2) && !env.wasShown(2, in: 1))
        #expect(throws: PipelineError.self) { try env.step(actions: [1, 1, 2, 4], signals: &signals, watchRatios: &ratios) }
        #expect(throws: PipelineError.self) { try env.step(actions: [9, 0, 0, 0], signals: &signals, watchRatios: &ratios) }
    }

    @Test("Exit rule: the batched environment agrees with KuaiEnvExitRule.leaves on random histories")
    func agreesWithExitRule() throws {
        var g = SeededGenerator(seed: 11)
        let items = 40
        let tags: [[Int32]] = (0..<items).map { _ in (0..<Int(g.next() % 3)).map { _ in Int32(g.next() % 6) } }
        for window in 1...6 {
            for threshold in 0...2 {
                let rule = KuaiEnvExitRule(window: window, threshold: threshold, maxTurn: 12)
                let env = try Self.environment(items: items, tags: tags, rule: rule, environments: 8)
                let sequences: [[Int32]] = (0..<8).map { _ in
                    var pool = (0..<Int32(items)).map { $0 }
                    pool.shuffle(using: &g)
                    return Array(pool.prefix(12))
                }
                let ended = try Self.run(env, sequences)
                for (e, sequence) in sequences.enumerated() {
                    let expected = (0..<12).first { t in
                        rule.leaves(turn: t, history: Array(sequence.prefix(t)), tags: tags[Int(sequence[t])]) { tags[Int($0)] }
                    }
                    #expect(ended[e] == expected, "window \(window), threshold \(threshold), session \(e)")
                }
            }
        }
    }

    @Test("Users are drawn by the seeded generator at reset")
    func seededUsers() throws {
        let env = try Self.environment(items: 5, tags: [[0], [1], [2], [3], [4]], rule: KuaiEnvExitRule(window: 1, maxTurn: 5), environments: 50, users: 7)
        var a = SeededGenerator(seed: 1), b = SeededGenerator(seed: 1)
        env.reset(generator: &a)
        let first = env.users
        env.reset(generator: &b)
        #expect(env.users == first)
        #expect(Set(first).count > 3 && first.allSatisfy { $0 >= 0 && $0 < 7 })
        #expect(env.done.allSatisfy { !$0 } && env.turns.allSatisfy { $0 == 0 })
    }

    @Test("Reward tables and environments refuse bad input with typed errors")
    func validation() throws {
        let heads = [Float](repeating: 0.5, count: 8)
        #expect(throws: PipelineError.self) { try RewardTables(users: 1, items: 2, reward: [1], heads: heads) }
        #expect(throws: PipelineError.self) { try RewardTables(users: 1, items: 2, reward: [1, .nan], heads: heads) }
        #expect(throws: PipelineError.self) { try RewardTables(users: 1, items: 2, reward: [1, 1], heads: [0.5, 0.5, 0.5, 1.5, 0, 0, 0, 0]) }
        #expect(throws: PipelineError.self) { try RewardTables(users: 1, items: 2, reward: [1, 1], heads: heads, uncertainty: [0, -1]) }
        #expect(throws: PipelineError.self) { try RewardTables(users: 0, items: 2, reward: [], heads: []) }
        let tables = try RewardTables(users: 1, items: 2, reward: [1, 1], heads: heads)
        let reward = try BoundPenalisedReward(.mbpo, tables: tables, entropy: nil)
        #expect(throws: PipelineError.self) {   // more turns than items: a session would run out of unshown items
            try BatchedSessionEnvironment(tables: tables, itemTags: [[0], [1]], rule: KuaiEnvExitRule(window: 1, maxTurn: 3), reward: reward, environments: 1)
        }
        #expect(throws: PipelineError.self) {
            try BatchedSessionEnvironment(tables: tables, itemTags: [[0]], rule: KuaiEnvExitRule(window: 1, maxTurn: 2), reward: reward, environments: 1)
        }
        #expect(throws: PipelineError.self) { try BoundPenalisedReward(.mopo, tables: tables, entropy: nil) }   // no uncertainty table
        #expect(throws: PipelineError.self) {
            try BoundPenalisedReward(PenalisedReward(uncertaintyWeight: 0, entropyWeight: 5), tables: tables, entropy: nil)
        }
    }
}
