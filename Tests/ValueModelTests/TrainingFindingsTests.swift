import Foundation
import Testing
@testable import ValueModel

/// Step 3's findings (issue 29, part 1): every verdict notebook 3 words, in each outcome and at its threshold,
/// and the derived numbers against hand computations on hand-made results.
@Suite("Training findings")
struct TrainingFindingsTests {
    /// Quality with the given per-head AUCs and log losses (decoded, since its initialiser measures predictions).
    static func quality(auc: [Double], logLoss: [Double] = [0.5, 0.5, 0.5, 0.5]) throws -> PredictionQuality {
        let json: [String: Any] = ["auc": ["perHead": auc, "mean": auc.reduce(0, +) / Double(auc.count)],
                                   "gauc": [0.5, 0.5, 0.5, 0.5], "logLoss": logLoss, "brier": [0.2, 0.2, 0.2, 0.2],
                                   "reliability": [[], [], [], []] as [[Any]], "pairs": 8]
        return try JSONDecoder().decode(PredictionQuality.self, from: JSONSerialization.data(withJSONObject: json))
    }

    /// A model with test AUCs `test` per head, test GAUCs `gauc` and, when given, small-matrix AUCs `small`.
    static func model(_ name: String, hidden: Int? = nil, test: [Double], gauc: [Double?] = [0.5, 0.5, 0.5, 0.5],
                      small: [Double]? = nil, smallLogLoss: [Double] = [0.5, 0.5, 0.5, 0.5], run: TrainingRun? = nil) throws -> TrainingResults.Model {
        let auc = SplitAUC(perHead: test)
        return TrainingResults.Model(name: name, displayName: name.uppercased(), hidden: hidden, parameterCount: 1, train: auc, validation: auc,
                                     test: auc, testGAUC: gauc, testMicroAUC: 0.5, testQuality: try quality(auc: test),
                                     offPath: try small.map { try quality(auc: $0, logLoss: smallLogLoss) }, run: run,
                                     fitSeconds: 2, evaluationSeconds: 1)
    }

    static func results(_ models: [TrainingResults.Model], bestGNN: String = "gnn64") -> TrainingResults {
        var results = TrainingResults(
            data: .init(userNodes: 30, videoNodes: 50, edges: 100, train: 80, validation: 10, test: 10, tinyTrain: 4, tinyValidation: 1,
                        tinyTest: 1, messagePassing: "all", trainMonitorEdges: 80, validationMonitorEdges: 10),
            settings: .init(learningRate: 1e-3, batchSize: 16, maxSteps: 10, patience: 2, monitorSample: 0, monitorEvery: 1,
                            validationSample: 0, sweepSteps: 0, seed: 1, threads: 1, paper: false, flow: .both,
                            debias: .exposureWeights, graph: .tiny))
        results.models = models
        results.bestGNN = bestGNN
        return results
    }

    /// Logistic regression, the edge MLP and both GNNs; test means 0.70, 0.77, 0.79 (gnn64), 0.785 (gnn128).
    static func fourModels(small: [[Double]?] = [nil, nil, nil, nil], gnn128: [Double] = [0.81, 0.79, 0.80, 0.74]) throws -> [TrainingResults.Model] {
        [try model("logreg", test: [0.70, 0.70, 0.70, 0.70], small: small[0]),
         try model("edge_mlp", test: [0.80, 0.78, 0.76, 0.74], gauc: [0.6, 0.6, 0.6, nil], small: small[1]),
         try model("gnn64", hidden: 64, test: [0.82, 0.80, 0.80, 0.74], gauc: [0.65, 0.65, 0.62, nil], small: small[2]),
         try model("gnn128", hidden: 128, test: gnn128, small: small[3])]
    }

    static func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-12) -> Bool {
        a.map { abs($0 - b) < tolerance } ?? false
    }

    @Test("graph signal: a GNN gain above 0.002 is a win, 0.002 itself and below are not")
    func graphSignal() {
        #expect(TrainingThresholds.graphSignalGain == 0.002)
        #expect(TrainingFindings.graphSignal(gain: 0.0021) == .gnnAhead)
        #expect(TrainingFindings.graphSignal(gain: 0.002) == .noMeasurableGain)
        #expect(TrainingFindings.graphSignal(gain: -0.01) == .noMeasurableGain)
    }

    @Test("gain source: pairwise only when the GAUC gain exceeds the AUC gain; GNN-128 ahead only when strictly better")
    func gainSourceAndWiderGNN() {
        #expect(TrainingFindings.gainSource(aucGain: 0.005, gaucGain: 0.01) == .pairwiseSignal)
        #expect(TrainingFindings.gainSource(aucGain: 0.005, gaucGain: 0.005) == .partlyUserOrVideoLevel)
        #expect(TrainingFindings.gainSource(aucGain: 0.005, gaucGain: -0.01) == .partlyUserOrVideoLevel)
        #expect(TrainingFindings.widerGNN(gnn64: 0.80, gnn128: 0.80) == .noBetter)
        #expect(TrainingFindings.widerGNN(gnn64: 0.80, gnn128: 0.79) == .noBetter)
        #expect(TrainingFindings.widerGNN(gnn64: 0.80, gnn128: 0.81) == .ahead)
    }

    @Test("the chosen GNN against the edge MLP and logistic regression, by hand")
    func comparison() throws {
        let findings = TrainingFindings.make(Self.results(try Self.fourModels()))
        // Test means: logreg 0.70, edge_mlp 0.77, gnn64 (0.82 + 0.80 + 0.80 + 0.74) / 4 = 0.79, gnn128 3.14 / 4 = 0.785.
        #expect(findings.testRanking == ["gnn64", "gnn128", "edge_mlp", "logreg"])
        let c = try #require(findings.comparison)
        #expect(c.gnn == "gnn64")
        #expect(Self.close(c.meanAUCGain, 0.02) && Self.close(c.edgeMLPOverLogistic, 0.07))
        // GAUC means over the defined heads: gnn64 (0.65 + 0.65 + 0.62) / 3 = 0.64, edge_mlp 0.6.
        #expect(Self.close(c.meanGAUCGain, 0.04))
        #expect(zip(c.perHeadGain, [0.02, 0.02, 0.04, 0.0]).allSatisfy { Self.close($0, $1) })
        #expect(c.largestGainHead == .rewatch && Self.close(c.largestGain, 0.04))
        #expect(c.graphSignal == .gnnAhead && c.gainSource == .pairwiseSignal && c.widerGNN == .noBetter)

        // GNN-128 chosen, ahead of GNN-64 (0.80 mean) but only 0.001 above the MLP: no measurable gain.
        let wider = TrainingFindings.make(Self.results(try Self.fourModels(gnn128: [0.80, 0.78, 0.76, 0.744]), bestGNN: "gnn128"))
        let w = try #require(wider.comparison)
        #expect(w.gnn == "gnn128" && Self.close(w.meanAUCGain, 0.001))
        #expect(w.graphSignal == .noMeasurableGain && w.widerGNN == .noBetter)
        let ahead = TrainingFindings.make(Self.results(try Self.fourModels(gnn128: [0.83, 0.80, 0.80, 0.74]), bestGNN: "gnn128"))
        #expect(ahead.comparison?.widerGNN == .ahead)
        // Without the edge MLP there is nothing to compare; without gnn128 no wider-GNN verdict.
        let models = try Self.fourModels()
        #expect(TrainingFindings.make(Self.results(models.filter { $0.name != "edge_mlp" })).comparison == nil)
        let narrowOnly = TrainingFindings.make(Self.results(models.filter { $0.name != "gnn128" }))
        #expect(narrowOnly.comparison != nil && narrowOnly.comparison?.widerGNN == nil)
    }

    @Test("off-path reading: the best model on each side, each model's change, and p_true's side")
    func offPath() throws {
        let small: [[Double]?] = [[0.60, 0.60, 0.60, 0.60], [0.66, 0.66, 0.66, 0.66], [0.64, 0.64, 0.64, 0.64], [0.65, 0.65, 0.65, 0.65]]
        var results = Self.results(try Self.fourModels(small: small))
        results.offPathCeiling = try Self.quality(auc: [0.70, 0.70, 0.70, 0.70])
        let reading = try #require(TrainingFindings.make(results).offPath)
        #expect(reading.bestTest == "gnn64" && Self.close(reading.bestTestMeanAUC, 0.79) && Self.close(reading.bestTestSmallMeanAUC, 0.64))
        #expect(reading.bestSmall == "edge_mlp" && Self.close(reading.bestSmallMeanAUC, 0.66) && Self.close(reading.bestSmallMeanLogLoss, 0.5))
        #expect(reading.ranking == .bestChanges)
        // small − test: 0.60 − 0.70, 0.66 − 0.77, 0.64 − 0.79, 0.65 − 0.785.
        #expect(reading.changes.map(\.model) == ["logreg", "edge_mlp", "gnn64", "gnn128"])
        #expect(zip(reading.changes.map(\.change), [-0.10, -0.11, -0.15, -0.135]).allSatisfy { Self.close($0, $1) })
        #expect(reading.ceiling?.position == .below && Self.close(reading.ceiling?.distance, 0.04))

        results.offPathCeiling = try Self.quality(auc: [0.65, 0.65, 0.65, 0.65])
        let above = try #require(TrainingFindings.make(results).offPath?.ceiling)
        #expect(above.position == .above && Self.close(above.distance, 0.01))

        var same = Self.results(try Self.fourModels(small: [small[0], small[1], [0.70, 0.70, 0.70, 0.70], small[3]]))
        same.offPathCeiling = nil
        let sameReading = try #require(TrainingFindings.make(same).offPath)
        #expect(sameReading.ranking == .sameBest && sameReading.bestSmall == "gnn64" && sameReading.ceiling == nil)
        #expect(TrainingFindings.make(Self.results(try Self.fourModels())).offPath == nil)
    }

    @Test("sweep rows: last and best validation mean AUC, the first step reaching the best; distinct runs")
    func sweeps() {
        let curve = SweepCurve(learningRate: 1e-3, batchSize: 4096, validationMeanAUC: [0.6, 0.7, 0.7, 0.65], seconds: 1)
        let row = TrainingFindings.sweepRun(curve)
        #expect(row.lastValidationMeanAUC == 0.65 && row.bestValidationMeanAUC == 0.7 && row.bestStep == 2)
        let empty = TrainingFindings.sweepRun(SweepCurve(learningRate: 1e-3, batchSize: 4096, validationMeanAUC: [], seconds: 0))
        #expect(empty.lastValidationMeanAUC.isNaN && empty.bestValidationMeanAUC.isNaN && empty.bestStep == 0)

        var results = Self.results([])
        var sweeps = SweepResults(hidden: 64, steps: 4, learningRateSweepBatch: 4096, batchSweepLearningRate: 1e-3, seed: 1)
        sweeps.learningRateSweep = [curve, SweepCurve(learningRate: 3e-3, batchSize: 4096, validationMeanAUC: [0.5], seconds: 1)]
        sweeps.batchSizeSweep = [SweepCurve(learningRate: 1e-3, batchSize: 1024, validationMeanAUC: [0.5], seconds: 1), curve]
        results.sweeps = sweeps
        let findings = TrainingFindings.make(results)
        #expect(findings.sweepRuns.map(\.batchSize) == [4096, 4096, 1024, 4096])
        #expect(findings.distinctSweepRuns == 3)
    }

    @Test("training-curve axis: after the burn-in, widened by the margin, kept within [0.5, 1]")
    func curveAxis() {
        func run(steps: Int, validation: [Double], train: [Double] = []) -> TrainingRun {
            var run = TrainingRun(settings: TrainingSettings(learningRate: 1e-3, batchSize: 1, maxSteps: 10, patience: 2, seed: 1))
            run.steps = steps
            run.curve.validationMeanAUC = validation
            run.curve.trainMeanAUC = train
            return run
        }
        // Steps 6-8 after the 5 burn-in steps: lowest 0.70; highest 0.80 (training) -> [0.68, 0.82].
        let long = run(steps: 8, validation: [0.5, 0.52, 0.55, 0.6, 0.62, 0.7, 0.72, 0.71], train: [0.8])
        let axis = TrainingFindings.trainingCurveAxis([long])
        #expect(Self.close(axis?.lower, 0.68) && Self.close(axis?.upper, 0.82))
        // A 3-step run drops only its first 2 steps: lowest 0.75 there, but 0.70 from the other run is lower.
        let short = run(steps: 3, validation: [0.55, 0.6, 0.75], train: [0.9])
        #expect(Self.close(TrainingFindings.trainingCurveAxis([long, short])?.lower, 0.68))
        #expect(Self.close(TrainingFindings.trainingCurveAxis([short])?.lower, 0.73))
        // Clamped to [0.5, 1].
        let wide = TrainingFindings.trainingCurveAxis([run(steps: 2, validation: [0.4, 0.51], train: [0.99])])
        #expect(wide?.lower == 0.5 && wide?.upper == 1)
        // A flat curve or no run gives no range.
        #expect(TrainingFindings.trainingCurveAxis([run(steps: 1, validation: [0.6])]) == nil)
        #expect(TrainingFindings.trainingCurveAxis([]) == nil)
    }

    @Test("seed spread: sample standard deviations of the chosen GNN's runs; the BCE one only when every run has it")
    func seedSpread() throws {
        var results = Self.results(try Self.fourModels(small: [nil, nil, [0.6, 0.6, 0.6, 0.6], nil]))
        #expect(TrainingFindings.make(results).seedSpread == nil)
        // Test means 0.79 (main), 0.80, 0.81: mean 0.80, sd √((0.0001 + 0 + 0.0001) / 2) = 0.01.
        // Small-matrix BCE 0.5 (main), 0.6, 0.7: sd 0.1.
        results.seedMembers = [
            .init(name: "gnn64_seed1", seed: 2, steps: 5, test: SplitAUC(perHead: [0.80, 0.80, 0.80, 0.80]),
                  offPath: try Self.quality(auc: [0.6, 0.6, 0.6, 0.6], logLoss: [0.6, 0.6, 0.6, 0.6]), seconds: 1),
            .init(name: "gnn64_seed2", seed: 3, steps: 5, test: SplitAUC(perHead: [0.81, 0.81, 0.81, 0.81]),
                  offPath: try Self.quality(auc: [0.6, 0.6, 0.6, 0.6], logLoss: [0.7, 0.7, 0.7, 0.7]), seconds: 1),
        ]
        let spread = try #require(TrainingFindings.make(results).seedSpread)
        #expect(spread.runs == 3)
        #expect(Self.close(spread.testMeanAUCStandardDeviation, 0.01, 1e-9))
        #expect(Self.close(spread.offPathMeanLogLossStandardDeviation, 0.1, 1e-9))
        results.seedMembers[1].offPath = nil
        #expect(try #require(TrainingFindings.make(results).seedSpread).offPathMeanLogLossStandardDeviation == nil)
    }

    @Test("the paper's Table 1: the SPEC's test AUCs and their means")
    func paperTable() {
        #expect(PaperTable1.rows.map(\.model) == ["Logistic regression", "Edge MLP (hidden = 128)", "GNN (hidden = 64)", "GNN (hidden = 128)"])
        #expect(PaperTable1.rows[2].test.perHead == [0.8492, 0.8213, 0.8566, 0.8657])
        // (0.8492 + 0.8213 + 0.8566 + 0.8657) / 4 = 3.3928 / 4 = 0.8482.
        #expect(Self.close(PaperTable1.rows[2].test.mean, 0.8482, 1e-12))
        #expect(Self.close(PaperTable1.rows[0].test.mean, (0.8297 + 0.7718 + 0.8315 + 0.8617) / 4, 1e-12))
    }

    @Test("coefficients by rank, down to the shortest list; results helpers")
    func coefficientsAndHelpers() throws {
        typealias C = TrainingResults.Coefficient
        let rows = C.byRank([[C(feature: "a", value: 3), C(feature: "b", value: 2), C(feature: "c", value: 1)],
                             [C(feature: "d", value: -4), C(feature: "e", value: 1)]])
        #expect(rows.map { $0.map(\.feature) } == [["a", "d"], ["b", "e"]])
        #expect(C.byRank([]).isEmpty)
        let results = Self.results([try Self.model("logreg", test: [0.7, 0.7, 0.7, 0.7])])
        #expect(results.data.nodes == 80 && results.data.edgesPerUser == 3 && results.data.testHeadPairs == 40)
        #expect(results.models[0].wallSeconds == 3)
        var run = TrainingRun(settings: TrainingSettings(learningRate: 1e-3, batchSize: 1, maxSteps: 10, patience: 2, seed: 1))
        run.steps = 10
        run.seconds = 4
        #expect(run.stepsPerSecond == 2.5)
    }

    @Test("results.json keeps the option values as strings and the findings round-trip")
    func storedForm() throws {
        var results = Self.results(try Self.fourModels())
        results.findings = TrainingFindings.make(results)
        let data = try JSONEncoder().encode(results)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let settings = try #require(object["settings"] as? [String: Any])
        #expect(settings["flow"] as? String == "both" && settings["debias"] as? String == "exposure-weights" && settings["graph"] as? String == "tiny")
        let decoded = try JSONDecoder().decode(TrainingResults.self, from: data)
        #expect(decoded.findings == results.findings && decoded.findings?.comparison?.largestGainHead == .rewatch)
        #expect(decoded.settings.flow == .both && decoded.settings.debias == .exposureWeights && decoded.settings.graph == .tiny)
    }
}
