import Foundation
import ValueModel

/// The text and tables of notebooks/6-rl-study.md: step 6 over seeds, worded from `PolicyLearningStudy`.
struct PolicyLearningStudyNotebook {
    let study: PolicyLearningStudy
    let runs: [PolicyLearningStep.Results]
    let artifacts: String
    let seconds: Double
    let peakMiB: Double

    /// How study.json is written.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    func build() -> Notebook {
        var page = Notebook(title: "Step 6 over seeds — DORL's orderings with training-run uncertainty")
        let o = study.options, k = study.seeds.count
        let published = o.a2c.epochs >= 200 && o.a2c.stepsPerEpoch >= 100_000
        page.heading("Findings")
        var lines: [String] = []
        for simulator in study.simulators {
            guard let orderings = study.orderings[simulator] else { continue }
            let counts = Dictionary(grouping: orderings, by: \.verdict).mapValues(\.count)
            lines.append("**\(simulator) simulator:** of \(orderings.count) published orderings, \(counts[.ahead] ?? 0) hold over the \(k) seeds, \(counts[.behind] ?? 0) are reversed and \(counts[.notToldApart] ?? 0) cannot be told apart (mean paired difference over seeds against Student's t, 95%).")
            if let dorl = orderings.filter({ $0.first == PolicyLearningStep.Arm.dorl.label && $0.metric == .returnPerSession }).first {
                lines.append("\(simulator): DORL minus \(dorl.second) on R_tra is \(Format.fixed(dorl.mean, 2)) ± \(Format.fixed(dorl.sd, 2)) over seeds (held in \(dorl.seedsAhead) of \(k) seeds by their own paired tests, reversed in \(dorl.seedsBehind)).")
            }
        }
        lines.append(published
            ? "Each seed trained every arm at DORL's published length (\(o.a2c.epochs) epochs of \(Format.count(o.a2c.stepsPerEpoch)) steps)."
            : "Each seed trained every arm for \(o.a2c.epochs) epochs of \(Format.count(o.a2c.stepsPerEpoch)) steps, short of DORL's 200 × 100,000: `make rl-study` runs the published length.")
        lines.append(k >= 3 ? "\(k) seeds: the spread over seeds is the training-run uncertainty (user model, A2C and evaluation users all reseeded)."
                            : "Only \(k) seed(s): too few to judge an ordering over training runs (at least 3 are needed for a useful t interval).")
        page.bullets(lines)

        page.heading("What was run")
        page.paragraph("""
            Step 6 (`6-policy-learning`) replicated with seeds \(study.seeds.map(String.init).joined(separator: ", ")): for each seed, its own \
            user model (\(o.userModel.members) members), its own A2C run per arm (\(o.arms.map(\.label).joined(separator: ", ")), \
            \(o.a2c.environments) sessions side by side), and \(Format.count(o.episodes)) evaluation sessions per policy on that seed's users, \
            exit window \(o.rule.window), threshold \(o.rule.threshold), at most \(o.rule.maxTurn) videos. The metrics are notebook 6's \
            (R_tra the summed capped watch ratio of a session, R_each per video, length, MCD the share of shown videos in the logs' \
            dominant categories). A table cell is the mean ± sd over seeds of each seed's mean.
            """)
        for simulator in study.simulators {
            guard let rows = study.policies[simulator] else { continue }
            page.heading("Results in the \(simulator) simulator")
            func cell(_ m: SessionSimulator.MeanSD, _ digits: Int) -> String { "\(Format.fixed(m.mean, digits)) ± \(Format.fixed(m.sd, digits))" }
            page.table(["policy", "R_tra", "R_each", "length", "MCD"],
                       rows.map { [$0.learned ? "**\($0.policy)** (learned)" : $0.policy, cell($0.returnPerSession, 2), cell($0.rewardPerStep, 3),
                                   cell($0.length, 2), cell($0.majorityCategoryDomination, 3)] }, alignRight: [1, 2, 3, 4])
            guard let orderings = study.orderings[simulator], !orderings.isEmpty else { continue }
            page.paragraph("DORL's orderings in the \(simulator) simulator, each written so that a positive difference means it holds: per seed the paired difference on that seed's users, then over seeds.")
            page.table(["first", "second", "metric", "per seed", "mean ± sd", "seeds held / reversed", "over seeds"],
                       orderings.map { d in
                           [d.first, d.second, d.metric.rawValue, d.differences.map { Format.fixed($0, 2) }.joined(separator: ", "),
                            "\(Format.fixed(d.mean, 3)) ± \(Format.fixed(d.sd, 3))", "\(d.seedsAhead) / \(d.seedsBehind)", orderingVerdictText(d.verdict)]
                       }, alignRight: [4, 5])
        }
        page.heading("DORL's published KuaiRec table, for comparison")
        func publishedCell(_ v: [Double], _ digits: Int) -> String { "\(Format.fixed(v[0], digits)) ± \(Format.fixed(v[1], digits))" }
        page.table(["method", "R_tra", "R_each", "length", "MCD"],
                   DORLPublishedTable.rows.map { [$0.method, publishedCell($0.returnPerSession, 2), publishedCell($0.rewardPerStep, 3),
                                                  publishedCell($0.length, 2), publishedCell($0.majorityCategoryDomination, 3)] },
                   alignRight: [1, 2, 3, 4])
        page.paragraph("From DORL-codes' `results_for_paper/figures/main_result_table.tex`: one training run per method, sd over its evaluation epochs, on the real small matrix. Ours are over seeds, on this run's data.")
        page.heading("Timing and memory (this run)")
        page.table(["seed", "seconds"], zip(study.seeds, runs).map { ["\($0)", Format.fixed($1.seconds, 1)] } + [["total", Format.fixed(seconds, 1)]], alignRight: [1])
        page.paragraph("Peak resident memory \(Format.fixed(peakMiB, 0)) MiB; \(LearningThreads.count) thread(s). \(BLASKernel.description). Artifacts in `\(artifacts)`: `study.json` (the tables above) and one step 6 folder per seed (`seed-<s>/`, as `step6/`).")
        return page
    }
}
