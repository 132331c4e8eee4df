import Foundation
import Testing
@testable import ValueModel

/// Exposure-debiased training (issue 13, part 3): the Poisson exposure model, its inverse-propensity weights on
/// a planted world whose exposure bias is known, and batches drawn in proportion to weights.
@Suite("Debiasing: exposure model and weighted batches")
struct DebiasingTests {
    /// A planted world of `users` x `videos` pairs: `log λ_uv = a_u + b_v + 1.2 p_u q_v` (rank 1), rows of
    /// each pair drawn ~ Poisson(λ_uv), and a label probability that rises with the same affinity `p_u q_v`,
    /// so the pairs the platform showed most are the ones most likely to be labelled 1.
    struct PlantedWorld {
        let users = 40, videos = 50
        var logRate: [Double] = []       // [users, videos]
        var labelProbability: [Double] = []
        var rowUsers: [Int32] = [], rowVideos: [Int32] = [], labels: [Double] = []

        init(seed: UInt64) {
            var g = SeededGenerator(seed: seed)
            let a = (0..<users).map { _ in 0.3 * g.nextNormal() }, b = (0..<videos).map { _ in 0.3 * g.nextNormal() - 0.3 }
            let p = (0..<users).map { _ in g.nextNormal() }, q = (0..<videos).map { _ in g.nextNormal() }
            for u in 0..<users {
                for v in 0..<videos {
                    let affinity = p[u] * q[v]
                    logRate.append(a[u] + b[v] + 1.2 * affinity)
                    labelProbability.append(1 / (1 + exp(-(affinity - 0.5))))
                }
            }
            for u in 0..<users {
                for v in 0..<videos {
                    let rows = SyntheticSessionSimulator.poisson(exp(logRate[u * videos + v]), &g)
                    for _ in 0..<rows {
                        rowUsers.append(Int32(u)); rowVideos.append(Int32(v))
                        labels.append(g.nextUniform() < labelProbability[u * videos + v] ? 1 : 0)
                    }
                }
            }
        }
    }

    /// The exposure model of `world`'s rows at rank `rank` (400 Adam steps).
    static func exposure(_ world: PlantedWorld, rank: Int) throws -> ExposureModel {
        var settings = ExposureModel.Settings()
        settings.rank = rank
        settings.steps = 400
        return try ExposureModel(users: world.rowUsers, videos: world.rowVideos, userCount: world.users, videoCount: world.videos, settings: settings)
    }

    static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my) }
        return sxy / (sxx * syy).squareRoot()
    }

    @Test("Rank 0 is the independence fit λ = (n_u + ½)(n_v + ½) / N, by hand")
    func independence() throws {
        // Rows: (0,0) x2, (0,1), (1,1). n_u = (3, 1), n_v = (2, 2), N = 4.
        var settings = ExposureModel.Settings()
        settings.rank = 0
        let model = try ExposureModel(users: [0, 0, 0, 1], videos: [0, 0, 1, 1], userCount: 2, videoCount: 2, settings: settings)
        #expect(abs(model.rate(user: 0, video: 0) - 3.5 * 2.5 / 4) < 1e-5)
        #expect(abs(model.rate(user: 1, video: 0) - 1.5 * 2.5 / 4) < 1e-5)
        #expect(model.deviance == model.independenceDeviance)
        // Weights 1/λ of the four rows, mean 1: (1/2.1875, 1/2.1875, 1/2.1875, 1/0.9375) normalised.
        let raw = [1 / 2.1875, 1 / 2.1875, 1 / 2.1875, 1 / 0.9375], mean = raw.reduce(0, +) / 4
        let weights = model.rowWeights(users: [0, 0, 0, 1], videos: [0, 0, 1, 1])
        #expect(zip(weights, raw).allSatisfy { abs($0 - $1 / mean) < 1e-5 })
        #expect(throws: PipelineError.self) { try ExposureModel(users: [0, 2], videos: [0, 0], userCount: 2, videoCount: 2) }
    }

    @Test("The rank-k fit recovers a planted exposure rate better than independence does")
    func plantedExposure() throws {
        let world = PlantedWorld(seed: 5)
        let model = try Self.exposure(world, rank: 2), independence = try Self.exposure(world, rank: 0)
        let fitted = model.logRate.map(Double.init), baseline = independence.logRate.map(Double.init)
        let rFit = Self.correlation(fitted, world.logRate), rBaseline = Self.correlation(baseline, world.logRate)
        #expect(rFit > 0.9, "log λ̂ vs planted log λ: r = \(rFit)")
        #expect(rFit > rBaseline + 0.2, "rank 2 r = \(rFit), independence r = \(rBaseline)")
        #expect(model.deviance < model.independenceDeviance)
    }

    @Test("Inverse-propensity weights undo a planted exposure bias in per-video label rates")
    func plantedBias() throws {
        let world = PlantedWorld(seed: 6)
        let model = try Self.exposure(world, rank: 2)
        let weights = model.rowWeights(users: world.rowUsers, videos: world.rowVideos)
        // Per video: the truth (mean of p over every user, as a fully observed matrix sees it), the logged rows'
        // plain label mean (what an unweighted fit learns) and their weighted mean.
        var naiveError = 0.0, weightedError = 0.0
        for v in 0..<world.videos {
            let truth = (0..<world.users).map { world.labelProbability[$0 * world.videos + v] }.reduce(0, +) / Double(world.users)
            var n = 0.0, sum = 0.0, wn = 0.0, wsum = 0.0
            for i in world.rowVideos.indices where Int(world.rowVideos[i]) == v {
                n += 1; sum += world.labels[i]; wn += weights[i]; wsum += weights[i] * world.labels[i]
            }
            guard n > 0 else { continue }
            naiveError += abs(sum / n - truth)
            weightedError += abs(wsum / wn - truth)
        }
        #expect(weightedError < 0.6 * naiveError, "mean |error| weighted \(weightedError / 50), unweighted \(naiveError / 50)")
    }

    @Test("Weighted batches draw each position in proportion to its weight; zero weights never")
    func weightedBatches() throws {
        let weights = [0, 1, 3, 6, 0.5, 0.5]
        let table = try WeightedBatches(weights: weights)
        var g = SeededGenerator(seed: 9)
        let n = 200_000
        var counts = [Int](repeating: 0, count: weights.count)
        for i in table.draw(size: n, using: &g) { counts[Int(i)] += 1 }
        let total = weights.reduce(0, +)
        #expect(counts[0] == 0)
        for (w, c) in zip(weights, counts) where w > 0 {
            let p = w / total, standardError = (p * (1 - p) / Double(n)).squareRoot()
            #expect(abs(Double(c) / Double(n) - p) < 5 * standardError, "weight \(w): \(c) of \(n)")
        }
        #expect(throws: PipelineError.self) { try WeightedBatches(weights: [0, 0]) }
        #expect(throws: PipelineError.self) { try WeightedBatches(weights: [1, -1]) }
    }
}
