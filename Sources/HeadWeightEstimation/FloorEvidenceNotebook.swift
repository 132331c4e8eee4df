import Foundation
import ValueModel

/// The "Where the floor comes from" section of notebooks/4-coverage.md: `FloorEvidence`'s refits and
/// `FloorConclusions`' verdicts in words.
struct FloorEvidenceNotebook {
    let evidence: FloorEvidence
    let conclusions: FloorConclusions

    func planted(_ w: [Double]) -> String { "(" + w.map { Format.fixed($0, 2) }.joined(separator: ", ") + ")" }

    func write(on page: inout Notebook) {
        guard !evidence.pools.isEmpty || !evidence.retrieval.isEmpty else { return }
        let last = FloorEvidence.lastIterations
        page.heading("Where the floor comes from", level: 3)
        if !evidence.pools.isEmpty {
            page.paragraph("The marginalised-pool likelihood on the same worlds, refitted with each video's true inclusion rate (the share of the sessions with the video uploaded whose recorded pool held it) held fixed, so that only θ is estimated. On popularity worlds its assumption (each video enters independently at its own rate) is an approximation of the platform's fixed-size draw; on retrieval worlds a rate per video ignores that inclusion follows the user.")
            page.table(["mechanism", "planted w*", "rates fitted", "its ŵ's largest move over its last \(last) iterations", "true rates held fixed", "true pools (oracle)"],
                       evidence.pools.map { row in
                           [row.mechanism.rawValue, planted(row.truth), Format.fixed(row.fitted, 3) + (row.converged ? "" : " †"),
                            Format.fixed(row.lastMove, 4), Format.fixed(row.trueRates, 3), row.truePools.map { Format.fixed($0, 3) } ?? "—"]
                       }, alignRight: [2, 3, 4, 5])
            for m in conclusions.mechanisms { page.paragraph(mechanismSentence(m)) }
        }
        if let larger = evidence.larger, let summary = conclusions.larger { largerParagraph(larger, summary, on: &page) }
        if let first = evidence.retrieval.first, let summary = conclusions.retrieval { retrievalSection(first, summary, on: &page) }
    }

    private func mechanismSentence(_ m: FloorConclusions.MechanismSummary) -> String {
        let last = FloorEvidence.lastIterations
        var sentence = "**\(m.mechanism.rawValue)**: mean max error \(Format.fixed(m.meanFitted, 3)) with fitted rates, \(Format.fixed(m.meanTrueRates, 3)) with the true rates, \(Format.fixed(m.meanTruePools, 3)) with the true pools. "
        switch m.optimiser {
        case .settled: sentence += "The fits with fitted rates moved ŵ by at most \(Format.fixed(m.largestMove, 4)) over their last \(last) iterations, so stopping short of the convergence test is not what keeps them from w*. "
        case .stillMoving: sentence += "The fits with fitted rates were still moving ŵ by up to \(Format.fixed(m.largestMove, 4)) over their last \(last) iterations, so part of their error may be the optimiser's. "
        }
        switch m.rates {
        case .ratesEstimationMisses: sentence += "Held at the true rates the likelihood comes close to the true pools: what misses is fitting the rates, not the independent-inclusion assumption itself."
        case .independenceMisses: sentence += "Even at the true rates it stays above the true pools: the independent-inclusion assumption itself does not hold closely enough here."
        case .ratesDoNotMatter: sentence += "The true rates do not change the error much: the rates' estimation is not what misses."
        }
        return sentence
    }

    private func largerParagraph(_ larger: FloorEvidence.LargerWorld, _ summary: FloorConclusions.LargerSummary, on page: inout Notebook) {
        let row = larger.pool, smaller = summary.smaller
        var text = "The popularity world with planted w* = \(planted(row.truth)) drawn again with \(Format.count(larger.sessions)) sessions instead of the comparison's: max error with video effects \(row.videoEffects.map { Format.fixed($0, 3) } ?? "—"), pools marginalised with fitted rates \(Format.fixed(row.fitted, 3))\(row.converged ? "" : " †") (its ŵ's largest move over its last \(FloorEvidence.lastIterations) iterations \(Format.fixed(row.lastMove, 4))), with the true rates \(Format.fixed(row.trueRates, 3)), true pools \(row.truePools.map { Format.fixed($0, 3) } ?? "—") (with the comparison's sessions: video effects \(smaller.videoEffects.map { Format.fixed($0, 3) } ?? "—"), pools marginalised \(Format.fixed(smaller.fitted, 3)), true rates \(Format.fixed(smaller.trueRates, 3)), true pools \(smaller.truePools.map { Format.fixed($0, 3) } ?? "—")). "
        switch summary.verdict {
        case .bias:
            text += "More sessions do not shrink the fitted-rate error: it is a bias, not noise. A free rate per video leaves only the variation of the heads *within* a video (across users and contexts) to identify w, and the misfit of the independent-inclusion approximation"
                + (summary.knownRatesNearOracle ? ", small when the rates are known," : "") + " then biases ŵ."
        case .noise:
            text += "More sessions shrink the fitted-rate error, so at this size part of it is the noise of estimating the rates."
        }
        page.paragraph(text)
    }

    static func name(_ term: FloorEvidence.PairTerm) -> String {
        switch term {
        case .categoryTaste: "user's category taste (from the logs)"
        case .affinity: "the world's user–video affinity (no retrieval error)"
        case .retrievalScores: "the retrieval stage's own scores (oracle)"
        }
    }

    private func retrievalSection(_ first: FloorEvidence.RetrievalRow, _ summary: FloorConclusions.RetrievalSummary, on page: inout Notebook) {
        page.paragraph("On retrieval worlds the pool follows the user–video pair, which a per-video effect cannot absorb. Below, the video-effects likelihood with a pair-level term `β·x_sj` (β fitted) for each x in the columns"
            + (summary.categoryTasteFromLogs ? ": the user's category taste is computed from the logs; the other two need knowledge of the retrieval stage that no KuaiRec log holds." : "; both need knowledge of the retrieval stage that no KuaiRec log holds."))
        page.table(["planted w*", "video effects"] + first.terms.map { "+ \(Self.name($0.term))" },
                   evidence.retrieval.map { row in
                       [planted(row.truth), Format.fixed(row.plain, 3)] + row.terms.map { "\(Format.fixed($0.error, 3)) (β̂ \(Format.fixed($0.beta, 2)))" }
                   }, alignRight: Set(1..<(2 + first.terms.count)))
        let tolerance = EstimationThresholds.recoveryTolerance
        let parts = summary.terms.map { "with \(Self.name($0.term)) \($0.within) of \($0.count) within \(tolerance) (worst \(Format.fixed($0.worst, 3)))" }
        let recovers = "Given the retrieval stage's scores the same likelihood recovers w*: on a funnel whose retrieval follows the user–video pair the floor is the missing retrieval scores, not the estimator."
        let approximation = "Even the retrieval stage's own scores as the pair term leave an error above \(tolerance). The video-effects likelihood treats the pool draw to first order (inclusion in proportion to e^{α_j + β x_sj}), which a pool holding a large share of the uploaded videos does not follow: "
        let conclusion: String
        switch summary.verdict {
        case .scoresRecoverAffinityEnough:
            conclusion = recovers + " The user's affinity without the retrieval model's error is enough as well, so a proxy need not reproduce the retrieval model's own mistakes."
        case .scoresRecoverAffinityNotEnough:
            conclusion = recovers + " The user's affinity without the retrieval model's error is not enough (worst \(Format.fixed(summary.affinityWorst, 3))): a proxy would have to reproduce the retrieval model's own mistakes."
        case .approximationMissesAsOnPopularity:
            conclusion = approximation + "on the popularity worlds of the comparison, where nothing depends on the user, the video-effects fits miss by up to \(Format.fixed(summary.popularityWorst, 3)) for that reason alone."
        case .approximationMissesWithScores:
            conclusion = approximation + "on these worlds it is that approximation, with the scores known, that misses."
        }
        page.paragraph("Video effects alone: worst \(Format.fixed(summary.plainWorst, 3)); " + parts.joined(separator: "; ") + ". " + conclusion)
    }
}
