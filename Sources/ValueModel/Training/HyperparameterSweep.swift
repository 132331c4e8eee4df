/// One curve of a sweep: validation mean AUC after every step of a fixed-length run.
public struct SweepCurve: Codable, Sendable {
    public var learningRate: Float
    public var batchSize: Int
    /// Validation mean AUC after step i + 1.
    public var validationMeanAUC: [Double]
    /// Wall time of the run (seconds).
    public var seconds: Double
}

/// The paper's Figures 2 and 3: GNN runs of a fixed number of steps on the tiny graph, first over learning
/// rates at one batch size, then over batch sizes at one learning rate.
public struct SweepResults: Codable, Sendable {
    /// Embedding width of the swept GNN (64, as the paper; the original notebook's code used 128).
    public var hidden: Int
    /// Steps per run.
    public var steps: Int
    /// Batch size of the learning-rate sweep.
    public var learningRateSweepBatch: Int
    /// Learning rate of the batch-size sweep.
    public var batchSweepLearningRate: Float
    public var learningRateSweep: [SweepCurve] = []
    public var batchSizeSweep: [SweepCurve] = []
    /// Seed of every run's initial weights (shared, so the curves differ only by the swept setting).
    public var seed: UInt64
}

/// Runs both sweeps on a graph (the tiny graph). Every run starts from the same initial weights and the same
/// stream of batch draws; the run shared by both sweeps (lr 1e-3, batch 4096 in the paper) is trained once.
public enum HyperparameterSweep {
    public static func run(graph: TrainingGraph, hidden: Int, learningRates: [Float], flow: GCNNormalizedAdjacency.Flow = .userToVideo,
                           learningRateSweepBatch: Int,
                           batchSizes: [Int], batchSweepLearningRate: Float, steps: Int, seed: UInt64,
                           progress: (String, Int) -> ProgressLine?) throws -> SweepResults {
        let adjacency = try graph.adjacency(flow: flow)
        let validation = graph.examples(graph.validation)
        var cache: [String: SweepCurve] = [:]
        func curve(_ lr: Float, _ batch: Int) throws -> SweepCurve {
            let key = "\(lr)/\(batch)"
            if let done = cache[key] { return done }
            var generator = SeededGenerator(seed: seed)
            let model = GNNModel(adjacency: adjacency, hidden: hidden, featureDim: graph.edges.features.cols, generator: &generator)
            let settings = TrainingSettings(learningRate: lr, batchSize: batch, maxSteps: steps, patience: nil, seed: seed &+ 1)
            let run = try Trainer.train(model, on: graph, validation: validation, trainMonitor: nil, settings: settings,
                                        progress: progress("sweep lr \(lr) batch \(batch)", steps))
            let result = SweepCurve(learningRate: lr, batchSize: batch, validationMeanAUC: run.curve.validationMeanAUC, seconds: run.seconds)
            cache[key] = result
            return result
        }
        var results = SweepResults(hidden: hidden, steps: steps, learningRateSweepBatch: learningRateSweepBatch,
                                   batchSweepLearningRate: batchSweepLearningRate, seed: seed)
        results.learningRateSweep = try learningRates.map { try curve($0, learningRateSweepBatch) }
        results.batchSizeSweep = try batchSizes.map { try curve(batchSweepLearningRate, $0) }
        return results
    }
}
