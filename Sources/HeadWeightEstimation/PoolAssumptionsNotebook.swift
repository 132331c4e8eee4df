import Foundation
import ValueModel

/// Section 4b of notebook 4: the unlogged candidate pool — the likelihood under each pool assumption, and on a
/// synthetic world the identification table over candidate mechanisms and planted w*.
extension HeadWeightEstimationNotebook {
    func pools(_ page: inout Notebook) throws {
        guard let a = results.pools, let f = findings.pools else { throw PipelineError.invalidData("step 4's results hold no pool analysis") }
        let prefix = a.listPrefix > 0 ? "the first \(a.listPrefix) observed rows of each session (`--list-prefix`)" : "every observed row"
        page.heading("4b. The candidate pool nobody logged (the headline estimate)")
        page.paragraph("""
            A real platform ranks only the few hundred candidates its retrieval stage fetched for a request, and KuaiRec \
            never logged them. The likelihood above assumes every catalogue video competed; if the platform chose from a \
            pool, an unshown video may have lost, or never been a candidate. Every row below is a Plackett-Luce likelihood \
            of the same observed lists; they differ in what they assume about the choice sets. The fits use \(prefix): \
            a session's later choices are made from a pool its earlier choices have depleted, and of a high-value video \
            that was not shown one learns that it was probably not in the pool; the rows with fixed choice sets model \
            neither. \(a.gnn.contains { $0.assumption == .poolSampling } ? "The pool-sampling row, which averages over the pools, models both." : "The pool-sampling likelihood, which averages over the pools and models both, is slow and fitted only with `--pool-sampling-sessions N`; `make coverage` compares it with the others on synthetic worlds.") \(Format.count(a.availability.shownBeforeUpload)) shown row(s) precede their video's `upload_dt` \
            in item_daily_features (made available in that session).
            """)
        var header = ["assumption", "what it assumes about the pool", "ŵ (complete, long, rewatch, neg)", "s.e. (Hessian)", "τ̂"]
        if results.truth != nil { header += ["max |ŵ − w*|", "with p_true: ŵ", "max |ŵ − w*|"] }
        page.table(header, zip(a.gnn, f.assumptions).map { e, found in
            let title = e.assumption.title + (found.sampledSessions.map { " (a seeded sample of \(Format.count($0)) sessions, `--pool-sampling-sessions`)" } ?? "")
            var row = [e.assumption == PoolAnalysis.headline ? "**\(title)**" : title, e.assumption.assumes,
                       w(e.fit.weights), w(e.fit.standardErrors), Format.fixed(e.fit.noiseScale, 4)]
            if let error = found.maxError {
                row.append(Format.fixed(error, 3))
                if let p = a.trueHeads?.first(where: { $0.assumption == e.assumption }), let trueError = found.trueHeadsMaxError {
                    row += [w(p.fit.weights), Format.fixed(trueError, 3)]
                } else { row += ["—", "—"] }
            }
            return row
        }, alignRight: [4, 5, 7])
        if let matched = a.matchedPools {
            page.paragraph("The oracle row uses the pools the synthetic platform recorded in `candidate_pools/` (found for \(Format.count(matched)) of \(Format.count(results.sessions)) evaluation sessions; a session without one keeps only its shown videos). No other row reads them.")
        }
        if let headline = a.headlineFit {
            page.paragraph("""
                **Headline:** \(headline.assumption.title), ŵ = \(w(headline.fit.weights)) (s.e. \(w(headline.fit.standardErrors)); \
                \(headline.fit.iterations) iterations, \(headline.fit.converged ? "converged" : "not converged")\(headline.effects.map { "; \(Format.count($0.shownCandidates)) video effects" } ?? "")). \
                It assumes \(headline.assumption.assumes). It absorbs retrieval that depends on the video alone only to first \
                order in the pool's randomness, and not at all retrieval that follows the user–video pair beyond the heads; \
                the identification table below measures both. \
                Across the assumptions the estimates of a head differ by up to \(f.headSpread.map { Format.fixed($0, 3) }.joined(separator: " / ")) \
                (complete / long / rewatch / neg): that is how much the answer depends on what one assumes about the pools. \
                \(results.ensemble == nil ? "The standard errors are over sessions with the heads held fixed; they leave out the heads' own training randomness (weight initialisation, batch draws), which `3-training --head-seeds` (default 5) measures by training other seeds, and this run had none (step 3 ran with `--head-seeds 1`)." : "The heads are the mean of an ensemble of GNNs (below); the standard errors are over sessions with those heads held fixed, and the interval below adds the heads' training randomness.")
                """)
            if let h = findings.headline { page.paragraph(headlineInterval(h)) }
            if let e = results.ensemble, let found = findings.ensemble { ensemble(&page, e, found, headline: headline.fit) }
        }
        identification(&page, a, f)
    }

    /// The headline's 95% interval, what it includes, and how many heads it covers in this run.
    func headlineInterval(_ h: EstimationFindings.Headline) -> String {
        let sources = switch h.intervalSources {
        case .sessions: "`ŵ ± 1.96 s.e.`, over sessions with the heads held fixed"
        case .sessionsAndSeeds: "`ŵ ± 1.96 √(s.e.² + sd²/members)`, over sessions and the heads' training seeds (derived below)"
        }
        var text = "**Headline 95% interval** (\(sources)): " + intervals(h) + " (complete, long, rewatch, neg)."
        if let covered = h.coveredHeads {
            text += " In this run it covers the planted w\\* for **\(covered) of \(Head.allCases.count) heads**."
        }
        return text + " " + Self.coverageStudy
    }

    /// Where the coverage of such intervals is measured.
    static let coverageStudy = "`notebooks/4-coverage.md` (made by `make coverage`) measures how often this likelihood's session intervals (`ŵ ± 1.96 s.e.`) cover w\\* over seeded synthetic worlds of each candidate mechanism, with the world's `p_true` as heads: a check of the interval without the predicted heads' errors."

    /// The headline's intervals, one bracket per head.
    func intervals(_ h: EstimationFindings.Headline) -> String {
        zip(h.lower, h.upper).map { "[\(Format.fixed($0, 3)), \(Format.fixed($1, 3))]" }.joined(separator: ", ")
    }

    /// `--ensemble`: each member's headline alone, their spread, and the headline interval with both sources.
    private func ensemble(_ page: inout Notebook, _ e: HeadEnsemble, _ f: EstimationFindings.Ensemble, headline: PlackettLuceLists.Fit) {
        page.paragraph("**Ensemble of \(e.members.count) GNNs** (step 3's other seeds of its chosen GNN, `3-training --head-seeds`, and the step-3 runs of `--ensemble`): the headline above uses the mean of their heads. Each member's heads alone give:")
        var rows = e.members.indices.map { i in
            let m = e.members[i]
            return [m.label, m.model, w(m.weights), w(m.standardErrors)] + (f.memberErrors.map { [Format.fixed($0[i], 3)] } ?? [])
        }
        rows.append(["**ensemble (mean heads)**", "", w(headline.weights), w(headline.standardErrors)] + (f.headlineError.map { [Format.fixed($0, 3)] } ?? []))
        page.table(["member", "GNN", "ŵ", "s.e. (Hessian)"] + (results.truth == nil ? [] : ["max |ŵ − w*|"]), rows)
        let dominance = switch f.dominance {
        case .sessionsEverywhere: "The sessions dominate the interval for every head."
        case .seedsForSome: "The heads' training randomness dominates it for \(f.seedDominatedHeads.map { Self.heads[$0] }.joined(separator: ", "))."
        }
        page.paragraph("""
            The members' ŵ differ by a standard deviation of \(w(e.spread)) per head, against session standard errors of \
            \(w(e.meanStandardErrors)) on average: \(f.headsVaryingMoreThanSessions) of \(Head.allCases.count) heads vary more \
            from seed to seed than from the sessions. The ensemble's heads average \(e.members.count) members, so their training randomness \
            enters ŵ with about sd/√\(e.members.count) = \(w(f.seedPart)) (assuming the members vary independently). **Headline interval \
            with both sources:** ŵ ± 1.96 √(s.e.² + sd²/\(e.members.count)) = \(zip(f.lower, f.upper).map { "[\(Format.fixed($0, 3)), \(Format.fixed($1, 3))]" }.joined(separator: ", ")) \
            (complete, long, rewatch, neg), the headline interval above. \
            \(dominance)
            """)
    }

    private func identification(_ page: inout Notebook, _ a: PoolAnalysis, _ f: EstimationFindings.Pools) {
        guard !a.identification.isEmpty else { return }
        page.heading("Identification on every candidate mechanism", level: 3)
        page.paragraph("""
            Lists re-drawn for a seeded sample of \(Format.count(a.identificationSessions)) evaluation sessions (same users, \
            days and list lengths) under each candidate mechanism of the synthetic generator and three planted w*, ranked by \
            `w*·p_true + τ·Gumbel` (τ = \(results.truthNoise.map { Format.fixed($0.scale, 3) } ?? "?")) within each drawn pool, \
            then fitted with `p_true` and with the GNN's heads (trained on this world's own logs, so for the other \
            mechanisms they are an approximation). Target: max \\|ŵ − w*\\| ≤ \(Self.tolerance).
            """)
        func cell(_ fits: [PoolAssumptionEstimate], _ assumption: PoolAssumption, _ error: Double?) -> String {
            guard let fit = fits.first(where: { $0.assumption == assumption }), let error else { return "—" }
            return "\(w(fit.fit.weights)) **\(Format.fixed(error, 3))**"
        }
        page.table(["mechanism", "planted w*", "p_true: whole catalogue", "p_true: **video effects**", "p_true: true pools",
                    "GNN: whole catalogue", "GNN: **video effects**"], zip(a.identification, f.identification).map { c, errors in
            [c.mechanism.rawValue, w(c.truth), cell(c.trueFits, .catalogue, errors.trueCatalogue), cell(c.trueFits, .videoEffects, errors.trueVideoEffects),
             c.mechanism == .catalogue ? "(= whole catalogue)" : cell(c.trueFits, .truePool, errors.trueTruePool),
             cell(c.gnnFits, .catalogue, errors.gnnCatalogue), cell(c.gnnFits, .videoEffects, errors.gnnVideoEffects)]
        })
        page.bullets(f.mechanisms.map { m in
            let target = switch m.verdict {
            case .withinTarget: "within"
            case .outsideTarget: "outside"
            }
            var line = "**\(m.mechanism.rawValue)**: with p_true the video-effects likelihood's worst max error is \(Format.fixed(m.videoEffects, 3)) (\(target) the target), the whole-catalogue one's \(Format.fixed(m.catalogue, 3))"
            if let oracle = m.truePool { line += "; knowing the pools gives \(Format.fixed(oracle, 3))" }
            if let gnn = m.gnnVideoEffects { line += "; with the GNN's heads, video effects: \(Format.fixed(gnn, 3))" }
            return line + "."
        })
        if f.floorCases > 0 {
            page.paragraph("In \(f.floorCases) of \(a.identification.count) cases (\(f.floorMechanisms.joined(separator: ", "))) the video-effects estimate with p_true misses while the true pools recover w*: the floor there is the candidate assumption, not the data. Per-video effects approximate a pool draw to first order only: they cannot absorb retrieval that follows the user–video pair, and even for a purely per-video pool they ignore that a high-value video missing from the list was probably missing from the pool.")
        }
        page.paragraph("The coverage of the intervals over seeded worlds, and a comparison with estimators that need no pool model at all (the order of the shown list given its set), and where the floor comes from (the same likelihoods with the true inclusion rates, with more sessions, and with the retrieval stage's own scores as a pair-level term) are in `notebooks/4-coverage.md` (made by `make coverage`).")
    }
}
