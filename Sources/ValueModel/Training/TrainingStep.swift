import Foundation

/// Step 3 as a library call (SPEC step 3): the sweeps on the tiny graph, then logistic regression, the edge MLP
/// and the two GNNs on the full graph, each evaluated on the full splits, with checkpoints, test predictions,
/// the best GNN's node embeddings and `results.json` (with the step's `TrainingFindings`) written into an artifact folder.
public enum TrainingStep {
    /// The knobs of a run (the executable's options).
    public struct Options: Sendable {
        public var learningRate: Float = 1e-3
        public var batchSize = 4096
        public var maxSteps = 2000
        public var patience = 20
        /// Training edges monitored (0 = the whole training split, as the original).
        public var monitorSample = 0
        /// Steps between two evaluations of the monitored training edges (also after the first step; 1 = every
        /// step, as the original). They feed only the curves.
        public var monitorEvery = 1
        /// Validation edges scored after each step for early stopping (0 = the whole validation split, as the
        /// original). The final validation AUCs always use the whole split.
        public var validationSample = 0
        /// Steps per sweep run (0 skips the sweeps).
        public var sweepSteps = 500
        public var sweepLearningRates: [Float] = [1e-4, 3e-4, 1e-3, 3e-3]
        public var sweepBatchSizes = [1024, 2048, 4096, 8192]
        public var sweepBatch = 4096
        public var sweepLearningRate: Float = 1e-3
        public var sweepHidden = 64
        public var hiddenSizes = [64, 128]
        public var seed: UInt64 = 2026
        public var threads = 1
        public var paper = false
        /// Which way the GNNs pass messages (the original: user -> video only).
        public var flow: GCNNormalizedAdjacency.Flow = .userToVideo
        /// How the neural models' training edges are weighted.
        public var debias: Debias = .none
        /// The exposure model's knobs (with `debias == .exposureWeights`).
        public var exposure = ExposureModel.Settings()
        /// Folder of the resumable training state (`<processed>/step3-state`, one subfolder per neural model);
        /// nil writes no checkpoints.
        public var stateFolder: String?
        /// Steps between checkpoints of the neural models' training state (0: only when a model finishes).
        public var checkpointEvery = 50
        /// Continue each neural model from its saved state when the state's options match (`--resume`).
        public var resume = false
        /// Runs of the GNN step 4 scores with, counting the main one: the others are `seedMembers` (1: none).
        public var headSeeds = 5
        /// The graph the main runs (logistic regression, edge MLP, GNNs) train and are evaluated on.
        public var graph: MainGraph = .full

        public init() {}
    }

    /// Which of step 2's graphs the main runs use.
    public enum MainGraph: String, CaseIterable, Codable, Sendable {
        /// Every interaction, split by time (the paper's Table 1).
        case full
        /// The 5% sweep graph with its own random 80/10/10 split: the graph the printed main run of the original's
        /// `3. training_GNN.ipynb` trained on (`gnn_data_tiny.pt`).
        case tiny
    }

    /// How the neural models are trained against the platform's selection of the logged pairs.
    public enum Debias: String, CaseIterable, Codable, Sendable {
        /// Every training edge counts once (the original).
        case none
        /// Batches drawn in proportion to inverse propensities from an `ExposureModel` of the training rows,
        /// so every user x video pair counts about equally, as off the logged path.
        case exposureWeights = "exposure-weights"
    }

    /// Edge feature names in column order (for the logistic coefficients).
    static let featureNames = EdgeFeatures.names

    /// Runs everything and writes the artifacts into `output` (not committed).
    /// - Parameters:
    ///   - smallMatrix: step 1's `step1-small/`; every model is then also scored on its pairs (never trained on).
    ///   - truth: the synthetic world's engagement model; its `p_true` on those pairs is the off-path ceiling.
    public static func run(step2: ColumnStore, smallMatrix: ColumnStore? = nil, truth: SyntheticEngagementModel? = nil,
                           output: ArtifactDirectory, options: Options,
                           progress: (String, Int) -> ProgressLine?) throws -> TrainingResults {
        let start = ResourceUsage.now()
        let inputs = try TrainingInputs(step2: step2, smallMatrix: smallMatrix)
        let graph = options.graph == .tiny ? inputs.tiny : inputs.full
        let monitorIndices = graph.trainingSample(size: options.monitorSample, seed: options.seed &+ 7)
        let validationIndices = graph.validationSample(size: options.validationSample, seed: options.seed &+ 8)
        var results = TrainingResults(
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
        let offPath = inputs.offPath
        if let offPath {
            results.offPathPairs = offPath.count
            if let truth {
                try results.offPathCeiling = PredictionQuality(probabilities: offPathTruth(offPath, model: truth),
                                                               labels: offPath.examples.labels!, users: offPath.users)
            }
        }
        results.loadSeconds = ResourceUsage.now() - start

        // 1. Sweeps on the tiny graph (paper Figs. 2-3).
        if options.sweepSteps > 0 {
            let t = ResourceUsage.now()
            results.sweeps = try HyperparameterSweep.run(
                graph: inputs.tiny, hidden: options.sweepHidden, learningRates: options.sweepLearningRates,
                flow: options.flow, learningRateSweepBatch: options.sweepBatch, batchSizes: options.sweepBatchSizes,
                batchSweepLearningRate: options.sweepLearningRate, steps: options.sweepSteps, seed: options.seed, progress: progress)
            results.sweepSeconds = ResourceUsage.now() - t
        }

        // Labels and users of the three parts, shared by every model's final evaluation.
        let allLabels = graph.edges.labels!
        let parts = [graph.train, graph.validation, graph.test]
        let partLabels = parts.map { allLabels.gatherRows($0) }
        let testUsers = graph.test.map { graph.edges.sources[Int($0)] }
        /// `offPathProbabilities`: the model's `[pairs, 4]` on the small matrix's pairs (nil without them).
        func score(_ name: String, _ display: String, hidden: Int?, parameterCount: Int, all probabilities: Matrix,
                   offPath offPathProbabilities: Matrix?, run: TrainingRun?, fitSeconds: Double,
                   evaluationStart: Double) throws -> (TrainingResults.Model, Matrix) {
            let byPart = parts.map { probabilities.gatherRows($0) }   // [part size, 4] each
            let aucs = try zip(byPart, partLabels).map { try SplitEvaluation.auc($0, $1) }
            let testQuality = try PredictionQuality(probabilities: byPart[2], labels: partLabels[2], users: testUsers)
            let micro = try AUC.microAveraged(scores: byPart[2], labels: partLabels[2])
            let offPathQuality = try offPath.flatMap { pairs in
                try offPathProbabilities.map { try PredictionQuality(probabilities: $0, labels: pairs.examples.labels!, users: pairs.users) }
            }
            let model = TrainingResults.Model(name: name, displayName: display, hidden: hidden, parameterCount: parameterCount,
                                              train: aucs[0], validation: aucs[1], test: aucs[2], testGAUC: testQuality.gauc,
                                              testMicroAUC: micro, testQuality: testQuality, offPath: offPathQuality,
                                              run: run, fitSeconds: fitSeconds, evaluationSeconds: ResourceUsage.now() - evaluationStart)
            try output.write("test_predictions_\(name)", matrix: byPart[2].values, columns: 4)
            if let offPathProbabilities { try output.write("offpath_predictions_\(name)", matrix: offPathProbabilities.values, columns: 4) }
            return (model, byPart[2])
        }

        // 2. Logistic regression, one per head, on the standardised training edges.
        do {
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
                        .map { TrainingResults.Coefficient(feature: featureNames[$0.offset], value: $0.element) }
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

        // 3. The neural models with the original's protocol (messages flowing as `options.flow` says, training
        // edges weighted as `options.debias` says).
        let adjacency = try graph.adjacency(flow: options.flow)
        var batchWeights: WeightedBatches?
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
        let settings = { (seed: UInt64) in
            TrainingSettings(learningRate: options.learningRate, batchSize: options.batchSize, maxSteps: options.maxSteps,
                             patience: options.patience, seed: seed)
        }
        // What a saved training state must match to be resumed (the model's own name and width are in its path
        // and parameter count; the step-2 manifest's hash covers the data).
        let step2Hash = try options.stateFolder.map { _ in try ContentHash.ofFile(step2.folder + "/" + Manifest.fileName) }
        func checkpoint(_ model: String, steps: Int? = nil) -> TrainingCheckpoint? {
            guard let folder = options.stateFolder, let step2Hash else { return nil }
            var identity = ["model": model, "--learning-rate": "\(options.learningRate)", "--batch-size": "\(options.batchSize)",
                            "--seed": "\(options.seed)", "--max-steps": "\(options.maxSteps)", "--patience": "\(options.patience)",
                            "--monitor-sample": "\(options.monitorSample)", "--monitor-every": "\(options.monitorEvery)", "--validation-sample": "\(options.validationSample)",
                            "--flow": options.flow.rawValue, "--debias": options.debias.rawValue, "--graph": options.graph.rawValue,
                            "step 2 manifest hash": step2Hash]
            if let steps { identity["steps"] = "\(steps)" }
            return TrainingCheckpoint(path: folder + "/" + model + "/state.safetensors", every: options.checkpointEvery, resume: options.resume,
                                      identity: identity)
        }
        var embeddings: [String: Matrix] = [:]
        var testProbabilities: [String: Matrix] = [:]
        let specs: [(name: String, display: String, hidden: Int?)] = [("edge_mlp", "Edge MLP (hidden = \(MLPHead.hiddenSizes[0]))", nil)]
            + options.hiddenSizes.map { ("gnn\($0)", "GNN (hidden = \($0))", $0) }
        for spec in specs {
            var init_ = master.split()
            let batchSeed = master.next()
            let model: EdgeScoringModel = spec.hidden.map {
                GNNModel(adjacency: adjacency, hidden: $0, featureDim: graph.edges.features.cols, generator: &init_)
            } ?? EdgeMLP(inputDim: graph.edges.features.cols, generator: &init_)
            let run = try Trainer.train(model, on: graph, validation: validation, trainMonitor: monitor, monitorEvery: options.monitorEvery,
                                        settings: settings(batchSeed),
                                        weights: batchWeights, progress: progress(spec.name, options.maxSteps), checkpoint: checkpoint(spec.name))
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

        // 4. The GNN step 4 scores with (`ScoringModelChoice`: off-path log loss when the small matrix is there):
        // its embeddings, ROC curves, its other seeds and best_gnn.json.
        if var choice = ScoringModelChoice.choose(results.models), let best = results.model(choice.model) {
            results.bestGNN = best.name
            let steps = best.run?.bestStep ?? best.run?.steps ?? options.maxSteps
            // The other seeds train side by side, one thread each (they evaluate nothing between steps, and a
            // GNN step gains little from a second thread), then are scored one by one on every thread.
            let membersStart = ResourceUsage.now()
            let members = (1..<max(options.headSeeds, 1)).map { k in
                (k: k, seed: options.seed &+ UInt64(k) &* 0x9E37_79B9, name: "\(best.name)_seed\(k)")
            }
            var trained = [Result<(GNNModel, TrainingRun), Error>](repeating: .failure(CancellationError()), count: members.count)
            trained.withUnsafeMutableBufferPointer { slots in
                nonisolated(unsafe) let slots = slots
                let batchWeights = batchWeights
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
                                                    checkpoint: checkpoint(member.name, steps: steps))
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
                                          labels: pairs.examples.labels!, users: pairs.users)
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
            choice.seedMembers = results.seedMembers.map(\.name)
            results.scoringChoice = choice
            let h = embeddings[best.name]!
            try output.write("node_embeddings_\(best.name)", matrix: h.values, columns: h.cols)
            let probabilities = testProbabilities[best.name]!
            let micro = try AUC.microAveragedCurve(scores: probabilities, labels: partLabels[2])
            results.rocMicro = thin(micro, name: "micro-average", auc: best.testMicroAUC)
            results.rocPerHead = try Head.allCases.map { head in
                let column = (0..<probabilities.rows).map { probabilities[$0, head.rawValue] }
                let labels = (0..<probabilities.rows).map { partLabels[2][$0, head.rawValue] }
                return thin(try AUC.curve(scores: column, labels: labels), name: head.displayName, auc: best.test.perHead[head.rawValue])
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try output.writeFile(ScoringModelChoice.fileName, data: encoder.encode(choice))
        }
        results.totalSeconds = ResourceUsage.now() - start
        results.findings = TrainingFindings.make(results)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try output.writeFile("results.json", data: encoder.encode(results))
        return results
    }

    /// The synthetic world's `p_true(user, video, day-part)` of every off-path pair, `[pairs, 4]`.
    static func offPathTruth(_ pairs: OffPathPairs, model: SyntheticEngagementModel) throws -> Matrix {
        var values = [Float](repeating: 0, count: pairs.count * 4)
        for i in 0..<pairs.count {
            let user = Int(pairs.users[i]), video = Int(pairs.videos[i])
            guard user < model.world.userCount, video >= 0, video < model.world.videoCount else {
                throw PipelineError.invalidData("small-matrix pair (user \(user), video \(video)) is outside the synthetic world's \(model.world.userCount) users x \(model.world.videoCount) videos; is ground_truth.json from the same world?")
            }
            let p = model.headProbabilities(user: user, video: video, context: SyntheticContext(daypart: Int(pairs.dayparts[i])))
            for (h, value) in p.array.enumerated() { values[i * 4 + h] = Float(value) }
        }
        return Matrix(rows: pairs.count, cols: 4, values: values)
    }

    /// At most `points` points of a ROC curve (evenly spaced in index, ends kept) for plotting.
    static func thin(_ curve: ROCCurve, name: String, auc: Double, points: Int = 1500) -> TrainingResults.Curve {
        let n = curve.falsePositiveRate.count
        let keep = n <= points ? Array(0..<n) : (0..<points).map { $0 * (n - 1) / (points - 1) }
        return .init(name: name, falsePositiveRate: keep.map { curve.falsePositiveRate[$0] },
                     truePositiveRate: keep.map { curve.truePositiveRate[$0] }, auc: auc)
    }
}
