import Foundation
import Testing
@testable import ValueModel

/// Step 4 as a library call: the per-session residual table computed by hand, and a run on a small synthetic
/// world whose options switch its parts on and off.
@Suite struct HeadWeightEstimationStepTests {
    /// Two sessions, four candidates, a two-dimensional embedding: every residual column recomputed from its
    /// definition (Plackett-Luce over the whole catalogue, hard top-K by ŵ·p, the two matching losses).
    @Test func residualRowsByHand() throws {
        let p: [[Float]] = [[0.9, 0.2, 0.1, 0.1], [0.3, 0.6, 0.2, 0.4], [0.5, 0.5, 0.4, 0.05], [0.1, 0.1, 0.1, 0.8]]
        // Session 1's heads: the candidates in another order, so its top-K differs.
        let heads = CandidateHeads(sessions: 2, videos: 4, values: (p + [p[3], p[2], p[0], p[1]]).flatMap { $0 })
        let embeddings: [Float] = [1, 0, 0, 1, 1, 1, -1, 2]
        let categories: [Double] = [7, 7, 3, -124]
        var sessions = EvaluationSessions()
        sessions.users = [11, 12]
        sessions.sessionNumbers = [0, 4]
        sessions.lengths = [2, 3]
        sessions.observedOffsets = [0, 2, 3]
        let observed: [Int32] = [2, 0, 3]
        let data = try ListMatchingData(heads: heads, lengths: sessions.lengths, observedOffsets: sessions.observedOffsets, observed: observed,
                                        categoryIds: categories, embeddings: embeddings, hidden: 2)
        let lists = try PlackettLuceLists(heads: heads, observedOffsets: sessions.observedOffsets, observed: observed)
        let theta = [2.0, 1.0, 0.5, -3.0], total = 6.5
        let fit = PlackettLuceLists.Fit(theta: theta, weights: theta.map { $0 / total }, noiseScale: 1 / total, negativeLogLikelihood: 0,
                                        rows: 3, iterations: 0, converged: true, standardErrors: [0, 0, 0, 0], path: [], weightsPath: [])
        let rows = ResidualRow.table(sessions: sessions, data: data, lists: lists, fit: fit)
        #expect(rows.count == 2)
        for s in 0..<2 {
            let cand = (0..<4).map { j in (0..<4).map { Double(heads.values[(s * 4 + j) * 4 + $0]) } }
            let u = cand.map { q in zip(theta, q).map { $0 * $1 }.reduce(0, +) }
            let value = cand.map { q in zip(fit.weights, q).map { $0 * $1 }.reduce(0, +) }
            let shown = Array(observed[sessions.observedOffsets[s]..<sessions.observedOffsets[s + 1]]).map(Int.init)
            var remaining = Set(0..<4), nll = 0.0
            for j in shown {
                nll -= u[j] - log(remaining.map { exp(u[$0]) }.reduce(0, +))
                remaining.remove(j)
            }
            let k = Int(sessions.lengths[s])
            let top = (0..<4).sorted { value[$0] > value[$1] }.prefix(k)
            func mean(_ list: [Int]) -> [Double] {
                (0..<2).map { d in list.map { Double(embeddings[$0 * 2 + d]) }.reduce(0, +) / Double(list.count) }
            }
            let muObs = mean(shown), muSim = mean(Array(top))
            let embeddingLoss = zip(muObs, muSim).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
            var categoryLoss = 0.0
            for c in Set(shown.map { categories[$0] }) {
                let q = Double(shown.filter { categories[$0] == c }.count) / Double(shown.count)
                let share = Double(top.filter { categories[$0] == c }.count) / Double(top.count)
                categoryLoss -= q * log(max(share, 1e-8))
            }
            let row = rows[s]
            #expect(row.user == sessions.users[s] && row.session == sessions.sessionNumbers[s] && row.length == sessions.lengths[s])
            #expect(row.observed == shown.count)
            #expect(abs(row.negativeLogLikelihoodPerRow - nll / Double(shown.count)) < 1e-9, "session \(s) NLL")
            #expect(abs(row.embeddingLoss - embeddingLoss) < 1e-6, "session \(s) embedding loss")
            #expect(abs(row.categoryLoss - categoryLoss) < 1e-6, "session \(s) category loss")
            #expect(abs(row.observedValue - shown.map { value[$0] }.reduce(0, +) / Double(shown.count)) < 1e-6)
            #expect(abs(row.simulatedValue - top.map { value[$0] }.reduce(0, +) / Double(k)) < 1e-6)
            #expect(row.overlap == Set(top).intersection(shown).count)
            #expect(row.csvLine.split(separator: ",").count == ResidualRow.header.split(separator: ",").count)
        }
    }

    /// Steps 0-3 as a user runs them, then step 4 through the library: its options decide which parts run, the
    /// pairs are sessions x candidates, and the artifacts and their manifest say what was run.
    @Test func runOnASmallSyntheticWorld() throws {
        let (root, raw, processed, figures) = try PipelineEndToEndTests.preparedWorld("step4-library", users: 40, videos: 80, seed: 6)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let trained = try ExecutableOptionsTests.run("3-training", ["--processed", processed, "--raw", raw, "--notebook", root + "/3.md",
                                                                    "--figures", figures, "--max-steps", "5", "--sweep-steps", "0", "--head-seeds", "1"])
        #expect(trained.status == 0, "3-training: \(trained.stderr)")
        var options = HeadWeightEstimationStep.Options()
        options.processed = processed
        options.raw = raw
        options.bootstrap = 0
        options.starts = 1
        options.benchmarkSessions = 5
        options.identificationSessions = 20
        options.original = false
        options.diagnostics = false
        let lean = try HeadWeightEstimationStep(options: options).run()
        #expect(lean.sessions > 0 && lean.pairs == lean.sessions * lean.candidates)
        #expect(lean.gnn.original == nil && lean.gnn.bootstrap == nil && lean.diagnostics == nil && lean.ensemble == nil)
        #expect(lean.residuals.count == lean.sessions)
        #expect(lean.truth == WeightParametrisation.l1Normalised(SyntheticWorldConfiguration.paperWeights))
        #expect(lean.pools.headlineFit != nil)
        let manifest = try Manifest.read(folder: processed + "/step4")
        #expect(manifest.options["bootstrap"] == "0" && manifest.options["step3"] == processed + "/step3")
        #expect(manifest.inputs.contains { $0.path.hasSuffix("ground_truth.json") })

        options.original = true
        options.diagnostics = true
        options.bootstrap = 2
        options.maxSessions = 10
        let full = try HeadWeightEstimationStep(options: options).run()
        #expect(full.sessions == min(10, lean.sessions))
        #expect(full.gnn.original != nil && full.gnn.bootstrap?.draws.count == 2 && full.diagnostics != nil)
        #expect(full.diagnostics?.blend.map(\.lambda) == SyntheticDiagnostics.blendLambdas)
    }
}
