import Foundation
import Reporting
import ValueModel

/// The text, tables and figure of notebooks/6-policy-learning.md: it words step 6's results and findings.
struct PolicyLearningNotebook {
    let results: PolicyLearningStep.Results
    let artifacts: String
    let figures: String
    let seconds: Double
    let peakMiB: Double

    func build() throws -> Notebook {
        var page = Notebook(title: "Step 6 — ranking policies learned offline (DORL's protocol)")
        findings(&page)
        page.heading("What this step does")
        let o = results.options
        page.paragraph("""
            A user model is learned from the training split of the logs alone (step 2's time split; \(o.userModel.members) DeepFM-style \
            members predicting the capped watch ratio and the four heads for every (user, video) pair). Ranking policies are then \
            trained by A2C inside it, each on its own reward, as in DORL (Gao et al., SIGIR 2023, `chongminggao/DORL-codes`): \
            **MBPO** the user model's reward; **MOPO** the reward minus λ_U = \(Format.fixed(o.uncertaintyWeight, 3)) times the members' \
            uncertainty; **DORL** that plus λ_E = \(Format.fixed(o.entropyWeight, 2)) times the entropy of what the logs show after the \
            last one or two videos; **IPS** the reward of a second user model fitted with inverse-popularity row weights. Each policy is \
            then put in front of step 5's simulated users beside step 5's fixed policies, on the same users: the synthetic world's truth \
            (`model`) and the fully observed small matrix (`small matrix`, KuaiEnv's own). Nothing the policies train on reads the truth \
            or the small matrix.
            """)
        page.paragraph("""
            **Metrics.** R_tra is the summed reward (the capped watch ratio) of a session, R_each the reward per video, length the videos \
            before the user leaves, MCD (majority category domination) the share of shown videos whose category is one of the logs' \
            dominant categories: a measure of the Matthew effect DORL's entropy term is meant to curb. Exit rule: KuaiEnv's, window \
            \(o.rule.window), threshold \(o.rule.threshold), at most \(o.rule.maxTurn) videos (DORL's published KuaiRec runs record \
            `num_leave_compute 4, leave_threshold 0` in their log headers, while `script/run_main.sh` passes 1).
            """)
        userModel(&page)
        try training(&page)
        tables(&page)
        orderings(&page)
        offPolicy(&page)
        deviations(&page)
        page.heading("Timing and memory (this run)")
        page.table(["part", "seconds"],
                   results.userModels.map { ["user model (\($0.weighting.rawValue) weights)", Format.fixed($0.seconds, 1)] }
                   + results.arms.map { ["A2C \($0.arm.label) (\(o.a2c.epochs) × \(Format.count(o.a2c.stepsPerEpoch)) steps, with its training curve)", Format.fixed($0.seconds, 1)] }
                   + [["total (including writing artifacts and the notebook)", Format.fixed(seconds, 1)]], alignRight: [1])
        let engine = results.arms.map(\.throughput).reduce(A2CThroughput(), +)
        if let per100k = engine.secondsPer100k {
            page.paragraph("The A2C engine trained \(Format.count(engine.steps)) environment steps in \(Format.fixed(engine.seconds, 1)) s of wall time over the arms (the evaluations after each epoch excluded): \(Format.count(Int(100_000 / max(per100k, 1e-9)))) steps/s, \(Format.fixed(per100k, 2)) s per 100,000 steps (DORL's epoch), with \(o.a2c.environments) sessions side by side over \(Format.count(results.videos)) videos. DORL-codes' published DORL run logged its epochs (100,000 steps and an evaluation) \(Format.fixed(DORLPublishedTable.logSecondsPerEpoch.least, 0))-\(Format.fixed(DORLPublishedTable.logSecondsPerEpoch.most, 0)) s apart on a GPU. `make bench` (`bench rl`) times this engine at the real small matrix's size, 1,411 users × 3,327 videos.")
        }
        page.paragraph("Peak resident memory \(Format.fixed(peakMiB, 0)) MiB; \(LearningThreads.count) thread(s). \(BLASKernel.description). Artifacts in `\(artifacts)`: `results.json` (everything above, with every episode's session, length and reward), each policy's weights as `policy_<arm>.safetensors`, the user model's reward and uncertainty for every (user, video) pair as `user_model_reward.npy` and `user_model_uncertainty.npy` `[users, videos]` (`_ips` for the IPS model).")
        return page
    }

    private func findings(_ page: inout Notebook) {
        page.heading("Findings")
        var lines: [String] = []
        for table in results.simulators {
            guard let comparisons = results.findings?.orderings[table.simulator] else { continue }
            let counts = Dictionary(grouping: comparisons, by: \.verdict).mapValues(\.count)
            lines.append("**\(table.simulator) simulator:** of \(comparisons.count) published orderings checked (first policy ahead of the second), \(counts[.ahead] ?? 0) hold, \(counts[.behind] ?? 0) are reversed and \(counts[.notToldApart] ?? 0) cannot be told apart (paired differences over \(Format.count(results.options.episodes)) sessions, \(Format.fixed(PolicyThresholds.pairedStandardErrors, 2)) standard errors).")
            // DORL's own claim: ahead of MOPO and MBPO on R_tra and length.
            let rivals = [PolicyLearningStep.Arm.mopo.label, PolicyLearningStep.Arm.mbpo.label]
            let own = comparisons.filter { c in
                c.first == PolicyLearningStep.Arm.dorl.label && rivals.contains(c.second) && (c.metric == .returnPerSession || c.metric == .length)
            }
            if !own.isEmpty {
                lines.append("\(table.simulator): DORL against " + own.map { c in
                    "\(c.second) on \(c.metric.rawValue) \(Format.fixed(c.difference, 2)) ± \(Format.fixed(c.standardError, 2)) (\(orderingVerdictText(c.verdict)))"
                }.joined(separator: "; ") + ".")
            }
        }
        for gap in results.findings?.gaps ?? [] where gap.simulator == results.simulators.first?.simulator {
            lines.append("\(gap.policy): the user model promised a return of \(Format.fixed(gap.promised, 2)) per session in its last training epoch; the \(gap.simulator) simulator paid \(Format.fixed(gap.paid, 2)).")
        }
        for simulator in results.notRun { lines.append("**Not run here: \(simulator.simulator).** \(simulator.reason)") }
        lines.append("One training seed per arm: the uncertainty above is over simulated sessions only, not over training runs.")
        page.bullets(lines)
    }

    private func userModel(_ page: inout Notebook) {
        page.heading("The learned user model")
        let rows = results.userModels.flatMap { report -> [[String]] in
            func row(_ name: String, _ fit: UserModelAccuracy.Fit) -> [String] {
                ["\(report.weighting.rawValue) · \(name)", Format.count(fit.rows), Format.fixed(fit.meanReward, 3), Format.fixed(fit.rewardRMSE, 3), Format.fixed(fit.rewardMAE, 3)]
                    + fit.headAUC.map { $0.map { Format.fixed($0, 3) } ?? "–" }
            }
            return [row("test split", report.accuracy.test)] + (report.accuracy.smallMatrix.map { [row("small matrix", $0)] } ?? [])
        }
        page.table(["weights · rows", "pairs", "mean reward", "RMSE", "MAE"] + Head.displayNames.map { "AUC \($0)" }, rows, alignRight: Set(1...8))
        for report in results.userModels {
            if let u = report.accuracy.uncertaintyVersusError, let d = report.accuracy.disagreementVersusError {
                page.paragraph("\(report.weighting.rawValue) weights, off the logged path (small matrix): the uncertainty's correlation with the absolute error of the reward is \(Format.fixed(u.pearson, 3)) (Pearson), \(Format.fixed(u.spearman, 3)) (Spearman); the members' disagreement's \(Format.fixed(d.pearson, 3)) / \(Format.fixed(d.spearman, 3)).")
            }
        }
    }

    private func training(_ page: inout Notebook) throws {
        page.heading("Training")
        page.table(["arm", "λ_U", "λ_E", "epochs", "return in the user model (last epoch)", "length (last epoch)", "R_tra on the truth after each epoch"],
                   results.arms.map { arm in
                       [arm.arm.label, Format.fixed(arm.penalty.uncertaintyWeight, 3), Format.fixed(arm.penalty.entropyWeight, 2), "\(arm.history.count)",
                        arm.history.last.map { Format.fixed($0.meanWatchRatioReturn, 2) } ?? "–",
                        arm.history.last.map { Format.fixed($0.meanLength, 2) } ?? "–",
                        arm.truthCurve.map { Format.fixed($0, 2) }.joined(separator: ", ")]
                   })
        guard let simulator = results.arms.first?.curveSimulator else { return }
        let figure = Figure(title: "R_tra in the \(simulator) simulator after each A2C epoch", xLabel: "epoch", yLabel: "R_tra (mean over \(results.options.curveEpisodes) sessions)",
                            series: results.arms.map { arm in .linePoints(arm.arm.label, x: arm.truthCurve.indices.map { Double($0 + 1) }, y: arm.truthCurve) })
        page.figure(try StepOutput.render(figure, folder: figures, name: "policy-learning-curves.png"),
                    caption: "Each arm's return on the truth (the \(simulator) simulator) after each epoch of training in the user model.")
    }

    private func tables(_ page: inout Notebook) {
        for table in results.simulators {
            page.heading("Results in the \(table.simulator) simulator")
            let learned = Set(table.learned)
            page.table(["policy", "R_tra", "R_each", "length", "MCD"],
                       table.outcomes.map { outcome in
                           [learned.contains(outcome.policy) ? "**\(outcome.policy)** (learned)" : outcome.policy,
                            "\(Format.fixed(outcome.totalReward.mean, 2)) ± \(Format.fixed(outcome.totalReward.sd, 2))",
                            "\(Format.fixed(outcome.rewardPerStep.mean, 3)) ± \(Format.fixed(outcome.rewardPerStep.sd, 3))",
                            "\(Format.fixed(outcome.length.mean, 2)) ± \(Format.fixed(outcome.length.sd, 2))",
                            Format.fixed(outcome.dominantShare, 3)]
                       }, alignRight: [1, 2, 3, 4])
            page.paragraph("Mean ± sd over \(Format.count(results.options.episodes)) simulated sessions of the same users for every policy.")
        }
        page.heading("DORL's published KuaiRec table, for comparison")
        func cell(_ value: [Double], _ digits: Int) -> String { "\(Format.fixed(value[0], digits)) ± \(Format.fixed(value[1], digits))" }
        page.table(["method", "R_tra", "R_each", "length", "MCD"],
                   results.published.map { [$0.method, cell($0.returnPerSession, 2), cell($0.rewardPerStep, 3), cell($0.length, 2), cell($0.majorityCategoryDomination, 3)] },
                   alignRight: [1, 2, 3, 4])
        page.paragraph("From `results_for_paper/figures/main_result_table.tex` of DORL-codes: mean ± sd over the evaluation epochs of one training run each, in KuaiEnv on the real small matrix. Ours are over simulated sessions, on the run's data; the orders of magnitude are comparable only where the data are the real KuaiRec.")
    }

    private func orderings(_ page: inout Notebook) {
        page.heading("DORL's orderings, checked")
        for table in results.simulators {
            guard let comparisons = results.findings?.orderings[table.simulator], !comparisons.isEmpty else { continue }
            page.paragraph("**\(table.simulator) simulator.** Paired over the same simulated users: the first policy minus the second.")
            page.table(["first", "second", "metric", "difference", "standard error", "verdict"],
                       comparisons.map { c in
                           [c.first, c.second, c.metric.rawValue, Format.fixed(c.difference, 3), Format.fixed(c.standardError, 3), orderingVerdictText(c.verdict)]
                       }, alignRight: [3, 4])
        }
        if let gaps = results.findings?.gaps, !gaps.isEmpty {
            page.heading("What the user model promised, what the simulators paid", level: 3)
            page.table(["policy", "simulator", "promised (return in the user model, last epoch)", "paid (R_tra)", "paid − promised"],
                       gaps.map { [$0.policy, $0.simulator, Format.fixed($0.promised, 2), Format.fixed($0.paid, 2), Format.fixed($0.paid - $0.promised, 2)] },
                       alignRight: [2, 3, 4])
            page.paragraph("The promise is the training run's last epoch, with actions sampled from the policy; the payment is the same policy, sampled, in the simulator. A policy that exploits the user model's errors is paid less than it was promised: DORL's uncertainty penalty exists to curb that.")
        }
    }

    /// Step 5's off-policy estimators on the learned policies, against the truth where there is one.
    private func offPolicy(_ page: inout Notebook) {
        page.heading("Off-policy estimates of the learned policies (per step)")
        let o = results.options
        page.paragraph("""
            Can the logs alone rank these policies? Step 5's estimators on the first \(o.loggedSteps) logged rows of each session \
            (`--logged-steps`): a logged row's weight is `π(shown | h)/π₀(shown | h)`, π the learned policy's probability after the same \
            logged history, in order and with the logged rewards in its state (what the policy reads of a session), π₀ the logging \
            platform's; IPS `(1/n) Σ w r`, SNIPS `Σ w r / Σ w`, NCIS the same with weights capped at \(Format.fixed(o.ncisCap, 0)) \
            (`--ncis-cap`). The truth is the simulator's expected reward of the policy's choice after each logged history, averaged over \
            the same rows (a per-decision value on the logs' histories, not a session's return; NaN on real data). Support is the \
            policy's mass on what the platform could have shown there: IPS is unbiased only at support 1. The first row of each table is \
            the logging platform itself, every weight 1.
            """)
        for run in results.offPolicy {
            page.paragraph("**\(run.propensities.capitalized) propensities** (\(run.propensities == "exact" ? "the synthetic platform's, from its recorded pools" : "step 4's headline model of the platform, as on real logs"); \(Format.count(run.decisions)) logged rows of \(Format.count(run.sessions)) sessions).")
            page.table(["policy", "truth", "IPS", "SNIPS", "NCIS", "rows weighted", "effective sample size", "support"],
                       run.estimates.map { e in
                           [e.policy, Format.fixed(e.truth, 3), Format.fixed(e.ips, 3), Format.fixed(e.snips, 3), Format.fixed(e.ncis, 3),
                            Format.count(e.matches), Format.fixed(e.effectiveSampleSize, 1), Format.fixed(e.support, 3)]
                       }, alignRight: Set(1..<8))
        }
        if !results.offPolicyUnavailable.isEmpty {
            page.bullets(results.offPolicyUnavailable.map { "Not computed with \($0)." })
        }
    }

    private func deviations(_ page: inout Notebook) {
        page.heading("Where this differs from DORL-codes")
        page.bullets([
            "The actor scores each video from its side features and the state (`f(state) · g(item)`), where DORL's actor ends in a table of logits over all items; sessions never repeat a video (DORL's KuaiEnv allows repeats).",
            "The policy acts over the whole catalogue of the logs; in each simulator its softmax is restricted to that simulator's candidates.",
            "The user model's members are DeepFM-style networks trained on the training split for at most \(results.options.userModel.maxEpochs) epoch(s), keeping the epoch with the lowest validation loss (patience \(results.options.userModel.patience)); DORL trains a fixed 5 epochs on all of big_matrix. The reward is the watch ratio capped at 5.",
            "λ_U and λ_E are used at DORL's published values without rescaling; DORL normalises its reward, so the penalty's relative weight may differ here.",
            "A reduced budget (\(results.options.a2c.epochs) epochs of \(Format.count(results.options.a2c.stepsPerEpoch)) steps, one training seed) instead of DORL's 200 epochs of 100,000 steps; no offline RL baselines (SQN, CRR, CQL, BCQ) are trained here.",
        ])
    }
}

/// How notebooks 6 word an ordering's verdict (the first policy ahead means the published ordering holds).
func orderingVerdictText(_ verdict: PairedVerdict) -> String {
    switch verdict {
    case .ahead: return "holds"
    case .behind: return "reversed"
    case .notToldApart: return "not told apart"
    }
}
