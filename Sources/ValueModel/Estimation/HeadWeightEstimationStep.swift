import Foundation

/// Everything step 4 computes, for the notebook and the artifacts.
public struct EstimationResults {
    public var sessions = 0
    public var eligibleSessions = 0
    public var tooShort = 0
    public var partialSessions = 0
    public var repeatedRows = 0
    public var candidates = 0
    public var catalogueSize = 0
    public var modelName = ""
    /// Why step 3 chose that model (one sentence, from its numbers).
    public var modelChoice = ""
    /// The original's counterfactual author recency (60 days) in training standard deviations from the mean.
    public var originalRecencyZ: Double?
    public var hidden = 0
    public var listLengths: [Int] = []
    public var pairs = 0
    public var scoring = ScoringReport()
    /// The estimators on the GNN's heads.
    public var gnn: EstimatorRun!
    /// The planted w* (L1-normalised) and the noise of a synthetic world.
    public var truth: [Double]?
    public var truthNoise: SyntheticGroundTruth.Noise?
    /// How the synthetic platform drew its candidate pools (ground truth).
    public var truthPool: String?
    public var diagnostics: SyntheticDiagnostics?
    /// `--ensemble`: the members and their headlines alone (the heads used are their mean).
    public var ensemble: HeadEnsemble?
    /// The likelihood under each assumption about the unlogged candidate pools (the headline: video effects).
    public var pools: PoolAnalysis!
    public var residuals: [ResidualRow] = []
    /// The level-1 categories the category loss compares (the original's category map).
    public var categoryMap: [CategoryMapRow] = []
    /// The derived numbers and verdicts notebook 4 prints (stored in `estimate.json` under "findings").
    public var findings: EstimationFindings?
    public var artifacts = ""
    public var threads = 1
    public var timings: [(String, Double)] = []
    public var seconds = 0.0
    public var peakMiB = 0.0
}

/// How the candidates were scored.
public struct ScoringReport {
    public var seconds = 0.0
    public var chunks = 0
    public var resumedChunks = 0
    public var sessionsPerChunk = 0
    public var decomposedPairsPerSecond = 0.0
    public var plainPairsPerSecond = 0.0
    public var benchmarkPairs = 0
    public var maxAbsoluteDifference: Float = 0
    public var headsStored = false
}

/// Step 4 as a library call (SPEC step 4): inputs -> counterfactual scoring -> estimators -> (synthetic)
/// diagnostics -> artifacts in `<processed>/step4/`. The caller sets the threads (`LearningThreads.configure`).
public struct HeadWeightEstimationStep {
    /// The knobs of a run (the executable's options of the same names).
    public struct Options: Sendable {
        /// Folder of processed artifacts: reads `step1`-`step3`, writes `step4` (and `step4-state` while scoring).
        public var processed = "data/processed"
        /// Folder of step 3's artifacts (nil: `<processed>/step3`).
        public var step3: String?
        /// Folder of the raw data; a `ground_truth.json` there enables the synthetic diagnostics.
        public var raw = "data/raw"
        public var seed: UInt64 = 2026
        /// Bootstrap replicates over sessions for the whole-catalogue likelihood (0: none).
        public var bootstrap = 100
        /// Start points of the improved list-matching estimator.
        public var starts = 2
        public var minSessionLength = 5
        /// At most this many sessions, a seeded sample (0: all).
        public var maxSessions = 0
        /// Largest in-memory store of candidate heads, in GiB.
        public var memoryBudgetGib = 14.0
        /// Sessions per checkpoint chunk of the scoring (0: about 4M pairs per chunk).
        public var chunkSessions = 0
        /// Reuse the scored chunks in `<processed>/step4-state/` made from the same inputs and options.
        public var resume = false
        /// Sessions scored by both paths (decomposed and plain MLP) for the throughput comparison.
        public var benchmarkSessions = 200
        /// Observed rows per session (the first ones) in the candidate-pool likelihoods (0: all).
        public var listPrefix = 10
        /// Sessions in the synthetic identification table's re-drawn lists.
        public var identificationSessions = 1000
        /// Sessions of the pool-sampling likelihood (0: not fitted).
        public var poolSamplingSessions = 0
        /// Average the heads of step 3's other seeds of its chosen GNN with the main one's.
        public var seedMembers = true
        /// Folders of other step-3 runs whose chosen GNNs join the ensemble.
        public var ensemble: [String] = []
        /// Run the original two-stage Nelder-Mead.
        public var original = true
        /// Run the synthetic world's diagnostics when a ground truth is present.
        public var diagnostics = true

        public init() {}
    }

    public let options: Options

    public init(options: Options) { self.options = options }

    public var step3Folder: String { options.step3 ?? PipelineStep.training.folder(in: options.processed) }
    /// The resumable scoring state; delete it once the run's outputs (artifacts and notebook) are published.
    public var stateFolder: String { PipelineStep.headWeightEstimation.stateFolder(in: options.processed) }

    public func run() throws -> EstimationResults {
        let start = ResourceUsage.now()
        var results = EstimationResults()
        results.threads = LearningThreads.count
        var inputs = try EstimationInputs.load(processed: options.processed, step3Folder: step3Folder, minimumLength: options.minSessionLength,
                                         maximumSessions: options.maxSessions, seed: options.seed)
        let sessions = inputs.sessions
        results.sessions = sessions.count
        results.eligibleSessions = inputs.counterfactual.eligibleSessions
        results.tooShort = sessions.tooShort
        results.partialSessions = sessions.partialSessions
        results.candidates = inputs.candidates.count
        results.catalogueSize = inputs.candidates.catalogueSize
        results.modelName = inputs.modelName
        results.modelChoice = inputs.choice.explanation
        results.originalRecencyZ = CounterfactualFeatures.originalRecencyZScore(inputs.counterfactual.graph.standardisation)
        // The ensemble's members are read and checked now, before any scoring.
        let ensembleSources = try HeadEnsemble.load(HeadEnsemble.sources(mainFolder: step3Folder, choice: inputs.choice, seedMembers: options.seedMembers,
                                                                         folders: options.ensemble),
                                                    mainFolder: step3Folder, inputs: inputs)
        results.hidden = inputs.model.hidden
        results.listLengths = sessions.lengths.map(Int.init)
        results.pairs = sessions.count * inputs.candidates.count
        var truth: SyntheticGroundTruth?
        if let found = try SyntheticGroundTruth.forStep(raw: options.raw, step1: inputs.step1.manifest) {
            truth = found.truth
            inputs.inputFiles.append(found.path)
            results.truth = truth.map { WeightParametrisation.l1Normalised($0.weights) }
            results.truthNoise = truth?.noise
            results.truthPool = truth?.candidatePool
        }
        // The synthetic diagnostics hold two more stores of the same shape (p_true and a blend); an ensemble two
        // (the member being scored and the members' squared deviations).
        try checkResources(sessions: sessions.count, candidates: inputs.candidates.count,
                           stores: (truth != nil && options.diagnostics ? 3 : 1) + (ensembleSources.isEmpty ? 0 : 2))
        func timed<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
            let t = ResourceUsage.now()
            let value = try body()
            results.timings.append((name, ResourceUsage.now() - t))
            estimationLog("\(name): \(Format.fixed(ResourceUsage.now() - t, 1)) s")
            return value
        }

        // 1. Counterfactual scoring of every (session, candidate) pair, resumable by chunk.
        let scorer = try DecomposedScorer(model: inputs.model, nodeEmbeddings: inputs.nodeEmbeddings, features: inputs.counterfactual.features,
                                          sessionNodes: inputs.counterfactual.sessionNodes, videoNodes: inputs.counterfactual.videoNodes)
        var (heads, scoring) = try timed("counterfactual scoring") { try score(scorer, inputs: inputs) }
        results.scoring = scoring
        let availability = try PoolAnalysis.loadAvailability(inputs: inputs, raw: options.raw)
        if !ensembleSources.isEmpty {
            let prefix = options.listPrefix
            let (ensemble, files) = try timed("ensemble of \(ensembleSources.count + 1) GNNs") {
                try HeadEnsemble.average(&heads, mainFolder: step3Folder, inputs: inputs, members: ensembleSources) { memberHeads in
                    let lists = try PlackettLuceLists(heads: memberHeads, observedOffsets: sessions.observedOffsets,
                                                      observed: inputs.counterfactual.observedCandidates)
                    return try PoolAnalysis.headlineFit(lists, availability: availability, listPrefix: prefix)
                }
            }
            results.ensemble = ensemble
            inputs.inputFiles += files
        }

        // 2-3. The estimators on the GNN's heads.
        let observed = inputs.counterfactual.observedCandidates
        let data = try matchingData(heads, inputs: inputs, observed: observed)
        let names = try inputs.step1.categoryTexts("i_cat_level1_name")
        results.categoryMap = data.categoryMap(categoryIds: inputs.counterfactual.candidateCategories,
                                               names: inputs.candidates.firstRows.map { names[$0] })
        let lists = try PlackettLuceLists(heads: heads, observedOffsets: sessions.observedOffsets, observed: observed)
        results.repeatedRows = lists.repeatedRows
        let estimators = EstimatorSettings(options: options)
        results.gnn = timed("estimators on the GNN's heads") {
            EstimatorRun.run(label: "GNN heads", data: data, lists: lists, settings: estimators, truth: results.truth, full: true)
        }

        // 4. A synthetic world: the same estimators on p_true, head quality, noise levels.
        if let truth, options.diagnostics {
            results.diagnostics = try timed("synthetic diagnostics") {
                try SyntheticDiagnostics.run(truth: truth, inputs: inputs, gnnHeads: heads, observed: observed, settings: estimators,
                                             matching: { try matchingData($0, inputs: inputs, observed: observed) })
            }
        }

        // 4b. The unlogged candidate pools: the likelihood under each assumption (the headline), and on a synthetic
        // world with p_true and on lists re-drawn under every mechanism.
        let trueHeads = truth != nil && options.diagnostics ? results.diagnostics?.trueHeadsStore : nil
        results.pools = try timed("candidate-pool assumptions") {
            try PoolAnalysis.run(lists: lists, inputs: inputs, raw: options.raw, availability: availability, listPrefix: options.listPrefix, truth: truth,
                                 trueHeads: trueHeads, seed: options.seed, identificationSessions: options.identificationSessions,
                                 poolSamplingSessions: options.poolSamplingSessions)
        }

        // 5. Residuals and artifacts.
        results.residuals = ResidualRow.table(sessions: sessions, data: data, lists: lists, fit: results.gnn.likelihood)
        results.artifacts = PipelineStep.headWeightEstimation.folder(in: options.processed)
        results.findings = try EstimationFindings.make(results)
        try EstimationArtifacts.write(results: results, heads: heads, inputs: inputs, record: ManifestRecord(self))
        results.seconds = ResourceUsage.now() - start
        results.peakMiB = ResourceUsage.peakResidentMiB()
        return results
    }

    /// Before allocating the candidate heads: refuses a store over `--memory-budget-gib` or over the memory the
    /// system has, and checks the disk for the scored chunks (the same size) and the artifacts.
    private func checkResources(sessions: Int, candidates: Int, stores: Int) throws {
        let bytes = CandidateHeads.bytes(sessions: sessions, videos: candidates)
        let reduce = stores > 1 ? "sample sessions with --max-sessions or skip the synthetic diagnostics with --skip-diagnostics" : "sample sessions with --max-sessions"
        guard Double(bytes * stores) <= options.memoryBudgetGib * Double(1 << 30) else {
            throw PipelineError.invalidOption(name: "--memory-budget-gib", reason: "\(stores) store(s) of candidate heads need \(Format.fixed(Double(bytes * stores) / Double(1 << 30), 1)) GiB (\(sessions) sessions x \(candidates) videos x 16 bytes each), over the budget of \(options.memoryBudgetGib) GiB; raise it (the machine permitting), or \(reduce)")
        }
        // The heads, a scoring chunk's activations and per-session terms: the heads dominate.
        try ResourceCheck.requireMemory(bytes * stores + bytes / 8 + (256 << 20), for: "Step 4 on \(sessions) sessions x \(candidates) candidates",
                                        hint: "Close other programs, or \(reduce).")
        // The heads on disk, and with more than one store possibly the ensemble's spread of the same size.
        let artifacts = bytes <= EstimationArtifacts.headsOnDiskLimit ? bytes * (stores > 1 ? 2 : 1) : 0
        try ResourceCheck.requireDisk(bytes + artifacts + (64 << 20), under: options.processed, for: "Step 4's scored chunks and artifacts")
    }

    /// Scores every pair in checkpoint chunks (resumable), after timing the decomposed and the plain path.
    private func score(_ scorer: DecomposedScorer, inputs: EstimationInputs) throws -> (CandidateHeads, ScoringReport) {
        var report = ScoringReport()
        let benchmark = min(options.benchmarkSessions, scorer.sessions)
        _ = scorer.throughput(decomposed: true, sessions: min(benchmark, 8))       // warm-up
        let fast = scorer.throughput(decomposed: true, sessions: benchmark)
        let slow = scorer.throughput(decomposed: false, sessions: benchmark)
        report.benchmarkPairs = fast.pairs
        report.decomposedPairsPerSecond = Double(fast.pairs) / fast.seconds
        report.plainPairsPerSecond = Double(slow.pairs) / slow.seconds
        report.maxAbsoluteDifference = scorer.maxDifference(sessions: min(benchmark, 50))
        estimationLog("scoring: decomposed \(Format.count(Int(report.decomposedPairsPerSecond))) pairs/s, plain \(Format.count(Int(report.plainPairsPerSecond))) pairs/s, max difference \(report.maxAbsoluteDifference)")

        let perChunk = options.chunkSessions > 0 ? options.chunkSessions : max(1, 4_000_000 / max(scorer.videos, 1))
        let identity = [
            "step 1 manifest hash": try ContentHash.ofFile(inputs.step1.folder + "/" + Manifest.fileName),
            "step 2 manifest hash": try ContentHash.ofFile(inputs.step2.folder + "/" + Manifest.fileName),
            "model hash": try ContentHash.ofFile(inputs.weightsPath),
            "node embeddings hash": try ContentHash.ofFile(inputs.embeddingsPath),
        ].merging(try ResumeIdentity.options(ScoringRecord(options, sessionsPerChunk: perChunk))) { hash, _ in hash }
        let resumable = ResumableScoring(folder: stateFolder, sessionsPerChunk: perChunk, resume: options.resume, identity: identity)
        let progress = ProgressLine(label: "step 4: scoring", total: scorer.sessions)
        let start = ResourceUsage.now()
        let outcome = try resumable.run(scorer) { progress.update(done: $0, unit: "sessions") }
        progress.finish("\(scorer.sessions) sessions x \(scorer.videos) candidates in \(outcome.chunks) chunks" + (outcome.resumedChunks > 0 ? " (\(outcome.resumedChunks) resumed)" : ""))
        report.seconds = ResourceUsage.now() - start
        report.chunks = outcome.chunks
        report.resumedChunks = outcome.resumedChunks
        report.sessionsPerChunk = perChunk
        return (outcome.heads, report)
    }

    /// The list-matching data (observed category shares and mean embeddings) for a set of candidate heads.
    private func matchingData(_ heads: CandidateHeads, inputs: EstimationInputs, observed: [Int32]) throws -> ListMatchingData {
        try ListMatchingData(heads: heads, lengths: inputs.sessions.lengths, observedOffsets: inputs.sessions.observedOffsets, observed: observed,
                             categoryIds: inputs.counterfactual.candidateCategories, embeddings: inputs.candidateEmbeddings, hidden: inputs.model.hidden)
    }
}

/// A line on standard error (step 4's progress).
func estimationLog(_ text: String) {
    FileHandle.standardError.write(Data(("step 4: " + text + "\n").utf8))
}
