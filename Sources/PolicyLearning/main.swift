// Step 6 — ranking policies learned offline (DORL's protocol): a user model learned from the training split of the
// logs, A2C policies trained inside it with MBPO's, MOPO's, DORL's and the IPS model's rewards, each evaluated beside
// step 5's fixed policies in step 5's simulators. Writes data/processed/step6/ and notebooks/6-policy-learning.md.
import ArgumentParser
import Foundation
import StepCommandLine
import ValueModel

extension PolicyLearningStep.Arm: ExpressibleByArgument {}

struct PolicyLearningTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: PipelineStep.policyLearning.producer,
        abstract: "Step 6: ranking policies learned by A2C in a user model learned from the logs (MBPO, MOPO, DORL, IPS), evaluated in step 5's simulators.",
        subcommands: [PolicyLearningCommand.self, PolicyLearningStudyCommand.self], defaultSubcommand: PolicyLearningCommand.self)
}

/// The knobs of a step 6 run, shared by the step and its seed study.
struct PolicyLearningOptions: ParsableArguments {
    @Option(parsing: .upToNextOption, help: "Arms to train (\(PolicyLearningStep.Arm.allCases.map(\.rawValue).joined(separator: ", "))).")
    var arms: [PolicyLearningStep.Arm] = PolicyLearningStep.Arm.allCases

    @Option(parsing: .unconditional, help: "A2C epochs per arm (DORL: 200).")
    var epochs = PolicyLearningStep.Options().a2c.epochs

    @Option(parsing: .unconditional, help: "Environment steps per epoch, summed over the parallel sessions (DORL: 100,000).")
    var stepsPerEpoch = PolicyLearningStep.Options().a2c.stepsPerEpoch

    @Option(parsing: .unconditional, help: "Sessions simulated side by side in training (DORL: 100).")
    var environments = PolicyLearningStep.Options().a2c.environments

    @Option(parsing: .unconditional, help: "Seed of the policies' initialisation, the users drawn in training, the sampled actions and minibatches.")
    var seed = PolicyLearningStep.Options().a2c.seed

    @Option(parsing: .unconditional, help: "λ_U: MOPO's and DORL's weight on the user-model members' disagreement (DORL: 0.05).")
    var uncertaintyWeight = PolicyLearningStep.Options().uncertaintyWeight

    @Option(parsing: .unconditional, help: "λ_E: DORL's weight on the entropy bonus (DORL: 5).")
    var entropyWeight = PolicyLearningStep.Options().entropyWeight

    @Option(parsing: .unconditional, help: "Members of the user model's ensemble (DORL: 5).")
    var members = PolicyLearningStep.Options().userModel.members

    @Option(parsing: .unconditional, help: "Passes over the training rows per user-model member at most, with early stopping on the validation split (DORL: a fixed 5).")
    var userModelEpochs = PolicyLearningStep.Options().userModel.maxEpochs

    @Option(parsing: .unconditional, help: "KuaiEnv's num_leave_compute, in training and evaluation (DORL's published runs: 4).")
    var window = PolicyLearningStep.Options().rule.window

    @Option(parsing: .unconditional, help: "KuaiEnv's leave_threshold (DORL's published runs: 0).")
    var threshold = PolicyLearningStep.Options().rule.threshold

    @Option(parsing: .unconditional, help: "KuaiEnv's max_turn (DORL: 30).")
    var maxTurn = PolicyLearningStep.Options().rule.maxTurn

    @Option(parsing: .unconditional, help: "Simulated sessions per policy in each simulator.")
    var episodes = PolicyLearningStep.Options().episodes

    @Option(parsing: .unconditional, help: "Sessions of the training curve's evaluation on the first simulator after each epoch.")
    var curveEpisodes = PolicyLearningStep.Options().curveEpisodes

    @Option(parsing: .unconditional, help: "Off-policy estimates of the learned policies: logged rows per session, the first ones (step 5's --logged-steps).")
    var loggedSteps = PolicyLearningStep.Options().loggedSteps

    @Option(parsing: .unconditional, help: "Cap on NCIS's importance weights (step 5's --ncis-cap).")
    var ncisCap = PolicyLearningStep.Options().ncisCap

    func validate() throws {
        guard !arms.isEmpty, Set(arms).count == arms.count else { throw ValidationError("--arms must name each arm at most once, got \(arms.map(\.rawValue))") }
        guard (1...10_000).contains(epochs) else { throw ValidationError("--epochs must be in 1...10000, got \(epochs)") }
        guard (1...10_000_000).contains(stepsPerEpoch) else { throw ValidationError("--steps-per-epoch must be in 1...10000000, got \(stepsPerEpoch)") }
        guard (1...65_536).contains(environments) else { throw ValidationError("--environments must be in 1...65536, got \(environments)") }
        guard uncertaintyWeight >= 0, uncertaintyWeight.isFinite else { throw ValidationError("--uncertainty-weight must be 0 or a positive number, got \(uncertaintyWeight)") }
        guard entropyWeight >= 0, entropyWeight.isFinite else { throw ValidationError("--entropy-weight must be 0 or a positive number, got \(entropyWeight)") }
        guard (1...64).contains(members) else { throw ValidationError("--members must be in 1...64, got \(members)") }
        guard (1...10_000).contains(userModelEpochs) else { throw ValidationError("--user-model-epochs must be in 1...10000, got \(userModelEpochs)") }
        guard (1...10_000).contains(maxTurn) else { throw ValidationError("--max-turn must be in 1...10000, got \(maxTurn)") }
        guard (1...maxTurn).contains(window) else { throw ValidationError("--window must be in 1...--max-turn (\(maxTurn)), got \(window)") }
        guard threshold >= 0 else { throw ValidationError("--threshold must be 0 or more, got \(threshold)") }
        guard (1...1_000_000).contains(episodes) else { throw ValidationError("--episodes must be in 1...1000000, got \(episodes)") }
        guard (1...1_000_000).contains(curveEpisodes) else { throw ValidationError("--curve-episodes must be in 1...1000000, got \(curveEpisodes)") }
        guard (1...10_000).contains(loggedSteps) else { throw ValidationError("--logged-steps must be in 1...10000, got \(loggedSteps)") }
        guard ncisCap > 0, ncisCap.isFinite else { throw ValidationError("--ncis-cap must be a positive number, got \(ncisCap)") }
    }

    /// The library's options from the command line.
    var stepOptions: PolicyLearningStep.Options {
        var o = PolicyLearningStep.Options()
        o.arms = arms
        o.a2c.epochs = epochs
        o.a2c.stepsPerEpoch = stepsPerEpoch
        o.a2c.environments = environments
        o.a2c.seed = seed
        o.uncertaintyWeight = uncertaintyWeight
        o.entropyWeight = entropyWeight
        o.userModel.members = members
        o.userModel.maxEpochs = userModelEpochs
        o.rule = KuaiEnvExitRule(window: window, threshold: threshold, maxTurn: maxTurn)
        o.episodes = episodes
        o.curveEpisodes = curveEpisodes
        o.loggedSteps = loggedSteps
        o.ncisCap = ncisCap
        return o
    }

}

struct PolicyLearningCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Step 6: ranking policies learned by A2C in a user model learned from the logs, evaluated in step 5's simulators (the default).")

    @Option(help: "Folder of processed artifacts: reads <processed>/step1-4/, writes <processed>/step6/.")
    var processed = "data/processed"

    @Option(help: "Folder of the raw data; a ground_truth.json there supplies the synthetic world's simulator (default: the folder step 1 read, as its manifest records it).")
    var raw: String?

    @OptionGroup var notebookOptions: NotebookOptions

    /// The notebook this run writes (`--notebook`, else the step's own).
    var notebook: String { notebookOptions.notebook ?? PipelineStep.policyLearning.notebook }

    @OptionGroup var threading: ThreadOptions

    @OptionGroup var settings: PolicyLearningOptions

    @Flag(help: "Continue an interrupted run from <processed>/step6-state/: a user model fitted there is read back instead of refitted, and each arm continues from its last completed epoch, ending with the same policies and numbers as an uninterrupted run; a state saved with other options or inputs is refused, naming the difference. Without --resume any saved state is discarded.")
    var resume = false

    func run() throws {
        try StepRun.execute(notebook: notebook, figures: notebookOptions.figures, outputFolders: [(processed, "--processed")]) {
            let start = ResourceUsage.now()
            threading.configure()
            let options = settings.stepOptions
            let raw = try raw ?? Manifest.rawFolder(processed: processed)
            let stateFolder = PipelineStep.policyLearning.stateFolder(in: processed)
            if !resume, FileManager.default.fileExists(atPath: stateFolder) {
                try FileManager.default.removeItem(atPath: stateFolder)
            }
            let state = try PolicyLearningState(folder: stateFolder, resume: resume, processed: processed)
            let output = try ArtifactDirectory(path: PipelineStep.policyLearning.folder(in: processed))
            let results = try PolicyLearningStep.run(processed: processed, raw: raw, options: options, output: output, state: state) { line in
                FileHandle.standardError.write(Data(("  " + line + "\n").utf8))
            }
            let step4 = try ColumnStore(.headWeightEstimation, processed: processed)
            try output.commit(manifest: Manifest(producer: PipelineStep.policyLearning.producer, version: 1,
                                                 options: try ManifestOptions.flatten(options),
                                                 inputs: try Manifest.describeInputs([step4.folder + "/" + Manifest.fileName]), rows: options.episodes))
            let page = try PolicyLearningNotebook(results: results, artifacts: output.path, figures: notebookOptions.figures,
                                                  seconds: ResourceUsage.now() - start, peakMiB: ResourceUsage.peakResidentMiB()).build()
            let dorl = results.simulators.first?.outcomes.first { $0.policy == PolicyLearningStep.Arm.dorl.label }
            return StepOutcome(page: page, summary: "step 6: \(results.arms.count) arm(s) trained in \(Format.fixed(results.seconds, 1)) s"
                               + (dorl.map { ", DORL R_tra \(Format.fixed($0.totalReward.mean, 2)) in the \(results.simulators[0].simulator) simulator" } ?? "")
                               + " -> \(output.path), \(notebook)",
                               completedState: stateFolder)   // done: nothing left to resume
        }
    }
}

BLASKernel.selectAtStartup()
PolicyLearningTool.main()
