import Foundation
import Testing
@testable import ValueModel

/// Header, state and manifest files a user could edit (or a disk could corrupt), crafted by hand: each is refused
/// with a `PipelineError` naming the file, never a trap, a huge allocation or a silently dropped value.
@Suite struct CraftedHeaderTests {
    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("crafted-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// An `.npy` file whose header dictionary holds `shape` verbatim, followed by `payload` bytes.
    static func npy(shape: String, descr: String = "<f4", payload: Int) throws -> String {
        var dictionary = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }\n"
        while (10 + dictionary.utf8.count) % 64 != 0 { dictionary = " " + dictionary }
        let length = dictionary.utf8.count
        let bytes = NumpyFile.magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(dictionary.utf8)
            + [UInt8](repeating: 0, count: payload)
        let path = try folder() + "/column.npy"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The error `body` throws (nil when it returns normally).
    static func error(_ body: () throws -> Void) -> PipelineError? {
        do { try body() } catch let error as PipelineError { return error } catch { return .invalidData("\(error)") }
        return nil
    }

    @Test("an npy shape whose byte count overflows is refused, naming the file")
    func npyOverflowingShape() throws {
        // 2^62 elements of 4 bytes: the byte count wraps past Int.max
        let path = try Self.npy(shape: "(4611686018427387904,)", payload: 16)
        let error = try #require(Self.error { _ = try NumpyFile.read(path: path) })
        #expect(error.description.contains(path), "\(error)")
        let wide = try Self.npy(shape: "(3037000500, 3037000500)", descr: "<f8", payload: 16)  // the product alone overflows
        #expect(Self.error { _ = try NumpyFile.read(path: wide) }?.description.contains(wide) == true)
    }

    @Test("an npy dimension that is not a non-negative integer is refused, not dropped")
    func npyUnparsableDimension() throws {
        // Without the bad dimension, (3, 4) would match the 48 bytes of data.
        for shape in ["(3, x, 4)", "(-3, -4)", "(3, , 4)", "(3.0, 4)"] {
            let path = try Self.npy(shape: shape, payload: 48)
            let error = Self.error { _ = try NumpyFile.read(path: path) }
            #expect(error?.description.contains(path) == true, "shape \(shape): \(String(describing: error))")
        }
        // The shapes numpy writes still read.
        #expect(try NumpyFile.read(path: try Self.npy(shape: "(3, 4)", payload: 48)).shape == [3, 4])
        #expect(try NumpyFile.read(path: try Self.npy(shape: "(12,)", payload: 48)).shape == [12])
        #expect(try NumpyFile.read(path: try Self.npy(shape: "()", payload: 4)).shape == [])
    }

    /// A safetensors file with one tensor entry written verbatim.
    static func safetensors(_ entry: String, data: Int) -> Data {
        let json = "{\"x\":\(entry)}"
        var bytes = Data()
        withUnsafeBytes(of: UInt64(json.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array(json.utf8))
        bytes.append(contentsOf: [UInt8](repeating: 0, count: data))
        return bytes
    }

    @Test("a safetensors shape whose byte count overflows, or a fractional dimension, is refused")
    func safetensorsCraftedShape() throws {
        for shape in ["[4611686018427387904]", "[4611686018427387904,4]", "[3037000500,3037000500]", "[2.5]", "[1e30]"] {
            let data = Self.safetensors("{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[0,8]}", data: 8)
            let error = Self.error { _ = try SafetensorsFile(data: data, path: "crafted.safetensors") }
            #expect(error?.description.contains("crafted.safetensors") == true, "shape \(shape): \(String(describing: error))")
        }
        let offsets = Self.safetensors("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,1e30]}", data: 8)
        #expect(Self.error { _ = try SafetensorsFile(data: offsets, path: "crafted.safetensors") } != nil)
        #expect(throws: PipelineError.self) { try SafetensorsTensor(dtype: .f32, shape: [1 << 62, 4], bytes: [0, 0, 0, 0]) }
    }

    @Test("step 4's state.json with a negative or too large chunk count is refused, naming the file")
    func scoringStateFields() throws {
        let path = try Self.folder() + "/step4-state"
        let scoring = ResumableScoring(folder: path, sessionsPerChunk: 1, resume: false, identity: ResumableScoringTests.identity)
        #expect(throws: ResumableScoring.Interrupted.self) { _ = try scoring.run(try ResumableScoringTests.scorer(), progress: nil, stopAfterChunks: 2) }
        var resuming = scoring
        resuming.resume = true
        for completed in [-3, Int.max] {
            var state = try #require(try scoring.readState())
            state.completedChunks = completed
            try JSONEncoder().encode(state).write(to: URL(fileURLWithPath: scoring.statePath))
            let error = Self.error { _ = try resuming.run(try ResumableScoringTests.scorer()) }
            #expect(error?.description.contains(scoring.statePath) == true, "completedChunks \(completed): \(String(describing: error))")
        }
    }

    /// Trains a few steps with checkpoints, then returns the state file's path and the settings used.
    static func savedTrainingState() throws -> (path: String, graph: TrainingGraph, settings: TrainingSettings) {
        let graph = try TrainingTests.plantedGraph()
        let path = try Self.folder() + "/state.safetensors"
        let settings = TrainingSettings(learningRate: 3e-3, batchSize: 64, maxSteps: 6, patience: 4, seed: 1)
        let checkpoint = TrainingCheckpoint(path: path, every: 2, resume: false, identity: TrainingResumeTests.identity)
        #expect(throws: Trainer.Interrupted.self) {
            _ = try Trainer.train(try TrainingResumeTests.model("mlp", graph: graph, seed: 5), on: graph,
                                  validation: graph.examples(graph.validation), trainMonitor: nil, settings: settings,
                                  progress: nil, checkpoint: checkpoint, stopAfter: 3)
        }
        return (path, graph, settings)
    }

    @Test("step 3's training state with a negative step or inconsistent counters is refused, naming the file")
    func trainingStateFields() throws {
        let (path, graph, settings) = try Self.savedTrainingState()
        let (saved, tensors) = try #require(try TrainingState.read(from: path))
        func stopping(_ edit: (inout [String: Any]) -> Void) throws -> EarlyStopping {
            var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(saved.stopping)) as? [String: Any])
            edit(&object)
            return try JSONDecoder().decode(EarlyStopping.self, from: JSONSerialization.data(withJSONObject: object))
        }
        var edits: [(String, TrainingState)] = []
        var state = saved
        state.step = -5
        edits.append(("negative step", state))
        state = saved
        state.adamStep = -1
        edits.append(("negative Adam step", state))
        state = saved
        state.stopping = try stopping { $0["best"] = [0.5] }
        edits.append(("one head's best AUC", state))
        state = saved
        state.stopping = try stopping { $0["stalled"] = [1, 2, 3] }
        edits.append(("three stall counters", state))
        state = saved
        state.run.curve.validationPerHead[0] = [0.5]
        edits.append(("a curve entry with one head", state))
        state = saved
        state.run.curve.loss = []
        edits.append(("a loss curve shorter than the steps", state))
        for (what, edited) in edits {
            try edited.write(tensors, to: path)
            let error = Self.error {
                _ = try Trainer.train(try TrainingResumeTests.model("mlp", graph: graph, seed: 5), on: graph,
                                      validation: graph.examples(graph.validation), trainMonitor: nil, settings: settings, progress: nil,
                                      checkpoint: TrainingCheckpoint(path: path, every: 2, resume: true, identity: TrainingResumeTests.identity))
            }
            #expect(error?.description.contains(path) == true, "\(what): \(String(describing: error))")
        }
        // The unedited state still resumes.
        try saved.write(tensors, to: path)
        let run = try Trainer.train(try TrainingResumeTests.model("mlp", graph: graph, seed: 5), on: graph,
                                    validation: graph.examples(graph.validation), trainMonitor: nil, settings: settings, progress: nil,
                                    checkpoint: TrainingCheckpoint(path: path, every: 2, resume: true, identity: TrainingResumeTests.identity))
        #expect(run.resumedFromStep == saved.step)
    }

    @Test("a checkpoint of another model, or a training state without its tensors, names its file")
    func checkpointMismatchNamesTheFile() throws {
        let path = try Self.folder() + "/edge_mlp.safetensors"
        var generator = SeededGenerator(seed: 3)
        try EdgeMLP(inputDim: 8, generator: &generator).parameters.saveSafetensors(to: URL(fileURLWithPath: path))
        let error = Self.error { try EdgeMLP(inputDim: 3, generator: &generator).parameters.loadSafetensors(from: URL(fileURLWithPath: path)) }
        #expect(error?.description.contains(path) == true, "\(String(describing: error))")
        // a safetensors file with the state's metadata but no tensors
        let state = try Self.folder() + "/state.safetensors"
        let (saved, _) = try #require(try TrainingState.read(from: try Self.savedTrainingState().path))
        let json = String(decoding: try TrainingState.encoder().encode(saved), as: UTF8.self)
        try SafetensorsFile(metadata: ["state": json]).write(to: URL(fileURLWithPath: state))
        let missing = Self.error { _ = try TrainingState.read(from: state) }
        #expect(missing?.description.contains(state) == true, "\(String(describing: missing))")
    }

    @Test("a manifest with negative row counts or widths is refused, naming the file")
    func manifestFields() throws {
        let folder = try Self.folder()
        var manifest = Manifest(producer: "1-data-preparation", version: 1, options: [:], inputs: [], rows: 3)
        manifest.columns = [.init(name: "x", file: "x.npy", dtype: "<f4", rows: 3, categories: nil, width: nil)]
        let path = folder + "/" + Manifest.fileName
        try manifest.encoded().write(to: URL(fileURLWithPath: path))
        #expect(try Manifest.read(folder: folder).rows == 3)
        var edits: [(String, Manifest)] = []
        var edited = manifest
        edited.rows = -1
        edits.append(("negative rows", edited))
        edited = manifest
        edited.columns[0].rows = -3
        edits.append(("a column's negative rows", edited))
        edited = manifest
        edited.columns[0].width = -2
        edits.append(("a negative width", edited))
        for (what, manifest) in edits {
            try manifest.encoded().write(to: URL(fileURLWithPath: path))
            let error = Self.error { _ = try Manifest.read(folder: folder) }
            #expect(error?.description.contains(path) == true, "\(what): \(String(describing: error))")
        }
    }
}
