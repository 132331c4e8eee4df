import Foundation

/// Where and how often a training run saves its resumable state, and what must match to continue from it.
public struct TrainingCheckpoint: Sendable {
    /// The state file (for example `data/processed/step3-state/gnn64/state.safetensors`).
    public var path: String
    /// Steps between checkpoints (0: only the final state is written).
    public var every: Int
    /// Continue from an existing state at `path` (if any); false ignores and overwrites it.
    public var resume: Bool
    /// The options a state must have been saved with to be continued, as `(option, value)`: for example
    /// `("--learning-rate", "0.001")`. A state saved with different values is refused, naming the option.
    public var identity: [String: String]

    public init(path: String, every: Int, resume: Bool, identity: [String: String]) {
        self.path = path
        self.every = every
        self.resume = resume
        self.identity = identity
    }
}

/// Everything a training run needs to continue exactly where it stopped, written atomically as one
/// safetensors file: the tensors `values` (current weights), `kept` (best weights so far), `adam.m`,
/// `adam.v` (flat, in the parameters' layout), and this struct as JSON under the metadata key `state`.
struct TrainingState: Codable {
    static let version = 1
    var version = TrainingState.version
    /// The checkpoint's identity (see `TrainingCheckpoint.identity`).
    var identity: [String: String]
    /// Steps completed.
    var step: Int
    /// True when the run ended (early stopping or the step limit) and `values` are the kept weights.
    var finished: Bool
    /// The batch generator's four state words, as hexadecimal strings (JSON numbers lose bits above 2^53).
    var generator: [String]
    var adamStep: Int
    var stopping: EarlyStopping?
    /// The run so far: settings, curves, timings.
    var run: TrainingRun

    struct Tensors {
        var values: [Float]
        var kept: [Float]
        var firstMoment: [Float]
        var secondMoment: [Float]
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    /// Writes the state atomically (temporary file, fsync, rename): an interruption leaves the previous state.
    func write(_ tensors: Tensors, to path: String) throws {
        let json = String(decoding: try Self.encoder().encode(self), as: UTF8.self)
        let file = SafetensorsFile(tensors: [
            "values": SafetensorsTensor(float32: tensors.values, shape: [tensors.values.count]),
            "kept": SafetensorsTensor(float32: tensors.kept, shape: [tensors.kept.count]),
            "adam.m": SafetensorsTensor(float32: tensors.firstMoment, shape: [tensors.firstMoment.count]),
            "adam.v": SafetensorsTensor(float32: tensors.secondMoment, shape: [tensors.secondMoment.count]),
        ], metadata: ["state": json, "format": "3-training resumable state, version \(Self.version)"])
        try AtomicWrite.write(file.serialized(), to: path)
    }

    /// Reads the state at `path`; nil when there is none.
    static func read(from path: String) throws -> (TrainingState, Tensors)? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: path))
        guard let json = file.metadata["state"] else {
            throw PipelineError.malformedInput(SourceLocation(file: path), reason: "not a training state (no \"state\" metadata); delete it or run without --resume")
        }
        let state: TrainingState
        do { state = try decoder().decode(TrainingState.self, from: Data(json.utf8)) } catch {
            throw PipelineError.malformedInput(SourceLocation(file: path), reason: "unreadable training state (\(error)); delete it or run without --resume")
        }
        guard state.version == version else {
            throw PipelineError.malformedInput(SourceLocation(file: path), reason: "training state version \(state.version), this program writes \(version); run without --resume")
        }
        do {
            return (state, Tensors(values: try file.tensor("values").floats(), kept: try file.tensor("kept").floats(),
                                   firstMoment: try file.tensor("adam.m").floats(), secondMoment: try file.tensor("adam.v").floats()))
        } catch let PipelineError.invalidData(reason) {
            throw PipelineError.malformedInput(SourceLocation(file: path), reason: "\(reason); delete it or run without --resume")
        }
    }

    /// Throws unless the state was saved with `identity`, naming the first option (in name order) that differs.
    func check(_ identity: [String: String], path: String) throws {
        try ResumeIdentity.check(saved: self.identity, current: identity, path: path)
    }

    /// The batch generator the state continues with, once every field has been checked against the others, against
    /// `settings` and against a model of `parameters` values; a state that fails (edited or corrupt) is an error
    /// naming `path` and the field, never a trap later in training.
    func validated(_ tensors: Tensors, settings: TrainingSettings, parameters: Int, path: String) throws -> SeededGenerator {
        func refuse(_ reason: String) -> PipelineError {
            .malformedInput(SourceLocation(file: path), reason: "\(reason) (edited or corrupt training state); delete it or run without --resume")
        }
        guard let words = generatorWords, let generator = SeededGenerator(stateWords: words) else {
            throw refuse("generator \(generator) is not the batch generator's state words in hexadecimal")
        }
        guard (0...settings.maxSteps).contains(step) else { throw refuse("step is \(step), outside 0...\(settings.maxSteps)") }
        guard adamStep == step else { throw refuse("adamStep is \(adamStep), one Adam update per step makes it \(step)") }
        guard stopping?.patience == settings.patience else {
            throw refuse("early-stopping patience is \(stopping.map { "\($0.patience)" } ?? "unset"), this run has \(settings.patience.map { "\($0)" } ?? "none")")
        }
        if let stopping, !stopping.isConsistent(heads: Head.allCases.count, steps: step) {
            throw refuse("stopping (best \(stopping.best), stalled \(stopping.stalled), bestStep \(stopping.bestStep.map { "\($0)" } ?? "none"), steps \(stopping.steps)) does not fit \(Head.allCases.count) heads after \(step) steps")
        }
        let curve = run.curve
        guard run.steps == step, curve.loss.count == step, [0, step].contains(curve.validationMeanAUC.count),
              curve.validationPerHead.count == curve.validationMeanAUC.count,
              curve.validationPerHead.allSatisfy({ $0.count == Head.allCases.count }),
              curve.trainMeanAUC.count == curve.trainMonitorSteps.count, curve.trainMonitorSteps.allSatisfy({ (1...step).contains($0) })
        else {
            throw refuse("run holds \(run.steps) steps and curves of \(curve.loss.count) losses, \(curve.validationMeanAUC.count) validation AUCs "
                         + "and \(curve.trainMeanAUC.count) training AUCs, which do not fit step \(step) with \(Head.allCases.count) heads")
        }
        let counts = [tensors.values.count, tensors.kept.count, tensors.firstMoment.count, tensors.secondMoment.count]
        guard counts.allSatisfy({ $0 == parameters }) else {
            throw refuse("values, kept, adam.m and adam.v hold \(counts.map(String.init).joined(separator: ", ")) numbers, the model has \(parameters) parameters")
        }
        return generator
    }

    var generatorWords: [UInt64]? {
        let words = generator.compactMap { UInt64($0, radix: 16) }
        return words.count == generator.count ? words : nil
    }

    static func hex(_ words: [UInt64]) -> [String] { words.map { String($0, radix: 16) } }
}
