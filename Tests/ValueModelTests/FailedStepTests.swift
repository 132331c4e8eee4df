import Foundation
import Testing
@testable import Reporting
@testable import ValueModel

/// A step that fails leaves every earlier output — artifacts, figures, notebook — byte for byte as it was; what a
/// killed run staged is removed by the next run; bad output places are named by their option before any work.
@Suite(.serialized) struct FailedStepTests {
    /// Every file under `folder` (relative path → bytes); hidden entries included, so leftovers show.
    static func snapshot(_ folder: String) -> [String: Data] {
        var files: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return files }
        while let relative = walker.nextObject() as? String {
            var isFolder: ObjCBool = false
            let path = folder + "/" + relative
            if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
                files[relative] = FileManager.default.contents(atPath: path)
            }
        }
        return files
    }

    static func temporaryFolder(_ label: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Writes an artifact folder with one column and commits it.
    static func commitColumn(_ values: [Float], to path: String) throws {
        let output = try ArtifactDirectory(path: path)
        try output.write("x", .float32(values))
        try output.commit(manifest: Manifest(producer: "test", version: 1, options: [:], inputs: [], rows: values.count))
    }

    @Test func abandonedPublicationLeavesEverythingAsItWas() throws {
        let root = try Self.temporaryFolder("publication")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let artifacts = root + "/out/step9", figures = root + "/figures", notebook = root + "/notebook.md"
        try Self.commitColumn([1, 2, 3], to: artifacts)
        try FileManager.default.createDirectory(atPath: figures, withIntermediateDirectories: true)
        try Data("old figure".utf8).write(to: URL(fileURLWithPath: figures + "/f.png"))
        try Data("old notebook".utf8).write(to: URL(fileURLWithPath: notebook))
        let before = Self.snapshot(root)

        let publication = try StepPublication.open(notebook: notebook, figures: figures)
        try Self.commitColumn([4, 5], to: artifacts)
        let figure = Figure(title: "new", series: [Series(name: "line", style: .line, x: [0, 1], y: [0, 1])])
        _ = try StepOutput.render(figure, folder: figures, name: "f.png")
        #expect(Self.snapshot(artifacts) == before.filter { $0.key.hasPrefix("out/step9/") }.reduce(into: [:]) { $0[String($1.key.dropFirst(10))] = $1.value },
                "a staged folder must not replace the old one before publishing")
        publication.abandon()
        #expect(Self.snapshot(root) == before)
        #expect(StepPublication.current == nil)
    }

    @Test func publishedOutputsAppearTogether() throws {
        let root = try Self.temporaryFolder("publication")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let artifacts = root + "/out/step9", figures = root + "/figures", notebook = root + "/notes/notebook.md"
        try Self.commitColumn([1, 2, 3], to: artifacts)
        let publication = try StepPublication.open(notebook: notebook, figures: figures)
        try Self.commitColumn([4, 5], to: artifacts)
        let figure = Figure(title: "new", series: [Series(name: "line", style: .line, x: [0, 1], y: [0, 1])])
        let link = try StepOutput.render(figure, folder: figures, name: "f.png")
        #expect(!FileManager.default.fileExists(atPath: figures + "/f.png"))
        var page = Notebook(title: "T")
        page.paragraph("![f](\(link))")
        try publication.publish(page)
        #expect(try NumpyFile.read(path: artifacts + "/x.npy").values(as: Float.self) == [4, 5])
        #expect(FileManager.default.fileExists(atPath: figures + "/f.png"))
        #expect(try String(contentsOfFile: notebook, encoding: .utf8).contains("../figures/f.png"))
        // nothing hidden left behind: no staging folder, no temporary figure or notebook
        #expect(Self.snapshot(root).keys.filter { $0.split(separator: "/").contains { $0.hasPrefix(".") } }.isEmpty)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: root + "/out")) ?? []) == ["step9"])
    }

    @Test func outputPlacesAreNamedByTheirOption() throws {
        let root = try Self.temporaryFolder("places")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = root + "/a-file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        #expect(throws: PipelineError.invalidOption(name: "--notebook", reason: "\(root) is a folder; name a file")) {
            _ = try StepPublication.open(notebook: root, figures: root + "/figures")
        }
        #expect(throws: PipelineError.invalidOption(name: "--figures", reason: "\(file) is a file, not a folder")) {
            _ = try StepPublication.open(notebook: root + "/n.md", figures: file)
        }
        do {
            _ = try StepPublication.open(notebook: file + "/n.md", figures: root + "/figures")
            Issue.record("a notebook under a file was accepted")
        } catch let PipelineError.invalidOption(name, _) {
            #expect(name == "--notebook")
        }
        #expect(StepPublication.current == nil)
    }

    @Test func whatAKilledRunStagedIsRemovedByTheNextRun() throws {
        let root = try Self.temporaryFolder("abandoned")
        defer { try? FileManager.default.removeItem(atPath: root) }
        // 2^31 - 2: a process id no Linux system hands out by default (pid_max is at most 2^22)
        let gone = Int32.max - 1
        for leftover in [".step9.partial-\(gone)", "step9.old-\(gone)"] {
            try FileManager.default.createDirectory(atPath: root + "/" + leftover, withIntermediateDirectories: true)
        }
        let running = ".step9.partial-1"   // pid 1 is always running: its staging may still be in use
        try FileManager.default.createDirectory(atPath: root + "/" + running, withIntermediateDirectories: true)
        let figures = root + "/figures"
        try FileManager.default.createDirectory(atPath: figures, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: figures + "/.f.png.pending-\(gone).png"))
        try Self.commitColumn([1], to: root + "/step9")
        let publication = try StepPublication.open(notebook: root + "/n.md", figures: figures)
        publication.abandon()
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: root))
        #expect(names == ["step9", running, "figures"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: figures).isEmpty)
    }

    /// Step 0's raw folder is written through staging: nothing of a run that fails or is dropped becomes visible; a
    /// published run replaces every file, a folder among them, and removes what an earlier world wrote and this one
    /// does not; a folder in the way of a file is refused before anything moves.
    @Test func stagedFilesAppearTogetherOrNotAtAll() throws {
        let target = try Self.temporaryFolder("staged")
        defer { try? FileManager.default.removeItem(atPath: target) }
        func put(_ text: String, _ path: String) throws {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
        for name in ["a.csv", "b.csv", "extra.csv", "pools/old.npy"] { try put("old " + name, target + "/" + name) }
        let before = Self.snapshot(target)
        let entries = ["a.csv", "pools/", "b.csv"]
        func stage() throws -> StagedFiles {
            let staged = try StagedFiles(target: target, entries: entries)
            for name in ["a.csv", "b.csv", "pools/new.npy"] { try put("new " + name, staged.stagingPath + "/" + name) }
            return staged
        }
        // Dropped without publishing (a run that failed): nothing changed, nothing left behind.
        do { _ = try stage() }
        #expect(Self.snapshot(target) == before)
        // A folder that appeared where b.csv goes: refused, naming it, before anything moved.
        var staged: StagedFiles? = try stage()
        try FileManager.default.removeItem(atPath: target + "/b.csv")
        try put("in the way", target + "/b.csv/inside")
        let obstructed = Self.snapshot(target).filter { !$0.key.hasPrefix(".partial-") }
        #expect(throws: PipelineError.writeFailed(path: target + "/b.csv", reason: "a folder is in the way of the file written there; move it away")) {
            try staged?.publish(removing: ["extra.csv"])
        }
        staged = nil
        #expect(Self.snapshot(target) == obstructed)
        #expect(throws: PipelineError.self) { _ = try StagedFiles(target: target, entries: entries) }
        try FileManager.default.removeItem(atPath: target + "/b.csv")
        // Published: the new files in place, the old folder replaced, the obsolete file gone, no hidden leftovers.
        try stage().publish(removing: ["extra.csv", "absent.csv"])
        #expect(Self.snapshot(target) == ["a.csv": Data("new a.csv".utf8), "b.csv": Data("new b.csv".utf8), "pools/new.npy": Data("new pools/new.npy".utf8)])
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).sorted() == ["a.csv", "b.csv", "pools"])
    }

    /// `0-synthetic-data` into a folder holding an earlier world, with a folder where one of its files goes: it fails,
    /// naming that path, and the earlier world is left byte for byte (its files used to be replaced one by one, up to
    /// the one in the way).
    @Test func aFailedStepZeroLeavesThePreviousWorld() throws {
        let root = try Self.temporaryFolder("step0")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let raw = root + "/raw"
        let first = try ExecutableOptionsTests.run("0-synthetic-data", ["--out", raw, "--users", "20", "--videos", "40", "--seed", "1"])
        #expect(first.status == 0, "\(first.stderr)")
        try FileManager.default.removeItem(atPath: raw + "/ground_truth.json")
        try FileManager.default.createDirectory(atPath: raw + "/ground_truth.json", withIntermediateDirectories: false)
        try Data("kept".utf8).write(to: URL(fileURLWithPath: raw + "/ground_truth.json/note.txt"))
        let before = Self.snapshot(root)
        #expect(before.keys.contains("raw/big_matrix.csv") && before.keys.contains("raw/user_features.csv"))
        let second = try ExecutableOptionsTests.run("0-synthetic-data", ["--out", raw, "--users", "20", "--videos", "40", "--seed", "2"])
        #expect(second.status == 1)
        #expect(second.stderr.contains("cannot write \(raw)/ground_truth.json: a folder is in the way"), "\(second.stderr)")
        #expect(Self.snapshot(root) == before, "step 0 changed the folder although it failed")
    }

    /// Changes the lowest byte of the first weight of the GNN `best_gnn.json` names in the step-3 folder `folder`: the
    /// same model, but not the same weights.
    static func perturbChosenWeights(in folder: String) throws {
        let path = folder + "/" + (try ScoringModelChoice.read(step3: folder).model) + ".safetensors"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        bytes[8 + headerLength] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Steps 1-5 on a small world; then each step again with an unusable notebook path, step 4 with `--ensemble` naming
    /// no step-3 folder or a GNN twice, step 5 without the ground truth or the small matrix step 1 read, and step 4
    /// again with NaN node embeddings: each fails, naming the cause, and nothing changed.
    @Test func everyFailedStepLeavesThePreviousOutput() throws {
        let world = try PipelineEndToEndTests.preparedWorld("failed-steps", users: 40, videos: 80, seed: 11)
        defer { try? FileManager.default.removeItem(atPath: world.root) }
        let common = ["--figures", world.figures]
        let steps: [(String, [String])] = [
            ("1-data-preparation", ["--raw", world.raw, "--out", world.processed]),
            ("2-graph-construction", ["--processed", world.processed]),
            ("3-training", ["--processed", world.processed, "--raw", world.raw, "--max-steps", "10", "--sweep-steps", "0", "--head-seeds", "1"]),
            ("4-head-weight-estimation", ["--processed", world.processed, "--raw", world.raw, "--bootstrap", "2", "--starts", "1",
                                          "--benchmark-sessions", "5", "--skip-original"]),
            ("5-policy-evaluation", ["--processed", world.processed, "--raw", world.raw, "--episodes", "20"]),
        ]
        for (index, (product, arguments)) in steps.enumerated() where index >= 2 {
            let result = try ExecutableOptionsTests.run(product, arguments + common + ["--notebook", world.root + "/\(index + 1).md"])
            #expect(result.status == 0, "\(product): \(result.stderr)")
        }
        let before = Self.snapshot(world.root)
        // Step 4's coverage study writes its notebook through the same publication: refused before its first world.
        let coverage = try ExecutableOptionsTests.run("4-head-weight-estimation", ["coverage", "--worlds", "1", "--notebook", world.figures])
        #expect(coverage.status == 1 && coverage.stderr.contains("option --notebook: \(world.figures) is a folder") && !coverage.stderr.contains(" world "),
                "coverage: \(coverage.stderr)")
        for (product, arguments) in steps {
            let result = try ExecutableOptionsTests.run(product, arguments + common + ["--notebook", world.figures])
            #expect(result.status == 1, "\(product) must fail with a folder as its notebook")
            #expect(result.stderr.contains("option --notebook: \(world.figures) is a folder"), "\(product): \(result.stderr)")
            #expect(Self.snapshot(world.root) == before, "\(product) changed its output although it failed")
        }
        // Inputs a step cannot use, refused before any work, naming the option or the file: `--ensemble` naming no
        // step-3 folder, the main GNN again, or one GNN twice (step 4 used to find out only after scoring, or never);
        // step 5 after the ground truth or the small matrix step 1 read is gone (it used to drop that simulator).
        let other = world.processed + "/step3-other"
        try FileManager.default.copyItem(atPath: world.processed + "/step3", toPath: other)
        try Self.perturbChosenWeights(in: other)   // a GNN of its own, trained on the same step 2
        let withOther = Self.snapshot(world.root)
        let (estimate, estimateArguments) = steps[3]
        for (ensemble, message) in [
            (world.root + "/no-such-run", "option --ensemble: \(world.root)/no-such-run is not a usable folder of `3-training` ("),
            (world.processed + "/step3", "option --ensemble: \(world.processed)/step3's gnn"),
            (other + "," + other, "is the same GNN as \(other)'s gnn"),
        ] {
            let result = try ExecutableOptionsTests.run(estimate, estimateArguments + common + ["--notebook", world.root + "/4.md", "--ensemble", ensemble])
            #expect(result.status == 1 && result.stderr.contains(message), "--ensemble \(ensemble): \(result.stderr)")
            #expect(!result.stderr.contains("scoring"), "--ensemble \(ensemble) was refused only after the scoring: \(result.stderr)")
            #expect(Self.snapshot(world.root) == withOther, "step 4 changed its output although it failed")
        }
        try FileManager.default.removeItem(atPath: other)
        let (evaluate, evaluateArguments) = steps[4]
        let asideFolder = try Self.temporaryFolder("aside")
        defer { try? FileManager.default.removeItem(atPath: asideFolder) }
        let aside = asideFolder + "/moved"
        for (input, message) in [
            (world.raw + "/ground_truth.json", "\(world.raw)/ground_truth.json: file not found. Step 1 read this folder as a synthetic world"),
            (world.processed + "/" + SmallMatrixPreparation.folderName, "\(world.processed)/step1-small/manifest.json: file not found. Step 1 prepared small_matrix.csv"),
        ] {
            try FileManager.default.moveItem(atPath: input, toPath: aside)
            let without = Self.snapshot(world.root)
            let result = try ExecutableOptionsTests.run(evaluate, evaluateArguments + common + ["--notebook", world.root + "/5.md"])
            #expect(result.status == 1 && result.stderr.contains(message) && result.stderr.contains("1-data-preparation"), "\(result.stderr)")
            #expect(Self.snapshot(world.root) == without, "step 5 changed its output although it failed")
            try FileManager.default.moveItem(atPath: aside, toPath: input)
        }
        #expect(Self.snapshot(world.root) == before)

        // Step 4 with NaN node embeddings (they used to reach gnuplot): refused, naming the file; step4/, the figures
        // and the notebook are left alone.
        let step3 = world.processed + "/step3"
        let embeddings = try FileManager.default.contentsOfDirectory(atPath: step3).filter { $0.hasPrefix("node_embeddings_") }
        #expect(!embeddings.isEmpty)
        for name in embeddings {
            let array = try NumpyFile.read(path: step3 + "/" + name)
            let values = [Float](repeating: .nan, count: array.values(as: Float.self).count)
            try NumpyFile.writeMatrix(values, rows: array.shape[0], columns: array.shape[1], to: step3 + "/" + name)
        }
        let corrupted = Self.snapshot(world.root)
        let (product, arguments) = steps[3]
        let result = try ExecutableOptionsTests.run(product, arguments + common + ["--notebook", world.root + "/4.md"])
        #expect(result.status == 1, "step 4 on NaN embeddings must fail")
        #expect(result.stderr.contains("node_embeddings_") && result.stderr.contains("NaN"), "\(result.stderr)")
        #expect(Self.snapshot(world.root) == corrupted, "step 4 changed its output although it failed: \(result.stderr)")
    }
}
