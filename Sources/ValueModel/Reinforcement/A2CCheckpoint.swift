import Foundation

/// Where an A2C run saves its state between epochs, and what must match to continue from it.
///
/// The state is taken at epoch boundaries, where every environment is about to be reset (each rollout starts new
/// sessions), so the network's weights, Adam's moments and step, the generator's four words, the epoch count and
/// the summaries are all there is: `A2CTrainer.train(checkpoint:)` with `resume` continues to the same bytes as an
/// uninterrupted run. One safetensors file, written atomically after every epoch: the weights under their names,
/// `adam.m` and `adam.v` (flat, in the parameters' layout), and the rest as JSON under the metadata key `state`.
public struct A2CCheckpoint: Sendable {
    /// The state file (for example `data/processed/step6-state/a2c.safetensors`).
    public var path: String
    /// Continue from the state at `path` when there is one (false: start over and overwrite it).
    public var resume: Bool
    /// What the state must have been saved with besides the options (for example the tables' content hashes).
    public var identity: [String: String]

    /// A checkpoint at `path`, continued from when `resume`, refused unless saved with `identity`.
    public init(path: String, resume: Bool, identity: [String: String] = [:]) {
        self.path = path
        self.resume = resume
        self.identity = identity
    }

    private struct State: Codable {
        static let version = 1
        var version = State.version
        var identity: [String: String]
        var epoch: Int
        var generator: [String]
        var adamStep: Int
        var history: [A2CEpochSummary]
    }

    /// The identity a trainer's state is saved and checked with: `identity` and every option but the epoch count
    /// (a run may be continued for more epochs).
    private func fullIdentity(_ trainer: A2CTrainer) throws -> [String: String] {
        var options = trainer.options
        options.epochs = 0
        var full = identity
        full["A2C options"] = String(decoding: try TrainingState.encoder().encode(options), as: UTF8.self)
        full["items x users"] = "\(trainer.environment.tables.items) x \(trainer.environment.tables.users)"
        return full
    }

    /// Writes `trainer`'s state to `path` atomically.
    func save(_ trainer: A2CTrainer) throws {
        let state = State(identity: try fullIdentity(trainer), epoch: trainer.epoch, generator: TrainingState.hex(trainer.generator.stateWords),
                          adamStep: trainer.adam.step, history: trainer.history)
        var file = trainer.model.safetensors()
        file.tensors["adam.m"] = SafetensorsTensor(float32: trainer.adam.firstMoment, shape: [trainer.model.parameters.count])
        file.tensors["adam.v"] = SafetensorsTensor(float32: trainer.adam.secondMoment, shape: [trainer.model.parameters.count])
        file.metadata["state"] = String(decoding: try TrainingState.encoder().encode(state), as: UTF8.self)
        try AtomicWrite.write(file.serialized(), to: path)
    }

    /// Puts the state at `path` (if the file exists) into `trainer`; refuses a state saved with other options.
    func restore(into trainer: A2CTrainer) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: path))
        func fail(_ reason: String) -> PipelineError { .malformedInput(SourceLocation(file: path), reason: reason + "; delete it or run without --resume") }
        guard let json = file.metadata["state"] else { throw fail("not an A2C state (no \"state\" metadata)") }
        let state: State
        do { state = try TrainingState.decoder().decode(State.self, from: Data(json.utf8)) } catch { throw fail("unreadable A2C state (\(error))") }
        guard state.version == State.version else { throw fail("A2C state version \(state.version), this program writes \(State.version)") }
        try ResumeIdentity.check(saved: state.identity, current: try fullIdentity(trainer), path: path)
        let words = state.generator.compactMap { UInt64($0, radix: 16) }
        guard words.count == state.generator.count, let generator = SeededGenerator(stateWords: words) else { throw fail("bad generator state \(state.generator)") }
        var weights = file
        weights.tensors["adam.m"] = nil
        weights.tensors["adam.v"] = nil
        try trainer.model.parameters.load(from: weights)
        try trainer.adam.restore(step: state.adamStep, firstMoment: try file.tensor("adam.m").floats(), secondMoment: try file.tensor("adam.v").floats())
        trainer.generator = generator
        trainer.epoch = state.epoch
        trainer.history = state.history
    }
}
