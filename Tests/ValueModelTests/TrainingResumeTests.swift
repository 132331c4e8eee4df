import Foundation
import Testing
@testable import ValueModel

/// Interrupted training resumes: a run killed after step k and continued with `resume` ends with the same
/// weights, byte for byte, and the same curves as an uninterrupted run with the same seed.
@Suite("Training: checkpoints of the training state and --resume")
struct TrainingResumeTests {
    static let settings = TrainingSettings(learningRate: 3e-3, batchSize: 128, maxSteps: 24, patience: 6, seed: 17)
    static let identity = ["model": "test", "--learning-rate": "0.003", "--seed": "17"]

    /// A fresh model (the same initial weights for the same `seed`).
    static func model(_ kind: String, graph: TrainingGraph, seed: UInt64) throws -> EdgeScoringModel {
        var g = SeededGenerator(seed: seed)
        return kind == "gnn" ? GNNModel(adjacency: try graph.adjacency(), hidden: 8, featureDim: 8, generator: &g)
            : EdgeMLP(inputDim: 8, generator: &g)
    }

    static func bytes(_ model: EdgeScoringModel) throws -> Data { try model.parameters.safetensors().serialized() }

    static func temporaryState() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString)/state.safetensors").path
    }

    @Test("killed after step k and resumed, the run ends with the uninterrupted run's bytes", arguments: ["gnn", "mlp"])
    func resumeMatchesUninterrupted(kind: String) throws {
        let graph = try TrainingTests.plantedGraph()
        let validation = graph.examples(graph.validation)
        let monitor = graph.examples(Array(graph.train.prefix(300)))

        // The uninterrupted reference, without any checkpointing.
        let reference = try Self.model(kind, graph: graph, seed: 5)
        let referenceRun = try Trainer.train(reference, on: graph, validation: validation, trainMonitor: monitor, settings: Self.settings)
        #expect(referenceRun.steps > 10, "the run must outlast the interruption")

        // Interrupted after step 10 with checkpoints every 4 steps: the state on disk is step 8's, so steps 9-10
        // are lost and redone, as after a kill.
        let path = Self.temporaryState()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let checkpoint = TrainingCheckpoint(path: path, every: 4, resume: false, identity: Self.identity)
        let first = try Self.model(kind, graph: graph, seed: 5)
        #expect(throws: Trainer.Interrupted.self) {
            _ = try Trainer.train(first, on: graph, validation: validation, trainMonitor: monitor, settings: Self.settings,
                                  progress: nil, checkpoint: checkpoint, stopAfter: 10)
        }
        let saved = try #require(try TrainingState.read(from: path))
        #expect(saved.0.step == 8 && !saved.0.finished)

        // Resumed in a "new process": a model with other initial weights, fresh optimiser and generator.
        var resuming = checkpoint
        resuming.resume = true
        let second = try Self.model(kind, graph: graph, seed: 999)
        let resumedRun = try Trainer.train(second, on: graph, validation: validation, trainMonitor: monitor, settings: Self.settings,
                                           progress: nil, checkpoint: resuming)
        #expect(try Self.bytes(second) == Self.bytes(reference))
        let sameCurves = resumedRun.curve == referenceRun.curve   // (not expanded: the curves are long)
        #expect(sameCurves, "the resumed run's curves differ from the uninterrupted run's")
        #expect(resumedRun.steps == referenceRun.steps && resumedRun.bestStep == referenceRun.bestStep)
        #expect(resumedRun.stoppedEarly == referenceRun.stoppedEarly && resumedRun.resumedFromStep == 8)

        // The finished state is loaded, not retrained.
        let finished = try #require(try TrainingState.read(from: path))
        #expect(finished.0.finished && finished.0.step == referenceRun.steps)
        let third = try Self.model(kind, graph: graph, seed: 1234)
        let loadedRun = try Trainer.train(third, on: graph, validation: validation, trainMonitor: monitor, settings: Self.settings,
                                          progress: nil, checkpoint: resuming)
        #expect(try Self.bytes(third) == Self.bytes(reference))
        let sameLoadedCurves = loadedRun.curve == referenceRun.curve
        #expect(sameLoadedCurves, "the loaded finished run's curves differ from the uninterrupted run's")
    }

    @Test("the comparison can fail: a resume whose generator restarts from the seed ends with different weights")
    func resumeWithoutGeneratorStateDiffers() throws {
        let graph = try TrainingTests.plantedGraph()
        let validation = graph.examples(graph.validation)
        let reference = try Self.model("gnn", graph: graph, seed: 5)
        _ = try Trainer.train(reference, on: graph, validation: validation, trainMonitor: nil, settings: Self.settings)

        let path = Self.temporaryState()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        var checkpoint = TrainingCheckpoint(path: path, every: 4, resume: false, identity: Self.identity)
        #expect(throws: Trainer.Interrupted.self) {
            _ = try Trainer.train(try Self.model("gnn", graph: graph, seed: 5), on: graph, validation: validation, trainMonitor: nil,
                                  settings: Self.settings, progress: nil, checkpoint: checkpoint, stopAfter: 8)
        }
        // Sabotage: the saved generator state replaced by the seed's initial state (as if it were not saved).
        var (state, tensors) = try #require(try TrainingState.read(from: path))
        state.generator = TrainingState.hex(SeededGenerator(seed: Self.settings.seed).stateWords)
        try state.write(tensors, to: path)
        checkpoint.resume = true
        let resumed = try Self.model("gnn", graph: graph, seed: 5)
        _ = try Trainer.train(resumed, on: graph, validation: validation, trainMonitor: nil, settings: Self.settings,
                              progress: nil, checkpoint: checkpoint)
        #expect(try Self.bytes(resumed) != Self.bytes(reference))
    }

    @Test("a state saved with other options is refused, naming the option; without resume it is overwritten")
    func mismatchedStateIsRefused() throws {
        let graph = try TrainingTests.plantedGraph()
        let validation = graph.examples(graph.validation)
        let path = Self.temporaryState()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let short = TrainingSettings(learningRate: 3e-3, batchSize: 64, maxSteps: 3, patience: nil, seed: 1)
        _ = try Trainer.train(try Self.model("mlp", graph: graph, seed: 5), on: graph, validation: validation, trainMonitor: nil,
                              settings: short, progress: nil,
                              checkpoint: TrainingCheckpoint(path: path, every: 2, resume: false, identity: Self.identity))
        var other = Self.identity
        other["--learning-rate"] = "0.001"
        do {
            _ = try Trainer.train(try Self.model("mlp", graph: graph, seed: 5), on: graph, validation: validation, trainMonitor: nil,
                                  settings: short, progress: nil, checkpoint: TrainingCheckpoint(path: path, every: 2, resume: true, identity: other))
            Issue.record("a mismatched state was resumed")
        } catch let error as PipelineError {
            #expect(error.description.contains("saved with --learning-rate 0.003, this run has --learning-rate 0.001"), "\(error)")
        }
        // Without resume the old state is ignored: the run trains (3 steps) and overwrites it.
        let run = try Trainer.train(try Self.model("mlp", graph: graph, seed: 5), on: graph, validation: validation, trainMonitor: nil,
                                    settings: short, progress: nil, checkpoint: TrainingCheckpoint(path: path, every: 2, resume: false, identity: other))
        #expect(run.resumedFromStep == nil && run.steps == 3)
        #expect(try TrainingState.read(from: path)?.0.identity == other)
    }

    @Test("the generator's state words continue its stream")
    func generatorStateRoundTrip() throws {
        var a = SeededGenerator(seed: 42)
        for _ in 0..<5 { _ = a.next() }
        var b = try #require(SeededGenerator(stateWords: a.stateWords))
        #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
        #expect(SeededGenerator(stateWords: [0, 0, 0, 0]) == nil)
        #expect(TrainingState.hex([UInt64.max]) == ["ffffffffffffffff"])
    }
}
