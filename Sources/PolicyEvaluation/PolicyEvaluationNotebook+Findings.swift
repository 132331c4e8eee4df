import Foundation
import ValueModel

/// Notebook 5's opening findings: each maps one of `PolicyHeadline`'s verdicts to words, for every outcome.
extension PolicyEvaluationNotebook {
    /// The `## Findings` list: what was compared, the paired comparisons, what greedy by the true reward bounds, the
    /// fixed list's sessions, and what the off-policy tables can and cannot say.
    func findingsList(_ page: inout Notebook) {
        page.heading("Findings")
        let simulators = runs.map { "\($0.simulator) simulator" }.joined(separator: " and ")
        var lines = ["\(runs.count == 1 ? "One simulator" : "\(runs.count) simulators") (\(simulators)), \(Format.count(runs[0].episodes)) episodes per policy, every policy meeting the same users. **R_tra** is a session's summed reward (the watch ratio, capped at 5, of each video shown), **R_each** its mean reward per shown video; every comparison below is the paired difference over the same users, with its standard error, and calls a policy ahead only beyond \(Format.fixed(PolicyThresholds.pairedStandardErrors, 2)) standard errors."]
        let headlines = runs.map { ($0, $0.headline) }
        for (run, h) in headlines {
            if let c = h.bestOnTotal { lines.append("**\(Self.capitalised(run.simulator)) simulator, highest R_tra (greedy by the true reward aside):** " + comparison(c)) }
        }
        for (run, h) in headlines {
            if let c = h.toyAgainstOracle { lines.append("**\(Self.capitalised(run.simulator)) simulator, the paper's toy recommender against the oracle in R_each:** " + comparison(c)) }
        }
        let bounds = headlines.compactMap { run, h in h.bound.map { b in
            "\(run.simulator) simulator: \(b.aboveOnTotal.count) polic\(b.aboveOnTotal.count == 1 ? "y" : "ies") above its R_tra (\(Format.fixed(b.totalReward, 2))), \(b.aboveOnPerStep.count) above its R_each (\(Format.fixed(b.rewardPerStep, 3)))"
        } }
        if !bounds.isEmpty {
            lines.append("**Greedy by the true reward** shows the highest-reward unseen video at every turn, so over any fixed number of turns no policy collects more; but its sessions end by the exit rule like any other's, so it bounds neither R_tra nor R_each outright. Here: " + bounds.joined(separator: "; ") + ".")
        }
        let fixedLists = headlines.compactMap { run, h in h.fixedList.map { fixed in
            let ending = switch fixed.verdict {
            case .lastsToMaxTurn: "every session lasts all \(fixed.maxTurn) turns: the list never meets the exit rule (no video's category is in the exit window before it more often than the threshold allows), so only the turn limit ends a session"
            case .endsAtTheSameTurn: "every session ends after \(fixed.length) of at most \(fixed.maxTurn) videos, where the list first meets the exit rule"
            }
            return "on the \(run.simulator) simulator \(ending)"
        } }
        if let policy = headlines.lazy.compactMap({ $0.1.fixedList?.policy }).first {
            lines.append("**\(Self.capitalised(policy)) shows every user the same list**, so the exit rule meets the same sequence of categories each time: " + fixedLists.joined(separator: "; ") + ". Its session length is a property of the list, not of the users.")
        }
        offPolicyFindings(headlines, &lines)
        page.bullets(lines)
    }

    /// `text` with its first letter in upper case.
    static func capitalised(_ text: String) -> String { text.prefix(1).uppercased() + text.dropFirst() }

    /// `c` in words: both means, the paired difference and its standard error, and the verdict.
    private func comparison(_ c: PolicyHeadline.Comparison) -> String {
        let name = c.metric == .totalReward ? "R_tra" : "R_each", digits = c.metric == .totalReward ? 2 : 3
        let numbers = "\(c.policy) \(Format.fixed(c.policyMean, digits)) against \(c.other) \(Format.fixed(c.otherMean, digits)); paired difference \(Format.fixed(c.difference, digits + 1)) (standard error \(Format.fixed(c.standardError, digits + 1)))"
        return switch c.verdict {
        case .ahead: numbers + ": **\(c.policy) is ahead** in \(name)."
        case .behind: numbers + ": **\(c.policy) is behind** in \(name)."
        case .notToldApart: numbers + ": within \(Format.fixed(PolicyThresholds.pairedStandardErrors, 2)) standard errors, so the two **cannot be told apart** in \(name) at \(Format.count(runs[0].episodes)) episodes."
        }
    }

    /// The off-policy lines: what support is and what estimated propensities hide, and the rows the toy recommender
    /// and most popular share.
    private func offPolicyFindings(_ headlines: [(PolicyEvaluation, PolicyHeadline)], _ lines: inout [String]) {
        let estimatedRows = runs.contains { $0.offPolicyEstimated != nil } || logEstimates != nil
        guard estimatedRows || runs.contains(where: { $0.offPolicy != nil }) else { return }
        var support = "**Off-policy support** is a policy's probability on videos the logging policy could have shown, averaged over the logged rows; below 1, reweighting the logs cannot estimate the policy without bias."
        if estimatedRows {
            support += " With estimated propensities it is computed against the estimated support itself, so it **cannot reveal missing support**"
            if let check = headlines.lazy.compactMap({ $0.1.support }).first {
                let verdict = switch check.verdict {
                case .overstated: ": here \(check.policy) has support \(Format.fixed(check.estimated, 3)) under the estimated propensities but \(Format.fixed(check.exact, 3)) under the exact ones."
                case .close: "; here no policy's exceeds its support under the exact propensities by more than \(Format.fixed(PolicyThresholds.supportOverstatement, 1)) (the largest gap: \(check.policy), \(Format.fixed(check.estimated, 3)) against \(Format.fixed(check.exact, 3)))."
                }
                support += verdict
            } else {
                support += "; on real logs there are no exact propensities to check it against."
            }
        }
        lines.append(support)
        let shared = headlines.lazy.compactMap { $0.1.toyAndPopularRows }.first ?? logEstimates.flatMap { PolicyHeadline.SharedRows.make($0, .greedyEstimated, .mostPopular) }
        if let s = shared {
            let counts = "Off-policy, \(s.policy) and \(s.other) have weight > 0 on \(Format.count(s.policyRows)) and \(Format.count(s.otherRows)) logged rows, \(Format.count(s.shared)) of them the same"
            let reading = switch s.verdict {
            case .nearlySameRows: ": on the logs they are **nearly the same policy**: their estimates rest on nearly the same rows, so the off-policy tables say little about how the two differ."
            case .differentRows: ": their estimates rest on different rows."
            }
            lines.append(counts + reading)
        }
    }
}
