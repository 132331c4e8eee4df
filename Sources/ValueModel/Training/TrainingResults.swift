/// Everything step 3 measured, as written to `results.json` and read by the notebook.
public struct TrainingResults: Codable {
    /// One trained model: its AUC tables, GAUCs, training run and timings.
    public struct Model: Codable {
        /// Artifact name: `logreg`, `edge_mlp`, `gnn64`, `gnn128`.
        public var name: String
        /// Table name: "Logistic regression", "Edge MLP", "GNN (hidden = 64)", …
        public var displayName: String
        /// GNN embedding width (nil for the other models).
        public var hidden: Int?
        /// Number of trainable scalars.
        public var parameterCount: Int
        /// Final AUCs of the kept weights on the full splits.
        public var train: SplitAUC
        public var validation: SplitAUC
        public var test: SplitAUC
        /// Group AUC per head on the test split (users as groups; nil for a head no user has both classes of).
        public var testGAUC: [Double?]
        /// Micro-averaged test AUC (all (edge, head) pairs pooled).
        public var testMicroAUC: Double
        /// Log loss, Brier score and reliability (with AUC and GAUC again) on the test split.
        public var testQuality: PredictionQuality
        /// The same on the small matrix's pairs, off the logged path (nil without a small matrix).
        public var offPath: PredictionQuality?
        /// The training run (nil for logistic regression, which is fitted by Newton's method, not by steps of Adam).
        public var run: TrainingRun?
        /// Wall time: fitting or training, and the final full-split evaluation (seconds).
        public var fitSeconds: Double
        public var evaluationSeconds: Double

        /// Wall time of fitting or training and the final evaluation together (seconds).
        public var wallSeconds: Double { fitSeconds + evaluationSeconds }

        /// Mean of the defined per-head test GAUCs.
        public var testGAUCMean: Double {
            let values = testGAUC.compactMap { $0 }
            return values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
        }
    }

    /// A feature and its logistic-regression coefficient (standardised units).
    public struct Coefficient: Codable {
        public var feature: String
        public var value: Double

        /// Per-head lists turned into rows of ranks: row `r` holds every list's `r`-th coefficient, down to the
        /// shortest list's length.
        public static func byRank(_ lists: [[Coefficient]]) -> [[Coefficient]] {
            (0..<(lists.map(\.count).min() ?? 0)).map { rank in lists.map { $0[rank] } }
        }
    }

    /// A ROC curve thinned for plotting.
    public struct Curve: Codable {
        public var name: String
        public var falsePositiveRate: [Double]
        public var truePositiveRate: [Double]
        public var auc: Double
    }

    /// The graph trained on.
    public struct Data: Codable {
        public var userNodes: Int
        public var videoNodes: Int
        public var edges: Int
        public var train: Int
        public var validation: Int
        public var test: Int
        public var tinyTrain: Int
        public var tinyValidation: Int
        public var tinyTest: Int
        public var messagePassing: String
        public var trainMonitorEdges: Int
        public var validationMonitorEdges: Int

        /// User and video nodes together.
        public var nodes: Int { userNodes + videoNodes }
        /// Edges per user node, rounded down (0 without users).
        public var edgesPerUser: Int { edges / max(1, userNodes) }
        /// The (edge, head) pairs of the test split that the micro-averaged ROC pools.
        public var testHeadPairs: Int { test * Head.allCases.count }
    }

    /// The settings of this run.
    public struct Settings: Codable {
        public var learningRate: Float
        public var batchSize: Int
        public var maxSteps: Int
        public var patience: Int
        public var monitorSample: Int
        /// Steps between two evaluations of the monitored training edges (1: every step).
        public var monitorEvery: Int
        public var validationSample: Int
        public var sweepSteps: Int
        public var seed: UInt64
        public var threads: Int
        public var paper: Bool
        /// The GNNs' message flow and the training edges' weighting (stored as their option values, `user-to-video`
        /// or `both`, `none` or `exposure-weights`).
        public var flow: GCNNormalizedAdjacency.Flow
        public var debias: TrainingStep.Debias
        /// The graph of the main runs: `full` or `tiny` (the 5% sweep graph).
        public var graph: TrainingStep.MainGraph
    }

    /// The exposure model behind inverse-propensity weights, and what the weights came to.
    public struct Exposure: Codable {
        public var settings: ExposureModel.Settings
        /// Mean Poisson deviance per user x video pair: the independence fit, then the rank-k fit.
        public var independenceDeviance: Double
        public var deviance: Double
        /// The training edges' weights (mean 1): the largest, and Kish's effective sample size `(Σw)² / Σw²`
        /// as a share of the edges.
        public var maximumWeight: Double
        public var effectiveShare: Double
        public var seconds: Double

        public init(settings: ExposureModel.Settings, independenceDeviance: Double, deviance: Double, weights: [Double], seconds: Double) {
            self.settings = settings
            self.independenceDeviance = independenceDeviance
            self.deviance = deviance
            let n = Double(max(weights.count, 1))
            maximumWeight = weights.max() ?? 0
            let sum = weights.reduce(0, +), squares = weights.reduce(0) { $0 + $1 * $1 }
            effectiveShare = squares > 0 ? sum * sum / squares / n : 0
            self.seconds = seconds
        }
    }

    /// Another seed of the GNN step 4 scores with (`--head-seeds`): the same architecture and options, trained
    /// for exactly the steps whose weights the main run kept, with other initial weights and batch draws.
    public struct SeedMember: Codable {
        /// Artifact name (`gnn128_seed1`, …) and the seed its initial weights and batches were drawn from.
        public var name: String
        public var seed: UInt64
        public var steps: Int
        /// Final AUCs on the test split and the quality on the small matrix's pairs (nil without them).
        public var test: SplitAUC
        public var offPath: PredictionQuality?
        public var seconds: Double
    }

    public var data: Data
    public var settings: Settings
    public var models: [Model] = []
    /// Largest logistic coefficients by absolute value, per head.
    public var logisticCoefficients: [[Coefficient]] = []
    /// The 10 largest and the 10 most negative coefficients per head (the original prints both ends).
    public var logisticPositive: [[Coefficient]] = []
    public var logisticNegative: [[Coefficient]] = []
    public var sweeps: SweepResults?
    /// The exposure model of `--debias exposure-weights` (nil otherwise).
    public var exposure: Exposure?
    /// The GNN step 4 scores with (`gnn64` or `gnn128`), and why (`scoringChoice`).
    public var bestGNN = ""
    public var scoringChoice: ScoringModelChoice?
    /// Other seeds of that GNN, for the heads' own uncertainty in step 4 (empty with `--head-seeds 1`).
    public var seedMembers: [SeedMember] = []
    /// What step 3 concludes from everything else here (set by `TrainingStep.run` when the results are complete).
    public var findings: TrainingFindings?
    /// Test ROC of that GNN: micro-averaged, then one per head.
    public var rocMicro: Curve?
    public var rocPerHead: [Curve] = []
    /// The small matrix's pairs scored by every model (0 without a small matrix), and the synthetic world's
    /// `p_true` on them: the ceiling of any model (nil on real data).
    public var offPathPairs = 0
    public var offPathCeiling: PredictionQuality?
    /// Wall times (seconds): reading inputs, sweeps (side by side), the other seeds (trained side by side, then
    /// scored), everything.
    public var loadSeconds = 0.0
    public var sweepSeconds = 0.0
    /// The edge MLP and the GNNs trained side by side, one thread each: wall time until the last one stopped.
    public var neuralTrainingSeconds = 0.0
    public var seedMembersSeconds = 0.0
    public var totalSeconds = 0.0

    /// The model called `name`.
    public func model(_ name: String) -> Model? { models.first { $0.name == name } }
}
