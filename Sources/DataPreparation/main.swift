// Step 1 — data preparation: KuaiRec 2.0 CSV files -> the processed interaction table (80 columns as .npy)
// and notebooks/1-data-preparation.md.
import ArgumentParser
import Foundation
import StepCommandLine
import ValueModel

struct DataPreparationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: PipelineStep.dataPreparation.producer,
        abstract: "Step 1: labels, bursts, sessions, user/item/context/history features from KuaiRec 2.0 files.")

    @Option(help: "Folder with big_matrix.csv, user_features.csv, item_daily_features.csv, kuairec_caption_category.csv.")
    var raw = "data/raw"

    @Option(help: "Folder for processed artifacts; step 1 writes <out>/step1/.")
    var out = "data/processed"

    @OptionGroup var notebookOptions: NotebookOptions

    /// The notebook this run writes (`--notebook`, else the step's own).
    var notebook: String { notebookOptions.notebookPath(for: Self.self) }

    /// The folder of the notebook's figures.
    var figures: String { notebookOptions.figures }

    func validate() throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: raw, isDirectory: &isFolder), isFolder.boolValue else {
            throw ValidationError("--raw \(raw): no such folder. Put the KuaiRec 2.0 files there, or run `make data`.")
        }
    }

    func run() throws {
        try StepRun.execute(notebook: notebook, figures: figures, outputFolders: [(out, "--out")], prepare)
    }

    private func prepare() throws -> StepOutcome {
        let start = ResourceUsage.now()
        try DataPreparation.checkResources(folder: raw, output: out)
        let output = try ArtifactDirectory(path: PipelineStep.dataPreparation.folder(in: out))
        let smallFolder = out + "/" + SmallMatrixPreparation.folderName
        let smallOutput = try ArtifactDirectory(path: smallFolder)
        let untimedFolder = out + "/" + SmallMatrixPreparation.untimedFolderName
        let untimedOutput = try ArtifactDirectory(path: untimedFolder)
        let report = try DataPreparation.run(folder: raw, emit: { name, column in try output.write(name, column) },
                                             emitSmallMatrix: { name, column in try smallOutput.write(name, column) },
                                             emitUntimedSmallMatrix: { name, column in try untimedOutput.write(name, column) })
        let inputs = try Manifest.describeInputs(DataPreparation.inputPaths(folder: raw))
        let producer = PipelineStep.dataPreparation.producer
        // The later steps find the raw folder, and whether step 1 saw a synthetic world's ground truth, here.
        let options = ["raw": Manifest.absolute(raw), SyntheticGroundTruth.step1OptionKey: try SyntheticGroundTruth.step1Record(raw: raw)]
        try output.writeFile("report.json", data: try jsonData(report))
        try output.commit(manifest: Manifest(producer: producer, version: 1, options: options, inputs: inputs, rows: report.keptRows))
        if let small = report.smallMatrix {
            try smallOutput.commit(manifest: Manifest(producer: producer, version: 1, options: options, inputs: inputs, rows: small.keptRows))
            try untimedOutput.commit(manifest: Manifest(producer: producer, version: 1, options: options, inputs: inputs, rows: small.untimedResponses))
        } else {
            try ArtifactDirectory.remove(at: smallFolder)   // stale blocks from another raw folder
            try ArtifactDirectory.remove(at: untimedFolder)
        }
        let elapsed = ResourceUsage.now() - start
        let groundTruth = FileManager.default.fileExists(atPath: raw + "/ground_truth.json")
        let page = try DataPreparationNotebook(report: report, raw: raw, artifacts: output.path,
                                               figures: figures, synthetic: groundTruth,
                                               seconds: elapsed, peakMiB: ResourceUsage.peakResidentMiB()).build()
        let anomalies = report.anomalies
        if anomalies != InteractionLog.Anomalies() {
            StepOutput.warn("big_matrix.csv: \(anomalies.inconsistentWatchRatio) rows with watch_ratio != play/video duration, \(anomalies.nonPositiveVideoDuration) with video_duration <= 0, \(anomalies.negativePlayOrRatio) with negative play or ratio (kept; see the notebook)")
        }
        return StepOutcome(page: page, summary: "step 1: \(report.keptRows) interactions in \(String(format: "%.1f", elapsed)) s -> \(output.path), \(notebook)")
    }

    private func jsonData<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(value)
    }
}

BLASKernel.selectAtStartup()
DataPreparationCommand.main()
