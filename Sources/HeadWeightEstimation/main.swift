// Step 4 — head-weight estimation: the best GNN of step 3 scores every candidate video for every evaluation
// session; the value model's weights w are estimated from the platform's observed lists: the original two-stage
// Nelder-Mead list matching, an improved matching estimator (annealed smooth surrogate, multi-start), and the
// Plackett-Luce likelihood of the lists (the headline, with a bootstrap). On a synthetic world the estimates are
// checked against the planted w*. Writes data/processed/step4/ and notebooks/4-head-weight-estimation.md.
import ArgumentParser
import Foundation
import StepCommandLine
import ValueModel

struct HeadWeightEstimationTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: PipelineStep.headWeightEstimation.producer,
        abstract: "Step 4: estimate the value model's head weights from the lists the platform showed.",
        subcommands: [HeadWeightEstimationCommand.self, CoverageCommand.self], defaultSubcommand: HeadWeightEstimationCommand.self)
}

struct HeadWeightEstimationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract: "Step 4: estimate the value model's head weights from the lists the platform showed (the default).")

    @Option(help: "Folder of processed artifacts: reads <processed>/step1-3/, writes <processed>/step4/.")
    var processed = "data/processed"

    @Option(help: "Folder of step 3's artifacts (default <processed>/step3).")
    var step3: String?

    @Option(help: "Folder of the raw data; a ground_truth.json there (synthetic world) enables the recovery checks (default: the folder step 1 read, as its manifest records it).")
    var raw: String?

    @OptionGroup var notebookOptions: NotebookOptions

    /// The notebook this run writes (`--notebook`, else the step's own).
    var notebook: String { notebookOptions.notebookPath(for: Self.self) }

    /// The folder of the notebook's figures.
    var figures: String { notebookOptions.figures }

    @Option(parsing: .unconditional, help: "Seed of the session sample, the start points, the bootstrap and the simulated lists.")
    var seed: UInt64 = 2026

    @OptionGroup var threading: ThreadOptions

    @Option(parsing: .unconditional, help: "Bootstrap replicates over sessions for the likelihood estimate (0 = none).")
    var bootstrap = 100

    @Option(parsing: .unconditional, help: "Start points of the improved list-matching estimator.")
    var starts = 2

    @Option(parsing: .unconditional, help: "Shortest session evaluated (sess_len; the original: 5).")
    var minSessionLength = 5

    @Option(parsing: .unconditional, help: "Evaluate at most this many sessions, a seeded random sample (0 = all).")
    var maxSessions = 0

    @Option(parsing: .unconditional, help: "Largest in-memory store of candidate heads, in GiB (sessions x candidates x 16 bytes).")
    var memoryBudgetGib = 14.0

    @Option(parsing: .unconditional, help: "Sessions per checkpoint chunk of the scoring (0 = about 4M pairs per chunk).")
    var chunkSessions = 0

    @Flag(help: "Continue an interrupted run: reuse the scored chunks in <processed>/step4-state/ when they were computed from the same inputs and options.")
    var resume = false

    @Option(parsing: .unconditional, help: "Sessions scored by both paths (decomposed and plain MLP) for the throughput comparison.")
    var benchmarkSessions = 200

    @Option(parsing: .unconditional, help: "Observed rows per session (the first ones) used by the candidate-pool likelihoods: early choices are made from a nearly full retrieved pool, later ones from a pool the earlier choices depleted (0 = all rows).")
    var listPrefix = 10

    @Option(parsing: .unconditional, help: "Sessions (a seeded sample) in the synthetic identification table's re-drawn lists.")
    var identificationSessions = 1000

    @Option(parsing: .unconditional, help: "Fit the pool-sampling likelihood too (the slowest assumption, about a minute per 500 sessions and heads) on a seeded sample of this many sessions; 0 = not fitted (make coverage compares it on synthetic worlds).")
    var poolSamplingSessions = 0

    @Flag(inversion: .prefixedNo, help: "Average the heads of the other seeds step 3 trained of its chosen GNN (`3-training --head-seeds`) with the main one's, and report each member's headline alone, so the heads' training randomness enters the headline interval.")
    var seedMembers = true

    @Option(help: "Comma-separated folders of other step-3 runs (other seeds, same step 2): their chosen GNNs join the ensemble (after step 3's own other seeds).")
    var ensemble: String?

    /// The `--ensemble` folders.
    var ensembleFolders: [String] { ensemble.map { $0.split(separator: ",").map { String($0) }.filter { !$0.isEmpty } } ?? [] }

    @Flag(help: "Skip the original two-stage Nelder-Mead.")
    var skipOriginal = false

    @Flag(help: "Skip the synthetic world's diagnostics (p_true heads, head blends, noise levels) even with a ground_truth.json.")
    var skipDiagnostics = false

    func validate() throws {
        guard (0...10_000).contains(bootstrap) else { throw ValidationError("--bootstrap must be in 0...10000, got \(bootstrap)") }
        guard (1...100).contains(starts) else { throw ValidationError("--starts must be in 1...100, got \(starts)") }
        guard (1...100_000).contains(minSessionLength) else { throw ValidationError("--min-session-length must be in 1...100000, got \(minSessionLength)") }
        guard (0...100_000_000).contains(maxSessions) else { throw ValidationError("--max-sessions must be in 0...100000000 (0 = all), got \(maxSessions)") }
        guard memoryBudgetGib > 0, memoryBudgetGib <= 1_024, memoryBudgetGib.isFinite else { throw ValidationError("--memory-budget-gib must be a number in (0, 1024], got \(memoryBudgetGib)") }
        guard (0...10_000_000).contains(chunkSessions) else { throw ValidationError("--chunk-sessions must be in 0...10000000 (0 = automatic), got \(chunkSessions)") }
        guard (0...100_000).contains(listPrefix) else { throw ValidationError("--list-prefix must be in 0...100000 (0 = all rows), got \(listPrefix)") }
        guard (0...10_000_000).contains(poolSamplingSessions) else { throw ValidationError("--pool-sampling-sessions must be in 0...10000000 (0 = not fitted), got \(poolSamplingSessions)") }
        guard (1...10_000_000).contains(identificationSessions) else { throw ValidationError("--identification-sessions must be in 1...10000000, got \(identificationSessions)") }
        guard (1...10_000_000).contains(benchmarkSessions) else { throw ValidationError("--benchmark-sessions must be in 1...10000000, got \(benchmarkSessions)") }
    }

    /// The library's options from the command line.
    var stepOptions: HeadWeightEstimationStep.Options {
        var o = HeadWeightEstimationStep.Options()
        o.processed = processed
        o.step3 = step3
        o.seed = seed
        o.bootstrap = bootstrap
        o.starts = starts
        o.minSessionLength = minSessionLength
        o.maxSessions = maxSessions
        o.memoryBudgetGib = memoryBudgetGib
        o.chunkSessions = chunkSessions
        o.resume = resume
        o.benchmarkSessions = benchmarkSessions
        o.listPrefix = listPrefix
        o.identificationSessions = identificationSessions
        o.poolSamplingSessions = poolSamplingSessions
        o.seedMembers = seedMembers
        o.ensemble = ensembleFolders
        o.original = !skipOriginal
        o.diagnostics = !skipDiagnostics
        return o
    }

    func run() throws {
        try StepRun.execute(notebook: notebook, figures: figures, outputFolders: [(processed, "--processed")]) {
            threading.configure()
            var options = stepOptions
            options.raw = try raw ?? Manifest.rawFolder(processed: processed)
            let step = HeadWeightEstimationStep(options: options)
            let results = try step.run()
            let page = try HeadWeightEstimationNotebook(results: results, options: self).build()
            let w = (results.pools.headlineFit?.fit.weights ?? results.gnn.likelihood.weights).map { Format.fixed($0, 3) }.joined(separator: ", ")
            return StepOutcome(page: page, summary: "step 4: \(results.sessions) sessions x \(results.candidates) videos, w = (\(w)) in \(Format.fixed(results.seconds, 1)) s -> \(results.artifacts), \(notebook)",
                               completedState: step.stateFolder)   // done: nothing left to resume
        }
    }
}

BLASKernel.selectAtStartup()
HeadWeightEstimationTool.main()
