import Foundation

/// A pool-inclusion term that follows the user, for retrieval stages that fetch what resembles the user's past
/// (a two-tower model, "more of the categories you watch"): the user's taste for a candidate's category,
/// measured from the lists the platform showed the same user in the *other* fitted sessions,
///
///     x_sj = log((n_{u c} + a q_c) / (n_u + a)) − log q_c,   c = category of candidate j, u = user of session s,
///
/// where `n_{u c}` counts the user's shown rows of category c outside session s, `n_u` all of them, `q_c` the
/// category's share of every shown row and `a` a pseudo-count that shrinks a user with few rows towards the
/// overall shares (x = 0). The session's own list is left out, so its choices do not enter their own offsets.
/// What it assumes: the pool's user-dependent part, on the log scale, is proportional to this log-lift; retrieval
/// by the user–video pair below the category level is still attributed to the heads.
public enum UserCategoryTaste {
    /// Offsets `[sessions, candidates]` for `lists`, given each session's user and each candidate's category
    /// (any non-negative integer codes; a candidate with category < 0 gets x = 0).
    public static func offsets(lists: PlackettLuceLists, sessionUsers: [Int32], candidateCategory: [Int32],
                               pseudoCount: Double = 5) throws -> [Float] {
        let s = lists.sessions, n = lists.heads.videos
        guard sessionUsers.count == s, candidateCategory.count == n else {
            throw PipelineError.invalidData("category taste: \(sessionUsers.count) session users for \(s) sessions, \(candidateCategory.count) categories for \(n) candidates")
        }
        guard pseudoCount > 0 else { throw PipelineError.invalidOption(name: "pseudo-count", reason: "must be positive, got \(pseudoCount)") }
        let categories = Int(candidateCategory.max() ?? -1) + 1
        guard categories > 0 else { return [Float](repeating: 0, count: s * n) }
        // Users as dense indices, then shown rows per (session, category), per (user, category) and overall.
        var userIndex: [Int32: Int] = [:]
        let userOf = sessionUsers.map { user in
            if let known = userIndex[user] { return known }
            userIndex[user] = userIndex.count
            return userIndex.count - 1
        }
        var sessionCounts = [Double](repeating: 0, count: s * categories)
        var userCounts = [Double](repeating: 0, count: userIndex.count * categories)
        var overall = [Double](repeating: 0, count: categories)
        for session in 0..<s {
            for index in lists.offsets[session]..<lists.offsets[session + 1] {
                let c = Int(candidateCategory[Int(lists.shown[index])])
                guard c >= 0 else { continue }
                sessionCounts[session * categories + c] += 1
                userCounts[userOf[session] * categories + c] += 1
                overall[c] += 1
            }
        }
        let total = overall.reduce(0, +)
        guard total > 0 else { return [Float](repeating: 0, count: s * n) }
        // Categories never shown get the share of one row, so that their log-lift stays finite.
        let share = overall.map { max($0, 1) / total }
        var x = [Float](repeating: 0, count: s * n)
        var lift = [Float](repeating: 0, count: categories)
        for session in 0..<s {
            let user = userOf[session] * categories, own = session * categories
            var rows = 0.0
            for c in 0..<categories { rows += userCounts[user + c] - sessionCounts[own + c] }
            for c in 0..<categories {
                let others = userCounts[user + c] - sessionCounts[own + c]
                lift[c] = Float(log((others + pseudoCount * share[c]) / (rows + pseudoCount)) - log(share[c]))
            }
            let row = session * n
            for j in 0..<n where candidateCategory[j] >= 0 { x[row + j] = lift[Int(candidateCategory[j])] }
        }
        return x
    }
}

extension VideoEffectsFit {
    /// The video-effects likelihood with a user-dependent inclusion term `β·x_sj` (`x` `[sessions, candidates]`: the
    /// user's category taste from `UserCategoryTaste`, or any other pair-level proxy of the retrieval stage, such
    /// as a retrieval model's scores): the utility is `α_j + θ·p_sj + β x_sj`. The negative log-likelihood is convex in (θ, α, β), so its profile in
    /// β (θ and α re-fitted at each β, warm-started) is convex too; a golden-section search on `range` finds its
    /// minimum within `tolerance`. Standard errors are the video-effects fit's at β̂ (β held at its estimate).
    public static func fit(_ lists: PlackettLuceLists, pairTerm x: [Float], range: ClosedRange<Double> = -2...6,
                           tolerance: Double = 0.02) throws -> (fit: VideoEffectsFit, beta: Double, profile: [(beta: Double, nll: Double)]) {
        var profile: [(beta: Double, nll: Double)] = []
        var fits: [Double: VideoEffectsFit] = [:]
        var warm: VideoEffectsFit?
        func value(_ beta: Double) throws -> Double {
            if let known = fits[beta] { return known.fit.negativeLogLikelihood }
            let scaled = x.map { Float(beta) * $0 }
            let fit = VideoEffectsFit.fit(try lists.with(pairOffsets: scaled), start: warm.map { ($0.fit.theta, $0.videoEffects) })
            fits[beta] = fit
            warm = fit
            profile.append((beta, fit.fit.negativeLogLikelihood))
            return fit.fit.negativeLogLikelihood
        }
        let ratio = (5.0.squareRoot() - 1) / 2
        var lo = range.lowerBound, hi = range.upperBound
        var a = hi - ratio * (hi - lo), b = lo + ratio * (hi - lo)
        var fa = try value(a), fb = try value(b)
        while hi - lo > tolerance {
            if fa <= fb {
                hi = b; b = a; fb = fa
                a = hi - ratio * (hi - lo); fa = try value(a)
            } else {
                lo = a; a = b; fa = fb
                b = lo + ratio * (hi - lo); fb = try value(b)
            }
        }
        let (beta, best) = fa <= fb ? (a, fits[a]) : (b, fits[b])
        guard let best else { throw PipelineError.invalidData("pair-level inclusion term: no fit at β = \(beta)") }
        profile.sort { $0.beta < $1.beta }
        return (best, beta, profile)
    }
}
