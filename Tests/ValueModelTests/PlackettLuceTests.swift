import Foundation
import Testing
@testable import ValueModel

@Suite("Ranking: the Plackett-Luce likelihood of observed lists")
struct PlackettLuceTests {
    /// Two sessions of three candidates; session 0 showed candidates 2 then 0, session 1 showed 1.
    static func small() throws -> PlackettLuceLists {
        let heads = CandidateHeads(sessions: 2, videos: 3, values: [
            0.9, 0.2, 0.1, 0.0, 0.3, 0.5, 0.0, 0.4, 0.6, 0.1, 0.3, 0.2,
            0.2, 0.2, 0.2, 0.2, 0.7, 0.1, 0.5, 0.0, 0.1, 0.9, 0.0, 0.3,
        ])
        return try PlackettLuceLists(heads: heads, observedOffsets: [0, 2, 3], observed: [2, 0, 1])
    }

    static func utility(_ lists: PlackettLuceLists, _ theta: [Double], session: Int, candidate: Int) -> Double {
        (0..<4).reduce(0.0) { $0 + theta[$1] * Double(lists.heads.values[(session * lists.heads.videos + candidate) * 4 + $1]) }
    }

    @Test("the negative log-likelihood is minus the log of the lists' Plackett-Luce probabilities")
    func handComputed() throws {
        let lists = try Self.small()
        let theta = [1.5, -0.5, 2.0, -3.0]
        let u = (0..<2).map { s in (0..<3).map { Self.utility(lists, theta, session: s, candidate: $0) } }
        // Session 0: P(2 first) · P(0 next among {0, 1}); session 1: P(1 first).
        let p0 = exp(u[0][2]) / (exp(u[0][0]) + exp(u[0][1]) + exp(u[0][2])) * exp(u[0][0]) / (exp(u[0][0]) + exp(u[0][1]))
        let p1 = exp(u[1][1]) / (exp(u[1][0]) + exp(u[1][1]) + exp(u[1][2]))
        let value = lists.negativeLogLikelihood(theta).value
        #expect(abs(value - (-log(p0) - log(p1))) < 1e-12)
        let perSession = lists.sessionNegativeLogLikelihoods(theta)
        #expect(abs(perSession[0] + log(p0)) < 1e-12 && abs(perSession[1] + log(p1)) < 1e-12)
        // Session weights: session 1 counted twice, session 0 dropped.
        #expect(abs(lists.negativeLogLikelihood(theta, sessionWeights: [0, 2]).value + 2 * log(p1)) < 1e-12)
    }

    @Test("gradient and Hessian match finite differences")
    func derivatives() throws {
        let lists = try Self.small()
        let theta = [0.7, -1.1, 2.3, -0.4]
        let (_, gradient, hessian) = lists.negativeLogLikelihood(theta)
        let h = 1e-5
        for i in 0..<4 {
            var up = theta, down = theta
            up[i] += h; down[i] -= h
            let a = lists.negativeLogLikelihood(up), b = lists.negativeLogLikelihood(down)
            #expect(abs((a.value - b.value) / (2 * h) - gradient[i]) < 1e-7, "dL/dθ\(i)")
            for j in 0..<4 {
                #expect(abs((a.gradient[j] - b.gradient[j]) / (2 * h) - hessian[i * 4 + j]) < 1e-6, "d²L/dθ\(i)dθ\(j)")
            }
        }
    }

    @Test("a video shown twice in a session has one likelihood term, and is counted")
    func repeatedVideos() throws {
        let base = try Self.small()
        let repeated = try PlackettLuceLists(heads: base.heads, observedOffsets: [0, 3, 4], observed: [2, 0, 2, 1])
        #expect(repeated.repeatedRows == 1 && base.repeatedRows == 0)
        let theta = [1.0, 0.5, -0.5, -1.0]
        #expect(repeated.negativeLogLikelihood(theta).value == base.negativeLogLikelihood(theta).value)
        #expect(throws: PipelineError.self) { _ = try PlackettLuceLists(heads: base.heads, observedOffsets: [0, 1, 2], observed: [0, 7]) }
        #expect(throws: PipelineError.self) { _ = try PlackettLuceLists(heads: base.heads, observedOffsets: [0, 1], observed: [0]) }
    }

    /// Random heads for `sessions` sessions of `videos` candidates.
    static func randomHeads(sessions: Int, videos: Int, seed: UInt64) -> CandidateHeads {
        var g = SeededGenerator(seed: seed)
        return CandidateHeads(sessions: sessions, videos: videos, values: (0..<(sessions * videos * 4)).map { _ in Float(g.nextUniform()) })
    }

    @Test("the sampler's first choice follows the softmax of θ·p (Gumbel-max), with no video twice in a list")
    func samplerMatchesSoftmax() throws {
        // 20,000 sessions with the same three candidates.
        let one: [Float] = [0.9, 0.1, 0.2, 0.3, 0.2, 0.8, 0.1, 0.6, 0.5, 0.5, 0.5, 0.5]
        let sessions = 20_000
        let heads = CandidateHeads(sessions: sessions, videos: 3, values: Array((0..<sessions).map { _ in one }.joined()))
        let w = [0.4, -0.2, 0.1, -0.3], tau = 0.1
        let drawn = PlackettLuceLists.sample(heads: heads, weights: w, noiseScale: tau, lengths: [Int](repeating: 2, count: sessions), seed: 9)
        let u = (0..<3).map { j in (0..<4).reduce(0.0) { $0 + w[$1] * Double(one[j * 4 + $1]) } / tau }
        let z = u.map(exp).reduce(0, +)
        for j in 0..<3 {
            let expected = exp(u[j]) / z
            let observed = Double((0..<sessions).filter { drawn.shown[drawn.offsets[$0]] == Int32(j) }.count) / Double(sessions)
            let sd = (expected * (1 - expected) / Double(sessions)).squareRoot()
            #expect(abs(observed - expected) < 4 * sd, "candidate \(j): \(observed) vs \(expected)")
        }
        #expect((0..<sessions).allSatisfy { drawn.shown[drawn.offsets[$0]] != drawn.shown[drawn.offsets[$0] + 1] })
        // Reproducible by seed.
        #expect(PlackettLuceLists.sample(heads: heads, weights: w, noiseScale: tau, lengths: [Int](repeating: 2, count: sessions), seed: 9).shown == drawn.shown)
    }

    @Test("the fit recovers the weights and noise scale of lists drawn from the model, within its standard errors")
    func recovery() throws {
        let truth = [0.22, 0.10, -0.02, -0.66], tau = 0.05
        let heads = Self.randomHeads(sessions: 600, videos: 60, seed: 4)
        let drawn = PlackettLuceLists.sample(heads: heads, weights: truth, noiseScale: tau, lengths: [Int](repeating: 8, count: 600), seed: 5)
        let lists = try PlackettLuceLists(heads: heads, observedOffsets: drawn.offsets, observed: drawn.shown)
        let fit = lists.fit()
        #expect(fit.converged && fit.iterations < 20)
        for h in 0..<4 {
            #expect(fit.standardErrors[h] > 0 && fit.standardErrors[h] < 0.05)
            #expect(abs(fit.weights[h] - truth[h]) < 4 * fit.standardErrors[h], "head \(h): \(fit.weights[h]) ± \(fit.standardErrors[h]) vs \(truth[h])")
        }
        #expect(abs(fit.noiseScale - tau) < 0.01)
        // The minimum: the gradient vanishes and every direction goes up.
        let at = lists.negativeLogLikelihood(fit.theta)
        #expect(at.gradient.allSatisfy { abs($0) < 1e-6 * Double(fit.rows) })
        for i in 0..<4 {
            var moved = fit.theta
            moved[i] += 0.5
            #expect(lists.negativeLogLikelihood(moved).value > at.value)
        }
        // The path decreases from θ = 0 (every list equally likely).
        #expect(zip(fit.path, fit.path.dropFirst()).allSatisfy { $1 <= $0 })
        #expect(fit.weightsPath.count == fit.path.count)
    }

    @Test("small symmetric systems: Cholesky solve and inverse")
    func symmetricSolve() throws {
        let a = [4.0, 2, 0.6, 2, 5, 1, 0.6, 1, 3]
        let x = try #require(SymmetricSolve.solve(a, [1, 2, 3], dimension: 3))
        for i in 0..<3 { #expect(abs((0..<3).reduce(0.0) { $0 + a[i * 3 + $1] * x[$1] } - Double(i + 1)) < 1e-12) }
        let inverse = try #require(SymmetricSolve.inverse(a, dimension: 3))
        for i in 0..<3 { for j in 0..<3 {
            #expect(abs((0..<3).reduce(0.0) { $0 + a[i * 3 + $1] * inverse[$1 * 3 + j] } - (i == j ? 1 : 0)) < 1e-12)
        } }
        #expect(SymmetricSolve.solve([1, 2, 2, 1], [1, 1], dimension: 2) == nil)   // indefinite
    }

    @Test("head quality: the candidate's share of the variance, exposure correlation and blends, by hand")
    func headQuality() {
        // Head 0: [[0, 1], [1, 2]] (sessions x videos): video means 0.5, 1.5; mean 1; between 0.25; total 0.5.
        // Head 1 depends on the video only (share 1); head 2 on the session only (share 0); head 3 constant (NaN).
        let heads = CandidateHeads(sessions: 2, videos: 2, values: [0, 3, 5, 1, 1, 4, 5, 1, 1, 3, 7, 1, 2, 4, 7, 1])
        let share = HeadQuality.candidateVarianceShare(heads)
        #expect(abs(share[0] - 0.5) < 1e-12 && abs(share[1] - 1) < 1e-12 && abs(share[2]) < 1e-12 && share[3].isNaN)
        let exposure = HeadQuality.exposureCorrelation(heads, exposure: [0, 10])
        #expect(abs(exposure[0] - 1) < 1e-12 && abs(exposure[1] - 1) < 1e-12)
        let other = CandidateHeads(sessions: 2, videos: 2, values: heads.values.map { 2 * $0 + 1 })
        let correlation = HeadQuality.correlation(heads, other)
        #expect(abs(correlation[0] - 1) < 1e-12 && correlation[3].isNaN)
        #expect(HeadQuality.blend(heads, other, lambda: 0.25).values[1] == 0.75 * 3 + 0.25 * 7)
    }
}
