/// How one model is trained: the original's protocol with its knobs.
public struct TrainingSettings: Codable, Sendable, Equatable {
    /// Adam's learning rate.
    public var learningRate: Float
    /// Training edges per step, drawn uniformly with replacement.
    public var batchSize: Int
    /// Largest number of steps (the original: 2000).
    public var maxSteps: Int
    /// Early-stopping patience in steps (the original: 20); nil runs exactly `maxSteps` steps and keeps the
    /// last weights (the sweeps).
    public var patience: Int?
    /// Seed of the batch draws.
    public var seed: UInt64

    public init(learningRate: Float, batchSize: Int, maxSteps: Int, patience: Int?, seed: UInt64) {
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.maxSteps = maxSteps
        self.patience = patience
        self.seed = seed
    }
}

/// What was measured after every step of a run (index i is step i + 1).
public struct TrainingCurve: Codable, Sendable, Equatable {
    /// Mean BCE of the step's batch, before the update.
    public var loss: [Double] = []
    /// Mean over heads of the validation AUCs.
    public var validationMeanAUC: [Double] = []
    /// Validation AUC per head, `[steps][4]`.
    public var validationPerHead: [[Double]] = []
    /// Mean AUC on the monitored training edges (empty when training AUC is not monitored), after the steps
    /// in `trainMonitorSteps`.
    public var trainMeanAUC: [Double] = []
    /// The steps (1-based) after which the training edges were monitored: the first and every `monitorEvery`-th.
    public var trainMonitorSteps: [Int] = []
}

/// The outcome of one training run.
public struct TrainingRun: Codable, Sendable {
    public var settings: TrainingSettings
    public var curve = TrainingCurve()
    /// The step whose weights were kept (the last step where some head improved); nil without early stopping.
    public var bestStep: Int?
    /// Best validation AUC per head seen during training (possibly from different steps, as the original prints).
    public var bestValidationPerHead: [Double] = []
    /// Steps actually taken.
    public var steps = 0
    /// True when the early-stopping rule ended the run before `maxSteps`.
    public var stoppedEarly = false
    /// Wall time of the whole run, of the parameter updates and of the per-step evaluations (seconds).
    public var seconds = 0.0
    public var updateSeconds = 0.0
    public var evaluationSeconds = 0.0
    /// The step of the saved state this run continued from (`--resume`); nil for an uninterrupted run.
    public var resumedFromStep: Int?

    /// Training speed over the whole run (steps per second of wall time).
    public var stepsPerSecond: Double { Double(steps) / seconds }
}

/// The original's training loop (one "epoch" = one step): recompute the node embeddings over the full graph,
/// draw `batchSize` training edges with replacement, one Adam update, then evaluate validation AUCs (and,
/// optionally, the mean AUC on a fixed sample of training edges) and apply the early-stopping rule. The best
/// weights are restored into the model at the end.
public enum Trainer {
    /// Trains `model` on `graph.train`, monitoring `validation` after every step (and `trainMonitor`, if given,
    /// after the first step and every `monitorEvery`-th: it feeds only the curves), and leaves the kept weights
    /// in the model. Without `validation` (and without early stopping: `settings.patience` nil)
    /// nothing is evaluated between steps: exactly `maxSteps` steps, the last weights kept, only the loss curve
    /// recorded (another seed of a model whose budget is already known).
    ///
    /// With a `checkpoint`, the whole training state (weights, kept weights, Adam's moments and step, the batch
    /// generator, the early-stopping counters, the curves) is written atomically every `checkpoint.every` steps
    /// and once more when the run ends; with `checkpoint.resume`, a state saved with the same identity is
    /// continued (a finished one is only loaded), and the result is the same, byte for byte, as an
    /// uninterrupted run.
    ///
    /// With `weights` (one per training edge, in `graph.train`'s order), batches are drawn in proportion to
    /// them instead of uniformly: stochastic gradients of the weighted loss (inverse-propensity weighting).
    public static func train(_ model: EdgeScoringModel, on graph: TrainingGraph, validation: EdgeExamples?,
                             trainMonitor: EdgeExamples?, monitorEvery: Int = 1, settings: TrainingSettings, weights: WeightedBatches? = nil,
                             progress: ProgressLine? = nil, checkpoint: TrainingCheckpoint? = nil) throws -> TrainingRun {
        try train(model, on: graph, validation: validation, trainMonitor: trainMonitor, monitorEvery: monitorEvery, settings: settings,
                  weights: weights, progress: progress, checkpoint: checkpoint, stopAfter: nil)
    }

    /// Thrown by `train(…, stopAfter:)` after that many steps: an interruption, as a kill would be (tests).
    struct Interrupted: Error {
        let step: Int
    }

    /// `train` with an interruption after step `stopAfter` (its checkpoint, if one is due, is written first).
    static func train(_ model: EdgeScoringModel, on graph: TrainingGraph, validation: EdgeExamples?,
                      trainMonitor: EdgeExamples?, monitorEvery: Int = 1, settings: TrainingSettings, weights: WeightedBatches? = nil,
                      progress: ProgressLine?, checkpoint: TrainingCheckpoint?, stopAfter: Int?) throws -> TrainingRun {
        guard settings.batchSize > 0, settings.maxSteps > 0, settings.learningRate > 0, monitorEvery > 0 else {
            throw PipelineError.invalidOption(name: "training", reason: "batch size, steps, learning rate and the monitoring interval must be positive")
        }
        guard !graph.train.isEmpty else { throw PipelineError.invalidData("the \(graph.name) graph has no training edges") }
        guard validation != nil || (settings.patience == nil && trainMonitor == nil) else {
            throw PipelineError.invalidOption(name: "training", reason: "early stopping and a monitored training sample need validation edges")
        }
        if let weights, weights.count != graph.train.count {
            throw PipelineError.invalidData("\(weights.count) batch weights for the \(graph.name) graph's \(graph.train.count) training edges")
        }
        var start = ResourceUsage.now()
        var run = TrainingRun(settings: settings)
        let optimizer = Adam(parameters: model.parameters, learningRate: settings.learningRate)
        var generator = SeededGenerator(seed: settings.seed)
        var stopping = settings.patience.map { EarlyStopping(heads: 4, patience: $0) }
        let kept = ParameterStore(model.parameters.entries.map { (name: $0.name, shape: $0.shape) })
        let validationOnly = validation.map { [$0] } ?? []
        let withMonitor = validation.map { [$0] + (trainMonitor.map { [$0] } ?? []) } ?? []

        func save(step: Int, finished: Bool) throws {
            guard let checkpoint else { return }
            var snapshot = run
            snapshot.seconds = ResourceUsage.now() - start
            let state = TrainingState(identity: checkpoint.identity, step: step, finished: finished,
                                      generator: TrainingState.hex(generator.stateWords), adamStep: optimizer.step,
                                      stopping: stopping, run: snapshot)
            try state.write(.init(values: model.parameters.values.toArray(), kept: kept.values.toArray(),
                                  firstMoment: optimizer.firstMoment, secondMoment: optimizer.secondMoment), to: checkpoint.path)
        }

        var firstStep = 1
        if let checkpoint, checkpoint.resume, let saved = try TrainingState.read(from: checkpoint.path) {
            let (state, tensors) = saved
            try state.check(checkpoint.identity, path: checkpoint.path)
            let restored = try state.validated(tensors, settings: settings, parameters: model.parameters.count, path: checkpoint.path)
            try model.parameters.setAllValues(tensors.values)
            try kept.setAllValues(tensors.kept)
            try optimizer.restore(step: state.adamStep, firstMoment: tensors.firstMoment, secondMoment: tensors.secondMoment)
            generator = restored
            stopping = state.stopping
            run = state.run
            run.resumedFromStep = state.step
            start -= state.run.seconds
            if state.finished {
                progress?.finish("already trained (\(run.steps) steps, state in \(checkpoint.path))")
                return run
            }
            firstStep = state.step + 1
        }

        for step in stride(from: firstStep, through: settings.maxSteps, by: 1) {
            let t0 = ResourceUsage.now()
            let positions = weights?.draw(size: settings.batchSize, using: &generator)
                ?? drawBatch(size: settings.batchSize, from: graph.train.count, using: &generator)
            let batch = positions.map { graph.train[Int($0)] }
            let loss = try model.trainStep(edges: graph.edges, batch: batch, optimizer: optimizer)
            guard loss.isFinite else { throw PipelineError.invalidData("training diverged at step \(step) (loss \(loss))") }
            let t1 = ResourceUsage.now()
            let monitored = step == 1 || step % monitorEvery == 0
            let sets = monitored ? withMonitor : validationOnly
            let aucs = sets.isEmpty ? [] : try SplitEvaluation.evaluate(model, sets)
            run.evaluationSeconds += ResourceUsage.now() - t1
            run.updateSeconds += t1 - t0
            run.curve.loss.append(loss)
            if let validationAUC = aucs.first {
                run.curve.validationMeanAUC.append(validationAUC.mean)
                run.curve.validationPerHead.append(validationAUC.perHead)
            }
            if aucs.count > 1 {
                run.curve.trainMeanAUC.append(aucs[1].mean)
                run.curve.trainMonitorSteps.append(step)
            }
            run.steps = step
            if stopping != nil {
                if stopping!.observe(aucs[0].perHead) { kept.copyValues(from: model.parameters) }
                if stopping!.shouldStop {
                    run.stoppedEarly = step < settings.maxSteps
                    break
                }
            }
            progress?.update(step: step, loss: loss, validationAUC: aucs.first?.mean, best: run.curve.validationMeanAUC.max(),
                             upperBound: stopping != nil)
            if let every = checkpoint?.every, every > 0, step % every == 0, step < settings.maxSteps {
                try save(step: step, finished: false)
            }
            if let stopAfter, step >= stopAfter { throw Interrupted(step: step) }
        }
        if let stopping {
            run.bestStep = stopping.bestStep
            run.bestValidationPerHead = stopping.best
            if stopping.bestStep != nil { model.parameters.copyValues(from: kept) }
        } else {
            run.bestValidationPerHead = run.curve.validationPerHead.isEmpty ? []
                : (0..<4).map { h in run.curve.validationPerHead.map { $0[h] }.max() ?? .nan }
        }
        run.seconds = ResourceUsage.now() - start
        try save(step: run.steps, finished: true)
        progress?.finish("\(run.steps) steps in \(ProgressLine.duration(run.seconds))"
                         + (run.bestStep.map { ", best step \($0)" } ?? "")
                         + (run.curve.validationMeanAUC.max().map { ", best val AUC \(Format.fixed($0, 4))" } ?? "")
                         + (run.stoppedEarly ? " (early stop)" : ""))
        return run
    }
}
