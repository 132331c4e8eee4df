import Foundation
import Testing
@testable import ValueModel

@Suite("Ranking: the likelihood under candidate-pool assumptions and with video effects")
struct PoolAssumptionTests {
    static let theta = [1.5, -0.5, 2.0, -3.0]
    static let alpha = [0.3, -0.2, 0.0, 0.5]
    /// Upload days: candidate 3 is uploaded on day 11; session 0 is on day 10, session 1 on day 12.
    static let uploaded = PlackettLuceChoiceSets.uploaded(uploadDay: [5, 5, 5, 11], sessionDay: [10, 12])

    /// Two sessions of four candidates; session 0 showed 2 then 0, session 1 showed 3 then 1.
    static func lists(_ choiceSets: PlackettLuceChoiceSets = .catalogue) throws -> PlackettLuceLists {
        let heads = CandidateHeads(sessions: 2, videos: 4, values: [
            0.9, 0.2, 0.1, 0.0, 0.3, 0.5, 0.0, 0.4, 0.6, 0.1, 0.3, 0.2, 0.1, 0.8, 0.4, 0.3,
            0.2, 0.2, 0.2, 0.2, 0.7, 0.1, 0.5, 0.0, 0.1, 0.9, 0.0, 0.3, 0.5, 0.5, 0.1, 0.6,
        ])
        return try PlackettLuceLists(heads: heads, observedOffsets: [0, 2, 4], observed: [2, 0, 3, 1], choiceSets: choiceSets)
    }

    static func utility(_ lists: PlackettLuceLists, session: Int, candidate: Int, effects: [Double]) -> Double {
        effects[candidate] + (0..<4).reduce(0.0) { $0 + theta[$1] * Double(lists.heads.values[(session * 4 + candidate) * 4 + $1]) }
    }

    @Test("choice sets by hand: uploaded videos only, shown videos only, explicit pools")
    func choiceSetsByHand() throws {
        let effects = Self.alpha
        func e(_ l: PlackettLuceLists, _ s: Int, _ j: Int) -> Double { exp(Self.utility(l, session: s, candidate: j, effects: effects)) }
        // Uploaded: session 0 (day 10) cannot choose candidate 3; session 1 (day 12) can.
        let up = try Self.lists(Self.uploaded)
        let p0 = e(up, 0, 2) / (e(up, 0, 0) + e(up, 0, 1) + e(up, 0, 2)) * e(up, 0, 0) / (e(up, 0, 0) + e(up, 0, 1))
        let p1 = e(up, 1, 3) / (0..<4).reduce(0) { $0 + e(up, 1, $1) } * e(up, 1, 1) / (e(up, 1, 0) + e(up, 1, 1) + e(up, 1, 2))
        #expect(abs(up.negativeLogLikelihood(Self.theta, videoEffects: effects).value - (-log(p0) - log(p1))) < 1e-12)
        // Shown only: each list competes with itself; the last choice is certain.
        let shown = try Self.lists(.shownOnly(sessions: 2))
        let q = e(shown, 0, 2) / (e(shown, 0, 2) + e(shown, 0, 0)) * e(shown, 1, 3) / (e(shown, 1, 3) + e(shown, 1, 1))
        #expect(abs(shown.negativeLogLikelihood(Self.theta, videoEffects: effects).value + log(q)) < 1e-12)
        // Explicit pools: session 0's pool {1}, session 1's pool {} (plus the shown videos).
        let pooled = try Self.lists(.listed(offsets: [0, 1, 1], candidates: [1]))
        let r = e(pooled, 0, 2) / (e(pooled, 0, 2) + e(pooled, 0, 0) + e(pooled, 0, 1)) * e(pooled, 0, 0) / (e(pooled, 0, 0) + e(pooled, 0, 1))
            * e(pooled, 1, 3) / (e(pooled, 1, 3) + e(pooled, 1, 1))
        #expect(abs(pooled.negativeLogLikelihood(Self.theta, videoEffects: effects).value + log(r)) < 1e-12)
        #expect(throws: PipelineError.self) { _ = try Self.lists(.listed(offsets: [0, 1], candidates: [1])) }
    }

    @Test("a subset of sessions keeps each session's heads, list and choice set")
    func sessionSubset() throws {
        let lists = try Self.lists(Self.uploaded)
        let swapped = try lists.sessions([1, 0])
        #expect(swapped.shown == [3, 1, 2, 0] && swapped.offsets == [0, 2, 4])
        // The same two sessions in another order: the same total likelihood, and per session the same terms.
        let total = lists.negativeLogLikelihood(Self.theta, videoEffects: Self.alpha).value
        #expect(abs(swapped.negativeLogLikelihood(Self.theta, videoEffects: Self.alpha).value - total) < 1e-12)
        let one = try lists.sessions([1])
        #expect(abs(one.sessionNegativeLogLikelihoods(Self.theta, videoEffects: Self.alpha)[0]
            - lists.sessionNegativeLogLikelihoods(Self.theta, videoEffects: Self.alpha)[1]) < 1e-12)
    }

    @Test("video-effect terms equal finite differences of the likelihood")
    func effectTermsByFiniteDifferences() throws {
        let lists = try Self.lists(Self.uploaded)
        let (expected, cross) = lists.effectTerms(Self.theta, videoEffects: Self.alpha)
        let chosen = lists.chosenCounts
        #expect(chosen == [1, 1, 1, 1])
        let h = 1e-5
        for j in 0..<4 {
            var plus = Self.alpha, minus = Self.alpha
            plus[j] += h; minus[j] -= h
            let a = lists.negativeLogLikelihood(Self.theta, videoEffects: plus), b = lists.negativeLogLikelihood(Self.theta, videoEffects: minus)
            // ∂NLL/∂α_j = E_j − n_j; ∂²NLL/∂α_j∂θ_a = cross[j, a].
            #expect(abs((a.value - b.value) / (2 * h) - (expected[j] - chosen[j])) < 1e-7, "score of α_\(j)")
            for t in 0..<4 {
                #expect(abs((a.gradient[t] - b.gradient[t]) / (2 * h) - cross[j * 4 + t]) < 1e-6, "cross \(j), \(t)")
            }
        }
    }

    /// Lists drawn with known per-video offsets log π_j over the whole catalogue (the conditional logit the
    /// video-effects fit assumes): the lists, the planted θ and the offsets.
    static func offsetWorld() throws -> (lists: PlackettLuceLists, theta: [Double], offsets: [Double]) {
        let sessions = 3000, n = 40
        var generator = SeededGenerator(seed: 11)
        var values = [Float](repeating: 0, count: sessions * n * 4)
        for i in values.indices { values[i] = Float(generator.nextUniform()) }
        let heads = CandidateHeads(sessions: sessions, videos: n, values: values)
        let offsets = (0..<n).map { Double($0 % 5) * 0.4 - 0.8 }
        let theta = [2.0, 1.0, -0.5, -3.0]
        let lists = try drawTopFour(heads: heads, generator: &generator) { s, j in
            (0..<4).reduce(offsets[j]) { $0 + theta[$1] * Double(values[(s * n + j) * 4 + $1]) }
        }
        return (lists, theta, offsets)
    }

    /// Per session, the top 4 candidates by `utility(session, candidate)` plus standard Gumbel noise (drawn in
    /// session, then candidate order): lists from the conditional logit with those utilities.
    static func drawTopFour(heads: CandidateHeads, generator: inout SeededGenerator,
                            utility: (Int, Int) -> Double) throws -> PlackettLuceLists {
        let n = heads.videos
        var observedOffsets = [0], shown: [Int32] = []
        for s in 0..<heads.sessions {
            var scores = (0..<n).map { j in Float(utility(s, j) + generator.nextGumbel()) }
            var top: [Int32] = []
            var selector = TopKSelector()
            scores.withUnsafeMutableBufferPointer { selector.select($0.baseAddress!, count: n, k: 4, into: &top) }
            shown += top
            observedOffsets.append(shown.count)
        }
        return try PlackettLuceLists(heads: heads, observedOffsets: observedOffsets, observed: shown)
    }

    @Test("the video-effects fit solves its score equations, and the effects recover planted offsets")
    func videoEffectsRecoverOffsets() throws {
        // θ and α (up to a shift) must come back.
        let (lists, theta, offsets) = try Self.offsetWorld()
        let n = offsets.count
        let fit = VideoEffectsFit.fit(lists)
        // Converged by the predicted decrease (< 1e-6 nats): with about 300 choices per video that allows an
        // effect's expected count to be off by a few 1e-5 of it, far below the effect's own standard error (≈ 0.06).
        #expect(fit.fit.converged && fit.effectGap < 1e-3)
        let truth = WeightParametrisation.l1Normalised(theta)
        for h in 0..<4 {
            #expect(abs(fit.fit.weights[h] - truth[h]) <= 4 * fit.fit.standardErrors[h] + 1e-3, "head \(h)")
        }
        let centred = offsets.map { $0 - offsets.reduce(0, +) / Double(n) }
        // About 300 choices per video: an effect's standard error is near 1/sqrt(300) ≈ 0.06; allow 4 of them.
        #expect(zip(fit.videoEffects, centred).map { abs($0 - $1) }.max()! < 0.25)
        // Without the effects, the same lists are misread (the offsets are not in the heads).
        let plain = lists.fit()
        #expect(zip(plain.theta, theta).map { abs($0 - $1) }.max()! > zip(fit.fit.theta, theta).map { abs($0 - $1) }.max()!)
    }

    @Test("the video-effects fit's stopping rule: within 0.01 standard errors of a fit run to the floating-point floor, in fewer iterations")
    func videoEffectsStoppingRule() throws {
        let lists = try Self.offsetWorld().lists
        let stopped = VideoEffectsFit.fit(lists)
        // No decrease threshold and no tolerance: it iterates until a step can no longer lower the likelihood.
        let floor = VideoEffectsFit.fit(lists, maxIterations: 200, tolerance: 0, decrease: 0)
        #expect(stopped.fit.converged && stopped.fit.iterations < floor.fit.iterations)
        for h in 0..<4 {
            #expect(abs(stopped.fit.weights[h] - floor.fit.weights[h]) <= 0.01 * floor.fit.standardErrors[h], "head \(h)")
        }
        #expect(floor.fit.negativeLogLikelihood <= stopped.fit.negativeLogLikelihood && stopped.fit.negativeLogLikelihood - floor.fit.negativeLogLikelihood < 1e-4)
    }

    @Test("recovery on small planted worlds: every mechanism with its true pools; video effects where retrieval is per video")
    func recoveryPerMechanism() throws {
        let truth = WeightParametrisation.l1Normalised(SyntheticWorldConfiguration.paperWeights)
        for mechanism in SyntheticCandidatePool.allCases {
            var c = SyntheticWorldConfiguration(users: 150, videos: 300, seed: 5)
            c.candidatePool = mechanism
            c.poolMinimum = 60
            c.poolMaximum = 120
            let world = try SyntheticIdentificationWorld(configuration: c, maximumSessions: 2000)
            let lists = try world.lists.prefix(10)
            let fits = try PoolAssumptionEstimate.fitAll(lists, availability: world.availability, pools: world.pools,
                                                         assumptions: [.catalogue, .videoEffects, .truePool])
            func error(_ a: PoolAssumption) -> Double? {
                fits.first { $0.assumption == a }.map { HeadWeightEstimator.errors($0.fit.weights, truth).max()! }
            }
            // The likelihood over the right choice sets identifies w*.
            let oracle = mechanism == .catalogue ? error(.catalogue)! : error(.truePool)!
            #expect(oracle <= 0.05, "\(mechanism): true pools")
            if mechanism != .retrieval { #expect(error(.videoEffects)! <= 0.06, "\(mechanism): video effects") }
            if mechanism != .catalogue { #expect(error(.catalogue)! > oracle, "\(mechanism): the catalogue assumption should do worse than the true pools") }
        }
    }

    @Test("a small retrieval world: its retrieval scores drive the pools, differ from the affinity by the retrieval error, and enter the likelihood with β̂ > 0")
    func retrievalScoresAsPairTerm() throws {
        let videos = 200
        var c = SyntheticWorldConfiguration(users: 100, videos: videos, seed: 5)
        c.poolMinimum = 30
        c.poolMaximum = 60
        #expect(c.candidatePool == .retrieval)
        let world = try SyntheticIdentificationWorld(configuration: c, maximumSessions: 600)
        let scores = try #require(world.retrievalScores), taste = try #require(world.retrievalTaste)
        guard case let .listed(offsets, pooled) = world.pools else { Issue.record("a retrieval world records its pools"); return }
        // The pool is drawn with log-weight popularity + score, so its members' scores beat the other uploaded videos'.
        var inside = 0.0, outside = 0.0, insideCount = 0.0, outsideCount = 0.0
        var member = [Bool](repeating: false, count: videos)
        let available = world.availability
        for s in 0..<world.lists.sessions {
            for j in 0..<videos { member[j] = false }
            for j in pooled[offsets[s]..<offsets[s + 1]] { member[Int(j)] = true }
            for j in 0..<videos where available.uploadDay[j] <= available.sessionDay[s] {
                if member[j] { inside += Double(scores[s * videos + j]); insideCount += 1 } else { outside += Double(scores[s * videos + j]); outsideCount += 1 }
            }
        }
        #expect(inside / insideCount > outside / outsideCount + 0.3)
        // The retrieval model's error is what separates its scores from the world's affinity.
        #expect(zip(scores, taste).contains { abs($0 - $1) > 0.1 })
        // Sessions of one user share the scores (the retrieval error is fixed per user–video pair).
        let users = world.sessionUsers
        if let s = (1..<users.count).first(where: { users[$0] == users[$0 - 1] }) {
            #expect(scores[(s - 1) * videos..<(s * videos)] == scores[s * videos..<((s + 1) * videos)])
        }
        // Videos with higher scores are shown more to the user, so the pair term's coefficient is positive.
        let lists = try world.lists.prefix(10).with(choiceSets: available.choiceSets)
        let withScores = try VideoEffectsFit.fit(lists, pairTerm: scores)
        #expect(withScores.beta > 0.1, "β̂ = \(withScores.beta)")
        #expect(world.trueInclusionLogRates != nil)
    }

    @Test("true inclusion rates: exp(rate) times the sessions with the video uploaded sums to the pools' sizes; nil without pools")
    func trueInclusionRates() throws {
        var c = SyntheticWorldConfiguration(users: 60, videos: 200, seed: 3)
        c.candidatePool = .popularity
        c.poolMinimum = 30
        c.poolMaximum = 60
        let world = try SyntheticIdentificationWorld(configuration: c, maximumSessions: 300)
        let rates = try #require(world.trueInclusionLogRates)
        guard case let .listed(offsets, _) = world.pools else { Issue.record("a popularity world records its pools"); return }
        let poolRows = Double(offsets.last!)
        var weighted = 0.0
        for j in 0..<200 where rates[j].isFinite {
            let sessionsAvailable = (0..<world.lists.sessions).filter { world.availability.uploadDay[j] <= world.availability.sessionDay[$0] }.count
            weighted += exp(rates[j]) * Double(sessionsAvailable)
        }
        #expect(abs(weighted - poolRows) < 1e-6 * poolRows)
        #expect(rates.allSatisfy { $0 <= 0 })
        for j in world.lists.shown { #expect(rates[Int(j)].isFinite) }
        var catalogue = SyntheticWorldConfiguration(users: 30, videos: 100, seed: 3)
        catalogue.candidatePool = .catalogue
        let whole = try SyntheticIdentificationWorld(configuration: catalogue, maximumSessions: 50)
        #expect(whole.trueInclusionLogRates == nil && whole.retrievalScores == nil)
    }
}

@Suite("Ranking: a pool that follows the user's category taste")
struct UserCategoryTasteTests {
    @Test("taste offsets by hand: leave-one-session-out counts, shrunk to the overall shares")
    func offsetsByHand() throws {
        // Three sessions of four candidates (categories 0, 0, 1, 1); sessions 0 and 1 are user 7's, session 2 user 9's.
        let heads = CandidateHeads(sessions: 3, videos: 4, values: [Float](repeating: 0.5, count: 3 * 4 * 4))
        // Shown: session 0 {0, 1, 2}, session 1 {3}, session 2 {2, 3}.
        let lists = try PlackettLuceLists(heads: heads, observedOffsets: [0, 3, 4, 6], observed: [0, 1, 2, 3, 2, 3])
        let x = try UserCategoryTaste.offsets(lists: lists, sessionUsers: [7, 7, 9], candidateCategory: [0, 0, 1, 1], pseudoCount: 2)
        // Overall: category 0 has 2 of 6 rows, category 1 has 4 of 6.
        let q0 = 2.0 / 6, q1 = 4.0 / 6
        // Session 0 sees user 7's other session: one row, of category 1.
        let s0c0 = log((0 + 2 * q0) / (1 + 2)) - log(q0), s0c1 = log((1 + 2 * q1) / (1 + 2)) - log(q1)
        // Session 1 sees session 0: two rows of category 0, one of category 1.
        let s1c0 = log((2 + 2 * q0) / (3 + 2)) - log(q0), s1c1 = log((1 + 2 * q1) / (3 + 2)) - log(q1)
        // Session 2's user has no other session: the shrunk share is the overall share, x = 0.
        let expected = [s0c0, s0c0, s0c1, s0c1, s1c0, s1c0, s1c1, s1c1, 0, 0, 0, 0]
        for (i, e) in expected.enumerated() { #expect(abs(Double(x[i]) - e) < 1e-6, "entry \(i)") }
        #expect(throws: PipelineError.self) { _ = try UserCategoryTaste.offsets(lists: lists, sessionUsers: [7, 7], candidateCategory: [0, 0, 1, 1]) }
    }

    @Test("pair offsets enter the likelihood as the video effects do when they are the same in every session")
    func pairOffsetsAsEffects() throws {
        let lists = try PoolAssumptionTests.lists(PoolAssumptionTests.uploaded)
        let effects = PoolAssumptionTests.alpha
        let offsets = (0..<2).flatMap { _ in effects.map { Float($0) } }
        let withPairs = try lists.with(pairOffsets: offsets)
        let a = withPairs.negativeLogLikelihood(PoolAssumptionTests.theta), b = lists.negativeLogLikelihood(PoolAssumptionTests.theta, videoEffects: effects.map { Double(Float($0)) })
        #expect(abs(a.value - b.value) < 1e-9)
        #expect(zip(a.gradient, b.gradient).allSatisfy { abs($0 - $1) < 1e-9 })
        // A subset of sessions keeps its rows of offsets.
        let second = try withPairs.sessions([1])
        #expect(second.pairOffsets.map { Array($0) } == Array(offsets[4..<8]))
        #expect(throws: PipelineError.self) { _ = try lists.with(pairOffsets: [0, 1]) }
    }

    @Test("the taste fit recovers a planted β and w where the plain video-effects fit is misled")
    func tasteFitRecovers() throws {
        // Lists drawn from α_j + θ·p_sj + β* x_sj (Gumbel top 4 of 40), x correlated with the complete head.
        let sessions = 3000, n = 40, betaTrue = 1.2
        var generator = SeededGenerator(seed: 19)
        var values = [Float](repeating: 0, count: sessions * n * 4), x = [Float](repeating: 0, count: sessions * n)
        for i in values.indices { values[i] = Float(generator.nextUniform()) }
        for i in x.indices { x[i] = Float(generator.nextNormal() * 0.5 + 2 * (Double(values[i * 4]) - 0.5)) }
        let heads = CandidateHeads(sessions: sessions, videos: n, values: values)
        let alpha = (0..<n).map { Double($0 % 5) * 0.4 - 0.8 }
        let theta = [2.0, 1.0, -0.5, -3.0]
        let lists = try PoolAssumptionTests.drawTopFour(heads: heads, generator: &generator) { s, j in
            (0..<4).reduce(alpha[j] + betaTrue * Double(x[s * n + j])) { $0 + theta[$1] * Double(values[(s * n + j) * 4 + $1]) }
        }
        let fitted = try VideoEffectsFit.fit(lists, pairTerm: x)
        #expect(abs(fitted.beta - betaTrue) < 0.1, "β̂ = \(fitted.beta)")
        // The profile is convex and the search ends at its lowest evaluated point.
        #expect(fitted.profile.allSatisfy { $0.nll >= fitted.fit.fit.negativeLogLikelihood - 1e-9 })
        let truth = WeightParametrisation.l1Normalised(theta)
        for h in 0..<4 { #expect(abs(fitted.fit.fit.weights[h] - truth[h]) <= 4 * fitted.fit.fit.standardErrors[h] + 0.01, "head \(h)") }
        // Without the taste term the complete head absorbs it.
        let plain = VideoEffectsFit.fit(lists)
        #expect(HeadWeightEstimator.errors(plain.fit.weights, truth).max()! > 2 * HeadWeightEstimator.errors(fitted.fit.fit.weights, truth).max()!)
    }
}
