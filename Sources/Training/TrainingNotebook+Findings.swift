import Foundation
import ValueModel

/// Notebook 3's opening findings and the sentences they share with the sections below: each maps one of
/// `TrainingFindings`' verdicts to words, for every outcome.
extension TrainingNotebook {
    /// The `## Findings` list: the headline numbers, the verdicts, and what to distrust.
    func findingsList(_ page: inout Notebook) throws {
        let f = try findings
        page.heading("Findings")
        var lines: [String] = []
        let order = f.testRanking.compactMap(results.model)
        lines.append("**Test mean AUC** (a head's AUC is the chance that a random positive test edge is scored above a random negative one; here averaged over the four heads): "
                     + order.map { "\($0.displayName) \(Format.fixed($0.test.mean, 4))" }.joined(separator: ", ") + ".")
        if let c = f.comparison {
            let asks = "more than \(Format.fixed(TrainingThresholds.graphSignalGain, 3))" + (f.seedSpread.map { " and than the seed margin \(Format.fixed($0.testMeanAUCMargin, 4))" } ?? "")
            let gauc = "the difference in test mean GAUC (the AUC within each user's test edges, averaged over users) is \(Self.signed(c.meanGAUCGain))"
            switch c.graphSignal {
            case .gnnAhead:
                lines.append("The chosen GNN (`\(c.gnn)`) beats the edge MLP by \(Self.signed(c.meanAUCGain)) test mean AUC (the verdict asks for \(asks)); \(gauc).")
            case .noMeasurableGain:
                lines.append("The chosen GNN (`\(c.gnn)`) does **not** clearly beat the edge MLP: \(Self.signed(c.meanAUCGain)) test mean AUC, where the verdict asks for \(asks); \(gauc).")
            }
        }
        if let spread = f.seedSpread {
            lines.append("Retrained with \(spread.runs - 1) other seed(s), the chosen GNN's test mean AUC has a standard deviation of \(Format.fixed(spread.testMeanAUCStandardDeviation, 4)); two single runs are told apart here only when they differ by more than \(Format.fixed(TrainingThresholds.seedStandardErrors, 0)) × √2 × that = \(Format.fixed(spread.testMeanAUCMargin, 4)). The other models were trained once, and the margin assumes they vary with the seed as much.")
        } else {
            lines.append("**One run of each model** (`--head-seeds 1`): how far another seed moves the numbers of this notebook is not measured, so no difference between two models is judged against it.")
        }
        if let wider = f.comparison?.widerGNN { lines.append(widerSentence(wider)) }
        if let choice = f.choice { lines.append(choiceSentence(choice)) }
        if let reading = f.offPath {
            let best = switch reading.ranking {
            case .sameBest: "the best model there is the test split's best, \(display(reading.bestSmall))"
            case .bestChanges: "the best model changes there: \(display(reading.bestSmall)) instead of \(display(reading.bestTest))"
            }
            var line = "**Off the logged path** (the small matrix's \(Format.count(results.offPathPairs)) pairs, which the platform did not choose: the kind of pairs step 4 scores) the models' mean AUC changes by \(Self.signed(reading.lowestChange)) to \(Self.signed(reading.highestChange)) from the test split; \(best) (\(Format.fixed(reading.bestSmallMeanAUC, 4)))"
            if let ceiling = reading.ceiling, let truth = results.offPathCeiling {
                let side = switch ceiling.position {
                case .below: "below"
                case .above: "above (sampling noise)"
                }
                line += ", \(Format.fixed(ceiling.distance, 4)) \(side) the synthetic truth `p_true` (\(Format.fixed(truth.auc.mean, 4)))"
            }
            lines.append(line + ".")
        }
        if let calibration = f.offPathCalibration { lines.append("**Calibration off the logged path:** " + calibrationSentence(calibration)) }
        if results.settings.graph == .tiny {
            lines.append("**The main runs trained on the tiny graph** (`--graph tiny`: \(Format.percent(TinyGraph.fraction, 0)) of the edges, split at random, not by time), so these AUCs are not comparable with the paper's Table 1 or with a full-graph run.")
        }
        if let limited = f.stepLimitModels, let neural = f.neuralModels, neural > 0 {
            if limited.isEmpty {
                lines.append("All \(neural) neural models stopped early (every head \(results.settings.patience) steps without a better validation AUC) before the step limit of \(Format.count(results.settings.maxSteps)).")
            } else {
                lines.append("**\(limited.count) of \(neural) neural model(s) ran into the step limit** (\(Format.count(results.settings.maxSteps)) steps) before early stopping: \(limited.map(display).joined(separator: ", ")); their AUCs are lower bounds of what longer training reaches.")
            }
        }
        page.bullets(lines)
    }

    /// A signed number with four decimals (`+0.0123`, `-0.0045`).
    static func signed(_ value: Double) -> String { (value >= 0 ? "+" : "") + Format.fixed(value, 4) }

    /// A model's display name from its artifact name.
    func display(_ name: String) -> String { results.model(name)?.displayName ?? name }

    /// GNN-128 against GNN-64, judged against the chosen GNN's seeds.
    func widerSentence(_ w: TrainingFindings.SeedComparison) -> String {
        let margin = w.margin.map { Format.fixed($0, 4) } ?? "–"
        switch w.verdict {
        case .ahead:
            return "GNN-128 is ahead of GNN-64 by \(Self.signed(w.difference)) test mean AUC, more than the seed margin \(margin): told apart (the paper found no gain from the wider model)."
        case .behind:
            return "GNN-128 is behind GNN-64 by \(Format.fixed(-w.difference, 4)) test mean AUC, more than the seed margin \(margin), as the paper found no gain from the wider model."
        case .notToldApart:
            return "GNN-128 and GNN-64 differ by \(Self.signed(w.difference)) test mean AUC (GNN-128 − GNN-64), within the seed margin \(margin): **not told apart** (the paper found no gain from the wider model)."
        case .notMeasured:
            return "GNN-128 − GNN-64 is \(Self.signed(w.difference)) test mean AUC in this single run of each; without other seeds it is not judged (the paper found no gain from the wider model)."
        }
    }

    /// The choice of the GNN step 4 scores with, judged against the chosen GNN's seeds.
    func choiceSentence(_ c: TrainingFindings.ChoiceReading) -> String {
        let values = "\(Format.fixed(c.chosenValue, 4)) against \(display(c.runnerUp))'s \(Format.fixed(c.runnerUpValue, 4))"
        let criterion = switch c.criterion {
        case .offPathLogLoss: "the lowest mean log loss on the small matrix (the log loss of a head is −log of the probability it gave to what happened, averaged over pairs; lower is better)"
        case .validationAUC: "the best validation mean AUC on logged edges (no small matrix to measure the heads off the logged path)"
        }
        return "Step 4 scores with \(display(c.chosen)), chosen by \(criterion): \(values). " + choiceVerdict(c)
    }

    /// Whether this run trained other seeds of the chosen GNN.
    var seedsMeasured: Bool { !results.seedMembers.isEmpty }

    /// The choice's margin over the runner-up against the spread of the chosen GNN's seeds, in one sentence.
    func choiceVerdict(_ c: TrainingFindings.ChoiceReading) -> String {
        let margin = c.comparison.margin.map { Format.fixed($0, 4) } ?? "–"
        let lead = Format.fixed(abs(c.comparison.difference), 4)
        switch c.comparison.verdict {
        case .ahead: return "Its lead over \(display(c.runnerUp)) (\(lead)) is larger than the margin its own seeds give (\(margin)): the choice stands."
        case .behind: return "It is behind \(display(c.runnerUp)) by \(lead), more than the margin its own seeds give (\(margin))."
        case .notToldApart: return "Its lead over \(display(c.runnerUp)) (\(lead)) is within the margin its own seeds give (\(margin)): **another seed could have chosen \(display(c.runnerUp))**."
        case .notMeasured: return "Whether another seed would reverse the choice is not measured (" + (seedsMeasured ? "the other seeds are not scored by this criterion)." : "one run of each model, `--head-seeds 1`).")
        }
    }

    /// The chosen GNN's calibration in the large on the small matrix, head by head.
    func calibrationSentence(_ heads: [TrainingFindings.HeadCalibration]) -> String {
        let parts = heads.map { h -> String in
            let verdict = switch h.verdict {
            case .overPredicted: "over-predicted"
            case .underPredicted: "under-predicted"
            case .calibratedInTheLarge: "within ×\(Format.fixed(TrainingThresholds.calibrationRatio, 2)) either way"
            }
            return "\(h.head.displayName) \(Format.fixed(h.meanPredicted, 3)) against \(Format.fixed(h.observedRate, 3)) (×\(Format.fixed(h.ratio, 2)), \(verdict))"
        }
        return "\(display(results.bestGNN))'s mean predicted probability against the observed rate on the small matrix: "
            + parts.joined(separator: "; ") + ". Step 4 adds these probabilities, so off the logged path an over-predicted head adds more to `w·p` than its true rate would."
    }
}
