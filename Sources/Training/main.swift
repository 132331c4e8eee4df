// Step 3 — training: step 2's graph -> hyperparameter sweeps on the tiny graph, logistic regression, the edge
// MLP and two GNNs on the full graph (data/processed/step3/: checkpoints, test predictions, node embeddings,
// results) and notebooks/3-training.md with its figures.
import ArgumentParser
import Foundation
import StepCommandLine
import ValueModel

extension GCNNormalizedAdjacency.Flow: ExpressibleByArgument {}
extension TrainingStep.Debias: ExpressibleByArgument {}
extension TrainingStep.MainGraph: ExpressibleByArgument {}

struct TrainingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: PipelineStep.training.producer,
        abstract: "Step 3: sweeps on the tiny graph, then logistic regression, edge MLP, GNN-64 and GNN-128 with per-head AUCs.",
        discussion: """
            Defaults are a reduced budget that finishes in a few minutes on two cores (\(Budget.reduced.description)). \
            --paper runs the original protocol (\(Budget.paper.description)). Explicit options override either.
            """)

    @Option(help: "Folder of processed artifacts: reads <processed>/step2/, writes <processed>/step3/.")
    var processed = "data/processed"

    @Option(help: "Folder of the raw data; a ground_truth.json there marks the synthetic world (named in the notebook) (default: the folder step 1 read, as its manifest records it).")
    var raw: String?

    @OptionGroup var notebookOptions: NotebookOptions

    /// The notebook this run writes (`--notebook`, else the step's own).
    var notebook: String { notebookOptions.notebookPath(for: Self.self) }

    /// The folder of the notebook's figures.
    var figures: String { notebookOptions.figures }

    @Option(parsing: .unconditional, help: "Seed of weight initialisation, batch draws and the monitored training sample.")
    var seed: UInt64 = 2026

    @OptionGroup var threading: ThreadOptions

    @Flag(help: "The original's full protocol: up to 2000 steps per model, 500-step sweeps, full training split monitored.")
    var paper = false

    @Option(parsing: .unconditional, help: "Largest number of steps per model (reduced default: \(Budget.reduced.maxSteps); --paper: \(Budget.paper.maxSteps)).")
    var maxSteps: Int?

    @Option(parsing: .unconditional, help: "Steps per sweep run on the tiny graph, 0 to skip the sweeps (reduced default: \(Budget.reduced.sweepSteps); --paper: \(Budget.paper.sweepSteps)).")
    var sweepSteps: Int?

    @Option(parsing: .unconditional, help: "Early stopping: stop when every head has gone this many steps without a better validation AUC.")
    var patience = 20

    @Option(parsing: .unconditional, help: "Training edges (a fixed seeded sample) whose AUC is monitored; 0 = the whole training split (reduced default: \(Budget.reduced.monitorSample); --paper: 0).")
    var monitorSample: Int?

    @Option(parsing: .unconditional, help: "Steps between two evaluations of the monitored training edges (also after the first step); they feed only the curves, never a decision (reduced default: \(Budget.reduced.monitorEvery); --paper: 1, every step).")
    var monitorEvery: Int?

    @Option(parsing: .unconditional, help: "Validation edges (a fixed seeded sample) scored after every step for early stopping; 0 = the whole validation split. Final AUCs always use whole splits (reduced default: \(Budget.reduced.validationSample); --paper: 0).")
    var validationSample: Int?

    @Option(help: "Which way the GNNs pass messages: user-to-video (the original; a user sees only itself) or both (users also aggregate the videos they watched) (default: \(TrainingStep.Options().flow.rawValue); --paper: user-to-video).")
    var flow: GCNNormalizedAdjacency.Flow?

    @Option(help: "Weighting of the neural models' training edges: none (the original) or exposure-weights (inverse propensities from a Poisson factorisation of the training rows, so every user x video pair counts about equally) (default: \(TrainingStep.Options().debias.rawValue); --paper: none).")
    var debias: TrainingStep.Debias?

    @Option(help: "Graph of the main runs: full (every interaction, split by time; the paper's Table 1) or tiny (step 2's 5% sweep graph with its random 80/10/10 split, on which the original notebook's printed main run trained).")
    var graph = TrainingStep.MainGraph.full

    @Option(parsing: .unconditional, help: "Runs of the GNN step 4 scores with, counting the main one: the others use other seeds of initial weights and batch draws, train for exactly the steps whose weights the main run kept (no per-step evaluation) and give step 4 the heads' own uncertainty; 1 trains none (default: \(TrainingStep.Options().headSeeds); --paper: 1).")
    var headSeeds: Int?

    @Option(parsing: .unconditional, help: "Adam learning rate of the main runs (the paper's choice after the sweep: 1e-3).")
    var learningRate: Float = 1e-3

    @Option(parsing: .unconditional, help: "Training edges per step of the main runs, drawn with replacement (the paper: 4096).")
    var batchSize = 4096

    @Option(parsing: .unconditional, help: "Steps between checkpoints of each neural model's training state (weights, best weights, Adam's moments, batch generator, early-stopping counters, curves) in <processed>/step3-state/<model>/; 0 = only when a model finishes. The folder is removed when the step completes.")
    var checkpointEvery = 50

    @Flag(help: "Continue an interrupted run from <processed>/step3-state/: each neural model with a saved state continues from it (finished ones are not retrained) and ends with the same weights as an uninterrupted run; a state saved with different options is refused, naming the option. The sweeps and the logistic regression are redone. Without --resume any saved state is discarded.")
    var resume = false

    @Option(parsing: .unconditional, help: "Seconds between plain progress lines when standard error is not a terminal.")
    var progressInterval: Double = 10

    func validate() throws {
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be a positive number, got \(learningRate)") }
        guard (1...TrainingStep.maximumBatchSize).contains(batchSize) else { throw ValidationError("--batch-size must be in 1...\(TrainingStep.maximumBatchSize), got \(batchSize)") }
        guard patience > 0 else { throw ValidationError("--patience must be positive, got \(patience)") }
        if let maxSteps, maxSteps <= 0 { throw ValidationError("--max-steps must be positive, got \(maxSteps)") }
        if let sweepSteps, sweepSteps < 0 { throw ValidationError("--sweep-steps must be 0 (skip) or positive, got \(sweepSteps)") }
        if let monitorSample, monitorSample < 0 { throw ValidationError("--monitor-sample must be 0 (whole split) or positive, got \(monitorSample)") }
        if let monitorEvery, monitorEvery < 1 { throw ValidationError("--monitor-every must be at least 1 (every step), got \(monitorEvery)") }
        if let validationSample, validationSample < 0 { throw ValidationError("--validation-sample must be 0 (whole split) or positive, got \(validationSample)") }
        if let headSeeds, !(1...TrainingStep.maximumHeadSeeds).contains(headSeeds) { throw ValidationError("--head-seeds must be in 1...\(TrainingStep.maximumHeadSeeds) (1: the main run alone), got \(headSeeds)") }
        guard checkpointEvery >= 0 else { throw ValidationError("--checkpoint-every must be 0 (only at the end) or positive, got \(checkpointEvery)") }
        guard progressInterval > 0 else { throw ValidationError("--progress-interval must be positive") }
    }

    func run() throws {
        try StepRun.execute(notebook: notebook, figures: figures, outputFolders: [(processed, "--processed")]) {
            let start = ResourceUsage.now()
            let threadCount = threading.configure()
            let budget = paper ? Budget.paper : Budget.reduced
            var options = TrainingStep.Options()
            options.learningRate = learningRate
            options.batchSize = batchSize
            options.maxSteps = maxSteps ?? budget.maxSteps
            options.sweepSteps = sweepSteps ?? budget.sweepSteps
            options.monitorSample = monitorSample ?? budget.monitorSample
            options.monitorEvery = monitorEvery ?? budget.monitorEvery
            options.validationSample = validationSample ?? budget.validationSample
            options.patience = patience
            options.seed = seed
            options.threads = threadCount
            options.paper = paper
            options.flow = flow ?? (paper ? .userToVideo : options.flow)
            options.debias = debias ?? (paper ? .none : options.debias)
            options.headSeeds = headSeeds ?? (paper ? 1 : options.headSeeds)
            options.graph = graph
            let stateFolder = PipelineStep.training.stateFolder(in: processed)
            options.stateFolder = stateFolder
            options.checkpointEvery = checkpointEvery
            options.resume = resume
            if !resume, FileManager.default.fileExists(atPath: stateFolder) {
                try FileManager.default.removeItem(atPath: stateFolder)
            }

            let step2 = try ColumnStore(.graphConstruction, processed: processed)
            try ResourceCheck.requireMemory(TrainingStep.bytesPerBatchRow * batchSize, for: "A training step of \(batchSize) edges (--batch-size)",
                                            hint: "Choose a smaller --batch-size (the paper's is 4096).")
            let step1 = try Manifest.read(folder: PipelineStep.dataPreparation.folder(in: processed))
            let smallMatrix = try OffPathPairs.store(processed: processed, step1Inputs: step1.inputs)
            let groundTruth = try SyntheticGroundTruth.forStep(raw: raw ?? Manifest.rawFolder(processed: processed), step1: step1)
            let truth = smallMatrix != nil ? groundTruth.map { SyntheticEngagementModel(world: SyntheticLatentWorld(configuration: $0.truth.configuration)) } : nil
            let output = try ArtifactDirectory(path: PipelineStep.training.folder(in: processed))
            let interval = progressInterval
            let results = try TrainingStep.run(step2: step2, smallMatrix: smallMatrix, truth: truth,
                                               output: output, options: options) { label, total in
                ProgressLine(label: label, total: total, interval: interval)
            }
            let inputs = try Manifest.describeInputs([step2.folder + "/" + Manifest.fileName] + (groundTruth.map { [$0.path] } ?? []))
            try output.commit(manifest: Manifest(producer: PipelineStep.training.producer, version: 1, options: try ManifestOptions.flatten(options), inputs: inputs,
                                                 rows: results.data.test))
            let page = try TrainingNotebook(results: results, budget: budget, options: options, synthetic: groundTruth != nil,
                                            artifacts: output.path, figures: figures,
                                            seconds: ResourceUsage.now() - start, peakMiB: ResourceUsage.peakResidentMiB()).build()
            let summary = results.models.map { "\($0.name) \(String(format: "%.4f", $0.test.mean))" }.joined(separator: ", ")
            return StepOutcome(page: page, summary: "step 3: test mean AUC \(summary); step 4 scores with \(results.bestGNN) in \(String(format: "%.1f", ResourceUsage.now() - start)) s -> \(output.path), \(notebook)",
                               completedState: stateFolder)   // done: nothing left to resume
        }
    }
}

/// The step budgets: the reduced default (minutes on two cores) and the original's protocol.
struct Budget {
    var maxSteps: Int
    var sweepSteps: Int
    var monitorSample: Int
    var monitorEvery: Int
    var validationSample: Int

    static let reduced = Budget(maxSteps: 2000, sweepSteps: 150, monitorSample: 10_000, monitorEvery: 10, validationSample: 30_000)
    static let paper = Budget(maxSteps: 2000, sweepSteps: 500, monitorSample: 0, monitorEvery: 1, validationSample: 0)

    var description: String {
        "at most \(maxSteps) steps per model, \(sweepSteps)-step sweeps, training AUC monitored "
            + (monitorEvery == 1 ? "after every step" : "every \(monitorEvery) steps")
            + " on " + (monitorSample == 0 ? "the whole training split" : "\(monitorSample) sampled training edges")
            + ", early stopping on " + (validationSample == 0 ? "the whole validation split" : "\(validationSample) sampled validation edges")
    }
}

BLASKernel.selectAtStartup()
TrainingCommand.main()
