import Foundation
import Reporting
import ValueModel

/// notebooks/5-policy-evaluation.md: the simulators, the policy tables, the figures, the off-policy check, and what
/// the numbers say.
struct PolicyEvaluationNotebook {
    let runs: [PolicyEvaluation]
    let inputs: PolicyInputs
    /// Logged rows per session in the off-policy estimates.
    let loggedSteps: Int
    /// On real logs: the learned policies' off-policy estimates with estimated propensities (no truth).
    let logEstimates: OffPolicyEvaluation?
    let artifacts: String
    let figures: String
    let seconds: Double
    let peakMiB: Double

    func w(_ v: [Double]) -> String { "(" + v.map { Format.fixed($0, 3) }.joined(separator: ", ") + ")" }
    func meanSD(_ m: SessionSimulator.MeanSD, _ digits: Int) -> String { "\(Format.fixed(m.mean, digits)) ± \(Format.fixed(m.sd, digits))" }

    func build() throws -> Notebook {
        var page = Notebook(title: "Step 5 — ranking policies in closed loop")
        let first = runs[0], rule = first.rule
        findingsList(&page)
        page.heading("What this step does")
        page.paragraph("""
            Step 4 estimated the weights ŵ the platform's value model puts on the four heads. This step puts ranking \
            policies — the paper's toy recommender `ŵ · p̂` among them — in front of simulated users and measures what \
            they get, in the protocol of KuaiEnv (DORL / CIRS: `chongminggao/DORL-codes`, \
            `environments/KuaiRec/env/KuaiEnv.py`): each of \(Format.count(first.episodes)) episodes per policy draws a user \
            uniformly; at every turn the policy shows one video; the reward is the watch ratio capped at 5; the user \
            leaves by KuaiEnv's rule. Every policy meets the same users (common random numbers). ŵ = \(w(first.estimatedWeights)) \
            (step 4's headline, \(PoolAssumption(rawValue: inputs.estimator)?.title ?? inputs.estimator)).
            """)
        page.heading("What every simulator shares")
        page.bullets([
            "**Exit rule** (KuaiEnv's `_determine_whether_to_leave`): before turn t's video is watched, its tags are counted among the window `history[t − N : t]`; a tag seen more than \(rule.threshold) time(s) ends the session after this video (it is still watched and rewarded); turn 0 never ends it, turn \(rule.maxTurn - 1) always does. N = \(rule.window), threshold \(rule.threshold), max_turn \(rule.maxTurn) (`--window`, `--threshold`, `--max-turn`; the default N = 4, threshold 0 is the setting of DORL's published KuaiRec results, as the headers of their logs record it, while their `script/run_main.sh` passes N = 1: leave when the new video shares a tag with the previous one). For t < N the Python slice starts at 2t − N (a negative start counts from the end), so for N/2 < t < N the window holds only the last N − t videos; this is reproduced and tested.",
            "**Tags** are the videos' level-1 caption categories (a video without one has no tag and never triggers the exit). KuaiEnv uses KuaiRec's multi-tag `feat` lists.",
            "**No repeats:** a policy shows each video at most once per session, as a platform does; KuaiEnv would allow a repeat.",
            "**MCD** (concentration on the dominant categories): the share of shown videos whose category is among the fewest categories that together cover at least 60% of the candidates' logged rows (DORL's domination threshold is 0.6; its MCD is computed from KuaiRec's feature domination, so the values are comparable in spirit only).",
            "**Policies:** random; most popular (most rows in big_matrix, all splits); greedy ŵ·p̂, its ε-greedy version (ε = \(first.epsilon)) and its UCB version (optimism where the logs say least about a video: ŵ·p̂ + c √(ln(1 + N) / (1 + n_video)), N logged rows, n_video the video's; `--ucb-bonus`), and where step 4 averaged step 3's seed members, a UCB on their disagreement (ŵ·p̂ + c σ, σ = √(Σ_h ŵ_h² sd_h²) from each head's standard deviation over the members, heads taken as independent; `--spread-bonus`); on the synthetic world also greedy w*·p̂ and ŵ·p_true, which split the toy recommender's gap to the oracle into weights and heads, and the oracle w*·p_true, and, where every session's pool was recorded, the logging platform itself replayed (its pool ranked by w*·p_true + τ·Gumbel); last, greedy by the true reward itself: the best unseen video at every turn, so over any fixed number of turns no policy collects more (its sessions still end by the exit rule, so it bounds neither R_tra nor R_each outright).",
        ])
        for simulator in inputs.notRun { page.paragraph("**Not run here: \(simulator.simulator).** \(simulator.reason)") }
        for run in runs { try section(&page, run) }
        if let o = logEstimates { logged(&page, o) }
        page.heading("Not in this step yet")
        page.bullets([
            "Off-policy estimates of a whole session's return under a policy's own trajectory (products of weights over a session): the per-step estimates above weigh each logged decision alone.",
            "The logged platform replayed on the small matrix: it has no pools, and no planted weights to rank them by.",
        ])
        page.heading("Outputs")
        page.bullets(["`\(artifacts)/policies.json` — per simulator, the settings, each policy's summaries and, per episode, its session (row of the simulator's sessions), length and R_tra, and the off-policy estimates; `manifest.json` records the options and the inputs' hashes."])
        page.heading("Timing (this run)")
        var rows: [[String]] = []
        for run in runs {
            rows.append(["\(run.simulator): truth of the drawn sessions", Format.fixed(run.truthSeconds, 1)])
            rows.append(["\(run.simulator): \(run.outcomes.count) policies x \(Format.count(run.episodes)) episodes", Format.fixed(run.policySeconds.reduce(0, +), 2)])
            if let o = run.offPolicy { rows.append(["\(run.simulator): off-policy estimates", Format.fixed(o.seconds, 1)]) }
            if let o = run.offPolicyEstimated { rows.append(["\(run.simulator): off-policy estimates, estimated propensities", Format.fixed(o.seconds, 1)]) }
        }
        rows.append(["whole step", Format.fixed(seconds, 1)])
        page.table(["part", "seconds"], rows, alignRight: [1])
        page.paragraph("Peak resident memory \(Format.fixed(peakMiB, 0)) MiB, \(LearningThreads.count) threads.")
        return page
    }

    /// One simulator: what it is, the policy table, the sentences, the figure and the off-policy estimates.
    private func section(_ page: inout Notebook, _ e: PolicyEvaluation) throws {
        if e.simulator == "model", let world = inputs.model {
            page.heading("Simulator 1: the synthetic world's engagement model")
            page.paragraph("""
                Users and contexts are step 4's \(Format.count(world.sessions)) evaluation sessions (a user is drawn uniformly, \
                then one of the user's sessions, which fixes the day-part); the candidates are step 4's \(Format.count(world.candidates)) \
                videos with the heads p̂ step 4 scored them with. The responses come from the world's engagement model \
                (`ground_truth.json`) in closed form: the reward is the *expected* capped watch ratio of the pair in the \
                session's day-part (`SyntheticEngagementModel.expectedWatchRatio`, tested against sampled plays), the head \
                rates are `p_true`. Expectations remove the response noise from the comparison. w* = \(e.plantedWeights.map(w) ?? "—") (planted).
                """)
        } else if let report = inputs.smallMatrixReport {
            page.heading("Simulator \(runs.count == 1 ? "1" : "2"): the fully observed small matrix (KuaiEnv's own)")
            page.paragraph("""
                KuaiEnv's protocol proper: users are the small matrix's \(Format.count(report.users)) users, candidates its \
                \(Format.count(report.videos)) videos, the reward the *observed* watch ratio of the pair capped at 5 \
                (\(Format.count(report.rows)) rows, \(Format.count(report.untimedRows)) of them observed without a time, which step 3 \
                cannot score but whose watch ratios and labels are responses like the others; \(Format.count(report.missingPairs)) pairs \
                not listed at all get reward 0, as in \
                KuaiEnv's dense matrix, \(Format.count(report.nonFiniteRatios)) ratios that are not a number the mean; \
                \(Format.count(report.duplicateRows)) repeated rows, the first kept), the head rates the pairs' observed labels, \
                and p̂ step 3's `\(report.model)` predictions on those pairs (a pair not listed or without a time: the video's mean). \
                This is the simulator that also runs on the real files. There is no day-part here, and no planted w*.
                """)
        }
        page.heading("Policies and what they get (mean ± sd over episodes)", level: 3)
        page.table(["policy", "R_tra", "R_each", "length", "MCD"] + Head.displayNames.map { "\($0) rate" },
                   e.outcomes.map { o in
                       [o.policy, meanSD(o.totalReward, 2), meanSD(o.rewardPerStep, 3), meanSD(o.length, 1), Format.fixed(o.dominantShare, 3)]
                           + o.headRates.map { Format.fixed($0, 3) }
                   }, alignRight: [1, 2, 3, 4, 5, 6, 7, 8])
        page.paragraph("The dominant categories here: \(e.dominantTags.count).")
        conclusions(&page, e)
        satisfactionCheck(&page, e)
        try figure(&page, e)
        if e.simulator == "model" { offPolicy(&page, e) }
    }

    /// The same policies and users leaving by accumulated satisfaction: does the order of the policies hold?
    private func satisfactionCheck(_ page: inout Notebook, _ e: PolicyEvaluation) {
        guard let rule = e.satisfactionRule, let outcomes = e.satisfactionOutcomes, let baseline = e.satisfactionBaseline,
              let robustness = e.findings.exitRobustness else { return }
        page.heading("Robustness: the same users leaving by accumulated satisfaction", level: 3)
        page.paragraph("""
            A second exit model in place of KuaiEnv's tag rule: after each video the satisfaction becomes \
            `s_t = \(Format.fixed(rule.decay, 2)) · s_{t−1} + (r_t − r̄)`, with r̄ = \(Format.fixed(baseline, 3)) the mean reward of a \
            uniformly random video for these sessions, and the user leaves when `s_t < −\(Format.fixed(rule.threshold, 2))` \
            (`--satisfaction-decay`, `--satisfaction-threshold`), or after \(rule.maxTurn) videos. Tags play no part.
            """)
        page.table(["policy", "R_tra", "R_each", "length"], outcomes.map { o in
            [o.policy, meanSD(o.totalReward, 2), meanSD(o.rewardPerStep, 3), meanSD(o.length, 1)]
        }, alignRight: [1, 2, 3])
        var lines = ["Kendall's τ between the policies' mean R_tra under the two exits: \(Format.fixed(robustness.kendallTau, 2)) (\(robustness.concordant) of \(robustness.pairs) pairs in the same order, \(robustness.discordant) reversed)."]
        if let bestTag = robustness.bestWithTagExit, let bestSatisfied = robustness.bestWithSatisfactionExit, let verdict = robustness.verdict {
            let order = switch verdict {
            case .samePolicy: " (the same policy)."
            case .differentPolicy: " (a different policy: the ranking depends on the exit model)."
            }
            lines.append("Highest R_tra apart from the true-reward bound: \(bestTag) with KuaiEnv's exit, \(bestSatisfied) with the satisfaction exit" + order)
        }
        page.bullets(lines)
    }

    /// Sentences from this run's findings.
    private func conclusions(_ page: inout Notebook, _ e: PolicyEvaluation) {
        let findings = e.findings
        guard let best = findings.best else { return }
        var lines: [String] = []
        let oracle = best.oracleRewardPerStep.map { Format.fixed($0, 3) } ?? "—"
        switch best.verdict {
        case .noOracle:
            lines.append("The highest R_each apart from greedy by the true reward (\(Format.fixed(best.boundRewardPerStep, 3))) is **\(best.policy)**'s, \(Format.fixed(best.rewardPerStep, 3)).")
        case .oracleHighest:
            lines.append("The oracle (w*·p_true) has the highest R_each apart from greedy by the true reward, \(oracle) (greedy by the true reward: \(Format.fixed(best.boundRewardPerStep, 3))).")
        case .apartFromOracle, .notToldApartFromOracle:
            // Paired over episodes: every policy meets the same users.
            let gap = best.differenceToOracle.map { "\(Format.fixed($0.mean, 3)) (s.e. \(Format.fixed($0.standardError, 3)))" } ?? "—"
            lines.append("The highest R_each is **\(best.policy)**'s (\(Format.fixed(best.rewardPerStep, 3))), against the oracle's \(oracle); the paired difference over the same users is \(gap), "
                + (best.verdict == .apartFromOracle
                    ? "more than \(Format.fixed(PolicyThresholds.pairedStandardErrors, 2)) standard errors: the oracle maximises the platform's value w*·p_true, and the reward here is the watch ratio, which that value weighs only through its heads."
                    : "within \(Format.fixed(PolicyThresholds.pairedStandardErrors, 2)) standard errors, so at \(Format.count(e.episodes)) episodes the two are not told apart."))
        }
        if let share = findings.toyShare {
            let reference = switch share.reference {
            case .trueRewardBound: "greedy by the true reward"
            case .oracle: "the oracle"
            }
            lines.append("The paper's toy recommender (greedy ŵ·p̂) gets R_each \(Format.fixed(share.toyRewardPerStep, 3)): \(Format.percent(share.share, 0)) of the way from random (\(Format.fixed(share.randomRewardPerStep, 3))) to \(reference).")
        }
        if let split = findings.gapSplit {
            let costlier = switch split.verdict {
            case .headsCostMore: "the heads cost more than the weights"
            case .weightsCostAtLeastAsMuch: "the weights cost at least as much as the heads"
            }
            lines.append("Split of its gap to the oracle: with the planted w* on the same learned heads it gets \(Format.fixed(split.plantedWeightsRewardPerStep, 3)), with step 4's ŵ on the true heads \(Format.fixed(split.trueHeadsRewardPerStep, 3)); so \(costlier) in R_each.")
        }
        if let longest = findings.longest {
            lines.append("The longest sessions are \(longest.policy)'s (\(Format.fixed(longest.meanLength, 1)) videos on average, of at most \(e.rule.maxTurn)); R_tra = R_each × length, so a policy that keeps users longer can win on R_tra while losing on R_each.")
        }
        page.bullets(lines)
    }

    /// Which logged rows an off-policy table uses and which sessions it leaves out (`outside`: what makes a video
    /// one the logging policy could not have shown, as "a video …").
    private func rowsUsed(_ l: OffPolicyEvaluation.LoggedRows, outside: String) -> String {
        "\(Format.count(l.decisions)) logged rows of \(Format.count(l.sessions.count)) sessions are used (the first \(loggedSteps) of each, `--logged-steps`); left out: "
            + (l.withoutPool > 0 ? "\(Format.count(l.withoutPool)) sessions without a recorded pool, " : "")
            + "\(Format.count(l.firstRowNotObserved)) whose first row is not in the test split, \(Format.count(l.shownOutsidePool)) whose first row is a video \(outside); "
            + "\(Format.count(l.cutShort)) sessions end early, at a later video \(outside) or one shown twice."
    }

    /// Off-policy estimates of the per-step reward against the simulator's truth: with the platform's exact
    /// propensities, then with propensities estimated from step 4's model of the platform (as on real data).
    private func offPolicy(_ page: inout Notebook, _ e: PolicyEvaluation) {
        page.heading("Off-policy estimates against the truth (per step)", level: 3)
        if let o = e.offPolicy {
            page.paragraph("""
                Every logged row as a decision: its context the session and the videos shown before it, its action the video \
                shown, its reward the observed watch ratio capped at 5. The synthetic platform drew the list from its \
                recorded pool by `w*·p_true + τ·Gumbel`, a Plackett-Luce draw without replacement, so each row's probability \
                is known exactly, `π₀(j | h) = exp(v_j/τ) / Σ_{l ∈ pool, not in h} exp(v_l/τ)` with h the videos shown before \
                it. \(rowsUsed(o.logged, outside: "outside the pool")) A policy's weight is `π(shown | h)/π₀(shown | h)` with \
                π its probability after the same history; IPS `(1/n) Σ w r`, SNIPS `Σ w r / Σ w`, NCIS the same with \
                weights capped at \(Format.fixed(o.cap, 0)) (`--ncis-cap`); \(Self.effectiveSampleSize) The truth is the simulator's expected reward of \
                the policy's choice after each logged history, averaged over the same rows: a per-decision value on the \
                logged histories, not a session's return under the policy's own trajectory. Support is the policy's \
                probability inside the pool minus the history, averaged over rows: IPS is unbiased only at support 1, since \
                a video outside the pool could never have been logged.
                """)
            estimateTable(&page, o, e.findings.offPolicyExact, platform: "the logging platform (on-policy: every weight 1)",
                          check: ("the logged rewards agree with the engagement model the truth comes from",
                                  "the logged rewards do not follow the engagement model the truth comes from"))
        } else {
            page.paragraph("Not computed: \(inputs.loggedUnavailable ?? "no logging propensities").")
        }
        page.heading("The same with estimated propensities (as on real data)", level: 3)
        guard let o = e.offPolicyEstimated else {
            page.paragraph("Not computed: \(inputs.loggedEstimatedUnavailable ?? "no model of the platform").")
            return
        }
        page.paragraph("""
            On real logs no pool and no propensity is recorded. Here they are estimated as a user of the real files \
            would: from step 4's headline model of the platform (\(PoolAssumption(rawValue: inputs.estimator)?.title ?? inputs.estimator)), a Plackett-Luce ranker over the \
            videos uploaded by the session's day with log-weight `θ̂·p̂_j + α̂_j` (θ̂ = ŵ/τ̂, p̂ the heads step 4 scored, \
            α̂ its fitted video effects), drawing without replacement: `π̂₀(j | h) ∝ exp(θ̂·p̂_j + α̂_j)` over the videos not \
            in h. Its support is every uploaded video the logs ever showed (a video never shown has α̂ = −∞). \
            \(rowsUsed(o.logged, outside: "shown before its upload day")) The truth is the same simulator's as above; \
            "support" is now the policy's mass on that estimated support: it is computed under the estimated propensities, \
            so it cannot reveal support the estimated model lacks.\(e.offPolicy == nil ? "" : " The last column gives the support under the exact propensities above, which real logs do not have.")
            """)
        estimateTable(&page, o, e.findings.offPolicyEstimated, exactSupport: e.offPolicy?.estimates.map(\.support),
                      platform: "the estimated platform model (every weight 1; truth: the reward expected under π̂₀)",
                      check: ("the estimated platform model's expected reward agrees with the logs",
                              "the estimated platform model's expected reward does not match the logs"))
        if e.offPolicy != nil {
            page.bullets(e.findings.propensityComparison.map { c in
                let verdict = switch c.verdict {
                case .noWorse: "no worse"
                case .worse: "worse by \(Format.fixed(c.excess, 3))"
                }
                return "\(c.estimator.title): mean |estimate − truth| \(Format.fixed(c.estimatedError, 3)) with estimated propensities against \(Format.fixed(c.exactError, 3)) with the exact ones (\(verdict))."
            })
        }
    }

    /// Real logs: the learned policies' estimates with the estimated propensities, and no truth to hold them to.
    private func logged(_ page: inout Notebook, _ o: OffPolicyEvaluation) {
        page.heading("Off-policy estimates on the logs (estimated propensities, no truth)")
        let l = o.logged
        page.paragraph("""
            Every logged row as a decision after the videos shown before it, as on the synthetic world, with the \
            propensities estimated from step 4's headline model of the platform (\(PoolAssumption(rawValue: inputs.estimator)?.title ?? inputs.estimator): \
            `π̂₀(j | h) ∝ exp(θ̂·p̂_j + α̂_j)` over the videos uploaded by the session's day that the logs ever showed, minus \
            the history h). \(rowsUsed(l, outside: "shown before its upload day")) \(Self.capitalised(Self.effectiveSampleSize)) No simulator knows these users' responses, so nothing here is checked against a truth: on a synthetic world \
            this step measures how far the same estimates land from it. The support column is computed under the estimated \
            propensities, so it cannot reveal support the estimated model lacks: a support of 1 here does not show that the logs \
            could have shown what the policy shows.
            """)
        func row(_ name: String, _ e: OffPolicyEvaluation.Estimate) -> [String] {
            [name, cell(e.ips), cell(e.snips), cell(e.ncis), Format.count(e.matches), Format.fixed(e.effectiveSampleSize, 1), Format.fixed(e.support, 3)]
        }
        page.table(["policy", "IPS", "SNIPS", "NCIS", "rows with weight > 0", "effective sample size", "support"],
                   (o.loggingPlatform.map { [row("the logging platform (every weight 1: the mean logged reward)", $0)] } ?? []) + o.targets.map { row($0.policy, $0) },
                   alignRight: [1, 2, 3, 4, 5, 6])
        page.paragraph("`\(artifacts)/off_policy_logs.json` holds these estimates.")
    }

    /// The estimates table and what `check` (its findings) says: the on-policy row against its expected value
    /// (`sentences`: for agreement, then for disagreement), each estimator's mean error, the policies with thin support.
    /// `exactSupport`: per row of the table, the support under the exact propensities, shown as a last column.
    private func estimateTable(_ page: inout Notebook, _ o: OffPolicyEvaluation, _ check: PolicyFindings.OffPolicyCheck?,
                               exactSupport: [Double]? = nil, platform: String, check sentences: (String, String)) {
        let estimates = o.estimates.enumerated().map { i, e in
            [i == 0 ? platform : e.policy, cell(e.truth), cell(e.ips), cell(e.snips), cell(e.ncis), Format.count(e.matches),
             Format.fixed(e.effectiveSampleSize, 1), Format.fixed(e.support, 3)]
                + (exactSupport.map { i < $0.count ? [Format.fixed($0[i], 3)] : ["—"] } ?? [])
        }
        page.table(["policy", "truth", "IPS", "SNIPS", "NCIS", "rows with weight > 0", "effective sample size", "support"]
                       + (exactSupport == nil ? [] : ["support under the exact propensities"]),
                   estimates, alignRight: Set(1...(exactSupport == nil ? 7 : 8)))
        guard let check else { return }
        let agreement = switch check.agreement {
        case .agrees: "within two standard errors, so \(sentences.0)."
        case .disagrees: "more than two standard errors apart, so \(sentences.1)."
        }
        var lines = ["On-policy the mean observed reward is \(cell(check.onPolicyReward)) against its expected \(cell(check.onPolicyExpected)) (standard error of the mean, rows of a session taken together: \(cell(check.rewardStandardError))): " + agreement]
        for error in check.errors {
            lines.append("\(error.estimator.title): mean |estimate − truth| over the \(check.policies) policies \(error.meanAbsoluteError.map { Format.fixed($0, 3) } ?? "undefined")"
                         + (error.undefined > 0 ? " (undefined for \(error.undefined): no logged row has weight > 0)" : "") + ".")
        }
        if !check.thinSupport.isEmpty {
            lines.append("Support below \(Format.fixed(PolicyThresholds.thinSupport, 1)) for \(check.thinSupport.joined(separator: "; ")): what these policies would show was rarely where the logging policy could show it, so no reweighting of the logs can estimate them without bias.")
        }
        page.bullets(lines)
    }

    /// What the tables' effective sample size is.
    private static let effectiveSampleSize = "the effective sample size, Kish's `(Σ w)² / Σ w²`, is the number of equally weighted rows the weights are worth."

    /// An estimate for a table: "—" when undefined.
    private func cell(_ x: Double) -> String { x.isNaN ? "—" : Format.fixed(x, 3) }

    /// The toy recommender's variants, left out of the figure (their curves lie on the toy recommender's; the table has them).
    private static let variants: Set<PolicyIdentifier> = [.epsilonGreedy, .ucbLogCounts, .ucbSeedSpread]

    /// Mean R_tra by session length, one line per policy apart from the toy recommender's variants (so that no two
    /// curves share a colour), the legend below the plot.
    private func figure(_ page: inout Notebook, _ e: PolicyEvaluation) throws {
        let series: [Series] = zip(e.outcomes, e.findings.rewardByLength).filter { !Self.variants.contains($0.0.identifier) }.map { _, curve in
            .linePoints(curve.policy, x: curve.lengths.map(Double.init), y: curve.meanReward)
        }
        var figure = Figure(title: "R_tra against session length (\(e.simulator) simulator)", xLabel: "session length (videos)",
                            yLabel: "mean R_tra of the sessions that long", series: series, height: 760)
        figure.legend = .below
        let name = e.simulator == "model" ? "policy-reward-length.png" : "policy-reward-length-small-matrix.png"
        page.figure(try StepOutput.render(figure, folder: figures, name: name),
                    caption: "Mean cumulative reward (R_tra) of the simulated sessions of each length, per policy (\(e.simulator) simulator, \(Format.count(e.episodes)) sessions each). The toy recommender's ε-greedy and UCB versions are left out (see the table).")
    }
}
