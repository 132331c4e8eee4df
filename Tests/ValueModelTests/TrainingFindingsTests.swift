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
        // With a seed margin the gain must exceed it as well; NaN or nil leaves the threshold alone.
        #expect(TrainingFindings.graphSignal(gain: 0.0021, seedMargin: 0.003) == .noMeasurableGain)
        #expect(TrainingFindings.graphSignal(gain: 0.0031, seedMargin: 0.003) == .gnnAhead)
        #expect(TrainingFindings.graphSignal(gain: 0.003, seedMargin: 0.003) == .noMeasurableGain)
        #expect(TrainingFindings.graphSignal(gain: 0.0021, seedMargin: 0.001) == .gnnAhead)
        #expect(TrainingFindings.graphSignal(gain: 0.0021, seedMargin: .nan) == .gnnAhead)
    }

    @Test("gain source: pairwise only when the GAUC gain exceeds the AUC gain")
    func gainSource() {
        #expect(TrainingFindings.gainSource(aucGain: 0.005, gaucGain: 0.01) == .pairwiseSignal)
        #expect(TrainingFindings.gainSource(aucGain: 0.005, gaucGain: 0.005) == .partlyUserOrVideoLevel)
        #expect(TrainingFindings.gainSource(aucGain: 0.005, gaucGain: -0.01) == .partlyUserOrVideoLevel)
    }

    @Test("seed comparison: told apart beyond 2 × √2 one-run standard deviations either way, not at the margin; unmeasured without a spread")
    func seedComparison() {
        typealias C = TrainingFindings.SeedComparison
        #expect(TrainingThresholds.seedStandardErrors == 2)
        // sd 0.01: margin 2 × 1.41421… × 0.01 = 0.028284…
        #expect(Self.close(C.margin(standardDeviation: 0.01), 0.02 * 2.0.squareRoot()))
        #expect(C.judge(difference: 0.029, standardDeviation: 0.01).verdict == .ahead)
        #expect(C.judge(difference: -0.029, standardDeviation: 0.01).verdict == .behind)
        #expect(C.judge(difference: 0.028, standardDeviation: 0.01).verdict == .notToldApart)
        #expect(C.judge(difference: -0.028, standardDeviation: 0.01).verdict == .notToldApart)
        #expect(C.judge(difference: 0.02 * 2.0.squareRoot(), standardDeviation: 0.01).verdict == .notToldApart)
        let unmeasured = C.judge(difference: 0.5, standardDeviation: nil)
        #expect(unmeasured.verdict == .notMeasured && unmeasured.margin == nil && unmeasured.seedStandardDeviation == nil)
        #expect(C.judge(difference: 0.5, standardDeviation: .nan).verdict == .notMeasured)
        let judged = C.judge(difference: 0.03, standardDeviation: 0.01)
        #expect(judged.seedStandardDeviation == 0.01 && Self.close(judged.margin ?? .nan, 0.02 * 2.0.squareRoot()) && judged.difference == 0.03)
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
        #expect(c.graphSignal == .gnnAhead && c.gainSource == .pairwiseSignal)
        // No other seeds here: GNN-128 − GNN-64 = 0.785 − 0.79 is reported but not judged.
        #expect(c.widerGNN?.verdict == .notMeasured && Self.close(c.widerGNN?.difference ?? .nan, -0.005))

        // GNN-128 chosen, ahead of GNN-64 (0.80 mean) but only 0.001 above the MLP: no measurable gain.
        let wider = TrainingFindings.make(Self.results(try Self.fourModels(gnn128: [0.80, 0.78, 0.76, 0.744]), bestGNN: "gnn128"))
        let w = try #require(wider.comparison)
        #expect(w.gnn == "gnn128" && Self.close(w.meanAUCGain, 0.001))
        #expect(w.graphSignal == .noMeasurableGain && Self.close(w.widerGNN?.difference ?? .nan, 0.771 - 0.79))
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
        let findings = TrainingFindings.make(results)
        let spread = try #require(findings.seedSpread)
        #expect(spread.runs == 3)
        #expect(Self.close(spread.testMeanAUCMargin, 2 * 2.0.squareRoot() * 0.01, 1e-9))
        // GNN-128 (0.785) − GNN-64 (0.79) = −0.005, within the margin 0.0283: not told apart.
        #expect(findings.comparison?.widerGNN?.verdict == .notToldApart)
        // GNN-64's gain over the edge MLP, 0.79 − 0.77 = 0.02, clears 0.002 but not that margin (a clear win without seeds).
        #expect(findings.comparison?.graphSignal == .noMeasurableGain)
        #expect(Self.close(spread.testMeanAUCStandardDeviation, 0.01, 1e-9))
        #expect(Self.close(spread.offPathMeanLogLossStandardDeviation, 0.1, 1e-9))
        results.seedMembers[1].offPath = nil
        #expect(try #require(TrainingFindings.make(results).seedSpread).offPathMeanLogLossStandardDeviation == nil)
    }

    @Test("the paper's Table 1: its test AUCs and their means")
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

    @Test("the choice of step 4's GNN against its own seeds: told apart or not by the small-matrix log loss; unmeasured by validation AUC")
    func choiceAgainstSeeds() throws {
        // Small-matrix log losses: gnn64 0.40 (chosen), gnn128 0.45.
        var models = try Self.fourModels(small: [nil, nil, [0.6, 0.6, 0.6, 0.6], [0.6, 0.6, 0.6, 0.6]])
        models[2].offPath = try Self.quality(auc: [0.6, 0.6, 0.6, 0.6], logLoss: [0.40, 0.40, 0.40, 0.40])
        models[3].offPath = try Self.quality(auc: [0.6, 0.6, 0.6, 0.6], logLoss: [0.45, 0.45, 0.45, 0.45])
        var results = Self.results(models)
        results.scoringChoice = ScoringModelChoice.choose(models)
        #expect(results.scoringChoice?.model == "gnn64")
        func member(_ k: Int, logLoss: Double) throws -> TrainingResults.SeedMember {
            .init(name: "gnn64_seed\(k)", seed: UInt64(k), steps: 5, test: SplitAUC(perHead: [0.79, 0.79, 0.79, 0.79]),
                  offPath: try Self.quality(auc: [0.6, 0.6, 0.6, 0.6], logLoss: [logLoss, logLoss, logLoss, logLoss]), seconds: 1)
        }
        // No seeds: the lead 0.45 − 0.40 = 0.05 is reported, not judged.
        let alone = try #require(TrainingFindings.make(results).choice)
        #expect(alone.chosen == "gnn64" && alone.runnerUp == "gnn128" && alone.criterion == .offPathLogLoss)
        #expect(Self.close(alone.chosenValue, 0.40, 1e-9) && Self.close(alone.runnerUpValue, 0.45, 1e-9) && Self.close(alone.comparison.difference, 0.05, 1e-9))
        #expect(alone.comparison.verdict == .notMeasured)
        // Seeds at 0.40, 0.41, 0.42 (sd 0.01, margin 0.0283): a lead of 0.05 is told apart.
        results.seedMembers = [try member(1, logLoss: 0.41), try member(2, logLoss: 0.42)]
        #expect(TrainingFindings.make(results).choice?.comparison.verdict == .ahead)
        // Seeds at 0.40, 0.45, 0.50 (sd 0.05, margin 0.1414): the same lead is within it.
        results.seedMembers = [try member(1, logLoss: 0.45), try member(2, logLoss: 0.50)]
        let spread = try #require(TrainingFindings.make(results).choice?.comparison)
        #expect(spread.verdict == .notToldApart && Self.close(spread.seedStandardDeviation ?? .nan, 0.05, 1e-9))
        // Chosen by validation AUC (no small matrix): the seeds are not scored by it.
        let plain = try Self.fourModels()
        var byAUC = Self.results(plain)
        byAUC.scoringChoice = ScoringModelChoice.choose(plain)
        byAUC.seedMembers = results.seedMembers
        let auc = try #require(TrainingFindings.make(byAUC).choice)
        #expect(auc.criterion == .validationAUC && auc.chosen == "gnn64" && auc.comparison.verdict == .notMeasured)
        #expect(Self.close(auc.comparison.difference, 0.79 - 0.785))
        // A single GNN: nothing to choose between.
        var single = Self.results(Array(plain.prefix(3)))
        single.scoringChoice = ScoringModelChoice.choose(Array(plain.prefix(3)))
        #expect(TrainingFindings.make(single).choice == nil)
    }

    @Test("calibration in the large: over beyond ×1.25, under below ÷1.25, from the reliability bins by hand")
    func calibration() throws {
        typealias H = TrainingFindings.HeadCalibration
        #expect(TrainingThresholds.calibrationRatio == 1.25)
        #expect(H.judge(meanPredicted: 0.126, observedRate: 0.1) == .overPredicted)
        #expect(H.judge(meanPredicted: 0.125, observedRate: 0.1) == .calibratedInTheLarge)
        #expect(H.judge(meanPredicted: 0.08, observedRate: 0.1) == .calibratedInTheLarge)
        #expect(H.judge(meanPredicted: 0.079, observedRate: 0.1) == .underPredicted)
        #expect(H.judge(meanPredicted: 0.01, observedRate: 0) == .overPredicted)
        var quality = try Self.quality(auc: [0.6, 0.6, 0.6, 0.6])
        // complete: 30 pairs at 0.2 observed 0.1, 10 at 0.6 observed 0.2: mean prediction 0.3, observed 0.125 (×2.4).
        // long: one bin at 0.5 observed 0.5. rewatch: 0.05 observed 0.1. neg: no bins (0 and 0: within).
        let bin = { (p: Double, rate: Double, n: Int) in Calibration.Bin(meanPredicted: p, observedRate: rate, count: n) }
        quality.reliability = [[bin(0.2, 0.1, 30), bin(0.6, 0.2, 10)], [bin(0.5, 0.5, 7)], [bin(0.05, 0.1, 4)], []]
        let heads = TrainingFindings.calibration(quality)
        #expect(heads.map(\.head) == Head.allCases)
        #expect(Self.close(heads[0].meanPredicted, 0.3) && Self.close(heads[0].observedRate, 0.125) && Self.close(heads[0].ratio, 2.4))
        #expect(heads.map(\.verdict) == [.overPredicted, .calibratedInTheLarge, .underPredicted, .calibratedInTheLarge])
        // In the findings: the chosen GNN's small-matrix quality, nil without a small matrix.
        var models = try Self.fourModels(small: [nil, nil, [0.6, 0.6, 0.6, 0.6], nil])
        models[2].offPath = quality
        #expect(TrainingFindings.make(Self.results(models)).offPathCalibration == heads)
        #expect(TrainingFindings.make(Self.results(try Self.fourModels())).offPathCalibration == nil)
    }

    @Test("the neural models that ran into the step limit, in the results' order")
    func stepLimit() throws {
        func run(stoppedEarly: Bool) -> TrainingRun {
            var run = TrainingRun(settings: TrainingSettings(learningRate: 1e-3, batchSize: 1, maxSteps: 10, patience: 2, seed: 1))
            run.stoppedEarly = stoppedEarly
            return run
        }
        var models = try Self.fourModels()
        models[1].run = run(stoppedEarly: true)
        models[2].run = run(stoppedEarly: false)
        models[3].run = run(stoppedEarly: false)
        let f = TrainingFindings.make(Self.results(models))
        #expect(f.stepLimitModels == ["gnn64", "gnn128"] && f.neuralModels == 3)
        models[2].run = run(stoppedEarly: true)
        models[3].run = run(stoppedEarly: true)
        #expect(TrainingFindings.make(Self.results(models)).stepLimitModels == [])
    }
}
