import Foundation
import Testing
@testable import ValueModel

@Suite("Pool-sampling likelihood (pools marginalised)")
struct PoolSamplingFitTests {
    static let heads = CandidateHeads(sessions: 1, videos: 5, values: [0.9, 0.1, 0.3, 0.05, 0.2, 0.7, 0.1, 0.4, 0.6, 0.5,
                                                                        0.0, 0.1, 0.1, 0.2, 0.8, 0.3, 0.4, 0.3, 0.2, 0.9])
    static let theta = [2.0, -1.0, 0.5, -3.0]
    static let alpha = [-0.3, -1.0, -0.5, -0.2, -2.0]

    /// One session showing candidate 2 then 0; candidates 1, 3, 4 are the unshown ones.
    static func model(draws: Int, smallArgument: Double = 0.02) throws -> PoolSamplingLikelihood {
        let lists = try PlackettLuceLists(heads: heads, observedOffsets: [0, 2], observed: [2, 0])
        return PoolSamplingLikelihood(lists: ShownOrderLikelihood(lists: lists, prefix: 10), draws: draws, seed: 3, smallArgument: smallArgument)
    }

    /// −log P(list) by summing over the 2³ pools of the unshown candidates (independent inclusion, probability e^α),
    /// each pool's list probability `Π_k x_k / (X_k + R_pool)`.
    static func enumerated(theta: [Double], alpha: [Double]) -> Double {
        func x(_ j: Int) -> Double { exp((0..<4).reduce(0.0) { $0 + theta[$1] * Double(heads.values[j * 4 + $1]) }) }
        let rest = [1, 3, 4]
        var total = 0.0
        for mask in 0..<8 {
            var probability = 1.0, r = 0.0
            for (b, j) in rest.enumerated() {
                if mask & (1 << b) != 0 { probability *= exp(alpha[j]); r += x(j) } else { probability *= 1 - exp(alpha[j]) }
            }
            total += probability * x(2) / (x(2) + x(0) + r) * x(0) / (x(0) + r)
        }
        return -log(exp(alpha[2]) * exp(alpha[0]) * total)
    }

    @Test("the likelihood equals the sum over every pool (importance-sampled expectation, 4,096 draws)")
    func valueMatchesEnumeration() throws {
        let model = try Self.model(draws: 4096)
        for scale in [0.3, 1.0, 2.0] {
            let theta = Self.theta.map { $0 * scale }
            let value = model.pass(theta: theta, alpha: Self.alpha, withEffects: false).value
            let expected = Self.enumerated(theta: theta, alpha: Self.alpha)
            #expect(abs(value - expected) < 1e-3, "θ × \(scale): \(value) vs \(expected)")
        }
    }

    @Test("gradients in θ and α equal finite differences, exact factors and third-order expansion alike")
    func gradientsMatchFiniteDifferences() throws {
        for small in [0.02, 1e9] {
            let model = try Self.model(draws: 16, smallArgument: small)
            let pass = model.pass(theta: Self.theta, alpha: Self.alpha, withEffects: true)
            let h = 1e-5
            for c in 0..<4 {
                var plus = Self.theta, minus = Self.theta
                plus[c] += h; minus[c] -= h
                let difference = (model.pass(theta: plus, alpha: Self.alpha, withEffects: false).value
                    - model.pass(theta: minus, alpha: Self.alpha, withEffects: false).value) / (2 * h)
                #expect(abs(pass.gradient[c] - difference) < 1e-6, "θ_\(c), cut \(small)")
            }
            for j in 0..<5 {
                var plus = Self.alpha, minus = Self.alpha
                plus[j] += h; minus[j] -= h
                let difference = (model.pass(theta: Self.theta, alpha: plus, withEffects: false).value
                    - model.pass(theta: Self.theta, alpha: minus, withEffects: false).value) / (2 * h)
                #expect(abs(pass.effects[j * 2] - difference) < 1e-6, "α_\(j), cut \(small)")
            }
        }
    }

    @Test("recovery on small pools drawn independently of the heads, where the catalogue likelihood is biased")
    func recoveryOnSmallPools() throws {
        let theta = [4.0, -2.0, 1.0, -3.0]
        let lists = try ShownOrderLikelihoodTests.poolWorld(sessions: 800, videos: 60, poolSize: 15, k: 6, theta: theta, seed: 17)
        let truth = WeightParametrisation.l1Normalised(theta)
        let fit = PoolSamplingFit.fit(ShownOrderLikelihood(lists: lists, prefix: 10), start: [0, 0, 0, 0]).fit
        let error = HeadWeightEstimator.errors(fit.weights, truth).max()!
        for h in 0..<4 {
            #expect(abs(fit.weights[h] - truth[h]) <= 4 * fit.standardErrors[h], "head \(h): \(fit.weights[h]) vs \(truth[h]) ± \(fit.standardErrors[h])")
        }
        #expect(HeadWeightEstimator.errors(lists.fit().weights, truth).max()! > error)
    }

    @Test("held inclusion rates: π = 1 everywhere is the whole-catalogue likelihood; the true rate recovers θ and is returned unchanged")
    func fixedInclusion() throws {
        let theta = [4.0, -2.0, 1.0, -3.0]
        let lists = try ShownOrderLikelihoodTests.poolWorld(sessions: 800, videos: 60, poolSize: 15, k: 6, theta: theta, seed: 17)
        let order = ShownOrderLikelihood(lists: lists, prefix: 10)
        // With every video certainly in the pool, the marginal over pools is the Plackett-Luce likelihood over all videos.
        let certain = PoolSamplingFit.fit(order, start: [0, 0, 0, 0], inclusion: [Double](repeating: 0, count: 60))
        let catalogue = lists.fit()
        #expect(certain.fit.converged)
        #expect(abs(certain.fit.negativeLogLikelihood - catalogue.negativeLogLikelihood) < 1e-6 * catalogue.negativeLogLikelihood)
        for h in 0..<4 { #expect(abs(certain.fit.theta[h] - catalogue.theta[h]) < 1e-3 * max(1, abs(catalogue.theta[h])), "head \(h)") }
        // The pools are uniform draws of 15 of 60 videos: every rate is 1/4.
        let rate = log(15.0 / 60.0)
        let held = PoolSamplingFit.fit(order, start: [0, 0, 0, 0], inclusion: [Double](repeating: rate, count: 60))
        #expect(held.logInclusion.allSatisfy { $0 == rate })
        let truth = WeightParametrisation.l1Normalised(theta)
        for h in 0..<4 {
            #expect(abs(held.fit.weights[h] - truth[h]) <= 4 * held.fit.standardErrors[h], "head \(h): \(held.fit.weights[h]) vs \(truth[h]) ± \(held.fit.standardErrors[h])")
        }
        #expect(HeadWeightEstimator.errors(catalogue.weights, truth).max()! > HeadWeightEstimator.errors(held.fit.weights, truth).max()!)
    }
}
