import Foundation
import ValueModel

/// Why the pool-free estimators miss where they do, measured on the comparison's worlds with oracle knowledge
/// no real log has: the marginalised-pool likelihood with the *true* inclusion rates in place of fitted ones
/// (popularity and retrieval worlds), and the video-effects likelihood with the platform's own retrieval scores
/// as its pair-level term (retrieval worlds).
struct FloorEvidence {
    /// One popularity or retrieval world's marginalised-pool fits.
    struct PoolRow {
        var mechanism: SyntheticCandidatePool
        var truth: [Double]
        /// Max |ŵ − w*| with fitted rates, its largest weight change over the last 10 iterations, and whether it converged.
        var fitted: Double, lastMove: Double, converged: Bool
        /// Max |ŵ − w*| with the true rates held fixed, with the true pools, and with video effects.
        var trueRates: Double, truePools: Double?, videoEffects: Double?
    }
    /// One retrieval world's video-effects fits with pair-level terms: max |ŵ − w*| and β̂.
    struct RetrievalRow {
        var truth: [Double]
        var plain: Double
        var terms: [(name: String, error: Double, beta: Double)]
    }
    var pools: [PoolRow] = []
    var retrieval: [RetrievalRow] = []
    /// The same popularity world drawn with more sessions: its session count and pool row.
    var larger: (sessions: Int, pool: PoolRow)?
    static let lastIterations = 10

    /// Adds the oracle fits of one comparison world (`fits` are the comparison's own).
    mutating func record(world: SyntheticIdentificationWorld, lists: PlackettLuceLists, truth: [Double],
                         fits: [PoolAssumptionEstimate]) throws {
        func error(_ w: [Double]) -> Double { HeadWeightEstimator.errors(w, truth).max() ?? .nan }
        let mechanism = world.configuration.candidatePool
        let uploaded = try lists.with(choiceSets: world.availability.choiceSets)
        if let sampled = fits.first(where: { $0.assumption == .poolSampling }), let rates = world.trueInclusionLogRates {
            let fixed = PoolSamplingFit.fit(ShownOrderLikelihood(lists: uploaded, prefix: Int.max), start: sampled.fit.theta, inclusion: rates)
            let path = sampled.fit.weightsPath
            let recent = path.suffix(Self.lastIterations + 1)
            var move = 0.0
            if let last = recent.last { for w in recent { move = max(move, HeadWeightEstimator.errors(w, last).max() ?? 0) } }
            pools.append(PoolRow(mechanism: mechanism, truth: truth, fitted: error(sampled.fit.weights), lastMove: move,
                                 converged: sampled.fit.converged, trueRates: error(fixed.fit.weights),
                                 truePools: fits.first { $0.assumption == .truePool }.map { error($0.fit.weights) },
                                 videoEffects: fits.first { $0.assumption == .videoEffects }.map { error($0.fit.weights) }))
        }
        guard let scores = world.retrievalScores, let taste = world.retrievalTaste,
              let plain = fits.first(where: { $0.assumption == .videoEffects }) else { return }
        var terms: [(name: String, error: Double, beta: Double)] = []
        if let category = fits.first(where: { $0.assumption == .videoEffectsTaste }), let beta = category.tasteWeight {
            terms.append(("user's category taste (from the logs)", error(category.fit.weights), beta))
        }
        for (name, x) in [("the world's user–video affinity (no retrieval error)", taste), ("the retrieval stage's own scores (oracle)", scores)] {
            let fitted = try VideoEffectsFit.fit(uploaded, pairTerm: x)
            terms.append((name, error(fitted.fit.fit.weights), fitted.beta))
        }
        retrieval.append(RetrievalRow(truth: truth, plain: error(plain.fit.weights), terms: terms))
    }

    /// Adds the popularity world with more sessions (its fits: video effects, marginalised pools, true pools).
    mutating func recordLarger(world: SyntheticIdentificationWorld, lists: PlackettLuceLists, truth: [Double],
                               fits: [PoolAssumptionEstimate]) throws {
        let before = pools.count
        try record(world: world, lists: lists, truth: truth, fits: fits)
        guard pools.count > before else { return }
        larger = (lists.sessions, pools.removeLast())
    }

    func write(on page: inout Notebook) {
        guard !pools.isEmpty || !retrieval.isEmpty else { return }
        page.heading("Where the floor comes from", level: 3)
        func planted(_ w: [Double]) -> String { "(" + w.map { Format.fixed($0, 2) }.joined(separator: ", ") + ")" }
        if !pools.isEmpty {
            page.paragraph("The marginalised-pool likelihood on the same worlds, refitted with each video's true inclusion rate (the share of the sessions with the video uploaded whose recorded pool held it) held fixed, so that only θ is estimated. On popularity worlds its assumption (each video enters independently at its own rate) is an approximation of the platform's fixed-size draw; on retrieval worlds a rate per video ignores that inclusion follows the user.")
            page.table(["mechanism", "planted w*", "rates fitted", "its ŵ's largest move over its last \(Self.lastIterations) iterations", "true rates held fixed", "true pools (oracle)"],
                       pools.map { row in
                           [row.mechanism.rawValue, planted(row.truth), Format.fixed(row.fitted, 3) + (row.converged ? "" : " †"),
                            Format.fixed(row.lastMove, 4), Format.fixed(row.trueRates, 3), row.truePools.map { Format.fixed($0, 3) } ?? "—"]
                       }, alignRight: [2, 3, 4, 5])
            for mechanism in [SyntheticCandidatePool.popularity, .retrieval] {
                let rows = pools.filter { $0.mechanism == mechanism }
                guard !rows.isEmpty else { continue }
                let fitted = rows.map(\.fitted).reduce(0, +) / Double(rows.count), fixed = rows.map(\.trueRates).reduce(0, +) / Double(rows.count)
                let move = rows.map(\.lastMove).max() ?? .nan
                let oracle = rows.compactMap(\.truePools)
                let oracleMean = oracle.isEmpty ? Double.nan : oracle.reduce(0, +) / Double(oracle.count)
                var sentence = "**\(mechanism.rawValue)**: mean max error \(Format.fixed(fitted, 3)) with fitted rates, \(Format.fixed(fixed, 3)) with the true rates, \(Format.fixed(oracleMean, 3)) with the true pools. "
                sentence += move < 0.005
                    ? "The fits with fitted rates moved ŵ by at most \(Format.fixed(move, 4)) over their last \(Self.lastIterations) iterations, so stopping short of the convergence test is not what keeps them from w*. "
                    : "The fits with fitted rates were still moving ŵ by up to \(Format.fixed(move, 4)) over their last \(Self.lastIterations) iterations, so part of their error may be the optimiser's. "
                if fixed <= fitted - 0.01, fixed - oracleMean <= 0.015 {
                    sentence += "Held at the true rates the likelihood comes close to the true pools: what misses is fitting the rates, not the independent-inclusion assumption itself."
                } else if fixed > oracleMean + 0.015 {
                    sentence += "Even at the true rates it stays above the true pools: the independent-inclusion assumption itself does not hold closely enough here."
                } else {
                    sentence += "The true rates do not change the error much: the rates' estimation is not what misses."
                }
                page.paragraph(sentence)
            }
        }
        if let larger, let smaller = pools.first(where: { $0.mechanism == .popularity && $0.truth == larger.pool.truth }) {
            let row = larger.pool
            var text = "The popularity world with planted w* = \(planted(row.truth)) drawn again with \(Format.count(larger.sessions)) sessions instead of the comparison's: max error with video effects \(row.videoEffects.map { Format.fixed($0, 3) } ?? "—"), pools marginalised with fitted rates \(Format.fixed(row.fitted, 3))\(row.converged ? "" : " †") (its ŵ's largest move over its last \(Self.lastIterations) iterations \(Format.fixed(row.lastMove, 4))), with the true rates \(Format.fixed(row.trueRates, 3)), true pools \(row.truePools.map { Format.fixed($0, 3) } ?? "—") (with the comparison's sessions: video effects \(smaller.videoEffects.map { Format.fixed($0, 3) } ?? "—"), pools marginalised \(Format.fixed(smaller.fitted, 3)), true rates \(Format.fixed(smaller.trueRates, 3)), true pools \(smaller.truePools.map { Format.fixed($0, 3) } ?? "—")). "
            text += row.fitted >= smaller.fitted - 0.01
                ? "More sessions do not shrink the fitted-rate error: it is a bias, not noise. A free rate per video leaves only the variation of the heads *within* a video (across users and contexts) to identify w, and the misfit of the independent-inclusion approximation"
                    + (row.truePools.map { row.trueRates - $0 <= 0.02 } ?? false ? ", small when the rates are known," : "") + " then biases ŵ."
                : "More sessions shrink the fitted-rate error, so at this size part of it is the noise of estimating the rates."
            page.paragraph(text)
        }
        if let first = retrieval.first {
            let fromLogs = first.terms.contains { $0.name.hasSuffix("(from the logs)") }
            page.paragraph("On retrieval worlds the pool follows the user–video pair, which a per-video effect cannot absorb. Below, the video-effects likelihood with a pair-level term `β·x_sj` (β fitted) for each x in the columns"
                + (fromLogs ? ": the user's category taste is computed from the logs; the other two need knowledge of the retrieval stage that no KuaiRec log holds." : "; both need knowledge of the retrieval stage that no KuaiRec log holds."))
            page.table(["planted w*", "video effects"] + first.terms.map { "+ \($0.name)" },
                       retrieval.map { row in
                           [planted(row.truth), Format.fixed(row.plain, 3)] + row.terms.map { "\(Format.fixed($0.error, 3)) (β̂ \(Format.fixed($0.beta, 2)))" }
                       }, alignRight: Set(1..<(2 + first.terms.count)))
            let count = first.terms.count
            var parts: [String] = []
            for k in 0..<count {
                let errors = retrieval.compactMap { $0.terms.count == count ? $0.terms[k].error : nil }
                parts.append("with \(first.terms[k].name) \(errors.filter { $0 <= 0.05 }.count) of \(errors.count) within 0.05 (worst \(Format.fixed(errors.max() ?? .nan, 3)))")
            }
            let plainWorst = retrieval.map(\.plain).max() ?? .nan
            let scoresWorst = retrieval.compactMap { $0.terms.last?.error }.max() ?? .nan
            let popularityWorst = pools.filter { $0.mechanism == .popularity }.compactMap(\.videoEffects).max() ?? 0
            let affinityWorst = retrieval.compactMap { $0.terms.count >= 2 ? $0.terms[$0.terms.count - 2].error : nil }.max() ?? .nan
            page.paragraph("Video effects alone: worst \(Format.fixed(plainWorst, 3)); " + parts.joined(separator: "; ") + ". "
                + (scoresWorst <= 0.05
                    ? "Given the retrieval stage's scores the same likelihood recovers w*: on a funnel whose retrieval follows the user–video pair the floor is the missing retrieval scores, not the estimator."
                    : "Even the retrieval stage's own scores as the pair term leave an error above 0.05. The video-effects likelihood treats the pool draw to first order (inclusion in proportion to e^{α_j + β x_sj}), which a pool holding a large share of the uploaded videos does not follow: "
                        + (popularityWorst > 0.05
                            ? "on the popularity worlds of the comparison, where nothing depends on the user, the video-effects fits miss by up to \(Format.fixed(popularityWorst, 3)) for that reason alone."
                            : "on these worlds it is that approximation, with the scores known, that misses."))
                + (scoresWorst > 0.05 ? ""
                    : affinityWorst <= 0.05
                    ? " The user's affinity without the retrieval model's error is enough as well, so a proxy need not reproduce the retrieval model's own mistakes."
                    : " The user's affinity without the retrieval model's error is not enough (worst \(Format.fixed(affinityWorst, 3))): a proxy would have to reproduce the retrieval model's own mistakes."))
        }
    }
}
