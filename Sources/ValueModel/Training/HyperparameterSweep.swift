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
/// stream of batch draws; the run shared by both sweeps (lr 1e-3, batch 4096 in the paper) is trained once. The
/// runs train side by side, one thread each (`LearningThreads.singleThreadedLanes`), so a curve does not depend
/// on the thread count.
public enum HyperparameterSweep {
    public static func run(graph: TrainingGraph, hidden: Int, learningRates: [Float], flow: GCNNormalizedAdjacency.Flow = .userToVideo,
                           learningRateSweepBatch: Int,
                           batchSizes: [Int], batchSweepLearningRate: Float, steps: Int, seed: UInt64,
                           progress: (String, Int) -> ProgressLine?) throws -> SweepResults {
        let adjacency = try graph.adjacency(flow: flow)
        let validation = graph.examples(graph.validation)
        // The distinct (learning rate, batch size) runs, in the order the sweeps list them.
        let wanted = learningRates.map { ($0, learningRateSweepBatch) } + batchSizes.map { (batchSweepLearningRate, $0) }
        var runs: [(learningRate: Float, batchSize: Int)] = []
        var runOf: [Int] = []   // [wanted]: the run each sweep point reads
        for (lr, batch) in wanted {
            if let k = runs.firstIndex(where: { $0.learningRate == lr && $0.batchSize == batch }) {
                runOf.append(k)
            } else {
                runOf.append(runs.count)
                runs.append((lr, batch))
            }
        }
        let lines = runs.map { progress("sweep lr \($0.learningRate) batch \($0.batchSize)", steps) }
        var curves = [Result<SweepCurve, Error>](repeating: .failure(CancellationError()), count: runs.count)
        curves.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots, lines = lines
            LearningThreads.singleThreadedLanes(runs.count) { k in
                let (lr, batch) = runs[k]
                slots[k] = Result {
                    var generator = SeededGenerator(seed: seed)
                    let model = GNNModel(adjacency: adjacency, hidden: hidden, featureDim: graph.edges.features.cols, generator: &generator)
                    let settings = TrainingSettings(learningRate: lr, batchSize: batch, maxSteps: steps, patience: nil, seed: seed &+ 1)
                    let run = try Trainer.train(model, on: graph, validation: validation, trainMonitor: nil, settings: settings, progress: lines[k])
                    return SweepCurve(learningRate: lr, batchSize: batch, validationMeanAUC: run.curve.validationMeanAUC, seconds: run.seconds)
                }
            }
        }
        var results = SweepResults(hidden: hidden, steps: steps, learningRateSweepBatch: learningRateSweepBatch,
                                   batchSweepLearningRate: batchSweepLearningRate, seed: seed)
        results.learningRateSweep = try runOf[..<learningRates.count].map { try curves[$0].get() }
        results.batchSizeSweep = try runOf[learningRates.count...].map { try curves[$0].get() }
        return results
    }
}
