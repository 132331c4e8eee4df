import Foundation
import Testing
@testable import Reporting
@testable import ValueModel

/// The paper's sweeps (Figures 2-3) on a small graph: every curve is the run the sweep says it is, and the run
/// both sweeps share is trained once (issue 14: reached only end to end before).
@Suite("Hyperparameter sweep")
struct HyperparameterSweepTests {
    /// 4 users, 5 videos, 80 edges with 3 features; labels alternate so every split has both classes per head.
    static func graph() throws -> TrainingGraph {
        var g = SeededGenerator(seed: 21)
        let n = 80
        let sources = (0..<n).map { _ in Int32(g.next() % 4) }, targets = (0..<n).map { _ in Int32(4 + Int(g.next() % 5)) }
        let features = Matrix(rows: n, cols: 3, values: (0..<(n * 3)).map { _ in Float(g.nextNormal()) })
        let labels = Matrix(rows: n, cols: 4, values: (0..<(n * 4)).map { Float(($0 / 4 + $0 % 4) % 2) })
        let edges = try EdgeExamples(sources: sources, targets: targets, features: features, labels: labels)
        let all = (0..<Int32(n)).map { $0 }
        return TrainingGraph(name: "sweep", nodeCount: 9, edges: edges, train: Array(all[0..<60]), validation: Array(all[60..<80]),
                             test: [], messagePassing: .all)
    }

    @Test("each curve equals a direct run with its learning rate and batch; the shared run is trained once")
    func sweep() throws {
        let graph = try Self.graph()
        var started: [String] = []
        let results = try HyperparameterSweep.run(graph: graph, hidden: 4, learningRates: [1e-3, 1e-2], learningRateSweepBatch: 16,
                                                  batchSizes: [8, 16], batchSweepLearningRate: 1e-3, steps: 6, seed: 7) { label, _ in
            started.append(label); return nil
        }
        // Three distinct runs: (1e-3, 16) is in both sweeps.
        #expect(started == ["sweep lr 0.001 batch 16", "sweep lr 0.01 batch 16", "sweep lr 0.001 batch 8"])
        #expect(results.learningRateSweep.map(\.learningRate) == [1e-3, 1e-2] && results.learningRateSweep.allSatisfy { $0.batchSize == 16 })
        #expect(results.batchSizeSweep.map(\.batchSize) == [8, 16] && results.batchSizeSweep.allSatisfy { $0.learningRate == 1e-3 })
        #expect(results.learningRateSweep[0].validationMeanAUC == results.batchSizeSweep[1].validationMeanAUC)
        // The reference: every run from the same initial weights (seed) and batch stream (seed + 1), no early stopping,
        // one after another on one thread (the sweep's runs train side by side, one thread each).
        let threads = LearningThreads.count
        defer { LearningThreads.configure(threads: threads) }
        LearningThreads.configure(threads: 1)
        let validation = graph.examples(graph.validation)
        for curve in results.learningRateSweep + results.batchSizeSweep {
            var generator = SeededGenerator(seed: 7)
            let model = GNNModel(adjacency: try graph.adjacency(), hidden: 4, featureDim: 3, generator: &generator)
            let run = try Trainer.train(model, on: graph, validation: validation, trainMonitor: nil,
                                        settings: TrainingSettings(learningRate: curve.learningRate, batchSize: curve.batchSize, maxSteps: 6, patience: nil, seed: 8))
            #expect(run.curve.validationMeanAUC == curve.validationMeanAUC, "lr \(curve.learningRate) batch \(curve.batchSize)")
            #expect(curve.validationMeanAUC.count == 6)
        }
    }
}
