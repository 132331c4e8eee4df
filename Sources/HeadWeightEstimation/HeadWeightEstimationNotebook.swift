import Foundation
import Reporting
import ValueModel

/// The text, tables and figures of notebooks/4-head-weight-estimation.md.
struct HeadWeightEstimationNotebook {
    let results: EstimationResults
    let findings: EstimationFindings
    let options: HeadWeightEstimationCommand
    static let heads = Head.displayNames
    /// The recovery target of the issue: every weight within this of w*.
    static let tolerance = EstimationThresholds.recoveryTolerance

    init(results: EstimationResults, options: HeadWeightEstimationCommand) throws {
        guard let findings = results.findings else { throw PipelineError.invalidData("step 4's results hold no findings") }
        self.results = results
        self.findings = findings
        self.options = options
    }

    func build() throws -> Notebook {
        var page = Notebook(title: "Step 4 — head-weight estimation")
        findingsList(&page)
        page.heading("What this step does")
        page.paragraph("""
            The value model ranks a session's candidates by `v = Σ_h w_h p_h` over the four predicted heads (complete, long, \
            rewatch, neg); `w` is reported L1-normalised (Σ_h |w_h| = 1), since only its direction changes a ranking. This step estimates `w` from the lists the platform actually showed. It first does what the original \
            notebook `4. head_weight_estimation.ipynb` does — simulate each evaluation session's list as the top K candidates by \
            `v` and match it to the observed list (two Nelder-Mead stages) — then improves that list matching (a smooth \
            surrogate, several starts, the loss landscape), and finally estimates `w` by the **likelihood of the observed lists** \
            under the stochastic version of the same ranking rule (Plackett-Luce), with standard errors and a bootstrap, first \
            with every catalogue video a candidate and then (section 4b) under several assumptions about the candidate pool \
            that the platform's retrieval stage drew and nobody logged. The headline is section 4b's likelihood under the \
            *\(PoolAnalysis.headline.title)* assumption; section 4's whole-catalogue likelihood is not the headline.
            """)
        guard let g = results.gnn else { throw PipelineError.invalidData("step 4's results hold no estimators on the GNN's heads") }
        sessions(&page)
        scoring(&page)
        original(&page, g)
        matching(&page, g)
        likelihood(&page, g)
        try pools(&page)
        try figures(&page, g)
        try recovery(&page)
        residuals(&page)
        notes(&page)
        timing(&page, g)
        if g.category != nil, !results.categoryMap.isEmpty { categoryMap(&page) }
        return page
    }

    func w(_ v: [Double]) -> String { "(" + v.map { Format.fixed($0, 3) }.joined(separator: ", ") + ")" }
    /// The annealing temperatures the matching surrogate ran at.
    private func temperatures(_ g: EstimatorRun) -> String {
        g.embedding.starts[g.embedding.best].surrogate.stages.map { "\($0.temperature)" }.joined(separator: " then ")
    }

    private func sessions(_ page: inout Notebook) {
        page.heading("Sessions and candidates")
        page.table(["", "count"], [
            ["test-split sessions with sess_len ≥ \(options.minSessionLength) (66,423 on real data)", Format.count(results.eligibleSessions)],
            ["sessions used" + (options.maxSessions > 0 ? " (seeded sample, `--max-sessions \(options.maxSessions)`)" : ""), Format.count(results.sessions)],
            ["test-split sessions too short", Format.count(results.tooShort)],
            ["sessions used with rows outside the test split (K = sess_len kept, only test rows observed)", Format.count(results.partialSessions)],
            ["observed rows repeating a video already shown in the session (no likelihood term)", Format.count(results.repeatedRows)],
            ["candidate videos (catalogue ids with at least one row)", Format.count(results.candidates) + " of " + Format.count(results.catalogueSize)],
            ["list length K: median / mean / max", "\(Format.fixed(findings.listLengthMedian, 0)) / \(Format.fixed(findings.listLengthMean, 1)) / \(findings.listLengthMax)"],
            ["(session, candidate) pairs scored", Format.count(results.pairs)],
        ], alignRight: [1])
    }

    private func scoring(_ page: inout Notebook) {
        let s = results.scoring
        page.heading("1. Counterfactual scoring with the GNN \(results.modelName) (H = \(results.hidden))")
        page.paragraph("The heads are step 3's `\(results.modelName)`, \(results.modelChoice)."
                       + (results.ensemble.map { " Every estimate below uses the mean of its heads and those of \($0.members.count - 1) other GNN(s) (its other seeds from step 3, and any `--ensemble` runs), each scored the same way; section 4b reports each member's estimate alone and puts their spread into the headline interval. The throughput below is the main model's." } ?? ""))
        page.paragraph("""
            Each (session, candidate) edge gets the counterfactual features of \
            `Sources/ValueModel/Ranking/CounterfactualFeatures.swift`: the session's user columns and its first \
            row's burst/session/context/history columns with the author trio overwritten by "no earlier row of this author" \
            (has_author_history 0, author_recency_days 0, last_complete_author 0), and the candidate's item columns (from its \
            first row in step 1), standardised with step 2's training statistics. \
            **Deviation:** the original writes author_recency_days = 60, a value no training edge has (the column counts days \
            within a burst, and a row without an earlier row of its author has it missing, filled with 0 by step 2)\
            \(results.originalRecencyZ.map { "; in this run 60 days lie \(Format.fixed($0, 1)) training standard deviations from the column's mean" } ?? ""), \
            so every candidate the GNN scored sat far outside its training data on that column; here a candidate carries \
            the value a logged row without author history has. The edge MLP's first layer is linear and z-scoring is per column, \
            so `W0 [h_u ‖ h_v ‖ x] + b0 = (W0 [h_u ‖ 0 ‖ x_session] + b0) + W0 [0 ‖ h_v ‖ x_video]`: the video block is computed \
            once per candidate, the session block once per session, and per pair only `ReLU(a_s + b_v)` and the layers \
            128 → 128 → 64 → 4 run, in cache-resident blocks of 1,024 pairs spread over the cores (one single-threaded BLAS \
            stream per core), so memory stays bounded by the blocks.
            """)
        page.table(["path", "pairs/s", "speed-up"], [
            ["plain MLP on gathered [h_u ‖ h_v ‖ x] rows", Format.count(Int(s.plainPairsPerSecond)), "1.00×"],
            ["decomposed first layer", Format.count(Int(s.decomposedPairsPerSecond)), Format.fixed(findings.scoring.speedUp, 2) + "×"],
        ], alignRight: [1, 2])
        page.paragraph("""
            Measured on the first \(Format.count(s.benchmarkPairs)) pairs with \(results.threads) threads (timings move with machine \
            load; `make bench` compares them with PyTorch on the same pairs). The decomposition removes the first layer's (2H + 64) × 128 \
            multiply-adds per pair, about half of the MLP's work at H = 64, so it can at most double the rate. Largest absolute \
            difference between the two paths' probabilities: \(String(format: "%.2e", Double(s.maxAbsoluteDifference))) (the unit \
            test requires < 1e-5). Scoring all pairs took \(Format.fixed(s.seconds, 1)) s in \(s.chunks) checkpoint chunk(s) of \
            \(Format.count(s.sessionsPerChunk)) sessions\(s.resumedChunks > 0 ? ", \(s.resumedChunks) of them loaded from an interrupted run (`--resume`)" : ""); \
            each chunk is written to `\(options.processed)/step4-state/` as it completes, so an interrupted run continues from \
            its last completed chunk with `--resume`. At full KuaiRec size (66,423 × 10,728 = 713M pairs) the decomposed path \
            at this rate needs about \(Format.fixed(findings.scoring.fullSizeMinutes, 0)) min.
            """)
        page.paragraph("**Stored heads:** all candidates of every session, Float32 `[sessions, candidates, 4]` in memory (the simulated list for an arbitrary w can contain any video, and every loss evaluation needs them): \(Format.fixed(findings.scoring.storedHeadsMegabytes, 0)) MB here, 11.4 GB at full size (`--memory-budget-gib` refuses more before allocating). " + (findings.scoring.headsWritten ? "Written to `\(results.artifacts)/candidate_heads.npy` (`[sessions, candidates × 4]`, with `candidate_video_ids.npy`, `session_user.npy`, `session_number.npy`, `session_daypart.npy`, and per candidate `candidate_category.npy` (level-1 id) and `candidate_exposure.npy` (rows in the log); step 5 simulates sessions on them)." : "Not written to disk (over 1 GiB)."))
    }

    private func original(_ page: inout Notebook, _ g: EstimatorRun) {
        page.heading("2. The original two-stage estimate (Nelder-Mead list matching)")
        guard let o = g.original else { page.paragraph("Skipped (`--skip-original`)."); return }
        page.paragraph("Stage A matches level-1 category distributions (cross-entropy, `w_raw = (x1, x2, x3, 1 − Σx)`) from x = (0.25, 0.25, 0.25); stage B matches mean GNN video embeddings (squared distance, `w_raw = (x1, x2, x3, −(1 − Σx))`) from the first three of stage A's weights; both L1-normalised, with the original's SciPy Nelder-Mead options (xatol = 1e-3, fatol = 1e-4, maxiter 500 and 200, no evaluation limit).")
        page.table(["stage", "loss", "w (complete, long, rewatch, neg)", "final loss", "iterations", "evaluations", "converged"], [
            ["A", "category cross-entropy", w(o.weightsA), Format.fixed(o.stageA.f, 4), "\(o.stageA.iterations)", "\(o.stageA.evaluations)", o.stageA.converged ? "yes" : "no (limit)"],
            ["B", "embedding distance", w(o.weightsB), Format.fixed(o.stageB.f, 4), "\(o.stageB.iterations)", "\(o.stageB.evaluations)", o.stageB.converged ? "yes" : "no (limit)"],
        ], alignRight: [3, 4, 5])
        page.heading("The evaluation mismatch, fixed", level: 3)
        page.paragraph("""
            The original notebook's stage B printed w = (0.2228, 0.0954, −0.0186, −0.6632) at loss 203.45, but its next cell \
            showed the same weights with w_neg = **+**0.6632 and re-evaluated the loss there as 2439.9: the re-evaluation used \
            weights mapped from stage B's x with stage A's parametrisation (w_neg = +(1 − Σx) instead of −(1 − Σx)), i.e. w with \
            the sign of w_neg flipped. Here one function maps x to w for both optimising and evaluating. On this run: stage B's \
            optimiser loss **\(Format.fixed(o.stageB.f, 4))**; re-evaluated through the same mapping \
            **\(Format.fixed(o.reevaluatedFixed, 4))** (identical); re-evaluated the original's way (stage A's mapping, w_neg \
            flipped) **\(Format.fixed(o.reevaluatedWithStageAMapping, 4))**.
            """)
    }

    private func improvedTable(_ page: inout Notebook, _ r: HeadWeightEstimator.Improved, loss: String) {
        page.table(["start", "from", "w after surrogate", "hard loss", "w after Nelder-Mead polish", "hard loss", "evaluations"],
                   r.starts.enumerated().map { i, s in
                       ["\(i + 1)" + (i == r.best ? " **best**" : ""), w(s.start), w(s.surrogate.weights), Format.fixed(s.surrogateHardLoss, 4),
                        w(s.weights), Format.fixed(s.hardLoss, 4), "\(s.evaluations)"]
                   }, alignRight: [3, 5, 6])
        let stages = r.starts[r.best].surrogate.stages
        page.paragraph("Best start's annealing (\(loss)): " + stages.map { "τ = \($0.temperature): surrogate loss \(Format.fixed($0.softLoss, 4)) after \($0.iterations) BFGS iterations, \($0.evaluations) evaluations" }.joined(separator: "; ") + ".")
    }

    private func matching(_ page: inout Notebook, _ g: EstimatorRun) {
        page.heading("3. Better list matching: annealed smooth surrogate, multi-start, polish")
        page.paragraph("""
            Both matching losses are step functions of w: the top-K list changes only when two candidates' values cross, so the \
            loss is flat almost everywhere (section 5's zoom) and Nelder-Mead's answer depends on its start. The surrogate \
            replaces the hard list by soft inclusion weights `π_j = σ((v_j − t)/τ)` with the threshold t solved so that \
            `Σ π_j = K`; the simulated category shares and mean embedding become `Σ π_j (…) / K`, smooth in w with an exact \
            gradient (implicit differentiation of t). BFGS minimises it at τ = \(temperatures(g)) \
            (values `w·p` spread over ~0.1), each stage warm-started, then Nelder-Mead polishes the *hard* loss from there. \
            Parametrisation `w = x / Σ|x|`, x ∈ R⁴ (no sign imposed); \(g.embedding.starts.count) starts (`--starts`): \
            (¼, ¼, ¼, −¼) and seeded random directions.
            """)
        page.heading("Embedding loss (stage B's)", level: 3)
        improvedTable(&page, g.embedding, loss: "embedding")
        if let c = g.category {
            page.heading("Category loss (stage A's), one start at the embedding estimate", level: 3)
            improvedTable(&page, c, loss: "category")
            if !results.categoryMap.isEmpty {
                page.paragraph("The category loss compares lists by their \(results.categoryMap.count) level-1 categories (`i_cat_level1_id`), listed with their names and shares in the appendix at the end.")
            }
        }
    }

    /// The appendix: the level-1 categories the category loss compares, as the original's category map (ids with names).
    private func categoryMap(_ page: inout Notebook) {
        page.heading("Appendix: the level-1 categories of section 3's category loss")
        page.paragraph("The category loss compares lists by their level-1 categories (`i_cat_level1_id`, with the names of `kuairec_caption_category.csv`; −124 is KuaiRec's unknown category, counted as one): \(results.categoryMap.count) categories among the candidates.")
        page.table(["level-1 id", "name", "candidates", "mean share of an observed list"],
                   results.categoryMap.map { [String($0.id), $0.name.isEmpty ? "—" : $0.name, Format.count($0.candidates), Format.percent($0.meanListShare, 1)] },
                   alignRight: [0, 2, 3])
    }

    private func likelihood(_ page: inout Notebook, _ g: EstimatorRun) {
        let fit = g.likelihood
        page.heading("4. The likelihood of the observed lists, every catalogue video a candidate")
        page.paragraph("""
            List matching compares each observed list with a *deterministic* top K, but a platform's lists are not \
            deterministic: the same user in the same context is shown different videos. The stochastic version of the value \
            model ranks by `v_j + τ ε_j` with Gumbel noise ε and shows the top K in order, which is exactly a Plackett-Luce \
            draw: the k-th video shown is chosen among those not yet shown with probability \
            `exp(θ·p_j) / Σ_{l not shown yet} exp(θ·p_l)`, `θ = w/τ` (the original's deterministic top-K is the limit τ → 0). \
            The negative log-likelihood of the observed lists (each session's test-split rows in display order, every catalogue \
            video a candidate) is convex in θ, so Newton's method from θ = 0 finds its unique minimum in a few steps — no start \
            point, no step function, no tolerance that decides the answer. Then `w = θ/Σ|θ|` and `τ = 1/Σ|θ|` (the noise scale \
            in units of an L1-normalised value). Standard errors come from the inverse Hessian (delta method) and from a \
            bootstrap over sessions (\(g.bootstrap?.draws.count ?? 0) replicates, `--bootstrap`: each replicate refits on as many \
            sessions drawn with replacement, starting from the full-sample θ; percentile intervals). This whole-catalogue \
            estimate is not the headline: section 4b fits the same likelihood under other assumptions about the candidate pool.
            """)
        var header = ["head", "ŵ", "standard error (Hessian)"]
        if g.bootstrap != nil { header += ["bootstrap s.e.", "95% interval"] }
        if results.truth != nil { header += ["planted w*", "|ŵ − w*|"] } else { header += ["paper"] }
        page.table(header, Head.allCases.map(\.rawValue).map { h in
            var row = [Self.heads[h], Format.fixed(fit.weights[h], 3), Format.fixed(fit.standardErrors[h], 3)]
            if let b = g.bootstrap { row += [Format.fixed(b.standardError[h], 3), "[\(Format.fixed(b.lower[h], 3)), \(Format.fixed(b.upper[h], 3))]"] }
            if let t = results.truth, let errors = findings.likelihood.plantedErrors {
                row += [Format.fixed(t[h], 3), Format.fixed(errors[h], 3)]
            } else { row.append(Format.fixed(EstimationFindings.paperWeights[h], 2)) }
            return row
        }, alignRight: [1, 2, 3])
        page.paragraph("Fitted noise scale τ̂ = \(Format.fixed(fit.noiseScale, 4))\(results.truthNoise.map { " (the world's platform used \($0.distribution) noise of scale \($0.scale))" } ?? ""); \(fit.iterations) Newton iterations (\(fit.converged ? "converged" : "not converged")), negative log-likelihood \(Format.fixed(fit.negativeLogLikelihood, 1)) over \(Format.count(fit.rows)) shown rows (\(Format.fixed(findings.likelihood.negativeLogLikelihoodPerRow, 3)) per row; a uniform choice among \(Format.count(results.candidates)) candidates would cost \(Format.fixed(findings.likelihood.uniformChoicePerRow, 3))). Bootstrap draws: `\(results.artifacts)/bootstrap_weights.npy` `[replicates, 4]`; everything in `\(results.artifacts)/estimate.json`. The intervals measure sampling variability over sessions only: the heads are held fixed, so they say nothing about bias from the heads themselves (section 6).")
    }

    private func figures(_ page: inout Notebook, _ g: EstimatorRun) throws {
        page.heading("5. Optimiser paths and the loss landscape")
        // One figure per optimiser, the four heads in the same order (and so the same colours) in each.
        if let o = g.original {
            let a = o.stageA.path, b = o.stageB.path, offset = Double(o.stageA.evaluations)
            let series: [Series] = Head.allCases.map(\.rawValue).map { h in
                .line("w_\(Self.heads[h])", x: a.map { Double($0.evaluations) } + b.map { Double($0.evaluations) + offset },
                      y: a.map { WeightParametrisation.stageA.weights($0.x)[h] } + b.map { WeightParametrisation.stageB.weights($0.x)[h] })
            }
            var figure = Figure(title: "The original's Nelder-Mead: stage A (category loss), then stage B (embedding loss)", xLabel: "loss evaluations", yLabel: "w_h (best vertex)", series: series)
            figure.legend = .bottomRight
            page.figure(try StepOutput.render(figure, folder: options.figures, name: "head-weight-path-original.png"),
                        caption: "The best vertex's weights after each Nelder-Mead iteration; stage B starts after stage A's \(o.stageA.evaluations) evaluations, from stage A's first three weights with w_neg forced negative.")
        }
        let best = g.embedding.starts[g.embedding.best].surrogate.path
        var surrogate = Figure(title: "The matching surrogate (best start, embedding loss): BFGS at τ = \(temperatures(g))",
                               xLabel: "surrogate evaluations", yLabel: "w_h",
                               series: Head.allCases.map(\.rawValue).map { h in .line("w_\(Self.heads[h])", x: best.map { Double($0.evaluations) }, y: best.map { $0.weights[h] }) })
        surrogate.legend = .bottomRight
        page.figure(try StepOutput.render(surrogate, folder: options.figures, name: "head-weight-path-surrogate.png"),
                    caption: "The weights after each accepted BFGS step of the best start (before the Nelder-Mead polish of the hard loss).")
        let fit = g.likelihood
        page.paragraph("The likelihood's Newton path from θ = 0, for comparison (each row one iteration, each a single evaluation of the likelihood with its gradient and Hessian):")
        page.table(["iteration", "NLL per row", "w"], fit.path.indices.map { i in
            ["\(i)", Format.fixed(findings.likelihood.pathPerRow[i], 5), w(fit.weightsPath[i])]
        }, alignRight: [0, 1])
        guard let landscape = g.landscape else { return }
        var slices: [Series] = []
        for s in landscape.slices {
            slices.append(.line("hard, vary w_\(Self.heads[s.head])", x: s.grid, y: s.hard, colour: s.head + 1))
            slices.append(.line("surrogate, vary w_\(Self.heads[s.head])", x: s.softGrid, y: s.soft, dashed: true, colour: s.head + 1))
        }
        var f = Figure(title: "Embedding matching loss along slices of the L1 sphere through section 4's ŵ (whole catalogue)", xLabel: "value of the varied weight", yLabel: "loss", series: slices)
        f.legend = .bottomRight
        f.logY = true
        f.height = 600
        page.figure(try StepOutput.render(f, folder: options.figures, name: "head-weight-landscape.png"),
                    caption: "Each slice sets one weight to the x value and rescales the other three to keep Σ|w| = 1 (their ratios kept), through section 4's whole-catalogue likelihood estimate \(w(landscape.center)), not the headline of section 4b. Log scale; each head's hard loss and its surrogate in the same colour. Solid: the hard top-K embedding loss; dashed: its surrogate at τ = \(landscape.temperature).")
        if !g.zooms.isEmpty {
            page.paragraph("Zoomed in, the hard loss is a staircase: distinct values among \(g.zooms[0].slices[0].grid.count) evenly spaced points of each slice around ŵ — the smaller the window, the more points share one value, i.e. stand on one flat step where the gradient is zero and Nelder-Mead's tolerances stop wherever the simplex happens to sit:")
            page.table(["window around ŵ"] + Self.heads.map { "w_\($0)" }, zip(g.zooms, findings.zoomDistinctValues).map { zoom, distinct in
                ["± " + String(format: "%.0e", zoom.halfWidth)] + distinct.map { "\($0)" }
            }, alignRight: [1, 2, 3, 4])
        }
        let likelihoodSeries: [Series] = g.likelihoodSlices.map { s in .line("vary w_\(Self.heads[s.head])", x: s.grid, y: s.values) }
        var l = Figure(title: "Whole-catalogue negative log-likelihood per shown row along the same slices (τ = τ̂)", xLabel: "value of the varied weight", yLabel: "NLL per row", series: likelihoodSeries)
        l.legend = .topRight
        page.figure(try StepOutput.render(l, folder: options.figures, name: "head-weight-likelihood.png"),
                    caption: "Section 4's whole-catalogue likelihood along the same four slices at its fitted noise scale: smooth, with its minimum at its ŵ on every slice (it is convex in θ).")
    }

    /// A recovery row's estimator, as the tables name it (`synthetic`: the synthetic world's wording).
    private func name(_ estimator: EstimationFindings.Estimator, synthetic: Bool) -> String {
        switch estimator {
        case .originalStageA: "original stage A (category)"
        case .originalStageB: synthetic ? "original stage B (embedding)" : "original stage B"
        case .matchingEmbedding: "matching surrogate, embedding loss"
        case .matchingCategory: "matching surrogate, category loss"
        case .likelihood: "likelihood, whole catalogue (section 4)"
        }
    }

    private func recovery(_ page: inout Notebook) throws {
        page.heading("6. Recovery")
        guard let truth = results.truth else {
            page.paragraph("Real data: no planted weights. The paper reports w ≈ \(w(EstimationFindings.paperWeights)) (stage B's loss 203.45 after 73 iterations).")
            page.table(["estimator", "w", "max |w − paper|"], findings.recovery.map { r in
                [name(r.estimator, synthetic: false), w(r.weights), Format.fixed(r.maxError, 3)]
            }, alignRight: [2])
            return
        }
        page.paragraph("Synthetic world: per session the platform drew its candidates (\(results.truthPool ?? "mechanism not recorded")) and ranked them by `w* · p_true + ε` (\(results.truthNoise.map { "\($0.distribution) noise of scale \($0.scale), drawn by \($0.sampler)" } ?? "")), w* = \(w(truth)) (L1-normalised; heads complete, long, rewatch, neg). Target: every weight within \(Self.tolerance) of w*. Running the same estimators with the world's exact `p_true` in place of the GNN's heads separates *identification* (can the estimator find w at all?) from *the predicted heads' quality*. The estimators of this section all assume that every catalogue video competed (section 4b fits the others).")
        page.table(["estimator", "w", "|error| per head", "max |error|", "within \(Self.tolerance)"], findings.recovery.map { r in
            let heads = switch r.heads {
            case .gnn: "GNN heads"
            case .trueHeads: "p_true"
            }
            let within = switch r.verdict {
            case .withinTarget: "yes"
            case .outsideTarget: "no"
            }
            return ["\(heads): " + name(r.estimator, synthetic: true), w(r.weights), r.errors.map { Format.fixed($0, 3) }.joined(separator: " / "),
                    Format.fixed(r.maxError, 3), within]
        }, alignRight: [3])
        guard let d = results.diagnostics, let f = findings.diagnostics else {
            page.paragraph("Diagnostics skipped (`--skip-diagnostics`).")
            return
        }

        page.heading("Identification: the estimators with the right heads", level: 3)
        var text = "With `p_true` the catalogue likelihood misses w* by at most \(Format.fixed(f.trueError, 3)) (τ̂ = \(Format.fixed(d.trueHeads.likelihood.noiseScale, 4))), "
        switch f.trueVerdict {
        case .withinTarget: text += "within the target"
        case .outsideTarget: text += "outside the target: with perfect heads the miss is the candidate assumption's (section 4b)"
        }
        text += "; list matching with the same perfect heads misses by \(Format.fixed(f.trueMatchingError, 3))"
        if let stageB = f.trueOriginalStageBError { text += " (the original's stage B: \(Format.fixed(stageB, 3)))" }
        text += "."
        if let atTruth = d.trueHeads.atTruth, let verdict = f.matchingAtTruth {
            text += " Its hard embedding loss at w* is \(Format.fixed(atTruth.embedding, 2)) against \(Format.fixed(d.trueHeads.embedding.hardLoss, 2)) at its own estimate: "
            switch verdict {
            case .truthNotMinimum: text += "w* does not minimise the matching loss even with perfect heads (it compares noisy observed lists with a deterministic top K), so the optimiser is not what misses."
            case .optimiserStoppedShort: text += "w* scores no worse than the estimate, so the optimiser stopped short of the loss's minimum."
            }
        }
        page.paragraph(text)

        page.heading("The noise level", level: 3)
        page.paragraph("Lists re-drawn from `p_true` with w* at other noise scales (same sessions, same list lengths; Gumbel-top-K over all candidates, seeded), each fitted by the likelihood with `p_true`:")
        page.table(["noise scale", "ŵ", "τ̂", "max |error|", "largest Hessian s.e."], zip(d.noise, f.noise).map { p, row in
            [Format.fixed(p.scale, 3) + (row.isWorldScale ? " (the world's)" : ""), w(p.weights), Format.fixed(p.noiseScale, 4),
             Format.fixed(row.maxError, 3), Format.fixed(row.largestStandardError, 3)]
        }, alignRight: [2, 3, 4])
        let noiseVerdict = switch f.noiseVerdict {
        case .precisionOnly: "Here the noise level moved the precision, not the centre."
        case .centreMoves: "At the other scales the estimate is off by more than its sampling error: the noise level interacts with the candidate assumption, not only with the precision."
        }
        page.paragraph("Max error within max(\(Self.tolerance), \(Format.fixed(EstimationThresholds.standardErrorMultiple, 0)) × the largest Hessian standard error) at \(f.noiseWithin) of \(d.noise.count) noise scales (largest error \(Format.fixed(f.noiseLargestError, 3)), largest standard error \(Format.fixed(f.noiseLargestStandardError, 3))). " + noiseVerdict)

        try headQuality(&page, d, f)
        why(&page, d, f)
    }

    /// The predicted heads' quality: against `p_true`, the blend from `p_true` to the GNN's heads, single-head swaps.
    private func headQuality(_ page: inout Notebook, _ d: SyntheticDiagnostics, _ f: EstimationFindings.Diagnostics) throws {
        page.heading("The predicted heads' quality", level: 3)
        page.table(["head", "AUC at the observed rows: GNN / p_true (ceiling)", "correlation with p_true over all pairs",
                    "variance explained by the candidate alone: GNN / p_true", "correlation with log exposure: GNN / p_true"], Head.allCases.map(\.rawValue).map { h in
            [Self.heads[h], "\(Format.fixed(d.gnnAUC[h], 3)) / \(Format.fixed(d.trueAUC[h], 3))", Format.fixed(d.correlation[h], 3),
             "\(Format.percent(d.gnnCandidateShare[h])) / \(Format.percent(d.trueCandidateShare[h]))",
             "\(Format.fixed(d.gnnExposure[h], 2)) / \(Format.fixed(d.trueExposure[h], 2))"]
        }, alignRight: [1, 2, 3, 4])
        page.paragraph("AUC (the chance that a row with the label is scored above a row without) is measured at the rows the platform showed (the GNN's heads here are the counterfactual ones step 4 uses, built from the session's first row). The variance share is `Var_v(mean over sessions) / Var(all pairs)`: how much of a head is fixed by the video whatever the user. Exposure is how often the video appears in step 1 (all splits), the quantity the GNN's message passing sees as node degree.")
        page.paragraph("Heads blended from `p_true` (λ = 0) to the GNN's (λ = 1), `(1 − λ) p_true + λ p_GNN`, each fitted by the likelihood on the same observed lists:")
        page.table(["λ", "mean AUC at the observed rows", "ŵ", "τ̂", "max |error|"], zip(d.blend, f.blendErrors).map { p, error in
            [Format.fixed(p.lambda, 2), Format.fixed(p.meanAUC, 4), w(p.weights), Format.fixed(p.noiseScale, 4), Format.fixed(error, 3)]
        }, alignRight: [1, 3, 4])
        let series: [Series] = Head.allCases.map(\.rawValue).map { h in
            .line("|error| w_\(Self.heads[h])", x: d.blend.map(\.lambda), y: f.blendHeadErrors.map { $0[h] })
        } + [.line("target \(Self.tolerance)", x: [0, 1], y: [Self.tolerance, Self.tolerance], dashed: true)]
        var figure = Figure(title: "Likelihood estimate's error as the heads move from p_true to the GNN's", xLabel: "λ (0 = p_true, 1 = GNN heads)", yLabel: "|ŵ_h − w*_h|", series: series)
        figure.legend = .topLeft
        page.figure(try StepOutput.render(figure, folder: options.figures, name: "head-weight-blend.png"),
                    caption: "Per-head error of the likelihood estimate on blended heads; the dashed line is the recovery target.")
        page.paragraph("The GNN's heads with one head at a time replaced by `p_true`, fitted by the same likelihood (every catalogue video a candidate, as the blend): which head's quality the error comes from.")
        page.table(["head replaced by p_true", "mean AUC at the observed rows", "ŵ", "max |error|", "change"], zip(d.swaps, f.swaps).map { p, row in
            [Self.heads[p.head], Format.fixed(p.meanAUC, 4), w(p.weights), Format.fixed(row.maxError, 3), Format.fixed(row.change, 3)]
        }, alignRight: [1, 3, 4])
        if let best = f.bestSwap {
            switch best.verdict {
            case .lowersError:
                let within = switch best.recovery {
                case .withinTarget: ", within the target"
                case .outsideTarget: ""
                }
                page.paragraph("Replacing the **\(Self.heads[best.head])** head lowers the max error most, from \(Format.fixed(f.allGNNError, 3)) (all GNN heads, the λ = 1 row above) to \(Format.fixed(best.maxError, 3))\(within): that head's off-path quality is the largest single part of the floor.")
            case .notOneHead:
                page.paragraph("No single head's replacement lowers the max error below the all-GNN \(Format.fixed(f.allGNNError, 3)): the floor is not one head's.")
            }
        }
    }

    /// Why section 4's whole-catalogue estimate recovers or misses w*: identification, then the heads' quality.
    private func why(_ page: inout Notebook, _ d: SyntheticDiagnostics, _ f: EstimationFindings.Diagnostics) {
        let neg = Head.negative.rawValue
        let recovers = switch f.gnnVerdict {
        case .withinTarget: "recovers"
        case .outsideTarget: "misses"
        }
        let identification = switch f.trueVerdict {
        case .withinTarget: "With p_true the same likelihood is within the target (max error \(Format.fixed(f.trueError, 3))), so what separates the two is the heads' quality."
        case .outsideTarget: "With p_true the same likelihood already misses by \(Format.fixed(f.trueError, 3)) at its worst head: part of the miss is identification (the candidate assumption, section 4b)."
        }
        let split = f.split.map { s in
            "On \(s.head.displayName), the GNN estimate's worst head, ŵ − w\\* = \(Self.signed(s.total)) = \(Self.signed(s.identification)) (the same likelihood with p_true: identification) \(s.heads >= 0 ? "+" : "−") \(Format.fixed(abs(s.heads), 3)) (the GNN's heads against p_true)."
        } ?? ""
        let personalised = switch f.personalisation {
        case .lessPersonalised: ": they are less personalised than the truth"
        case .comparable: ""
        }
        let exposure = switch f.negativeExposure {
        case .tracksExposure: ", so it tracks how often the platform showed a video more than the truth does"
        case .comparable: ""
        }
        let blend = switch f.blendVerdict {
        case .wholeBlend: "Along the whole blend the error stays within \(Self.tolerance)."
        case .upToLambda: "Along the blend the error stays within \(Self.tolerance) only up to λ = \(Format.fixed(f.blendWithinLambda ?? .nan, 2)): the heads' quality, not the optimiser, decides the rest, since even a perfect optimiser recovers the w that best explains the lists *given these heads*."
        case .nowhere: "Along the blend no λ keeps the error within \(Self.tolerance)."
        }
        page.paragraph("""
            **Why section 4's whole-catalogue estimate \(recovers) w\\* (max error \(Format.fixed(f.gnnError, 3))).** The blend and the \
            swaps above fit section 4's likelihood (every catalogue video a candidate), not the headline of section 4b\
            \(findings.headline?.split == nil ? "" : " (whose own split is in the findings at the top)"). \(identification) \(split) \
            The GNN is trained on the rows the platform showed; at the counterfactual candidates — mostly videos this \
            user was never shown — its heads reach a mean AUC of \(Format.fixed(f.meanGNNAUC, 3)) at the observed rows \
            against \(Format.fixed(f.meanTrueAUC, 3)) for p_true, and correlate with p_true over all pairs by \
            \(d.correlation.map { Format.fixed($0, 2) }.joined(separator: ", ")) (complete, long, rewatch, neg). \
            The video alone explains \(Format.percent(f.meanGNNCandidateShare, 0)) of their variance against \
            \(Format.percent(f.meanTrueCandidateShare, 0)) for p_true\(personalised), \
            and the neg head correlates \(Format.fixed(d.gnnExposure[neg], 2)) with the video's log exposure (p_true \
            \(Format.fixed(d.trueExposure[neg], 2)))\(exposure). \
            \(blend)
            """)
    }

    private func residuals(_ page: inout Notebook) {
        page.heading("7. Per-session residuals (for downstream causal use)")
        page.paragraph("At section 4's whole-catalogue likelihood estimate (not the headline), per session: the negative log-likelihood per shown row under (ŵ, τ̂), the hard embedding and category matching loss terms at ŵ, the mean value `ŵ·p` of the observed list and of the simulated top-K list, their gap, and the overlap of the two lists. Full table: `\(results.artifacts)/session_residuals.csv` (one row per session, keyed by user_id and session). First rows:")
        let rows = results.residuals.prefix(8).map { r in
            ["\(r.user)", "\(r.session)", "\(r.length)", "\(r.observed)", Format.fixed(r.negativeLogLikelihoodPerRow, 3), Format.fixed(r.embeddingLoss, 3), Format.fixed(r.categoryLoss, 3),
             Format.fixed(r.observedValue, 4), Format.fixed(r.simulatedValue, 4), Format.fixed(r.valueGap, 4), "\(r.overlap)"]
        }
        page.table(["user", "session", "K", "observed", "NLL per row", "embedding loss", "category loss", "observed value", "simulated value", "gap", "overlap"], Array(rows), alignRight: Set(0..<11))
        page.paragraph("Mean value gap (observed − simulated top K): \(Format.fixed(findings.meanValueGap, 4)); mean share of observed videos that the simulated top K also contains: \(Format.percent(findings.meanOverlapShare)). A deterministic top K is far more concentrated than what the platform showed, which is the noise the likelihood models and list matching ignores.")
    }

    private func notes(_ page: inout Notebook) {
        page.heading("Differences from the original, and caveats")
        page.bullets([
            "**Headline estimator:** the Plackett-Luce likelihood of the observed lists under the *\(PoolAnalysis.headline.title)* assumption (section 4b) instead of list matching; the original's two stages are reproduced in section 2, an improved matching estimator in section 3 and the whole-catalogue likelihood in section 4 for comparison.",
            "**Observed lists:** the session's test-split rows, for both losses. The original computed stage A's observed category shares over *all* the session's rows divided by sess_len (its embedding stage used test rows only); the two differ only for the \(Format.count(results.partialSessions)) session(s) that straddle the split.",
            "Sessions: runs of consecutive step-1 rows with the same (user, session); K = sess_len even when part of the session lies outside the test split (as the original).",
            "Item columns come from each video's first row in step 1 (the original's `drop_duplicates(\"video_id\")`), so `i_age_since_upload_days` is the age at that row, not at the session.",
            "Candidates are catalogue videos with at least one row (a video without rows has no item columns to score).",
            "Top-K ties are broken toward the lower candidate index (the unit test checks the selection against a stable sort); the original's `argpartition` leaves ties in arbitrary order.",
            "The paper says BFGS; the original code uses Nelder-Mead (reproduced with its options). The matching surrogate uses BFGS on the smooth loss and the likelihood uses Newton's method, where derivatives exist.",
            "The original's objective falls back to uniform weights when Σ|w_raw| < 1e-8. Under its two parametrisations that cannot happen (Σ|w_raw| ≥ |x1| + |x2| + |x3| + |1 − x1 − x2 − x3| ≥ 1), so the fallback is not reproduced; a test checks the bound on random points.",
            "The re-evaluation mismatch of the original (2439.9 vs ~204) is a sign flip of w_neg between two mappings; one shared mapping fixes it (section 2).",
        ])
    }

    private func timing(_ page: inout Notebook, _ g: EstimatorRun) {
        page.heading("Timing (this run)")
        var rows = results.timings.map { [$0.0, Format.fixed($0.1, 1)] }
        for run in [g] + (results.diagnostics.map { [$0.trueHeads] } ?? []) { rows += run.seconds.map { ["  " + $0.0, Format.fixed($0.1, 1)] } }
        rows.append(["whole step", Format.fixed(results.seconds, 1)])
        page.table(["part", "seconds"], rows, alignRight: [1])
        page.paragraph("Peak resident memory \(Format.fixed(results.peakMiB, 0)) MiB, \(results.threads) threads. \(BLASKernel.description).")
    }
}
