import Foundation
import ValueModel

/// The text and tables of notebooks/4-coverage.md: `CoverageStudy`'s results in words (the timing line is the
/// command's).
struct CoverageNotebook {
    let study: CoverageStudy

    func build() -> Notebook {
        let o = study.options
        var page = Notebook(title: "Step 4 — coverage of the headline's 95% intervals")
        page.paragraph("\(o.worlds) seeded synthetic worlds per candidate mechanism (\(o.users) users, \(o.videos) videos, up to \(Format.count(o.maxSessions)) sessions of at least 5 rows, the first \(o.listPrefix > 0 ? "\(o.listPrefix)" : "all") rows of each), planted w* = (\(study.truth.map { Format.fixed($0, 3) }.joined(separator: ", "))), fitted with the world's exact `p_true` as heads. An interval is `ŵ_h ± 1.96 s.e._h` (the delta method on the profile information: the Schur complement of the Hessian with the video-effect block taken as diagonal for video effects, the plain Hessian otherwise). Target: 90–98% per head. The true-pool likelihood (an oracle that knows the unlogged pools) is shown as the reference of a correctly specified model.")
        page.table(["mechanism", "likelihood"] + Head.displayNames + ["median max |ŵ − w*|"], study.coverage.map { row in
            [row.mechanism.rawValue, Self.name(row.likelihood)] + row.coveredShares.map { Format.percent($0, 0) } + [Format.fixed(row.medianMaxError, 3)]
        }, alignRight: [2, 3, 4, 5, 6])
        page.paragraph("Coverage well below 95% means the interval is too narrow for the estimate's error: a bias (the assumption does not hold for that mechanism) or an underestimated variance.")
        if let comparison = study.comparison { compared(comparison, on: &page) }
        return page
    }

    static func name(_ likelihood: CoverageStudy.Likelihood) -> String {
        switch likelihood {
        case .videoEffects: "video effects (headline)"
        case .wholeCatalogue: "whole catalogue (= true pools)"
        case .truePools: "true pools (oracle)"
        }
    }

    /// The estimators that need no pool, side by side on default-size worlds, and where their floor comes from.
    func compared(_ c: CoverageStudy.Comparison, on page: inout Notebook) {
        let o = study.options
        page.heading("Estimators that need no pool, compared")
        page.paragraph("Each row is one world of the default size (\(c.users) users, \(c.videos) videos, seed \(o.firstSeed)) whose platform used the mechanism and planted w* of the row; its first \(Format.count(o.candidateSessions)) sessions of at least 5 rows are fitted (first \(o.listPrefix > 0 ? "\(o.listPrefix)" : "all") rows) with `p_true` as heads. Cells are max |ŵ − w*|; † marks a fit whose optimiser stopped without meeting its convergence test. What each assumes:")
        page.bullets(o.compare.map { "**\($0.title)**: \($0.assumes)." })
        page.table(["mechanism", "planted w*"] + o.compare.map(\.title), c.rows.map { row in
            [row.mechanism.rawValue, "(" + row.truth.map { Format.fixed($0, 2) }.joined(separator: ", ") + ")"]
                + row.cells.map { cell in cell.map { Format.fixed($0.error, 3) + ($0.converged ? "" : " †") } ?? "=" }
        }, alignRight: Set(2..<(2 + o.compare.count)))
        page.paragraph("= : on the catalogue mechanism the true pool is the whole catalogue (the first column).")
        page.bullets(c.summaries.map { s in
            "**\(s.assumption.title)**: within 0.05 of w* in \(s.within) of \(s.count) worlds; worst \(Format.fixed(s.worst, 3))."
        })
        if !c.taste.isEmpty {
            let parts = c.taste.map { t in
                "\(t.mechanism.rawValue) \(Format.fixed(t.before, 3)) → \(Format.fixed(t.after, 3))"
                    + (t.betaMin.map { low in " (β̂ from \(Format.fixed(low, 2)) to \(Format.fixed(t.betaMax ?? .nan, 2)))" } ?? "")
            }
            page.paragraph("The user's category taste added to the video effects, mean max error over the planted w* per mechanism: "
                + parts.joined(separator: "; ") + ". Of the three mechanisms only retrieval draws pools that depend on the user; on the other two, where no taste is planted, a β̂ away from 0 is the share of the remaining misfit that the taste proxy soaks up.")
        }
        FloorEvidenceNotebook(evidence: c.floor, conclusions: c.floorConclusions).write(on: &page)
        if let check = c.shownOrder {
            let conclusion = switch check.verdict {
            case .orderDoesNotIdentify: "So at this size the order within the shown lists does not pin w down, whatever the pool: the information that identifies w is which videos were shown instead of others, and using it needs a model of the pool."
            case .orderIdentifies: "So the order within the shown lists identifies w here when nothing else is assumed."
            }
            page.paragraph("On the catalogue mechanism, where the shown-order likelihood's assumption holds exactly, its free-remainder fit misses by up to \(Format.fixed(check.worst, 3)). " + conclusion)
        }
    }
}
