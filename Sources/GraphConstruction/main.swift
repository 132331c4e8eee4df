// Step 2 — graph construction: step 1's columns -> edge table [edges, 64], labels, time split, tiny sweep
// graph, standardisation statistics (data/processed/step2/) and notebooks/2-graph-construction.md.
import ArgumentParser
import Foundation
import StepCommandLine
import ValueModel

extension GraphConstruction.MessagePassing: ExpressibleByArgument {}

struct GraphConstructionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: PipelineStep.graphConstruction.producer,
        abstract: "Step 2: the user-video graph, its 64 edge features, the time split and the tiny sweep graph.")

    @Option(help: "Folder of processed artifacts: reads <processed>/step1/, writes <processed>/step2/.")
    var processed = "data/processed"

    @Option(help: "Edges used for message passing: all (as the original, test edges included) or train-only (leak-free).")
    var messagePassing = GraphConstruction.MessagePassing.all

    @Option(parsing: .unconditional, help: "Seed of the tiny graph's 5% sample and its 80/10/10 split.")
    var seed: UInt64 = 2026

    @OptionGroup var notebookOptions: NotebookOptions

    /// The notebook this run writes (`--notebook`, else the step's own).
    var notebook: String { notebookOptions.notebookPath(for: Self.self) }

    /// The folder of the notebook's figures.
    var figures: String { notebookOptions.figures }

    func run() throws {
        try StepRun.execute(notebook: notebook, figures: figures, outputFolders: [(processed, "--processed")]) {
            let start = ResourceUsage.now()
            let step1 = try ColumnStore(.dataPreparation, processed: processed)
            // edge matrix + labels (272 B/edge) in memory and on disk, plus columns read one at a time
            try ResourceCheck.requireMemory(step1.rows * 400, for: "Step 2 on \(step1.rows) edges",
                                            hint: "Close other programs, or run on a machine with more memory.")
            try ResourceCheck.requireDisk(step1.rows * 300, under: processed, for: "Step 2's artifacts")
            let output = try ArtifactDirectory(path: PipelineStep.graphConstruction.folder(in: processed))
            let options = GraphConstruction.Options(messagePassing: messagePassing, seed: seed)
            let summary = try GraphConstruction.run(step1: step1, output: output, options: options)
            let inputs = try Manifest.describeInputs([step1.folder + "/" + Manifest.fileName])
            try output.commit(manifest: Manifest(producer: PipelineStep.graphConstruction.producer, version: 1,
                                                 options: try ManifestOptions.flatten(options),
                                                 inputs: inputs, rows: summary.edges))
            let seconds = ResourceUsage.now() - start
            let page = try GraphConstructionNotebook(summary: summary, artifacts: output.path, figures: figures,
                                                     seconds: seconds, peakMiB: ResourceUsage.peakResidentMiB()).build()
            return StepOutcome(page: page, summary: "step 2: \(summary.edges) edges, \(summary.userNodes + summary.videoNodes) nodes in \(String(format: "%.1f", seconds)) s -> \(output.path), \(notebook)")
        }
    }
}

BLASKernel.selectAtStartup()
GraphConstructionCommand.main()
