import ArgumentParser
import ValueModel

/// `bench train`: training-step time, full-split evaluation time and the original's per-step protocol
/// (one step, then mean AUC over the whole training and validation splits) for one model on step 2's graph.
struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Time training steps, evaluation and the per-step protocol of one model.")

    @OptionGroup var engine: EngineOptions

    @Option(help: "mlp, gnn64 or gnn128.")
    var model = "gnn64"

    @Option(help: "Untimed warm-up steps.")
    var warmup = 1

    @Option(help: "Timed training steps.")
    var steps = 5

    @Option(help: "Timed evaluations of the whole validation split (forward, then AUC of the four heads).")
    var evalRepeats = 3

    @Option(help: "Timed steps of the original's protocol: one training step + mean AUC over the whole train and validation splits (0 = skip).")
    var protocolSteps = 0

    @Option(help: "Training edges per step.")
    var batchSize = 4096

    @Option(help: "Seed of the weights and the batch draws.")
    var seed: UInt64 = 0

    func validate() throws {
        guard ["gnn64", "gnn128", "mlp"].contains(model) else { throw ValidationError("--model must be mlp, gnn64 or gnn128") }
        guard warmup >= 0, steps > 0, evalRepeats > 0, protocolSteps >= 0 else {
            throw ValidationError("--steps and --eval-repeats must be positive; --warmup and --protocol-steps not negative")
        }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
    }

    func run() throws {
        var load = Samples(), build = Samples()
        let graph = try load.time { try engine.loadGraph() }
        var generator = SeededGenerator(seed: seed)
        let scorer: EdgeScoringModel = try build.time {
            if model == "mlp" { return EdgeMLP(inputDim: EdgeFeatures.count, generator: &generator) }
            return GNNModel(adjacency: try graph.adjacency(), hidden: model == "gnn64" ? 64 : 128,
                            featureDim: EdgeFeatures.count, generator: &generator)
        }
        let optimizer = Adam(parameters: scorer.parameters, learningRate: 1e-3)
        func step() throws {
            let batch = drawBatch(size: batchSize, from: graph.train.count, using: &generator).map { graph.train[Int($0)] }
            _ = try scorer.trainStep(edges: graph.edges, batch: batch, optimizer: optimizer)
        }
        for _ in 0..<warmup { try step() }
        var train = Samples(), encode = Samples(), forwardBackward = Samples(), adam = Samples()
        for _ in 0..<steps {
            try train.time { try step() }
        }
        // Phases of one step, measured apart (for the notebook's profile).
        if let gnn = scorer as? GNNModel {
            for _ in 0..<steps { _ = encode.time { gnn.encodeNodes() } }
        }
        for _ in 0..<steps {
            let batch = drawBatch(size: batchSize, from: graph.train.count, using: &generator).map { graph.train[Int($0)] }
            _ = try forwardBackward.time { try scorer.forwardBackward(edges: graph.edges, batch: batch) }
            adam.time { optimizer.update() }
        }

        let validation = graph.examples(graph.validation)
        guard let validationLabels = validation.labels else { throw PipelineError.invalidData("step 2's validation edges have no labels") }
        var forward = Samples(), auc = Samples()
        var meanAUC = 0.0
        for _ in 0..<evalRepeats {
            let predictions = try forward.time { try SplitEvaluation.predict(scorer, [validation])[0] }
            meanAUC = try auc.time { try SplitEvaluation.auc(predictions, validationLabels).mean }
        }

        var protocolStep = Samples()
        if protocolSteps > 0 {
            let trainSplit = graph.examples(graph.train)
            for _ in 0..<protocolSteps {
                try protocolStep.time {
                    try step()
                    _ = try SplitEvaluation.evaluate(scorer, [validation, trainSplit])
                }
            }
        }

        var fields = commonFields(threads: engine.threads)
        fields.merge(["scenario": "train", "model": model, "edges": graph.edges.count, "train_edges": graph.train.count,
                      "eval_edges": validation.count, "batch_size": batchSize, "warmup": warmup,
                      "eval_mean_auc": meanAUC]) { $1 }
        for (name, samples) in [("load", load), ("build", build), ("step", train), ("encode", encode), ("forward_backward", forwardBackward),
                                ("adam", adam), ("eval_forward", forward), ("eval_auc", auc), ("protocol_step", protocolStep)] {
            fields.merge(samples.fields(name)) { $1 }
        }
        try printJSONLine(fields)
    }
}
