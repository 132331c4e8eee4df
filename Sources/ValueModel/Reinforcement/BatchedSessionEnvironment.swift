/// Many simulated sessions at once in KuaiEnv's protocol, driven by a learned user model's tables.
///
/// Each environment holds one session: a user drawn uniformly at reset (KuaiEnv's `__user_generator`), then one item
/// per step. A step returns the `RewardTables.signalCount` signals of the shown item — the penalised reward
/// (`BoundPenalisedReward`, DORL's training reward) and the four heads' probabilities — and ends the session by
/// `KuaiEnvExitRule` (window, threshold, `maxTurn`, the early-step slice included); the item that ends it is still
/// rewarded. Unlike KuaiEnv, an item is never shown twice in a session: a repeated action is an error, and the
/// policies mask the items already shown.
public final class BatchedSessionEnvironment {
    /// The user model's answers.
    public let tables: RewardTables
    /// When a user leaves.
    public let rule: KuaiEnvExitRule
    /// The training reward of a step (signal 0).
    public let reward: BoundPenalisedReward
    /// Number of sessions run side by side.
    public let environments: Int
    /// Item tags in CSR form: item j's tags are `tags[tagStarts[j]..<tagStarts[j + 1]]`.
    let tagStarts: [Int32]
    let tags: [Int32]
    /// `[environments]`: each session's user.
    public private(set) var users: [Int32]
    /// `[environments]`: items shown so far in each session.
    public private(set) var turns: [Int]
    /// `[environments]`: whether the session has ended (true before the first reset).
    public private(set) var done: [Bool]
    /// `[environments, maxTurn]`: the items shown, in order (entries at and after `turns[e]` are stale).
    public private(set) var history: [Int32]
    /// `[environments, maxTurn]`: the penalised reward of each shown item.
    public private(set) var historyRewards: [Float]

    /// An environment of `environments` sessions over `tables`, with `itemTags[j]` the tags the exit rule reads.
    public init(tables: RewardTables, itemTags: [[Int32]], rule: KuaiEnvExitRule, reward: BoundPenalisedReward, environments: Int) throws {
        guard itemTags.count == tables.items else {
            throw PipelineError.invalidData("\(itemTags.count) tag lists for \(tables.items) items")
        }
        guard environments > 0, environments <= 1 << 20 else {
            throw PipelineError.invalidOption(name: "environments", reason: "needs 1...\(1 << 20) parallel sessions, got \(environments)")
        }
        guard rule.maxTurn >= 1, rule.maxTurn <= tables.items, rule.window >= 0, rule.threshold >= 0 else {
            throw PipelineError.invalidOption(name: "exit rule", reason: "needs 1 ≤ max turn ≤ \(tables.items) items (no item is shown twice), window ≥ 0 and threshold ≥ 0; got max turn \(rule.maxTurn), window \(rule.window), threshold \(rule.threshold)")
        }
        self.tables = tables
        self.rule = rule
        self.reward = reward
        self.environments = environments
        var starts: [Int32] = [0]
        for list in itemTags { starts.append(starts[starts.count - 1] + Int32(list.count)) }
        tagStarts = starts
        tags = itemTags.flatMap { $0 }
        users = [Int32](repeating: 0, count: environments)
        turns = [Int](repeating: 0, count: environments)
        done = [Bool](repeating: true, count: environments)
        history = [Int32](repeating: 0, count: environments * rule.maxTurn)
        historyRewards = [Float](repeating: 0, count: environments * rule.maxTurn)
    }

    /// Starts a new session in every environment, each with a user drawn uniformly by `generator`.
    public func reset(generator: inout SeededGenerator) {
        for e in 0..<environments { users[e] = Int32(generator.next() % UInt64(tables.users)) }
        restart()
    }

    /// Starts a new session in every environment with the given users (`[environments]`).
    public func reset(users newUsers: [Int32]) throws {
        guard newUsers.count == environments, newUsers.allSatisfy({ $0 >= 0 && Int($0) < tables.users }) else {
            throw PipelineError.invalidData("reset needs \(environments) users in 0..<\(tables.users), got \(newUsers)")
        }
        users = newUsers
        restart()
    }

    private func restart() {
        for e in 0..<environments { turns[e] = 0; done[e] = false }
    }

    /// Whether `item` was shown in environment `e`'s current session.
    public func wasShown(_ item: Int32, in e: Int) -> Bool {
        let row = e * rule.maxTurn
        for t in 0..<turns[e] where history[row + t] == item { return true }
        return false
    }

    /// One step of every running session: environment e shows `actions[e]` (ignored where `done[e]`).
    /// Writes `signals` `[environments, 5]` (penalised reward, then the four heads; zero for ended sessions) and
    /// `watchRatios` `[environments]` (the user model's R̂ before any penalty), and updates `done`.
    // actions: [envs] -> signals: [envs, 5], watchRatios: [envs]
    public func step(actions: [Int32], signals: inout [Float], watchRatios: inout [Float]) throws {
        let width = RewardTables.signalCount
        guard actions.count == environments, signals.count == environments * width, watchRatios.count == environments else {
            throw PipelineError.invalidData("a step of \(environments) environments needs \(environments) actions, \(environments * width) signal slots and \(environments) watch-ratio slots")
        }
        for e in 0..<environments {
            guard !done[e] else {
                for k in 0..<width { signals[e * width + k] = 0 }
                watchRatios[e] = 0
                continue
            }
            let item = actions[e]
            guard item >= 0, Int(item) < tables.items, !wasShown(item, in: e) else {
                throw PipelineError.invalidData("environment \(e): action \(item) is outside 0..<\(tables.items) or was already shown in this session")
            }
            let t = turns[e], row = e * rule.maxTurn
            let leaving = leaves(environment: e, turn: t, item: item)
            let pair = Int(users[e]) * tables.items + Int(item)
            let r = reward.reward(prediction: tables.reward[pair], uncertainty: tables.uncertainty?[pair] ?? 0,
                                  current: item, previous: t > 0 ? history[row + t - 1] : nil)
            signals[e * width] = r
            for h in 0..<RewardTables.headCount { signals[e * width + 1 + h] = tables.heads[pair * RewardTables.headCount + h] }
            watchRatios[e] = tables.reward[pair]
            history[row + t] = item
            historyRewards[row + t] = r
            turns[e] = t + 1
            done[e] = leaving
        }
    }

    /// KuaiEnv's `_determine_whether_to_leave` and its `max_turn` check, on the CSR tags (no allocation): at
    /// turn `t`, whether some tag of `item` occurs more than `threshold` times among the tags of the window's items.
    func leaves(environment e: Int, turn t: Int, item: Int32) -> Bool {
        if t >= rule.maxTurn - 1 { return true }
        if t == 0 { return false }
        let window = rule.window(turn: t), row = e * rule.maxTurn
        for k in Int(tagStarts[Int(item)])..<Int(tagStarts[Int(item) + 1]) {
            var count = 0
            for position in window {
                let shown = Int(history[row + position])
                for m in Int(tagStarts[shown])..<Int(tagStarts[shown + 1]) where tags[m] == tags[k] { count += 1 }
            }
            if count > rule.threshold { return true }
        }
        return false
    }
}
