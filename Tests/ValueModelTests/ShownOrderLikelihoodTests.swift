import Foundation
import Testing
@testable import ValueModel

@Suite("Shown-order likelihood")
struct ShownOrderLikelihoodTests {
    /// Every order of `items`, by insertion (independent of the code under test).
    static func permutations(_ items: [Int]) -> [[Int]] {
        guard let first = items.first else { return [[]] }
        return permutations(Array(items.dropFirst())).flatMap { rest in (0...rest.count).map { i in var r = rest; r.insert(first, at: i); return r } }
    }

    /// −log P(order | set) by enumeration: Π_k x_k/(X_k + R) over the logged order, divided by its sum over all orders.
    static func bruteForce(scores: [Double], logRemainder r: Double) -> Double {
        func probability(_ order: [Int]) -> Double {
            var p = 1.0
            for k in order.indices {
                let mass = order[k...].reduce(0) { $0 + exp(scores[$1]) }
                p *= exp(scores[order[k]]) / (mass + exp(r))
            }
            return p
        }
        let all = permutations(Array(scores.indices)).reduce(0) { $0 + probability($1) }
        return -log(probability(Array(scores.indices)) / all)
    }

    static func jet(heads: [Float], items: [Int32], theta: [Double], r: Double, full: Bool = true) -> [Double] {
        var scratch = ShownOrderJet.Scratch()
        var out = [Double](repeating: 0, count: ShownOrderJet.width)
        heads.withUnsafeBufferPointer { h in
            items.withUnsafeBufferPointer { i in
                out.withUnsafeMutableBufferPointer { o in
                    ShownOrderJet.evaluate(heads: h.baseAddress!, items: i, theta: (theta[0], theta[1], theta[2], theta[3]),
                                           logRemainder: r, full: full, scratch: &scratch, out: o.baseAddress!)
                }
            }
        }
        return out
    }

    static let heads: [Float] = [0.9, 0.1, 0.3, 0.05, 0.2, 0.7, 0.1, 0.4, 0.6, 0.5, 0.0, 0.1, 0.1, 0.2, 0.8, 0.3, 0.4, 0.3, 0.2, 0.9]
    static let theta = [2.0, -1.0, 0.5, -3.0]

    @Test("the value matches enumeration over every order, for remainders from negligible to dominant")
    func valueMatchesEnumeration() {
        let items: [Int32] = [3, 0, 4, 1, 2]
        let scores = items.map { j in (0..<4).reduce(0.0) { $0 + Self.theta[$1] * Double(Self.heads[Int(j) * 4 + $1]) } }
        for r in [-12.0, -2.0, 0.0, 1.5, 4.0, 9.0] {
            let expected = Self.bruteForce(scores: scores, logRemainder: r)
            let value = Self.jet(heads: Self.heads, items: items, theta: Self.theta, r: r)[0]
            #expect(abs(value - expected) < 1e-8 * max(1, abs(expected)), "r = \(r): \(value) vs \(expected)")
        }
    }

    @Test("gradient and Hessian in (θ, r) match finite differences")
    func derivativesMatchFiniteDifferences() {
        let items: [Int32] = [1, 3, 0, 4]
        for r in [-3.0, 0.7, 3.0] {
            let base = [Self.theta[0], Self.theta[1], Self.theta[2], Self.theta[3], r]
            func at(_ p: [Double]) -> [Double] { Self.jet(heads: Self.heads, items: items, theta: Array(p.prefix(4)), r: p[4]) }
            let centre = at(base)
            let h = 1e-5
            for a in 0..<5 {
                var plus = base, minus = base
                plus[a] += h; minus[a] -= h
                let fp = at(plus), fm = at(minus)
                let gradient = (fp[0] - fm[0]) / (2 * h)
                #expect(abs(centre[1 + a] - gradient) < 1e-6, "r = \(r): ∂/∂\(a) \(centre[1 + a]) vs \(gradient)")
                for b in 0..<5 {
                    let second = (fp[1 + b] - fm[1 + b]) / (2 * h)
                    #expect(abs(centre[6 + a * 5 + b] - second) < 1e-5, "r = \(r): ∂²/∂\(a)∂\(b) \(centre[6 + a * 5 + b]) vs \(second)")
                }
            }
            let cheap = Self.jet(heads: Self.heads, items: items, theta: Self.theta, r: r, full: false)
            #expect(abs(cheap[0] - centre[0]) < 1e-12 && abs(cheap[5] - centre[5]) < 1e-12 && abs(cheap[30] - centre[30]) < 1e-12)
        }
    }

    /// Sessions whose lists are the top K of a random pool of `poolSize` of the `videos` candidates, ranked by
    /// Plackett-Luce in θ·p (Gumbel-max, drawn here independently of the code under test).
    static func poolWorld(sessions: Int, videos: Int, poolSize: Int, k: Int, theta: [Double], seed: UInt64) throws -> PlackettLuceLists {
        var rng = SeededGenerator(seed: seed)
        let values = (0..<(sessions * videos * 4)).map { _ in Float(rng.nextUniform()) }
        let heads = CandidateHeads(sessions: sessions, videos: videos, values: values)
        var offsets = [0], shown: [Int32] = []
        for s in 0..<sessions {
            let pool = Array((0..<videos).shuffled(using: &rng).prefix(poolSize))
            let keyed = pool.map { j -> (Double, Int) in
                let u = (0..<4).reduce(0.0) { $0 + theta[$1] * Double(values[(s * videos + j) * 4 + $1]) }
                var uniform = rng.nextUniform()
                while uniform <= 0 { uniform = rng.nextUniform() }
                return (u - log(-log(uniform)), j)
            }.sorted { $0.0 > $1.0 }
            shown.append(contentsOf: keyed.prefix(k).map { Int32($0.1) })
            offsets.append(shown.count)
        }
        return try PlackettLuceLists(heads: heads, observedOffsets: offsets, observed: shown)
    }

    @Test("recovery without the pools: lists from random pools, the order given the set with a proportional remainder identifies θ")
    func recoveryFromRandomPools() throws {
        let theta = [4.0, -2.0, 1.0, -3.0]
        let lists = try Self.poolWorld(sessions: 800, videos: 60, poolSize: 40, k: 6, theta: theta, seed: 17)
        let order = ShownOrderLikelihood(lists: lists, prefix: 8)
        let estimate = order.fit(remainder: .proportional, start: [0, 0, 0, 0])

        let truth = WeightParametrisation.l1Normalised(theta)
        #expect(estimate.fit.converged)
        for h in 0..<4 {
            #expect(abs(estimate.fit.weights[h] - truth[h]) <= 4 * estimate.fit.standardErrors[h], "head \(h): \(estimate.fit.weights[h]) vs \(truth[h]) ± \(estimate.fit.standardErrors[h])")
        }
        #expect(estimate.fit.standardErrors.allSatisfy { $0 > 0 && $0 < 0.1 })
        // Treating the shown videos as the whole pool (R = 0) misreads the same lists.
        let shownOnly = try lists.with(choiceSets: .shownOnly(sessions: lists.sessions)).fit()

        let error = HeadWeightEstimator.errors(estimate.fit.weights, truth).max()!
        #expect(HeadWeightEstimator.errors(shownOnly.weights, truth).max()! > error)
    }

    @Test("the profile over r_s: each session's r̂ solves ∂NLL/∂r = 0 or sits at a bound where the slope pushes it")
    func remainderProfile() throws {
        let lists = try Self.poolWorld(sessions: 40, videos: 30, poolSize: 20, k: 5, theta: [3, -1, 2, -2], seed: 3)
        let order = ShownOrderLikelihood(lists: lists, prefix: 5)
        let theta = [2.5, -1.0, 1.5, -2.5]
        var remainders = [Double](repeating: 0, count: order.sessions)
        _ = order.evaluate(theta, remainder: .free, logRemainders: &remainders, warm: false)
        for s in 0..<order.sessions {
            let items = Array(order.items[order.offsets[s]..<order.offsets[s + 1]])
            let slope = { (r: Double) -> Double in
                let plus = Self.jet(heads: Array(lists.heads.values[(s * 30 * 4)..<((s + 1) * 30 * 4)]), items: items, theta: theta, r: r + 1e-5)[0]
                let minus = Self.jet(heads: Array(lists.heads.values[(s * 30 * 4)..<((s + 1) * 30 * 4)]), items: items, theta: theta, r: r - 1e-5)[0]
                return (plus - minus) / 2e-5
            }
            let g = slope(remainders[s])
            // Interior: a stationary point; at a bound: the NLL falls towards it.
            #expect(abs(g) < 1e-5 || (g > 0 && slope(remainders[s] + 1) > 0) || (g < 0 && slope(remainders[s] - 1) < 0), "session \(s): slope \(g)")
        }
    }
}
