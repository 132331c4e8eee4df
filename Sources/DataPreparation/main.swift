// Step 1 — data preparation: KuaiRec 2.0 CSV files -> the processed interaction table (80 columns as .npy)
// and notebooks/1-data-preparation.md.
import ArgumentParser
import Foundation
import StepCommandLine
import ValueModel

struct DataPreparationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "1-data-preparation",
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
        do {
            try prepare()
        } catch {
            StepOutput.report(error)
            throw ExitCode.failure
        }
    }

    private func prepare() throws {
        let start = ResourceUsage.now()
        try DataPreparation.checkResources(folder: raw, output: out)
        let output = try ArtifactDirectory(path: out + "/step1")
        let smallOutput = try ArtifactDirectory(path: out + "/" + SmallMatrixPreparation.folderName)
        let report = try DataPreparation.run(folder: raw, emit: { name, column in try output.write(name, column) },
                                             emitSmallMatrix: { name, column in try smallOutput.write(name, column) })
        let inputs = try Manifest.describeInputs(DataPreparation.inputFiles.map { raw + "/" + $0 })
        try output.writeFile("report.json", data: try jsonData(report))
        try output.commit(manifest: Manifest(producer: "1-data-preparation", version: 1,
                                             options: ["raw": raw], inputs: inputs, rows: report.keptRows))
        let smallFolder = out + "/" + SmallMatrixPreparation.folderName
        if let small = report.smallMatrix {
            try smallOutput.commit(manifest: Manifest(
                producer: "1-data-preparation", version: 1, options: ["raw": raw],
                inputs: inputs + (try Manifest.describeInputs([raw + "/" + SmallMatrixPreparation.fileName])),
                rows: small.keptRows))
        } else if FileManager.default.fileExists(atPath: smallFolder) {
            try FileManager.default.removeItem(atPath: smallFolder)   // a stale block from another raw folder
        }
        let elapsed = ResourceUsage.now() - start
        let groundTruth = FileManager.default.fileExists(atPath: raw + "/ground_truth.json")
        let page = try DataPreparationNotebook(report: report, raw: raw, artifacts: out + "/step1",
                                               figures: figures, synthetic: groundTruth,
                                               seconds: elapsed, peakMiB: ResourceUsage.peakResidentMiB()).build()
        try page.write(to: notebook)
        let anomalies = report.anomalies
        if anomalies != InteractionLog.Anomalies() {
            StepOutput.warn("big_matrix.csv: \(anomalies.inconsistentWatchRatio) rows with watch_ratio != play/video duration, \(anomalies.nonPositiveVideoDuration) with video_duration <= 0, \(anomalies.negativePlayOrRatio) with negative play or ratio (kept; see the notebook)")
        }
        print("step 1: \(report.keptRows) interactions in \(String(format: "%.1f", elapsed)) s -> \(out)/step1, \(notebook)")
    }

    private func jsonData<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(value)
    }
}

BLASKernel.selectAtStartup()
DataPreparationCommand.main()
