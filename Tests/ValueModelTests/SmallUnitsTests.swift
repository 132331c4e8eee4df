import Testing
@testable import ValueModel

/// Units that were reached only end to end: the loss-landscape slices, the heads' AUC at the observed rows, the
/// thinning of ROC curves for the figures, the original's two weight mappings.
@Suite("Small units: landscape slices, observed-row AUC, ROC thinning, the original's weight mappings")
struct SmallUnitsTests {
    @Test("a landscape slice sets one weight and rescales the others, ratios and Σ|w| = 1 kept")
    func landscapePoint() {
        let w = LossLandscape.point([0.2, -0.3, 0.1, -0.4], head: 1, value: 0.5)
        // The other three carried 0.7 of the L1 mass and now carry 0.5.
        let expected = [0.2 * 0.5 / 0.7, 0.5, 0.1 * 0.5 / 0.7, -0.4 * 0.5 / 0.7]
        #expect(zip(w, expected).allSatisfy { abs($0 - $1) < 1e-15 })
        #expect(abs(w.map(abs).reduce(0, +) - 1) < 1e-15)
        // With no mass elsewhere the remainder is spread evenly.
        #expect(zip(LossLandscape.point([1, 0, 0, 0], head: 0, value: -0.4), [-0.4, 0.2, 0.2, 0.2]).allSatisfy { abs($0 - $1) < 1e-15 })
    }

    @Test("heads' AUC at the observed rows, by hand")
    func observedAUC() throws {
        // Two sessions of three candidates; head h of candidate v in session s is (s * 3 + v) / 10 + h / 100.
        var values: [Float] = []
        for s in 0..<2 { for v in 0..<3 { for h in 0..<4 { values.append(Float(s * 3 + v) / 10 + Float(h) / 100) } } }
        let heads = CandidateHeads(sessions: 2, videos: 3, values: values)
        // Observed: session 0 showed 2 then 0; session 1 showed 1. Scores per row (head 0): 0.2, 0.0, 0.4.
        let labels: [[Float]] = [[1, 0, 0], [0, 1, 1], [1, 0, 1], [0, 0, 1]]
        let auc = try HeadQuality.observedAUC(heads, observedOffsets: [0, 2, 3], observed: [2, 0, 1], labels: labels)
        // Head 0: positive 0.2 vs negatives 0.0 (won), 0.4 (lost) → 1/2. Head 1: positives 0.01, 0.41 vs 0.21 → 1/2.
        // Head 2: positives 0.22, 0.42 vs 0.02 → 1. Head 3: positive 0.43 vs 0.23, 0.03 → 1.
        #expect(auc == [0.5, 0.5, 1, 1])
        #expect(throws: PipelineError.self) { _ = try HeadQuality.observedAUC(heads, observedOffsets: [0, 3], observed: [2, 0, 1], labels: labels) }
    }

    @Test("ROC thinning keeps short curves whole and the first and last points of long ones, evenly spaced")
    func thinning() {
        let short = ROCCurve(falsePositiveRate: [0, 0.5, 1], truePositiveRate: [0, 0.8, 1], thresholds: [.infinity, 0.5, 0])
        let kept = TrainingStep.thin(short, name: "a", auc: 0.7)
        #expect(kept.falsePositiveRate == [0, 0.5, 1] && kept.truePositiveRate == [0, 0.8, 1] && kept.auc == 0.7)
        let n = 5000
        let long = ROCCurve(falsePositiveRate: (0..<n).map { Double($0) / Double(n - 1) }, truePositiveRate: (0..<n).map { Double($0) },
                            thresholds: (0..<n).map { Double(n - $0) })
        let thinned = TrainingStep.thin(long, name: "b", auc: 0.5, points: 4)
        // Indices k (n − 1) / 3 = 0, 1666, 3332, 4999.
        #expect(thinned.truePositiveRate == [0, 1666, 3332, 4999])
    }

    @Test("the original's parametrisations never reach its uniform fallback: Σ|w_raw| ≥ 1 for any x")
    func originalNormIsAtLeastOne() {
        var generator = SeededGenerator(seed: 13)
        for _ in 0..<10_000 {
            let x = (0..<3).map { _ in (generator.nextUniform() - 0.5) * 4 }
            for p in [WeightParametrisation.stageA, .stageB] { #expect(p.raw(x).map(abs).reduce(0, +) >= 1 - 1e-12) }
        }
        // The edges: x = (1, 0, 0) and x = 0 give Σ|w_raw| = 1 exactly.
        #expect(WeightParametrisation.stageB.raw([1, 0, 0]).map(abs).reduce(0, +) == 1)
        #expect(WeightParametrisation.stageA.raw([0, 0, 0]).map(abs).reduce(0, +) == 1)
    }

    @Test("the original's re-evaluation mismatch by hand: stage A's mapping of stage B's x is w with w_neg's sign flipped")
    func signFlipByHand() {
        // x = (0.3, 0.1, −0.1): stage B's raw w is (0.3, 0.1, −0.1, −0.7), stage A's (0.3, 0.1, −0.1, +0.7); both have
        // Σ|raw| = 1.2, so w_B = (0.25, 1/12, −1/12, −7/12) and w_A = (0.25, 1/12, −1/12, +7/12).
        let x = [0.3, 0.1, -0.1]
        let b = WeightParametrisation.stageB.weights(x), a = WeightParametrisation.stageA.weights(x)
        for (got, expected) in zip(b + a, [0.25, 1.0 / 12, -1.0 / 12, -7.0 / 12, 0.25, 1.0 / 12, -1.0 / 12, 7.0 / 12]) {
            #expect(abs(got - expected) < 1e-15)
        }
    }

    @Test("the ReLU passes, eight lanes at a time, equal max(x, 0) element by element (NaN and −0 to 0, the tail included)")
    func reluPasses() {
        // 19 values: the SIMD body covers 16, the scalar tail 3.
        let x: [Float] = [1, -1, 0, -0.0, .nan, 2.5, -3, 1e-30, -1e-30, .infinity, -.infinity, 4, -4, 0.5, -0.5, 7, 8, -9, .nan]
        func expected(_ v: Float) -> Float { v > 0 ? v : 0 }
        var y = x
        y.withUnsafeMutableBufferPointer { reluForward($0.baseAddress!, count: x.count) }
        #expect(y.map { $0.bitPattern } == x.map { expected($0).bitPattern })
        let dy: [Float] = (0..<x.count).map { Float($0) - 9 }
        var dx = [Float](repeating: 42, count: x.count)
        dx.withUnsafeMutableBufferPointer { out in dy.withUnsafeBufferPointer { g in y.withUnsafeBufferPointer { o in
            reluBackward(out.baseAddress!, g.baseAddress!, output: o.baseAddress!, count: x.count)
        } } }
        #expect(dx == (0..<x.count).map { y[$0] > 0 ? dy[$0] : 0 })
        // Bias then ReLU per row: 2 rows of width 10 (SIMD body 8, tail 2).
        var rows = Array(x.prefix(20)) + [3]
        let bias: [Float] = (0..<10).map { Float($0) / 4 - 1 }
        rows.withUnsafeMutableBufferPointer { r in bias.withUnsafeBufferPointer { biasReluForward(r.baseAddress!, $0.baseAddress!, rows: 2, width: 10) } }
        let want = (0..<20).map { i in expected((Array(x.prefix(20)) + [3])[i] + bias[i % 10]) }
        #expect(rows.map { $0.bitPattern } == want.map { $0.bitPattern })
    }
}
