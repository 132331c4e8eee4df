import Foundation
import ValueModel

/// Notebook 1's opening findings: each maps one of `PreparationFindings`' verdicts or counts to words, for every outcome.
extension DataPreparationNotebook {
    /// The `## Findings` list: what was kept, the labels against the paper's, the sessions, the small matrix, and
    /// what to distrust.
    func findingsList(_ page: inout Notebook) {
        page.heading("Findings")
        var lines: [String] = []
        let share = findings.keptShare.map { " (\(Format.percent($0)))" } ?? ""
        lines.append("**\(Format.count(report.keptRows)) interactions kept**\(share) of \(Format.count(report.keptRows + report.droppedOutsideBursts)) read: those inside the three logging bursts (\(findings.burstDays) days with data), involving \(Format.count(report.users)) users and \(Format.count(report.videos)) videos.")
        if let labels = findings.labelRates {
            let rates = zip(Head.allCases, zip(report.overallLabelRates, PreparationFindings.paperLabelRates)).map { head, rates in
                "\(head.labelName) \(Format.percent(rates.0)) (paper \(Format.percent(rates.1)))"
            }.joined(separator: ", ")
            let tolerance = Format.fixed(100 * PreparationThresholds.labelRateTolerance, 0)
            let verdict = switch labels.verdict {
            case .closeToPaper: "every head within \(tolerance) percentage points of the paper's (the furthest, \(labels.furthestHead.labelName), by \(Format.fixed(100 * abs(labels.rate - labels.paperRate), 1)))."
            case .apartFromPaper: "**\(labels.furthestHead.labelName) is \(Format.fixed(100 * abs(labels.rate - labels.paperRate), 1)) percentage points from the paper's**, more than \(tolerance)."
            }
            lines.append("Label rates against those the paper reports on real KuaiRec: \(rates); " + verdict)
        }
        lines.append("**\(Format.count(findings.sessionLength.count)) sessions** (a user's run of interactions with no gap above one hour): median length \(Format.fixed(findings.sessionLength.median, 1)) interactions, mean \(Format.fixed(findings.sessionLength.mean, 1)) (real KuaiRec: median 7, mean 22.5); a median user has \(Format.fixed(findings.sessionsPerUser.median, 1)) sessions.")
        if let small = report.smallMatrix {
            lines.append("`small_matrix.csv`: \(Format.count(small.keptRows)) of its \(Format.count(small.rows)) rows kept for step 3's off-path evaluation (rows the platform did not select).")
        } else {
            lines.append("No `small_matrix.csv` in `\(raw)`: step 3 has no off-path evaluation.")
        }
        let ties = report.ties
        lines.append(ties.exactDuplicates + ties.differentVideos > 0
            ? "**Distrust the `hist_*` features' independence from the label:** \(Format.count(ties.exactDuplicates)) kept interaction(s) repeat an earlier one in every column and \(Format.count(ties.differentVideos)) share their user and `time` with an earlier interaction of another video, so their history features see a twin's label (kept from the original)."
            : "No kept interaction repeats an earlier one or shares its user and `time` with one, so no `hist_*` feature sees a twin's label.")
        if synthetic {
            lines.append("**Distrust on synthetic data:** every distribution here (label rates, durations, watch ratios, sessions, categories) is the synthetic generator's, not Kuaishou's; this notebook then checks the pipeline, not the platform.")
        }
        page.bullets(lines)
    }
}
