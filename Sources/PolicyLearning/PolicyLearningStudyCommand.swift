import ArgumentParser
import Foundation
import StepCommandLine
import ValueModel

/// `6-policy-learning study` (`make rl-study`): step 6 replicated over several seeds, each seed its own user
/// model, A2C runs and evaluation users; writes `<processed>/step6-study/` and `notebooks/6-rl-study.md` with
/// every table as mean ± sd over seeds and DORL's orderings judged over seeds.
struct PolicyLearningStudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Step 6 over several seeds: mean ± sd over training runs, DORL's orderings judged over seeds.")

    @Option(help: "Folder of processed artifacts: reads <processed>/step1-4/, writes <processed>/step6-study/.")
    var processed = "data/processed"

    @Option(help: "Folder of the raw data (default: the folder step 1 read, as its manifest records it).")
    var raw: String?

    @OptionGroup var notebookOptions: NotebookOptions

    @OptionGroup var threading: ThreadOptions

    @OptionGroup var settings: PolicyLearningOptions

    @Option(parsing: .unconditional, help: "Replicates: seeds --first-seed, --first-seed + 1, ….")
    var seeds = 3

    @Option(parsing: .unconditional, help: "The first replicate's seed (of its user model, its A2C runs and its evaluation users).")
    var firstSeed: UInt64 = 1

    @Flag(help: "Continue an interrupted study from <processed>/step6-study-state/: finished seeds are not retrained, an unfinished one continues from its last epoch. Without --resume any saved state is discarded.")
    var resume = false

    func validate() throws {
        guard (1...100).contains(seeds) else { throw ValidationError("--seeds must be in 1...100, got \(seeds)") }
        guard firstSeed <= UInt64.max - UInt64(seeds) else { throw ValidationError("--first-seed is too large for \(seeds) seeds") }
    }

    func run() throws {
        let notebook = notebookOptions.notebook ?? "notebooks/6-rl-study.md"
        try StepRun.execute(notebook: notebook, figures: notebookOptions.figures, outputFolders: [(processed, "--processed")]) {
            let start = ResourceUsage.now()
            threading.configure()
            let raw = try raw ?? Manifest.rawFolder(processed: processed)
            let stateFolder = processed + "/step6-study-state"
            if !resume, FileManager.default.fileExists(atPath: stateFolder) {
                try FileManager.default.removeItem(atPath: stateFolder)
            }
            let base = settings.stepOptions
            let output = try ArtifactDirectory(path: processed + "/step6-study")
            let step4 = try ColumnStore(.headWeightEstimation, processed: processed)
            let inputs = try Manifest.describeInputs([step4.folder + "/" + Manifest.fileName])
            var runs: [PolicyLearningStep.Results] = []
            for index in 0..<seeds {
                let seed = firstSeed + UInt64(index)
                FileHandle.standardError.write(Data("study: seed \(seed) (\(index + 1) of \(seeds))\n".utf8))
                let options = PolicyLearningStudy.options(base, seed: seed)
                let state = try PolicyLearningState(folder: stateFolder + "/seed-\(seed)", resume: true, processed: processed)
                // Each replicate is a step 6 folder of its own inside the study's (staged with it, published with it).
                let replicate = try ArtifactDirectory(path: output.stagingPath + "/seed-\(seed)")
                runs.append(try PolicyLearningStep.run(processed: processed, raw: raw, options: options, output: replicate, state: state) { line in
                    FileHandle.standardError.write(Data(("  " + line + "\n").utf8))
                })
                try replicate.commit(manifest: Manifest(producer: PipelineStep.policyLearning.producer, version: 1,
                                                        options: try ManifestOptions.flatten(options), inputs: inputs, rows: options.episodes))
            }
            let study = try PolicyLearningStudy.make(runs)
            try output.writeFile("study.json", data: try PolicyLearningStudyNotebook.encoder.encode(study))
            try output.commit(manifest: Manifest(producer: PipelineStep.policyLearning.producer + " study", version: 1,
                                                 options: try ManifestOptions.flatten(base).merging(["seeds": "\(seeds)", "first-seed": "\(firstSeed)"]) { _, new in new },
                                                 inputs: inputs, rows: seeds))
            let page = PolicyLearningStudyNotebook(study: study, runs: runs, artifacts: output.path,
                                                   seconds: ResourceUsage.now() - start, peakMiB: ResourceUsage.peakResidentMiB()).build()
            return StepOutcome(page: page, summary: "step 6 study: \(seeds) seed(s) -> \(output.path), \(notebook)", completedState: stateFolder)
        }
    }
}
