import ArgumentParser
import Foundation
import ValueModel

/// `bench rl`: step 6's A2C training throughput at KuaiRec's small-matrix size (1,411 users x 3,327 videos) in a
/// synthetic user model: seeded random reward, uncertainty and head tables, random item features as wide as step 6's
/// (`UserModelData.videoSideNames`) and one of 31 tags per item; DORL's settings (100 environments, MLP 64-64,
/// softmax over every item, a value head, Adam 1e-3, γ 0.9) and the published exit rule (window 4, threshold 0,
/// 30 turns), MOPO's penalised reward. Times whole epochs and prints their phase profile, one JSON line per scorer.
struct RLBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rl", abstract: "Time A2C epochs (environment steps per second) at the small matrix's size, with a phase profile.")

    @Option(help: "Threads for OpenBLAS and the engine's loops.")
    var threads = 2

    @Option(help: "Users of the synthetic user model's tables.")
    var users = 1411

    @Option(help: "Items (videos) the policy's softmax runs over.")
    var items = 3327

    @Option(help: "Width of the item features (default: step 6's video-side features).")
    var featureWidth = UserModelData.videoSideNames.count

    @Option(help: "Environment steps per epoch.")
    var steps = 100_000

    @Option(help: "Untimed warm-up epochs.")
    var warmup = 1

    @Option(help: "Timed epochs.")
    var epochs = 3

    @Option(help: "Item scorer: itemFeatures (step 6's), table (DORL's own actor) or both.")
    var scorer = "both"

    @Option(help: "Seed of the tables, features and training.")
    var seed: UInt64 = 4

    func validate() throws {
        guard threads > 0, users > 0, items >= 30, featureWidth > 0, steps > 0, warmup >= 0, epochs > 0 else {
            throw ValidationError("--threads, --users, --feature-width, --steps and --epochs must be positive, --items at least 30 (the exit rule's 30 turns), --warmup not negative")
        }
        guard ["itemFeatures", "table", "both"].contains(scorer) else { throw ValidationError("--scorer must be itemFeatures, table or both") }
    }

    func run() throws {
        LearningThreads.configure(threads: threads)
        var g = SeededGenerator(seed: seed)
        let pairs = users * items
        let tables = try RewardTables(users: users, items: items, reward: (0..<pairs).map { _ in Float(g.nextUniform() * 2) },
                                      heads: (0..<(pairs * RewardTables.headCount)).map { _ in Float(g.nextUniform()) },
                                      uncertainty: (0..<pairs).map { _ in Float(g.nextUniform() * 0.5) })
        let tags = (0..<items).map { _ in [Int32(g.next() % 31)] }
        let features = (0..<(items * featureWidth)).map { _ in Float(g.nextNormal()) }
        let rule = KuaiEnvExitRule(window: 4, threshold: 0, maxTurn: 30)
        let reward = try BoundPenalisedReward(.mopo, tables: tables, entropy: nil)
        let scorers: [ActorCritic.ItemScorer] = scorer == "both" ? [.itemFeatures, .table] : [scorer == "table" ? .table : .itemFeatures]
        for kind in scorers {
            var options = A2COptions()
            options.seed = seed
            options.stepsPerEpoch = steps
            options.epochs = warmup + epochs
            options.scorer = kind
            let environment = try BatchedSessionEnvironment(tables: tables, itemTags: tags, rule: rule, reward: reward, environments: options.environments)
            let trainer = try A2CTrainer(options: options, environment: environment, itemFeatures: features, featureWidth: featureWidth)
            for _ in 0..<warmup { try trainer.trainEpoch() }
            trainer.phaseTimes = A2CPhaseTimes()
            let loadAtStart = loadAverage()
            var timed = Samples(), stepCounts: [Int] = [], cpu: [Double] = []
            for _ in 0..<epochs {
                let cpuStart = ResourceUsage.processCPUSeconds()
                let summary = try timed.time { try trainer.trainEpoch() }
                cpu.append(ResourceUsage.processCPUSeconds() - cpuStart)
                stepCounts.append(summary.steps)
            }
            let seconds = timed.seconds.sorted()[timed.seconds.count / 2]
            let meanSteps = Double(stepCounts.reduce(0, +)) / Double(epochs)
            var fields = commonFields(threads: threads)
            fields.merge(["scenario": "rl", "model": "a2c-\(kind.rawValue)", "users": users, "items": items, "feature_width": featureWidth,
                          "hidden_width": options.hiddenWidth, "environments": options.environments, "minibatch_size": options.minibatchSize,
                          "steps_per_epoch": steps, "steps_all": stepCounts, "warmup": warmup,
                          "steps_per_s": meanSteps / seconds, "s_per_100k_steps": seconds * 100_000 / meanSteps,
                          "mean_length": trainer.history.last?.meanLength ?? 0, "target_s_per_100k_steps": 2.0]) { $1 }
            fields.merge(timed.fields("epoch")) { $1 }
            fields["loadavg_at_start"] = loadAtStart
            fields["epoch_cpu_s_all"] = cpu   // CPU seconds of every thread: what a loaded machine does not hide
            for (name, total) in trainer.phaseTimes.phases { fields["phase_\(name)_s"] = total / Double(epochs) }
            fields["phase_other_s"] = (timed.seconds.reduce(0, +) - trainer.phaseTimes.total) / Double(epochs)
            try printJSONLine(fields)
        }
    }
}
