import Foundation
import Testing
@testable import ValueModel

@Suite("Ranking: top-K, losses, optimisers, bootstrap")
struct RankingTests {
    @Test("top-K equals the first K of a stable descending sort, with many ties")
    func topKAgainstSort() {
        var g = SeededGenerator(seed: 7)
        var selector = TopKSelector()
        var out: [Int32] = []
        for trial in 0..<300 {
            let n = 1 + Int(g.next() % 200)
            // Few distinct values: many ties.
            let scores = (0..<n).map { _ in Float(Int(g.next() % UInt64(1 + trial % 6))) / 2 }
            let k = Int(g.next() % UInt64(n + 3))
            scores.withUnsafeBufferPointer { selector.select($0.baseAddress!, count: n, k: k, into: &out) }
            let expected = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }.prefix(k).map(Int32.init)
            #expect(out == expected, "n \(n) k \(k)")
            // Seeds (good, bad, repeated, out of range) never change the result.
            let seeds = (0..<Int(g.next() % UInt64(k + 3))).map { _ in Int32(Int(g.next() % UInt64(n + 4)) - 2) }
                + expected.prefix(Int(g.next() % UInt64(k + 1)))
            seeds.withUnsafeBufferPointer { seedBuffer in
                scores.withUnsafeBufferPointer { selector.select($0.baseAddress!, count: n, k: k, seeds: seedBuffer, into: &out) }
            }
            #expect(out == expected, "n \(n) k \(k) seeds \(seeds)")
        }
        // NaN scores anywhere, the heap's root included: they rank below every number, lower index first.
        for trial in 0..<300 {
            let n = 1 + Int(g.next() % 120)
            let scores = (0..<n).map { _ in g.next() % 4 == 0 ? Float.nan : Float(Int(g.next() % UInt64(1 + trial % 5))) }
            let k = Int(g.next() % UInt64(n + 2))
            scores.withUnsafeBufferPointer { selector.select($0.baseAddress!, count: n, k: k, into: &out) }
            let numbers = scores.indices.filter { !scores[$0].isNaN }, nans = scores.indices.filter { scores[$0].isNaN }
            let expected = (numbers.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) } + nans).prefix(k).map(Int32.init)
            #expect(out == expected, "n \(n) k \(k) with NaNs")
        }
        #expect(TopKSelector.topK([1, .nan, 3, 3], k: 3) == [2, 3, 0])
        #expect(TopKSelector.topK([.nan, .nan, 2], k: 2) == [2, 0])
        #expect(TopKSelector.topK([], k: 2).isEmpty)
    }

    /// One session, four candidates, K = 2; w = (1, 0, 0, 0) ranks candidates 0 and 1 first.
    static func handMade() throws -> ListMatchingData {
        let heads = CandidateHeads(sessions: 1, videos: 4, values: [0.9, 0, 0, 0, 0.8, 0, 0, 0, 0.1, 0, 0, 1, 0.2, 0, 0, 0.5])
        return try ListMatchingData(heads: heads, lengths: [2], observedOffsets: [0, 2], observed: [0, 3],
                                    categoryIds: [10, 20, 10, 30], embeddings: [1, 0, 0, 1, 1, 1, 2, 2], hidden: 2)
    }

    @Test("the category map of the hand-made session: ids ascending, names, candidates, mean list shares")
    func categoryMapByHand() throws {
        let data = try RankingTests.handMade()
        let map = data.categoryMap(categoryIds: [10, 20, 10, 30], names: ["音乐", nil, "音乐", "美食"])
        // Observed {0, 3}: categories 10 and 30, half the list each; 20 was not shown.
        #expect(map == [CategoryMapRow(id: 10, name: "音乐", candidates: 2, meanListShare: 0.5),
                        CategoryMapRow(id: 20, name: "", candidates: 1, meanListShare: 0),
                        CategoryMapRow(id: 30, name: "美食", candidates: 1, meanListShare: 0.5)])
    }

    @Test("the two matching losses on a hand-made session")
    func handMadeLosses() throws {
        let data = try RankingTests.handMade()
        let category = ListMatchingObjective(data: data, kind: .category)
        let embedding = ListMatchingObjective(data: data, kind: .embedding)
        // Simulated {0, 1}: categories 10, 20; observed {0, 3}: 10, 30.
        #expect(abs(category.loss([1, 0, 0, 0]) - (-0.5 * log(0.5) - 0.5 * log(1e-8))) < 1e-9)
        // mu_obs = (1.5, 1), mu_sim = (0.5, 0.5): 1 + 0.25.
        #expect(abs(embedding.loss([1, 0, 0, 0]) - 1.25) < 1e-9)
        // w = (0, 0, 0, 1) ranks 2 then 3: categories 10, 30 = observed; mu_sim = (1.5, 1.5).
        #expect(abs(category.loss([0, 0, 0, 1]) - (-log(0.5))) < 1e-9)
        #expect(abs(embedding.loss([0, 0, 0, 1]) - 0.25) < 1e-9)
        // Session weights: a zero weight removes the session.
        #expect(embedding.loss([1, 0, 0, 0], sessionWeights: [0]).isNaN)
    }

    @Test("soft top-K sums to K, tends to the hard top-K as tau -> 0, and its gradient matches finite differences")
    func softTopK() throws {
        let v: [Double] = [0.3, 0.1, 0.25, 0.05, 0.2, 0.22]
        for tau in [0.1, 0.01, 0.001] {
            let pi = SoftTopK.inclusion(v, k: 3, temperature: tau)
            #expect(abs(pi.reduce(0, +) - 3) < 1e-7)
        }
        let hard = SoftTopK.inclusion(v, k: 3, temperature: 1e-5)
        #expect(hard.map { ($0 * 1000).rounded() / 1000 } == [1, 0, 1, 0, 0, 1])
        // Scores spread over thousands of τ (the solver factors its exponentials around its first t): π is
        // σ((v − t)/τ) for one t, written out directly here, and sums to K.
        var g = SeededGenerator(seed: 11)
        let wide = (0..<400).map { _ in Double(g.next() % 100_000) / 10_000 }
        for (k, tau) in [(5, 0.001), (40, 0.003), (200, 0.0005)] {
            let pi = SoftTopK.inclusion(wide, k: k, temperature: tau)
            #expect(abs(pi.reduce(0, +) - Double(k)) < 1e-6 * Double(k))
            // t from the candidate nearest one half: σ((v − t)/τ) = π  =>  t = v − τ log(π / (1 − π)).
            let j = pi.indices.min { abs(pi[$0] - 0.5) < abs(pi[$1] - 0.5) }!
            let t = wide[j] - tau * log(pi[j] / (1 - pi[j]))
            let direct = wide.map { x -> Double in let z = (x - t) / tau; return z > 30 ? 1 : z < -30 ? 0 : 1 / (1 + exp(-z)) }
            #expect(zip(pi, direct).allSatisfy { abs($0 - $1) < 1e-9 }, "k \(k) tau \(tau)")
        }

        let data = try RankingTests.handMade()
        for kind in MatchingLoss.allCases {
            let objective = ListMatchingObjective(data: data, kind: kind)
            let w = [0.4, 0.1, -0.1, -0.4]
            let (_, gradient) = objective.softLoss(w, temperature: 0.05)
            // Reference values from an independent NumPy/SciPy (brentq) computation of the same surrogate:
            // `python3 scripts/soft_topk_reference.py` from the repository root (numpy; scipy optional) prints them.
            // It reproduces them to 1.5e-9 with the heads as exact decimals, to 1.9e-8 with the Float32 heads
            // the data holds; softLoss's Newton stops at |Σπ − K| ≤ 2e-7, which here moves dL/dw by 7e-8.
            let reference = kind == .category ? [3.0986579724, 0, 0, -2.4399663237] : [0.2072159518, 0, 0, -0.1662751783]
            for i in 0..<4 { #expect(abs(gradient[i] - reference[i]) < 1e-4, "\(kind) reference dL/dw\(i)") }
            for i in 0..<4 {
                var up = w, down = w
                up[i] += 1e-4; down[i] -= 1e-4
                let numeric = (objective.softLoss(up, temperature: 0.05).loss - objective.softLoss(down, temperature: 0.05).loss) / 2e-4
                #expect(abs(numeric - gradient[i]) < 2e-3 * max(1, abs(numeric)), "\(kind) dL/dw\(i): \(numeric) vs \(gradient[i])")
            }
        }
    }

    @Test("parametrisations: the original mappings and the chain rule")
    func parametrisations() {
        #expect(WeightParametrisation.stageA.weights([0.25, 0.25, 0.25]) == [0.25, 0.25, 0.25, 0.25])
        #expect(WeightParametrisation.stageB.weights([0.25, 0.25, 0.25]) == [0.25, 0.25, 0.25, -0.25])
        for p in WeightParametrisation.allCases {
            // pullback against finite differences of f(w(x)) = c · w(x)
            let c = [0.3, -1.2, 0.7, 2.0]
            let x = p == .free ? [0.3, -0.2, 0.1, -0.5] : [0.3, 0.2, -0.1]
            let g = p.pullback(x, gradient: c)
            for i in 0..<x.count {
                var up = x, down = x
                up[i] += 1e-7; down[i] -= 1e-7
                let numeric = (dot(c, p.weights(up)) - dot(c, p.weights(down))) / 2e-7
                #expect(abs(numeric - g[i]) < 1e-6, "\(p) x\(i)")
            }
        }
    }

    static func rosenbrock(_ x: [Double]) -> Double {
        var total = 0.0
        for i in 0..<(x.count - 1) {
            let a = x[i + 1] - x[i] * x[i], b = 1 - x[i]
            total += 100 * a * a + b * b
        }
        return total
    }

    @Test("Nelder-Mead takes SciPy's path on Rosenbrock: same iterations, evaluations and answer")
    func nelderMeadRosenbrock() {
        // SciPy 1.17.1: minimize(rosen, [-1.2, 1], method="Nelder-Mead") -> nit 85, nfev 159, x = [1.00002202, 1.00004222].
        let defaults = NelderMead().minimize(Self.rosenbrock, from: [-1.2, 1])
        #expect(defaults.iterations == 85 && defaults.evaluations == 159, "\(defaults.iterations) iterations, \(defaults.evaluations) evaluations")
        #expect(abs(defaults.x[0] - 1.00002202) < 1e-8 && abs(defaults.x[1] - 1.00004222) < 1e-8, "\(defaults.x)")
        #expect(defaults.converged)
        #expect(defaults.path.count == defaults.iterations)
        // The original's options (maxiter=500, xatol=1e-3, fatol=1e-4): nit 77, nfev 143, x = [1.00024831, 1.00047705].
        let original = HeadWeightEstimator.originalStageA.minimize(Self.rosenbrock, from: [-1.2, 1])
        #expect(original.iterations == 77 && original.evaluations == 143, "\(original.iterations) iterations, \(original.evaluations) evaluations")
        #expect(abs(original.x[0] - 1.00024831) < 1e-8 && abs(original.x[1] - 1.00047705) < 1e-8, "\(original.x)")
        // An evaluation limit alone leaves iterations unlimited, and stops the run.
        let limited = NelderMead(maxEvaluations: 40).minimize(Self.rosenbrock, from: [-1.2, 1])
        #expect(!limited.converged && limited.evaluations >= 40 && limited.evaluations <= 42)
        let r3 = NelderMead(maxIterations: 2000, maxEvaluations: 4000).minimize(Self.rosenbrock, from: [0, 0, 0])
        #expect(r3.x.allSatisfy { abs($0 - 1) < 1e-2 })
    }

    @Test("the original two stages: stage B starts at stage A's normalised weights, and the mismatch is w_neg's sign")
    func originalStages() throws {
        let data = try RankingTests.handMade()
        let category = ListMatchingObjective(data: data, kind: .category)
        let embedding = ListMatchingObjective(data: data, kind: .embedding)
        let result = HeadWeightEstimator.original(category: category, embedding: embedding)
        #expect(result.stageA.start == [0.25, 0.25, 0.25])
        #expect(result.stageB.start == Array(result.weightsA[0..<3]))
        #expect(result.weightsA == WeightParametrisation.stageA.weights(result.stageA.x))
        #expect(result.reevaluatedFixed == result.stageB.f)
        var flipped = result.weightsB
        flipped[3] = -flipped[3]
        #expect(result.reevaluatedWithStageAMapping == embedding.loss(flipped))
    }

    @Test("the bootstrap's session draws are reproducible by seed and differ across seeds")
    func bootstrapReproducible() {
        let a = SessionBootstrap(replicates: 5, seed: 11).sessionWeights(sessions: 100)
        let b = SessionBootstrap(replicates: 5, seed: 11).sessionWeights(sessions: 100)
        let c = SessionBootstrap(replicates: 5, seed: 12).sessionWeights(sessions: 100)
        #expect(a == b)
        #expect(a != c)
        #expect(a.allSatisfy { $0.reduce(0, +) == 100 })
        let values = (0..<100).map { Double($0) }
        let run = { (seed: UInt64) in
            SessionBootstrap(replicates: 20, seed: seed).run(sessions: 100) { w, _ in [weightedMean(values, w), 0, 0, 0] }
        }
        let s1 = run(3), s2 = run(3)
        #expect(s1.draws == s2.draws)
        #expect(s1.standardError[0] > 1 && s1.standardError[0] < 6)   // sd of a mean of 100 uniform 0..99: ~2.9
        #expect(s1.lower[0] < 49.5 && s1.upper[0] > 49.5)
    }

    @Test("the surrogate optimiser recovers the weights of a noiseless planted ranking")
    func surrogateRecovers() throws {
        // 60 sessions, 40 candidates; observed lists = hard top-K under w*; embeddings = the heads themselves.
        var g = SeededGenerator(seed: 5)
        let s = 60, n = 40, truth = [0.22, 0.10, -0.02, -0.66]
        var values = [Float](repeating: 0, count: s * n * 4)
        for i in values.indices { values[i] = Float(g.nextUniform()) }
        let heads = CandidateHeads(sessions: s, videos: n, values: values)
        var offsets = [0], observed: [Int32] = []
        for session in 0..<s {
            let scores = (0..<n).map { j in Float((0..<4).reduce(0.0) { $0 + truth[$1] * Double(values[(session * n + j) * 4 + $1]) }) }
            observed += TopKSelector.topK(scores, k: 6)
            offsets.append(observed.count)
        }
        let embeddings = (0..<n * 3).map { _ in Float(g.nextNormal()) }
        let data = try ListMatchingData(heads: heads, lengths: [Int32](repeating: 6, count: s), observedOffsets: offsets, observed: observed,
                                        categoryIds: (0..<n).map { Double($0 % 5) }, embeddings: embeddings, hidden: 3)
        let objective = ListMatchingObjective(data: data, kind: .embedding)
        #expect(objective.loss(truth) < 1e-12)
        let result = HeadWeightEstimator.improved(objective, starts: HeadWeightEstimator.startPoints(3, seed: 1))
        #expect(result.hardLoss <= objective.loss([0.25, 0.25, 0.25, -0.25]))
        #expect(HeadWeightEstimator.errors(result.weights, truth).max()! < 0.1)
    }
}
