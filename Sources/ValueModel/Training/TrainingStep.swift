import Foundation

/// Step 3 as a library call (SPEC step 3): the sweeps on the tiny graph, then logistic regression, the edge MLP
/// and the two GNNs on the full graph, each evaluated on the full splits, with checkpoints, test predictions,
/// the best GNN's node embeddings and `results.json` (with the step's `TrainingFindings`) written into an artifact folder.
public enum TrainingStep {
    /// The knobs of a run (the executable's options). Its encoding (`CodingKeys`) holds exactly the options that
    /// define the step's artifacts, as its manifest records them (`ManifestOptions.flatten`): not `threads`,
    /// `stateFolder`, `checkpointEvery` or `resume`, which change how a run goes, not what it gives.
    public struct Options: Codable, Sendable {
        public var learningRate: Float = 1e-3
        public var batchSize = 4096
        public var maxSteps = 2000
        public var patience = 20
        /// Training edges monitored (0 = the whole training split, as the original).
        public var monitorSample = 0
        /// Steps between two evaluations of the monitored training edges (also after the first step; 1 = every
        /// step, as the original). They feed only the curves.
        public var monitorEvery = 1
        /// Validation edges scored after each step for early stopping (0 = the whole validation split, as the
        /// original). The final validation AUCs always use the whole split.
        public var validationSample = 0
        /// Steps per sweep run (0 skips the sweeps).
        public var sweepSteps = 500
        public var sweepLearningRates: [Float] = [1e-4, 3e-4, 1e-3, 3e-3]
        public var sweepBatchSizes = [1024, 2048, 4096, 8192]
        public var sweepBatch = 4096
        public var sweepLearningRate: Float = 1e-3
        public var sweepHidden = 64
        public var hiddenSizes = [64, 128]
        public var seed: UInt64 = 2026
        public var threads = 1
        public var paper = false
        /// Which way the GNNs pass messages (the original: user -> video only).
        public var flow: GCNNormalizedAdjacency.Flow = .userToVideo
        /// How the neural models' training edges are weighted.
        public var debias: Debias = .none
        /// The exposure model's knobs (with `debias == .exposureWeights`).
        public var exposure = ExposureModel.Settings()
        /// Folder of the resumable training state (`<processed>/step3-state`, one subfolder per neural model);
        /// nil writes no checkpoints.
        public var stateFolder: String?
        /// Steps between checkpoints of the neural models' training state (0: only when a model finishes).
        public var checkpointEvery = 50
        /// Continue each neural model from its saved state when the state's options match (`--resume`).
        public var resume = false
        /// Runs of the GNN step 4 scores with, counting the main one: the others are `seedMembers` (1: none).
        public var headSeeds = 5
        /// The graph the main runs (logistic regression, edge MLP, GNNs) train and are evaluated on.
        public var graph: MainGraph = .full

        public init() {}

        enum CodingKeys: String, CodingKey {
            case learningRate, batchSize, maxSteps, patience, monitorSample, monitorEvery, validationSample
            case sweepSteps, sweepLearningRates, sweepBatchSizes, sweepBatch, sweepLearningRate, sweepHidden, hiddenSizes
            case seed, paper, flow, debias, exposure, headSeeds, graph
        }
    }

    /// Which of step 2's graphs the main runs use.
    public enum MainGraph: String, CaseIterable, Codable, Sendable {
        /// Every interaction, split by time (the paper's Table 1).
        case full
        /// The 5% sweep graph with its own random 80/10/10 split: the graph the printed main run of the original's
        /// `3. training_GNN.ipynb` trained on (`gnn_data_tiny.pt`).
        case tiny
    }

    /// How the neural models are trained against the platform's selection of the logged pairs.
    public enum Debias: String, CaseIterable, Codable, Sendable {
        /// Every training edge counts once (the original).
        case none
        /// Batches drawn in proportion to inverse propensities from an `ExposureModel` of the training rows,
        /// so every user x video pair counts about equally, as off the logged path.
        case exposureWeights = "exposure-weights"
    }

    /// Edge feature names in column order (for the logistic coefficients).
    static let featureNames = EdgeFeatures.names

    /// Runs everything and writes the artifacts into `output` (not committed), phase by phase (`TrainingPhases`).
    /// - Parameters:
    ///   - smallMatrix: step 1's `step1-small/`; every model is then also scored on its pairs (never trained on).
    ///   - truth: the synthetic world's engagement model; its `p_true` on those pairs is the off-path ceiling.
    public static func run(step2: ColumnStore, smallMatrix: ColumnStore? = nil, truth: SyntheticEngagementModel? = nil,
                           output: ArtifactDirectory, options: Options,
                           progress: @escaping (String, Int) -> ProgressLine?) throws -> TrainingResults {
        let start = ResourceUsage.now()
        let phases = try TrainingPhases(step2: step2, smallMatrix: smallMatrix, truth: truth, output: output, options: options, progress: progress)
        phases.results.loadSeconds = ResourceUsage.now() - start
        try phases.sweeps()
        try phases.logisticRegression()
        try phases.neuralModels()
        try phases.chosenGNN()
        phases.results.totalSeconds = ResourceUsage.now() - start
        phases.results.findings = TrainingFindings.make(phases.results)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try output.writeFile("results.json", data: encoder.encode(phases.results))
        return phases.results
    }

    /// The synthetic world's `p_true(user, video, day-part)` of every off-path pair, `[pairs, 4]`.
    static func offPathTruth(_ pairs: OffPathPairs, model: SyntheticEngagementModel) throws -> Matrix {
        var values = [Float](repeating: 0, count: pairs.count * 4)
        for i in 0..<pairs.count {
            let user = Int(pairs.users[i]), video = Int(pairs.videos[i])
            guard user < model.world.userCount, video >= 0, video < model.world.videoCount else {
                throw PipelineError.invalidData("small-matrix pair (user \(user), video \(video)) is outside the synthetic world's \(model.world.userCount) users x \(model.world.videoCount) videos; is ground_truth.json from the same world?")
            }
            let p = model.headProbabilities(user: user, video: video, context: SyntheticContext(daypart: Int(pairs.dayparts[i])))
            for (h, value) in p.array.enumerated() { values[i * 4 + h] = Float(value) }
        }
        return Matrix(rows: pairs.count, cols: 4, values: values)
    }

    /// At most `points` points of a ROC curve (evenly spaced in index, ends kept) for plotting.
    static func thin(_ curve: ROCCurve, name: String, auc: Double, points: Int = 1500) -> TrainingResults.Curve {
        let n = curve.falsePositiveRate.count
        let keep = n <= points ? Array(0..<n) : (0..<points).map { $0 * (n - 1) / (points - 1) }
        return .init(name: name, falsePositiveRate: keep.map { curve.falsePositiveRate[$0] },
                     truePositiveRate: keep.map { curve.truePositiveRate[$0] }, auc: auc)
    }
}
