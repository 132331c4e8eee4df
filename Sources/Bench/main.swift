// bench: the learning engine's speed on the original's shapes (17,904 nodes; full = 12,527,912 edges,
// tiny = 626,395; 64 features; 4 heads), as one JSON line — the Swift side of `make bench`, run next to
// ../shared/bench/pyg_reference.py on graphs of the same shapes. Timings only; no test depends on them.
import ArgumentParser
import Foundation
import ValueModel

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time one training step, scoring and AUC of the learning engine on graphs of the original's shapes.")

    @Option(help: "tiny (626,395 edges) or full (12,527,912 edges).")
    var scale = "full"

    @Option(help: "gnn64, gnn128 or mlp.")
    var model = "gnn64"

    @Option(help: "Timed training steps (after one warm-up).")
    var steps = 5

    @Option(help: "Threads for OpenBLAS and the engine's loops.")
    var threads = 2

    @Option(help: "Training batch size.")
    var batchSize = 4096

    func validate() throws {
        guard ["tiny", "full"].contains(scale) else { throw ValidationError("--scale must be tiny or full") }
        guard ["gnn64", "gnn128", "mlp"].contains(model) else { throw ValidationError("--model must be gnn64, gnn128 or mlp") }
        guard steps > 0, threads > 0, batchSize > 0 else { throw ValidationError("--steps, --threads and --batch-size must be positive") }
    }

    func run() throws {
        LearningThreads.configure(threads: threads)
        let (users, videos) = (7176, 10728)
        let edgeCount = scale == "full" ? 12_527_912 : 626_395
        var generator = SeededGenerator(seed: 0)
        // Power-law degrees like the reference's generator: weights rank^-alpha, ranks shuffled.
        func powerLawIds(_ count: Int, _ ids: Int, _ alpha: Double) -> [Int32] {
            var weights = (1...ids).map { pow(Double($0), -alpha) }
            weights.shuffle(using: &generator)
            var cumulative = [Double](repeating: 0, count: ids)
            var total = 0.0
            for (i, w) in weights.enumerated() { total += w; cumulative[i] = total }
            return (0..<count).map { _ in
                let u = generator.nextUniform() * total
                var (low, high) = (0, ids - 1)
                while low < high { let mid = (low + high) / 2; if cumulative[mid] < u { low = mid + 1 } else { high = mid } }
                return Int32(low)
            }
        }
        let sources = powerLawIds(edgeCount, users, 0.6)
        let targets = powerLawIds(edgeCount, videos, 0.8).map { $0 + Int32(users) }
        let features = Matrix(rows: edgeCount, cols: 64, values: (0..<(edgeCount * 64)).map { _ in Float(generator.nextNormal()) })
        let rates: [Double] = [0.34, 0.215, 0.075, 0.125]
        let labels = Matrix(rows: edgeCount, cols: 4, values: (0..<(edgeCount * 4)).map { Float(generator.nextUniform() < rates[$0 % 4] ? 1 : 0) })
        let edges = try EdgeExamples(sources: sources, targets: targets, features: features, labels: labels)
        let trainCount = edgeCount * 64 / 100
        let validation = edges.subset((trainCount..<(trainCount + edgeCount * 19 / 100)).map { Int32($0) })

        var clock = ResourceUsage.now()
        let scorer: EdgeScoringModel
        if model == "mlp" {
            scorer = EdgeMLP(inputDim: 64, generator: &generator)
        } else {
            let adjacency = try GCNNormalizedAdjacency(nodeCount: users + videos, sources: sources, targets: targets)
            scorer = GNNModel(adjacency: adjacency, hidden: model == "gnn64" ? 64 : 128, featureDim: 64, generator: &generator)
        }
        let setupSeconds = ResourceUsage.now() - clock
        let optimizer = Adam(parameters: scorer.parameters, learningRate: 1e-3)
        var stepSeconds: [Double] = []
        for step in 0...steps {
            let batch = drawBatch(size: batchSize, from: trainCount, using: &generator)
            clock = ResourceUsage.now()
            _ = try scorer.trainStep(edges: edges, batch: batch, optimizer: optimizer)
            if step > 0 { stepSeconds.append(ResourceUsage.now() - clock) }
        }
        clock = ResourceUsage.now()
        let predictions = try scorer.predict(edges: validation)
        let forwardSeconds = ResourceUsage.now() - clock
        clock = ResourceUsage.now()
        let meanAUC = try AUC.meanOverHeads(scores: predictions, labels: validation.labels!)
        let aucSeconds = ResourceUsage.now() - clock
        let firstHead = (0..<predictions.rows).map { predictions[$0, 0] }
        let firstLabels = (0..<predictions.rows).map { validation.labels![$0, 0] }
        clock = ResourceUsage.now()
        _ = try AUC.score(scores: firstHead, labels: firstLabels)
        let oneHeadSeconds = ResourceUsage.now() - clock
        let oneMillion = edges.subset((0..<1_000_000).map { Int32($0 % edgeCount) })
        clock = ResourceUsage.now()
        _ = try scorer.predict(edges: oneMillion)
        let scoreMillionSeconds = ResourceUsage.now() - clock
        let result: [String: Any] = [
            "implementation": "swift", "scale": scale, "model": model, "threads": threads, "edges": edgeCount,
            "setup_s": setupSeconds, "step_s_median": stepSeconds.sorted()[stepSeconds.count / 2],
            "step_s_min": stepSeconds.min() ?? 0, "step_s_max": stepSeconds.max() ?? 0,
            "eval_forward_s": forwardSeconds, "eval_auc_s": aucSeconds, "eval_edges": validation.count,
            "eval_mean_auc": meanAUC, "auc_one_head_s": oneHeadSeconds, "score_1m_edges_s": scoreMillionSeconds, "peak_rss_mb": ResourceUsage.peakResidentMiB(),
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}

BenchCommand.main()
