// Step 5 — policy evaluation in closed loop: step 4's scored candidates and ŵ, the synthetic world's engagement
// model -> KuaiEnv-style simulated sessions for several ranking policies (data/processed/step5/policies.json)
// and notebooks/5-policy-evaluation.md with its figure.
import ArgumentParser
import Foundation
import StepCommandLine
import ValueModel

struct PolicyEvaluationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: PipelineStep.policyEvaluation.producer,
        abstract: "Step 5: ranking policies in KuaiEnv-style session simulators, on the synthetic world's model and on the small matrix (R_tra, R_each, length, MCD, head rates; off-policy estimates against the truth).")

    @Option(help: "Folder of processed artifacts: reads <processed>/step4/ (and step1's manifest), writes <processed>/step5/.")
    var processed = "data/processed"

    @Option(help: "Folder of the raw data; a ground_truth.json there supplies the synthetic world's engagement model (the small matrix's simulator needs none) (default: the folder step 1 read, as its manifest records it).")
    var raw: String?

    @OptionGroup var notebookOptions: NotebookOptions

    /// The notebook this run writes (`--notebook`, else the step's own).
    var notebook: String { notebookOptions.notebookPath(for: Self.self) }

    /// The folder of the notebook's figures.
    var figures: String { notebookOptions.figures }

    @Option(parsing: .unconditional, help: "Simulated sessions per policy (the same users for every policy).")
    var episodes = 1000

    @Option(parsing: .unconditional, help: "Seed of the users drawn and of the policies' randomness.")
    var seed: UInt64 = 2026

    @Option(parsing: .unconditional, help: "KuaiEnv's num_leave_compute: the exit rule's window of earlier videos (DORL's published results: 4, as their logs record; their script/run_main.sh passes 1).")
    var window = KuaiEnvExitRule().window

    @Option(parsing: .unconditional, help: "KuaiEnv's leave_threshold: a tag may occur this often in the window; once more and the user leaves (DORL's runs: 0).")
    var threshold = KuaiEnvExitRule().threshold

    @Option(parsing: .unconditional, help: "KuaiEnv's max_turn: the most videos in a session.")
    var maxTurn = KuaiEnvExitRule().maxTurn

    @Option(parsing: .unconditional, help: "Robustness check: the accumulated-satisfaction exit's decay λ in s_t = λ s_{t-1} + (r_t − r̄) (0...1).")
    var satisfactionDecay = 0.9

    @Option(parsing: .unconditional, help: "Robustness check: the user leaves once the accumulated satisfaction s_t falls below minus this value (0 or more).")
    var satisfactionThreshold = 1.0

    @Option(parsing: .unconditional, help: "Exploration rate of the ε-greedy policy.")
    var epsilon = 0.1

    @Option(parsing: .unconditional, help: "UCB policy: the bonus c of c √(ln(1 + N) / (1 + n_video)), in units of the value ŵ·p̂ (N: logged rows; n_video: the video's).")
    var ucbBonus = 0.1

    @Option(parsing: .unconditional, help: "UCB on the seeds' spread: the bonus c of c σ, σ the standard deviation of ŵ·p̂ over step 3's seed members (heads taken as independent); the policy runs when step 4 averaged members.")
    var spreadBonus = 1.0

    @Option(parsing: .unconditional, help: "Off-policy estimates: logged rows per session used as decisions (the first ones; 1 = the first-turn bandit).")
    var loggedSteps = 10

    @Option(parsing: .unconditional, help: "NCIS: importance weights are capped at this value before normalising.")
    var ncisCap = 100.0

    @OptionGroup var threading: ThreadOptions

    /// The most sessions per policy (every episode is kept and written to policies.json).
    static let maximumEpisodes = 1_000_000
    /// The longest session (KuaiEnv's max_turn is 30).
    static let maximumTurns = 10_000

    /// The options that define the step's artifacts, as its manifest records them.
    var options: PolicyEvaluation.Options {
        PolicyEvaluation.Options(episodes: episodes, seed: seed, window: window, threshold: threshold, maxTurn: maxTurn,
                                 satisfactionDecay: satisfactionDecay, satisfactionThreshold: satisfactionThreshold, epsilon: epsilon,
                                 ucbBonus: ucbBonus, spreadBonus: spreadBonus, loggedSteps: loggedSteps, ncisCap: ncisCap)
    }

    func validate() throws {
        guard (1...Self.maximumEpisodes).contains(episodes) else { throw ValidationError("--episodes must be in 1...\(Self.maximumEpisodes), got \(episodes)") }
        guard window >= 1 else { throw ValidationError("--window must be at least 1, got \(window)") }
        guard threshold >= 0 else { throw ValidationError("--threshold must be 0 or more, got \(threshold)") }
        guard (1...Self.maximumTurns).contains(maxTurn) else { throw ValidationError("--max-turn must be in 1...\(Self.maximumTurns), got \(maxTurn)") }
        guard window <= maxTurn else { throw ValidationError("--window must be at most --max-turn (\(maxTurn)), got \(window)") }
        guard ucbBonus >= 0, ucbBonus.isFinite else { throw ValidationError("--ucb-bonus must be 0 or a positive number, got \(ucbBonus)") }
        guard spreadBonus >= 0, spreadBonus.isFinite else { throw ValidationError("--spread-bonus must be 0 or a positive number, got \(spreadBonus)") }
        guard loggedSteps >= 1 else { throw ValidationError("--logged-steps must be at least 1, got \(loggedSteps)") }
        guard ncisCap > 0, ncisCap.isFinite else { throw ValidationError("--ncis-cap must be a positive number, got \(ncisCap)") }
        guard (0...1).contains(epsilon) else { throw ValidationError("--epsilon must be in 0...1, got \(epsilon)") }
        guard (0...1).contains(satisfactionDecay) else { throw ValidationError("--satisfaction-decay must be in 0...1, got \(satisfactionDecay)") }
        guard satisfactionThreshold >= 0, satisfactionThreshold.isFinite else { throw ValidationError("--satisfaction-threshold must be 0 or a positive number, got \(satisfactionThreshold)") }
    }

    func run() throws {
        try StepRun.execute(notebook: notebook, figures: figures, outputFolders: [(processed, "--processed")]) {
            let start = ResourceUsage.now()
            threading.configure()
            let inputs = try PolicyInputs.load(processed: processed, raw: raw ?? Manifest.rawFolder(processed: processed), steps: loggedSteps)
            let o = options
            let runs = PolicyEvaluation.runAll(inputs: inputs, rule: o.rule, satisfaction: o.satisfaction, episodes: o.episodes, seed: o.seed, epsilon: o.epsilon, ucbBonus: o.ucbBonus, spreadBonus: o.spreadBonus, ncisCap: o.ncisCap)
            let logEstimates = PolicyEvaluation.logEstimates(inputs: inputs, epsilon: o.epsilon, ucbBonus: o.ucbBonus, spreadBonus: o.spreadBonus, ncisCap: o.ncisCap)
            let output = try ArtifactDirectory(path: PipelineStep.policyEvaluation.folder(in: processed))
            try output.writeFile("policies.json", data: PolicyEvaluation.json(runs))
            if let logEstimates { try output.writeFile("off_policy_logs.json", data: try OffPolicyEvaluation.json(logEstimates.estimates)) }
            try output.commit(manifest: Manifest(producer: PipelineStep.policyEvaluation.producer, version: 1, options: try ManifestOptions.flatten(o),
                                                 inputs: try Manifest.describeInputs(inputs.files), rows: episodes))
            let page = try PolicyEvaluationNotebook(runs: runs, inputs: inputs, loggedSteps: loggedSteps, logEstimates: logEstimates, artifacts: output.path, figures: figures,
                                                    seconds: ResourceUsage.now() - start, peakMiB: ResourceUsage.peakResidentMiB()).build()
            let toy = runs.map { run in "\(run.simulator): greedy ŵ·p̂ R_each \(run.outcome(.greedyEstimated).map { Format.fixed($0.rewardPerStep.mean, 3) } ?? "—")" }
            let notRun = inputs.notRun.isEmpty ? "" : " (not run: \(inputs.notRun.map(\.simulator).joined(separator: ", ")); see the notebook)"
            return StepOutcome(page: page, summary: "step 5: \(runs.map(\.simulator).joined(separator: " and ")) simulator(s) x \(episodes) sessions per policy\(notRun), \(toy.joined(separator: ", ")) in \(Format.fixed(ResourceUsage.now() - start, 1)) s -> \(output.path), \(notebook)")
        }
    }
}

BLASKernel.selectAtStartup()
PolicyEvaluationCommand.main()
