import Foundation
import Testing
@testable import ValueModel

/// Step 3's training machinery: the early-stopping rule on a scripted AUC sequence, checkpoint round trips
/// that reproduce test AUCs exactly, and short training runs on a small planted graph.
@Suite("Training: early stopping, checkpoints, short runs")
struct TrainingTests {
    // MARK: - Early stopping

    @Test("early stopping follows the original rule on a scripted sequence")
    func earlyStoppingScript() {
        var rule = EarlyStopping(heads: 2, patience: 3)
        // step: AUCs -> (any head improved, stalled counters, should stop)
        let script: [([Double], Bool, [Int], Bool)] = [
            ([0.50, 0.50], true, [0, 0], false),    // 1: first observation improves both
            ([0.60, 0.40], true, [0, 1], false),    // 2: head 0 improves
            ([0.60, 0.50], false, [1, 2], false),   // 3: equal is not better
            ([0.55, 0.45], false, [2, 3], false),   // 4: head 1 has stalled, head 0 not yet
            ([0.59, 0.70], true, [3, 0], false),    // 5: head 1 improves, resets only its counter
            ([0.10, 0.10], false, [4, 1], false),
            ([0.10, 0.10], false, [5, 2], false),
            ([0.10, 0.10], false, [6, 3], true),    // 8: every head has gone 3 steps without improving
        ]
        for (step, (aucs, improved, stalled, stop)) in script.enumerated() {
            let got = rule.observe(aucs)
            #expect(got == improved, "step \(step + 1)")
            #expect(rule.stalled == stalled, "step \(step + 1)")
            #expect(rule.shouldStop == stop, "step \(step + 1)")
        }
        #expect(rule.bestStep == 5)            // the last step where any head improved
        #expect(rule.best == [0.60, 0.70])
    }

    @Test("a head with an undefined AUC is skipped, as in the original")
    func earlyStoppingNaN() {
        var rule = EarlyStopping(heads: 2, patience: 1)
        let first = rule.observe([0.5, .nan])
        let second = rule.observe([0.4, .nan])
        #expect(first)
        #expect(!second)
        #expect(rule.stalled == [1, 0])
        #expect(!rule.shouldStop)
    }

    // MARK: - A small planted graph

    /// 60 users, 90 videos, 3,600 edges. Every head's log-odds mix a latent user·video affinity (absent from
    /// the features, so only node embeddings can learn it) with one informative edge feature; each user's videos
    /// are drawn with probability ∝ exp(1.5 · affinity), so a video's viewers (what message passing averages)
    /// carry its latent factors; 70/15/15 split.
    static func plantedGraph(seed: UInt64 = 11) throws -> TrainingGraph {
        var g = SeededGenerator(seed: seed)
        let users = 60, videos = 90, perUser = 60, d = 8, k = 3
        let uf = (0..<(users * k)).map { _ in g.nextNormal() }
        let vf = (0..<(videos * k)).map { _ in g.nextNormal() }
        var sources: [Int32] = [], targets: [Int32] = [], features: [Float] = [], labels: [Float] = []
        let heads: [(Double, Double, Double)] = [(1.2, 0.8, -0.5), (1.0, -0.6, -1.0), (0.8, 0.5, -2.0), (-1.2, 0.4, -1.5)]
        func affinityOf(_ u: Int, _ v: Int) -> Double {
            (0..<k).reduce(0.0) { $0 + uf[u * k + $1] * vf[v * k + $1] } / Double(k).squareRoot()
        }
        for u in 0..<users {
            // Exposure follows affinity, as a platform's ranking does: who watched a video reveals its factors.
            let weights = (0..<videos).map { exp(1.5 * affinityOf(u, $0)) }
            let total = weights.reduce(0, +)
            for _ in 0..<perUser {
                var r = g.nextUniform() * total, v = 0
                while v < videos - 1 && r >= weights[v] { r -= weights[v]; v += 1 }
                sources.append(Int32(u))
                targets.append(Int32(users + v))
                let x = (0..<d).map { _ in Float(g.nextNormal()) }
                features += x
                let affinity = affinityOf(u, v)
                for (a, b, c) in heads {
                    let p = 1 / (1 + exp(-(a * affinity * 2.5 + b * Double(x[0]) + c)))
                    labels.append(g.nextUniform() < p ? 1 : 0)
                }
            }
        }
        let n = sources.count
        var order = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int(g.next() % UInt64(i + 1))) }
        let train = order[0..<(n * 70 / 100)].map { Int32($0) }.sorted()
        let validation = order[(n * 70 / 100)..<(n * 85 / 100)].map { Int32($0) }.sorted()
        let test = order[(n * 85 / 100)...].map { Int32($0) }.sorted()
        let edges = try EdgeExamples(sources: sources, targets: targets, features: Matrix(rows: n, cols: d, values: features),
                                     labels: Matrix(rows: n, cols: 4, values: labels))
        return TrainingGraph(name: "planted", nodeCount: users + videos, edges: edges, train: train, validation: validation,
                             test: test, messagePassing: .all)
    }

    static let quiet: ProgressLine? = nil

    @Test("a short GNN run learns the planted affinity: test mean AUC > 0.75, at least 0.10 above the edge MLP's")
    func shortRunLearns() throws {
        let graph = try Self.plantedGraph()
        let validation = graph.examples(graph.validation), test = graph.examples(graph.test)
        var g = SeededGenerator(seed: 5)
        let gnn = GNNModel(adjacency: try graph.adjacency(), hidden: 16, featureDim: 8, generator: &g)
        let mlp = EdgeMLP(inputDim: 8, generator: &g)
        let settings = TrainingSettings(learningRate: 3e-3, batchSize: 512, maxSteps: 200, patience: 30, seed: 9)
        let gnnRun = try Trainer.train(gnn, on: graph, validation: validation, trainMonitor: nil, settings: settings, progress: Self.quiet)
        let mlpRun = try Trainer.train(mlp, on: graph, validation: validation, trainMonitor: nil, settings: settings, progress: Self.quiet)
        let gnnTest = try SplitEvaluation.evaluate(gnn, [test])[0]
        let mlpTest = try SplitEvaluation.evaluate(mlp, [test])[0]
        #expect(gnnTest.mean > 0.75, "GNN test mean AUC \(gnnTest.mean)")
        #expect(gnnTest.mean > mlpTest.mean + 0.10, "GNN \(gnnTest.mean) vs edge MLP \(mlpTest.mean)")
        // The kept weights are those of the best step: re-evaluating validation reproduces that step's AUCs.
        for run in [(gnnRun, gnn as EdgeScoringModel), (mlpRun, mlp as EdgeScoringModel)] {
            let best = try #require(run.0.bestStep)
            let again = try SplitEvaluation.evaluate(run.1, [validation])[0]
            #expect(again.perHead == run.0.curve.validationPerHead[best - 1])
        }
    }

    @Test("monitoring the training edges every 4th step records them after steps 1, 4, 8, ... with the values of a run monitored after every step, and changes no decision")
    func monitorEvery() throws {
        let graph = try Self.plantedGraph()
        let adjacency = try graph.adjacency()
        let validation = graph.examples(graph.validation), monitor = graph.examples(Array(graph.train.prefix(300)))
        let settings = TrainingSettings(learningRate: 3e-3, batchSize: 256, maxSteps: 30, patience: 5, seed: 4)
        var g1 = SeededGenerator(seed: 8), g2 = SeededGenerator(seed: 8)
        let everyStep = GNNModel(adjacency: adjacency, hidden: 8, featureDim: 8, generator: &g1)
        let thinned = GNNModel(adjacency: adjacency, hidden: 8, featureDim: 8, generator: &g2)
        let reference = try Trainer.train(everyStep, on: graph, validation: validation, trainMonitor: monitor, settings: settings, progress: Self.quiet)
        let run = try Trainer.train(thinned, on: graph, validation: validation, trainMonitor: monitor, monitorEvery: 4, settings: settings, progress: Self.quiet)
        #expect(reference.curve.trainMonitorSteps == Array(1...reference.steps))
        let expectedSteps = [1] + Array(stride(from: 4, through: run.steps, by: 4))
        #expect(run.curve.trainMonitorSteps == expectedSteps)
        #expect(run.curve.trainMeanAUC == expectedSteps.map { reference.curve.trainMeanAUC[$0 - 1] })
        #expect(run.steps == reference.steps && run.bestStep == reference.bestStep)
        #expect(run.curve.validationPerHead == reference.curve.validationPerHead)
        #expect(thinned.parameters.values.toArray() == everyStep.parameters.values.toArray())
        #expect(throws: PipelineError.self) {
            try Trainer.train(thinned, on: graph, validation: validation, trainMonitor: monitor, monitorEvery: 0, settings: settings, progress: Self.quiet)
        }
    }

    @Test("without validation edges a run takes exactly maxSteps steps, records only the loss, and ends with the weights of the same run evaluated after every step")
    func runWithoutEvaluation() throws {
        let graph = try Self.plantedGraph()
        let adjacency = try graph.adjacency()
        let settings = TrainingSettings(learningRate: 3e-3, batchSize: 256, maxSteps: 25, patience: nil, seed: 4)
        var g1 = SeededGenerator(seed: 8), g2 = SeededGenerator(seed: 8)
        let evaluated = GNNModel(adjacency: adjacency, hidden: 8, featureDim: 8, generator: &g1)
        let plain = GNNModel(adjacency: adjacency, hidden: 8, featureDim: 8, generator: &g2)
        let reference = try Trainer.train(evaluated, on: graph, validation: graph.examples(graph.validation), trainMonitor: nil,
                                          settings: settings, progress: Self.quiet)
        let run = try Trainer.train(plain, on: graph, validation: nil, trainMonitor: nil, settings: settings, progress: Self.quiet)
        #expect(run.steps == 25 && run.curve.loss.count == 25 && run.bestStep == nil)
        #expect(run.curve.validationMeanAUC.isEmpty && run.curve.validationPerHead.isEmpty && run.bestValidationPerHead.isEmpty)
        #expect(reference.curve.validationMeanAUC.count == 25)
        // Evaluating reads the weights and never moves them, so both runs take the same steps.
        #expect(run.curve.loss == reference.curve.loss)
        #expect(plain.parameters.values.toArray() == evaluated.parameters.values.toArray())
        // Early stopping without validation edges is refused.
        var g3 = SeededGenerator(seed: 8)
        let other = GNNModel(adjacency: adjacency, hidden: 8, featureDim: 8, generator: &g3)
        var stopping = settings
        stopping.patience = 5
        #expect(throws: PipelineError.self) {
            try Trainer.train(other, on: graph, validation: nil, trainMonitor: nil, settings: stopping, progress: Self.quiet)
        }
    }

    @Test("runs trained side by side in single-threaded lanes end with the weights each gets trained alone on one thread, and the thread count comes back")
    func runsInLanes() throws {
        let graph = try Self.plantedGraph()
        let adjacency = try graph.adjacency()
        let seeds: [UInt64] = [3, 5, 9]
        func model(_ seed: UInt64) -> GNNModel {
            var g = SeededGenerator(seed: seed)
            return GNNModel(adjacency: adjacency, hidden: 8, featureDim: 8, generator: &g)
        }
        func settings(_ seed: UInt64) -> TrainingSettings {
            TrainingSettings(learningRate: 3e-3, batchSize: 256, maxSteps: 15, patience: nil, seed: seed)
        }
        let threads = LearningThreads.count
        defer { LearningThreads.configure(threads: threads) }
        // Reference: one after another, the whole engine on one thread.
        LearningThreads.configure(threads: 1)
        let alone = try seeds.map { seed in
            let m = model(seed)
            _ = try Trainer.train(m, on: graph, validation: nil, trainMonitor: nil, settings: settings(seed), progress: Self.quiet)
            return m.parameters.values.toArray()
        }
        LearningThreads.configure(threads: 2)
        let models = seeds.map(model)
        var threadCounts = [Int](repeating: 0, count: seeds.count)
        var failures = [String](repeating: "", count: seeds.count)
        threadCounts.withUnsafeMutableBufferPointer { counts in
            failures.withUnsafeMutableBufferPointer { errors in
                nonisolated(unsafe) let counts = counts, errors = errors
                LearningThreads.singleThreadedLanes(seeds.count) { lane in
                    counts[lane] = LearningThreads.count
                    do {
                        _ = try Trainer.train(models[lane], on: graph, validation: nil, trainMonitor: nil, settings: settings(seeds[lane]),
                                              progress: Self.quiet)
                    } catch { errors[lane] = "\(error)" }
                }
            }
        }
        #expect(failures == ["", "", ""])
        #expect(threadCounts == [1, 1, 1])
        #expect(LearningThreads.count == 2)
        for (lane, m) in models.enumerated() { #expect(m.parameters.values.toArray() == alone[lane], "lane \(lane)") }
        #expect(alone[0] != alone[1])
    }

    @Test("a reloaded checkpoint reproduces its test predictions and AUC exactly")
    func checkpointRoundTrip() throws {
        let graph = try Self.plantedGraph()
        let validation = graph.examples(graph.validation), test = graph.examples(graph.test)
        let adjacency = try graph.adjacency()
        var g = SeededGenerator(seed: 21)
        let model = GNNModel(adjacency: adjacency, hidden: 8, featureDim: 8, generator: &g)
        _ = try Trainer.train(model, on: graph, validation: validation, trainMonitor: nil,
                              settings: TrainingSettings(learningRate: 1e-3, batchSize: 256, maxSteps: 15, patience: 20, seed: 3),
                              progress: Self.quiet)
        let before = try model.predict(edges: test)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("training-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.parameters.saveSafetensors(to: url, metadata: ["hidden": "8"])
        var other = SeededGenerator(seed: 99)
        let reloaded = GNNModel(adjacency: adjacency, hidden: 8, featureDim: 8, generator: &other)
        try reloaded.parameters.loadSafetensors(from: url)
        let after = try reloaded.predict(edges: test)
        #expect(after == before)
        #expect(try SplitEvaluation.auc(after, test.labels!) == SplitEvaluation.auc(before, test.labels!))

        let logistic = try MultiHeadLogisticRegression.fit(features: graph.examples(graph.train).features,
                                                           labels: graph.examples(graph.train).labels!)
        let file = try SafetensorsFile(data: logistic.safetensors().serialized())
        let back = try MultiHeadLogisticRegression(safetensors: file)
        #expect(back.predict(features: test.features) == logistic.predict(features: test.features))
    }

    @Test("the monitored training sample is seeded, without repeats, and drawn from the training edges")
    func trainingSample() throws {
        let graph = try Self.plantedGraph()
        let a = graph.trainingSample(size: 500, seed: 4), b = graph.trainingSample(size: 500, seed: 4)
        #expect(a == b)
        #expect(Set(a).count == 500)
        #expect(Set(a).isSubset(of: Set(graph.train)))
        #expect(graph.trainingSample(size: 0, seed: 4) == graph.train)
    }

    @Test("progress text shows step, loss, validation AUC, rate and ETA")
    func progressText() {
        let text = ProgressLine.text(label: "gnn64", step: 50, total: 200, loss: 0.41234, validationAUC: 0.8, best: 0.81,
                                     elapsed: 10, upperBound: true)
        #expect(text == "gnn64  step 50/200  loss 0.4123  val AUC 0.8000 (best 0.8100)  5.0 steps/s  ETA ≤ 30s")
        #expect(ProgressLine.duration(95) == "1m35s")
    }
}
