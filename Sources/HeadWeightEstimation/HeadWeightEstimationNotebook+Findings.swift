import Foundation
import ValueModel

/// Notebook 4's opening findings: each maps one of `EstimationFindings`' numbers or verdicts to words, for every
/// outcome.
extension HeadWeightEstimationNotebook {
    /// A signed number with three decimals (`+0.012`, `-0.045`).
    static func signed(_ value: Double) -> String { (value >= 0 ? "+" : "") + Format.fixed(value, 3) }

    /// A verdict against the recovery target, as a clause.
    static func target(_ verdict: RecoveryVerdict) -> String {
        switch verdict {
        case .withinTarget: "within the \(tolerance) target"
        case .outsideTarget: "outside the \(tolerance) target"
        }
    }

    /// The `## Findings` list: the headline, how far to trust it, and what moves it.
    func findingsList(_ page: inout Notebook) {
        page.heading("Findings")
        var lines: [String] = []
        if let h = findings.headline {
            let sources = switch h.intervalSources {
            case .sessions: "over sessions only, the heads held fixed"
            case .sessionsAndSeeds: "over sessions and the heads' training seeds"
            }
            lines.append("**Headline** (section 4b: the Plackett-Luce likelihood of the observed lists under the *\(h.assumption.title)* assumption, with the GNN's heads): ŵ = \(w(h.weights)) (complete, long, rewatch, neg; Σ|w| = 1), 95% interval \(intervals(h)) (\(sources)).")
            switch h.reference {
            case .planted:
                var line = "Against the planted w\\* = \(w(results.truth ?? [])): max |ŵ − w\\*| = \(Format.fixed(h.maxError, 3)), \(Self.target(h.verdict))"
                if let covered = h.coveredHeads { line += "; the interval covers w\\* for **\(covered) of \(Head.allCases.count) heads** in this run" }
                lines.append(line + ". " + Self.coverageStudy)
            case .paper:
                lines.append("Real data, no planted truth: against the paper's w ≈ \(w(EstimationFindings.paperWeights)) the headline differs by at most \(Format.fixed(h.maxError, 3)) per head (\(Self.target(h.verdict))); nothing here checks recovery. " + Self.coverageStudy)
            }
            if let trueError = h.trueHeadsMaxError, let trueVerdict = h.trueHeadsVerdict {
                let identification = switch trueVerdict {
                case .withinTarget: "with the world's exact `p_true` as heads the same likelihood misses by \(Format.fixed(trueError, 3)), within the target: the assumption identifies w\\* on these lists, and the predicted heads add the rest"
                case .outsideTarget: "with the world's exact `p_true` as heads the same likelihood already misses by \(Format.fixed(trueError, 3)): part of the miss is the pool assumption, whatever the heads"
                }
                let title = switch h.verdict {
                case .withinTarget: "**With perfect heads:** "
                case .outsideTarget: "**Where the miss comes from:** "
                }
                var line = title + identification
                if let s = h.split {
                    line += ". On \(s.head.displayName), the headline's worst head, ŵ − w\\* = \(Self.signed(s.total)) = \(Self.signed(s.identification)) with `p_true` \(s.heads >= 0 ? "+" : "−") \(Format.fixed(abs(s.heads), 3)) from the GNN's heads"
                }
                lines.append(line + ".")
            }
        }
        if let pools = findings.pools, let spread = pools.largestHeadSpread {
            lines.append("**The answer depends on the unlogged candidate pool:** across the \(pools.assumptions.count) assumptions of section 4b the estimate of one head moves by up to \(Format.fixed(spread.spread, 3)) (\(spread.head.displayName)).")
        }
        if let e = findings.ensemble, let members = results.ensemble?.members.count {
            let dominance = switch e.dominance {
            case .sessionsEverywhere: "the sessions still dominate the interval for every head"
            case .seedsForSome: "the seeds dominate the interval for \(e.seedDominatedHeads.map { Self.heads[$0] }.joined(separator: ", "))"
            }
            let title = switch e.dominance {
            case .seedsForSome: "**The heads' training randomness counts:**"
            case .sessionsEverywhere: "**The heads' training randomness:**"
            }
            lines.append("\(title) over \(members) GNNs trained with different seeds, \(e.headsVaryingMoreThanSessions) of \(Head.allCases.count) heads' ŵ vary more from seed to seed than from the sessions; \(dominance). No interval here includes the heads' bias (section 6).")
        } else {
            lines.append("**The interval holds the heads fixed:** step 3 trained no other seeds of its GNN (`--head-seeds 1`), so neither their training randomness nor their bias (section 6) is in it.")
        }
        let catalogue = findings.recovery.first { $0.heads == .gnn && $0.estimator == .likelihood }
        let stageB = findings.recovery.first { $0.heads == .gnn && $0.estimator == .originalStageB }
        let matching = findings.recovery.first { $0.heads == .gnn && $0.estimator == .matchingEmbedding }
        if let catalogue {
            let reference = results.truth == nil ? "the paper's w" : "w\\*"
            var line = "The other estimators miss \(reference) by at most, per head: the whole-catalogue likelihood (section 4) \(Format.fixed(catalogue.maxError, 3))"
            if let stageB { line += ", the original's two-stage list matching (section 2) \(Format.fixed(stageB.maxError, 3))" }
            if let matching { line += ", the improved list matching (section 3) \(Format.fixed(matching.maxError, 3))" }
            lines.append(line + ".")
        }
        if let pools = findings.pools, !pools.identification.isEmpty {
            if pools.floorCases > 0 {
                lines.append("In \(pools.floorCases) of \(pools.identification.count) re-drawn synthetic cases (\(pools.floorMechanisms.joined(separator: ", "))) the headline's likelihood misses w\\* even with `p_true` as heads while knowing the true pools recovers it: there the floor is the unlogged pool, not the data.")
            } else {
                lines.append("In none of the \(pools.identification.count) re-drawn synthetic cases does the headline's likelihood with `p_true` as heads miss w\\* while the true pools recover it.")
            }
        }
        page.bullets(lines)
    }
}
