import ArgumentParser
import ValueModel

/// `bench logreg`: the original's baseline (one L2 logistic regression per head on the standardised training
/// split) fitted on step 2's graph, its test AUCs (to compare with scikit-learn's on the same input), and the
/// time of one test-split ROC AUC (Float32 scores, as the training loop computes them).
struct LogisticBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logreg", abstract: "Fit the four logistic regressions, report test AUCs and time AUC computation.")

    @OptionGroup var engine: EngineOptions

    @Option(help: "Timed repeats of the one-head and four-head test AUCs.")
    var aucRepeats = 5

    func validate() throws {
        guard aucRepeats > 0 else { throw ValidationError("--auc-repeats must be positive") }
    }

    func run() throws {
        let graph = try engine.loadGraph()
        guard let labels = graph.edges.labels else { throw PipelineError.invalidData("step 2's edges have no labels") }
        let trainFeatures = graph.edges.features.gatherRows(graph.train)   // [train, 64]
        let trainLabels = labels.gatherRows(graph.train)                   // [train, 4]
        let testFeatures = graph.edges.features.gatherRows(graph.test)     // [test, 64]
        let testLabels = labels.gatherRows(graph.test)                     // [test, 4]
        func column(_ m: Matrix, _ h: Int) -> [Float] { (0..<m.rows).map { m[$0, h] } }

        var fits = Samples()
        var heads: [LogisticRegression] = []
        for h in 0..<trainLabels.cols {
            let y = column(trainLabels, h)
            heads.append(try fits.time { try LogisticRegression.fit(features: trainFeatures, labels: y) })
        }
        let probabilities = MultiHeadLogisticRegression(heads: heads).predict(features: testFeatures)  // [test, 4] Float32
        let testAUC = try AUC.perHead(scores: probabilities, labels: testLabels)

        var oneHead = Samples(), fourHeads = Samples()
        let scores = column(probabilities, 0), truth = column(testLabels, 0)
        for _ in 0..<aucRepeats {
            _ = try oneHead.time { try AUC.score(scores: scores, labels: truth) }
            _ = try fourHeads.time { try AUC.perHead(scores: probabilities, labels: testLabels) }
        }

        var fields = commonFields(threads: engine.threads)
        fields.merge(["scenario": "logreg", "model": "logreg", "train_rows": trainFeatures.rows, "test_rows": testFeatures.rows,
                      "lr_fit_s": fits.seconds, "lr_fit_s_total": fits.seconds.reduce(0, +),
                      "lr_iterations": heads.map(\.iterations), "test_auc": testAUC]) { $1 }
        fields.merge(oneHead.fields("auc_one_head")) { $1 }
        fields.merge(fourHeads.fields("auc_four_heads")) { $1 }
        try printJSONLine(fields)
    }
}
