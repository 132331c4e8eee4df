import Foundation

/// Step 3's phases, in the order `TrainingStep.run` calls them: the sweeps on the tiny graph (paper Figs. 2-3),
/// the logistic regression, the neural models with the original's protocol, then the GNN step 4 scores with and
/// its other seeds. Each phase adds to `results` and writes its artifacts into `output`; what later phases need
/// (the adjacency, the batch weights, the GNNs' embeddings and test predictions) is kept here.
final class TrainingPhases {
    let options: TrainingStep.Options
    let output: ArtifactDirectory
    let inputs: TrainingInputs
    /// The graph the main runs train on (`options.graph`).
    let graph: TrainingGraph
    let progress: (String, Int) -> ProgressLine?
    var results: TrainingResults

    /// Train, validation and test edge indices, their labels `[part size, 4]` and the test edges' users.
    let parts: [[Int32]]
    let partLabels: [Matrix]
    let testUsers: [Int32]
    /// The small matrix's pairs, when step 1 prepared them.
    let offPath: OffPathPairs?
    /// The step-2 manifest's hash, which a saved training state must match (nil without a state folder).
    let step2Hash: String?

    /// Set by `neuralModels()`: how messages pass, how batches are weighted, and each GNN's node embeddings
    /// `[N, H]` and test probabilities `[test, 4]`.
    private var adjacency: GCNNormalizedAdjacency?
    private var batchWeights: WeightedBatches?
    private var embeddings: [String: Matrix] = [:]
    private var testProbabilities: [String: Matrix] = [:]

    init(step2: ColumnStore, smallMatrix: ColumnStore?, truth: SyntheticEngagementModel?, output: ArtifactDirectory,
         options: TrainingStep.Options, progress: @escaping (String, Int) -> ProgressLine?) throws {
        self.options = options
        self.output = output
        self.progress = progress
        inputs = try TrainingInputs(step2: step2, smallMatrix: smallMatrix)
        graph = options.graph == .tiny ? inputs.tiny : inputs.full
        let monitorIndices = graph.trainingSample(size: options.monitorSample, seed: options.seed &+ 7)
        let validationIndices = graph.validationSample(size: options.validationSample, seed: options.seed &+ 8)
        results = TrainingResults(
            data: .init(userNodes: inputs.summary.userNodes, videoNodes: inputs.summary.videoNodes, edges: graph.edges.count,
                        train: graph.train.count, validation: graph.validation.count, test: graph.test.count,
                        tinyTrain: inputs.tiny.train.count, tinyValidation: inputs.tiny.validation.count, tinyTest: inputs.tiny.test.count,
                        messagePassing: graph.messagePassing.rawValue, trainMonitorEdges: monitorIndices.count,
                        validationMonitorEdges: validationIndices.count),
            settings: .init(learningRate: options.learningRate, batchSize: options.batchSize, maxSteps: options.maxSteps,
                            patience: options.patience, monitorSample: options.monitorSample, monitorEvery: options.monitorEvery,
                            validationSample: options.validationSample, sweepSteps: options.sweepSteps,
                            seed: options.seed, threads: options.threads, paper: options.paper,
                            flow: options.flow, debias: options.debias, graph: options.graph))
        self.monitorIndices = monitorIndices
        self.validationIndices = validationIndices
        offPath = inputs.offPath
        let graph = graph
        guard let allLabels = graph.edges.labels else { throw PipelineError.invalidData("step 2's edges carry no labels; re-run `2-graph-construction`") }
        let parts = [graph.train, graph.validation, graph.test]
        self.parts = parts
        partLabels = parts.map { allLabels.gatherRows($0) }
        testUsers = graph.test.map { graph.edges.sources[Int($0)] }
        if let offPath {
            results.offPathPairs = offPath.count
            if let truth {
                try results.offPathCeiling = PredictionQuality(probabilities: TrainingStep.offPathTruth(offPath, model: truth),
                                                               labels: try Self.labels(offPath), users: offPath.users)
            }
        }
        step2Hash = try options.stateFolder.map { _ in try ContentHash.ofFile(step2.folder + "/" + Manifest.fileName) }
    }

    /// The training edges monitored and the validation edges scored after each step.
    private let monitorIndices: [Int32]
    private let validationIndices: [Int32]

    /// The small matrix's labels `[pairs, 4]`.
    private static func labels(_ pairs: OffPathPairs) throws -> Matrix {
        guard let labels = pairs.examples.labels else { throw PipelineError.invalidData("the small matrix's pairs carry no labels; re-run `1-data-preparation`") }
        return labels
    }

    // MARK: Phases

    /// 1. The sweeps on the tiny graph (paper Figs. 2-3), unless `options.sweepSteps` is 0.
    func sweeps() throws {
        guard options.sweepSteps > 0 else { return }
        let t = ResourceUsage.now()
        results.sweeps = try HyperparameterSweep.run(
            graph: inputs.tiny, hidden: options.sweepHidden, learningRates: options.sweepLearningRates,
            flow: options.flow, learningRateSweepBatch: options.sweepBatch, batchSizes: options.sweepBatchSizes,
            batchSweepLearningRate: options.sweepLearningRate, steps: options.sweepSteps, seed: options.seed, progress: progress)
        results.sweepSeconds = ResourceUsage.now() - t
    }

    /// 2. Logistic regression, one per head, on the standardised training edges; its largest coefficients.
    func logisticRegression() throws {
        let t = ResourceUsage.now()
        progress("logreg: Newton fits of 4 heads", 0)?.finish("fitting \(graph.train.count) edges x 64 features")
        let logistic = try MultiHeadLogisticRegression.fit(features: graph.edges.features.gatherRows(graph.train), labels: partLabels[0])
        let fitted = ResourceUsage.now()
        let (model, _) = try score("logreg", "Logistic regression", hidden: nil, parameterCount: 4 * 65,
                                   all: logistic.predict(features: graph.edges.features),
                                   offPath: offPath.map { logistic.predict(features: $0.examples.features) }, run: nil,
                                   fitSeconds: fitted - t, evaluationStart: fitted)
        results.models.append(model)
        func top(_ order: (Double, Double) -> Bool, _ key: @escaping (Double) -> Double) -> [[TrainingResults.Coefficient]] {
            logistic.heads.map { head in
                head.coefficients.enumerated().sorted { order(key($0.element), key($1.element)) }.prefix(10)
                    .map { TrainingResults.Coefficient(feature: TrainingStep.featureNames[$0.offset], value: $0.element) }
            }
        }
        results.logisticCoefficients = top(>, abs)
        results.logisticPositive = top(>, { $0 })
        results.logisticNegative = top(<, { $0 })
        try output.writeFile("logreg.safetensors", data: logistic.safetensors(metadata: [
            "model": "logreg", "C": "1", "heads": "complete,long,rewatch,neg",
            "features": "edge features standardised with step 2's training statistics",
            "iterations": logistic.heads.map { "\($0.iterations)" }.joined(separator: ","),
        ]).serialized())
    }

    /// 3. The neural models (the edge MLP, then a GNN per hidden size) with the original's protocol, messages
    /// flowing as `options.flow` says and training edges weighted as `options.debias` says.
    func neuralModels() throws {
        let adjacency = try graph.adjacency(flow: options.flow)
        self.adjacency = adjacency
        if options.debias == .exposureWeights {
            let t = ResourceUsage.now()
            let userNodes = Int32(inputs.summary.userNodes)
            let trainUsers = graph.train.map { graph.edges.sources[Int($0)] }
            let trainVideos = graph.train.map { graph.edges.targets[Int($0)] - userNodes }
            let exposure = try ExposureModel(users: trainUsers, videos: trainVideos, userCount: inputs.summary.userNodes,
                                             videoCount: inputs.summary.videoNodes, settings: options.exposure)
            let weights = exposure.rowWeights(users: trainUsers, videos: trainVideos)
            batchWeights = try WeightedBatches(weights: weights)
            results.exposure = .init(settings: options.exposure, independenceDeviance: exposure.independenceDeviance,
                                     deviance: exposure.deviance, weights: weights, seconds: ResourceUsage.now() - t)
        }
        let validation = graph.examples(validationIndices)
        let monitor = graph.examples(monitorIndices)
        var master = SeededGenerator(seed: options.seed)
        let specs: [(name: String, display: String, hidden: Int?)] = [("edge_mlp", "Edge MLP (hidden = \(MLPHead.hiddenSizes[0]))", nil)]
            + options.hiddenSizes.map { ("gnn\($0)", "GNN (hidden = \($0))", $0) }
        // Each model's initial weights and batch stream, drawn in the order of `specs`.
        let prepared: [(model: EdgeScoringModel, settings: TrainingSettings)] = specs.map { spec in
            var init_ = master.split()
            let batchSeed = master.next()
            let model: EdgeScoringModel = spec.hidden.map {
                GNNModel(adjacency: adjacency, hidden: $0, featureDim: graph.edges.features.cols, generator: &init_)
            } ?? EdgeMLP(inputDim: graph.edges.features.cols, generator: &init_)
            return (model, TrainingSettings(learningRate: options.learningRate, batchSize: options.batchSize, maxSteps: options.maxSteps,
                                            patience: options.patience, seed: batchSeed))
        }
        // They train side by side, one thread each (a GNN step gains about 1.4x from a second thread, so two runs at
        // once finish sooner than one after the other), the widest GNN first; their numbers do not depend on `--threads`.
        let order = specs.indices.sorted { (specs[$0].hidden ?? 0) > (specs[$1].hidden ?? 0) }
        let lines = specs.map { progress($0.name, options.maxSteps) }
        let checkpoints = try specs.map { try checkpoint($0.name) }
        var runs = [Result<TrainingRun, Error>](repeating: .failure(CancellationError()), count: specs.count)
        let trainingStart = ResourceUsage.now()
        runs.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots, prepared = prepared, lines = lines
            let graph = graph, validation = validation, monitor = monitor, batchWeights = batchWeights, monitorEvery = options.monitorEvery
            LearningThreads.singleThreadedLanes(order.count) { lane in
                let i = order[lane]
                slots[i] = Result {
                    try Trainer.train(prepared[i].model, on: graph, validation: validation, trainMonitor: monitor, monitorEvery: monitorEvery,
                                      settings: prepared[i].settings, weights: batchWeights, progress: lines[i], checkpoint: checkpoints[i])
                }
            }
        }
        results.neuralTrainingSeconds = ResourceUsage.now() - trainingStart
        for (i, spec) in specs.enumerated() {
            let model = prepared[i].model
            let run = try runs[i].get()
            let evaluationStart = ResourceUsage.now()
            let all: Matrix, offPathAll: Matrix?
            if let gnn = model as? GNNModel {
                let h = gnn.encodeNodes()   // [N, H] with the kept weights
                embeddings[spec.name] = h
                all = try gnn.scoreEdges(nodeEmbeddings: h, edges: graph.edges)
                offPathAll = try offPath.map { try gnn.scoreEdges(nodeEmbeddings: h, edges: $0.examples) }
            } else {
                all = try model.predict(edges: graph.edges)
                offPathAll = try offPath.map { try model.predict(edges: $0.examples) }
            }
            let (result, test) = try score(spec.name, spec.display, hidden: spec.hidden, parameterCount: model.parameters.count,
                                           all: all, offPath: offPathAll, run: run, fitSeconds: run.seconds,
                                           evaluationStart: evaluationStart)
            results.models.append(result)
            testProbabilities[spec.name] = test
            var metadata = ["model": spec.name, "learning_rate": "\(options.learningRate)", "batch_size": "\(options.batchSize)",
                            "best_step": run.bestStep.map { "\($0)" } ?? "none", "steps": "\(run.steps)",
                            "validation_mean_auc": "\(result.validation.mean)", "format": "PyTorch state_dict names",
                            "flow": options.flow.rawValue, "debias": options.debias.rawValue]
            if let hidden = spec.hidden { metadata["hidden"] = "\(hidden)" } else { metadata["hidden"] = MLPHead.hiddenSizes.map(String.init).joined(separator: ",") }
            try output.writeFile(spec.name + ".safetensors", data: model.parameters.safetensors(metadata: metadata).serialized())
        }
    }

    /// 4. The GNN step 4 scores with (`ScoringModelChoice`: off-path log loss when the small matrix is there): its
    /// other seeds, its embeddings, ROC curves and best_gnn.json. Nothing when no GNN was trained.
    func chosenGNN() throws {
        guard var choice = ScoringModelChoice.choose(results.models), let best = results.model(choice.model),
              let adjacency, let h = embeddings[best.name], let probabilities = testProbabilities[best.name] else { return }
        results.bestGNN = best.name
        let steps = best.run?.bestStep ?? best.run?.steps ?? options.maxSteps
        try seedMembers(of: choice, steps: steps, adjacency: adjacency)
        choice.seedMembers = results.seedMembers.map(\.name)
        results.scoringChoice = choice
        try output.write("node_embeddings_\(best.name)", matrix: h.values, columns: h.cols)
        let micro = try AUC.microAveragedCurve(scores: probabilities, labels: partLabels[2])
        results.rocMicro = TrainingStep.thin(micro, name: "micro-average", auc: best.testMicroAUC)
        results.rocPerHead = try Head.allCases.map { head in
            let column = (0..<probabilities.rows).map { probabilities[$0, head.rawValue] }
            let labels = (0..<probabilities.rows).map { partLabels[2][$0, head.rawValue] }
            return TrainingStep.thin(try AUC.curve(scores: column, labels: labels), name: head.displayName, auc: best.test.perHead[head.rawValue])
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try output.writeFile(ScoringModelChoice.fileName, data: encoder.encode(choice))
    }

    // MARK: Parts of the phases

    /// The chosen GNN's other seeds, `steps` steps each (the main run's best step). They train side by side, one
    /// thread each (they evaluate nothing between steps, and a GNN step gains little from a second thread), then
    /// are scored one by one on every thread.
    private func seedMembers(of choice: ScoringModelChoice, steps: Int, adjacency: GCNNormalizedAdjacency) throws {
        let membersStart = ResourceUsage.now()
        let members = (1..<max(options.headSeeds, 1)).map { k in
            (k: k, seed: options.seed &+ UInt64(k) &* 0x9E37_79B9, name: "\(choice.model)_seed\(k)")
        }
        var trained = [Result<(GNNModel, TrainingRun), Error>](repeating: .failure(CancellationError()), count: members.count)
        trained.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots
            let batchWeights = batchWeights, options = options, graph = graph, progress = progress
            LearningThreads.singleThreadedLanes(members.count) { i in
                let member = members[i]
                slots[i] = Result {
                    var memberMaster = SeededGenerator(seed: member.seed)
                    var init_ = memberMaster.split()
                    let model = GNNModel(adjacency: adjacency, hidden: choice.hidden, featureDim: graph.edges.features.cols, generator: &init_)
                    let memberSettings = TrainingSettings(learningRate: options.learningRate, batchSize: options.batchSize, maxSteps: steps,
                                                          patience: nil, seed: memberMaster.next())
                    let run = try Trainer.train(model, on: graph, validation: nil, trainMonitor: nil, settings: memberSettings,
                                                weights: batchWeights, progress: progress(member.name, steps),
                                                checkpoint: self.checkpoint(member.name, steps: steps))
                    return (model, run)
                }
            }
        }
        for (member, slot) in zip(members, trained) {
            let (model, run) = try slot.get()
            let name = member.name
            let h = model.encodeNodes()   // [N, H]
            let test = try SplitEvaluation.auc(model.scoreEdges(nodeEmbeddings: h, edges: graph.examples(graph.test)), partLabels[2])
            let offPathQuality = try offPath.map { pairs in
                try PredictionQuality(probabilities: model.scoreEdges(nodeEmbeddings: h, edges: pairs.examples),
                                      labels: try Self.labels(pairs), users: pairs.users)
            }
            results.seedMembers.append(.init(name: name, seed: member.seed, steps: run.steps, test: test, offPath: offPathQuality, seconds: run.seconds))
            try output.write("node_embeddings_\(name)", matrix: h.values, columns: h.cols)
            try output.writeFile(name + ".safetensors", data: model.parameters.safetensors(metadata: [
                "model": name, "hidden": "\(choice.hidden)", "seed": "\(member.seed)", "steps": "\(run.steps)",
                "learning_rate": "\(options.learningRate)", "batch_size": "\(options.batchSize)", "format": "PyTorch state_dict names",
                "flow": options.flow.rawValue, "debias": options.debias.rawValue,
            ]).serialized())
        }
        results.seedMembersSeconds = ResourceUsage.now() - membersStart
    }

    /// What a saved training state of `model` must match to be resumed (the model's own name and width are in its
    /// path and parameter count; the step-2 manifest's hash covers the data); nil without a state folder.
    private func checkpoint(_ model: String, steps: Int? = nil) throws -> TrainingCheckpoint? {
        guard let folder = options.stateFolder, let step2Hash else { return nil }
        var identity = try ResumeIdentity.options(TrainingStep.CheckpointRecord(options))
        identity["model"] = model
        identity["step 2 manifest hash"] = step2Hash
        if let steps { identity["steps"] = "\(steps)" }
        return TrainingCheckpoint(path: folder + "/" + model + "/state.safetensors", every: options.checkpointEvery, resume: options.resume,
                                  identity: identity)
    }

    /// Evaluates one model's probabilities `[edges, 4]` on the three parts (and `offPathProbabilities` `[pairs, 4]`
    /// on the small matrix), writes its test and off-path predictions, and returns its results and its test
    /// probabilities `[test, 4]`.
    private func score(_ name: String, _ display: String, hidden: Int?, parameterCount: Int, all probabilities: Matrix,
                       offPath offPathProbabilities: Matrix?, run: TrainingRun?, fitSeconds: Double,
                       evaluationStart: Double) throws -> (TrainingResults.Model, Matrix) {
        let byPart = parts.map { probabilities.gatherRows($0) }   // [part size, 4] each
        let aucs = try zip(byPart, partLabels).map { try SplitEvaluation.auc($0, $1) }
        let testQuality = try PredictionQuality(probabilities: byPart[2], labels: partLabels[2], users: testUsers)
        let micro = try AUC.microAveraged(scores: byPart[2], labels: partLabels[2])
        let offPathQuality = try offPath.flatMap { pairs in
            try offPathProbabilities.map { try PredictionQuality(probabilities: $0, labels: try Self.labels(pairs), users: pairs.users) }
        }
        let model = TrainingResults.Model(name: name, displayName: display, hidden: hidden, parameterCount: parameterCount,
                                          train: aucs[0], validation: aucs[1], test: aucs[2], testGAUC: testQuality.gauc,
                                          testMicroAUC: micro, testQuality: testQuality, offPath: offPathQuality,
                                          run: run, fitSeconds: fitSeconds, evaluationSeconds: ResourceUsage.now() - evaluationStart)
        try output.write("test_predictions_\(name)", matrix: byPart[2].values, columns: 4)
        if let offPathProbabilities { try output.write("offpath_predictions_\(name)", matrix: offPathProbabilities.values, columns: 4) }
        return (model, byPart[2])
    }
}
