import Foundation

/// The likelihood of the *order* of each shown list given the set of videos it showed — an estimator that needs
/// neither the candidate pools nor a model of how they were drawn.
///
/// If the platform ranked some pool by Plackett-Luce in `θ·p` (value plus Gumbel noise) and showed its top K, the
/// probability of the logged order given the shown set depends on the pool through one number per session: the
/// total weight `R_s = Σ_{pool, unshown} exp(θ·p_j)` of the pool's unshown part (`ShownOrderJet`). Which videos the
/// pool held, how they were retrieved (popularity, freshness, a two-tower model of the user) and why these K made
/// the list does not matter, because the set is conditioned on. What remains is assumed: the pool is drawn
/// independently of the ranking noise, and a session's list is one ranking of one pool.
///
/// The remainder weight is handled in one of two ways:
/// - `free`: a separate `r_s = log R_s` per session, profiled out (the pool's size and make-up may differ in any
///   way between sessions). With K ≤ 10 choices per session this is a fixed-effects fit, so some
///   incidental-parameter bias is possible; step 4 measures it.
/// - `proportional`: `R_s = e^ρ · Σ_{uploaded, unshown} exp(θ·p_j)`: the pool's unshown part weighs a common fraction
///   of the uploaded catalogue's, one parameter ρ for all sessions.
public struct ShownOrderLikelihood: Sendable {
    /// How the unshown pool's weight is modelled.
    public enum Remainder: String, Sendable, Codable {
        case free
        case proportional
    }

    public let heads: CandidateHeads
    /// `offsets[s] ..< offsets[s + 1]` index `items`: session s's distinct shown candidates in display order (the
    /// first `prefix`).
    public let offsets: [Int]
    public let items: [Int32]
    /// The candidates that could have been in each session's pool (for `proportional`).
    public let choiceSets: PlackettLuceChoiceSets

    public var sessions: Int { heads.sessions }

    /// Bounds of `r_s − max_k θ·p_k` (e^{±40}: the order is then as if R were 0 or ∞).
    static let remainderBound = 40.0

    /// - Parameters:
    ///   - lists: the observed lists; repeats of a video within a session are dropped (the first showing counts).
    ///   - prefix: at most this many distinct videos per session (a long session may span several requests,
    ///     each with its own pool).
    public init(lists: PlackettLuceLists, prefix: Int) {
        var offsets = [0], items: [Int32] = []
        var seen = Set<Int32>()
        for s in 0..<lists.sessions {
            seen.removeAll(keepingCapacity: true)
            for j in lists.shown[lists.offsets[s]..<lists.offsets[s + 1]] where seen.count < prefix && seen.insert(j).inserted {
                items.append(j)
            }
            offsets.append(items.count)
        }
        heads = lists.heads
        self.offsets = offsets
        self.items = items
        choiceSets = lists.choiceSets
    }

    /// Rows that enter the likelihood (sessions with at least two distinct videos).
    public var rows: Int { (0..<sessions).reduce(0) { count, s in
        let length = offsets[s + 1] - offsets[s]
        return count + (length > 1 ? length : 0)
    } }

    /// A fit's parameters beyond `PlackettLuceLists.Fit`.
    public struct Estimate: Sendable {
        public var fit: PlackettLuceLists.Fit
        public var remainder: Remainder
        /// `r_s` per session (`free`), or the single ρ (`proportional`).
        public var logRemainders: [Double]
        /// Sessions whose `r_s` sits at a bound (`free`): their order looked fully ranked (r → −∞) or random (r → ∞).
        public var atBound: Int
    }

    /// Maximises the likelihood from θ = `start` by Newton's method with a backtracking line search (on the
    /// profile likelihood for `free`).
    public func fit(remainder: Remainder, start: [Double], maxIterations: Int = 60) -> Estimate {
        let dimension = remainder == .free ? 4 : 5
        var parameters = remainder == .free ? start : start + [0]
        var logRemainders = [Double](repeating: 0, count: sessions)
        var current = evaluate(parameters, remainder: remainder, logRemainders: &logRemainders, warm: false)
        var path = [current.value], weightsPath = [WeightParametrisation.l1Normalised(Array(parameters.prefix(4)))]
        var iterations = 0, converged = false
        while iterations < maxIterations {
            iterations += 1
            // Newton on the (profile) Hessian, damped towards gradient descent when it is not positive definite.
            guard let newton = SymmetricSolve.dampedSolve(current.hessian, current.gradient, dimension: dimension, maximumDamping: 1e12) else { break }
            // The Newton direction first; where no step along it goes downhill (the profile is only piecewise
            // smooth where some r_s reach a bound), the gradient scaled by the Hessian's diagonal.
            let scaled = (0..<dimension).map { current.gradient[$0] / max(abs(current.hessian[$0 * dimension + $0]), 1e-8) }
            var alpha = 1.0, accepted = false
            var direction = newton
            search: for candidateDirection in [newton, scaled] {
                direction = candidateDirection
                alpha = 1.0
                for _ in 0..<40 {
                    let candidate = zip(parameters, direction).map { $0 - alpha * $1 }
                    var trial = logRemainders
                    let next = evaluate(candidate, remainder: remainder, logRemainders: &trial, warm: true)
                    if next.value < current.value {
                        parameters = candidate
                        current = next
                        logRemainders = trial
                        accepted = true
                        break search
                    }
                    alpha *= 0.5
                }
            }
            path.append(current.value)
            weightsPath.append(WeightParametrisation.l1Normalised(Array(parameters.prefix(4))))
            let decrement = zip(newton, current.gradient).reduce(0) { $0 + $1.0 * $1.1 }
            if abs(decrement) < 1e-8 * max(1, abs(current.value)) { converged = true; break }
            if !accepted || direction.allSatisfy({ abs($0) * alpha < 1e-10 }) { break }
        }
        let theta = Array(parameters.prefix(4))
        // θ's covariance: the θ block of the inverse Hessian (proportional), the inverse profile Hessian (free).
        var thetaInformation = [Double](repeating: 0, count: 16)
        if let inverse = SymmetricSolve.inverse(current.hessian, dimension: dimension) {
            var block = [Double](repeating: 0, count: 16)
            for a in 0..<4 { for b in 0..<4 { block[a * 4 + b] = inverse[a * dimension + b] } }
            thetaInformation = SymmetricSolve.inverse(block, dimension: 4) ?? thetaInformation
        }
        let norm = theta.reduce(0) { $0 + abs($1) }
        let errors = PlackettLuceLists.weightStandardErrors(theta: theta, hessian: thetaInformation) ?? [Double](repeating: .nan, count: 4)
        let fit = PlackettLuceLists.Fit(theta: theta, weights: WeightParametrisation.l1Normalised(theta),
                                        noiseScale: norm > 0 ? 1 / norm : .infinity, negativeLogLikelihood: current.value,
                                        rows: rows, iterations: iterations, converged: converged, standardErrors: errors,
                                        path: path, weightsPath: weightsPath)
        let atBound = remainder == .free ? current.atBound : 0
        return Estimate(fit: fit, remainder: remainder, logRemainders: remainder == .free ? logRemainders : [parameters[4]],
                        atBound: atBound)
    }

    /// The (profile) negative log-likelihood, gradient and Hessian: in θ `[4]` for `free` (each `r_s` maximised
    /// out, warm-started from `logRemainders` when `warm`), in (θ, ρ) `[5]` for `proportional`.
    func evaluate(_ parameters: [Double], remainder: Remainder, logRemainders: inout [Double], warm: Bool)
        -> (value: Double, gradient: [Double], hessian: [Double], atBound: Int) {
        let dimension = remainder == .free ? 4 : 5
        let termWidth = 1 + dimension + dimension * dimension + 1
        var terms = [Double](repeating: 0, count: sessions * termWidth)
        let t = (parameters[0], parameters[1], parameters[2], parameters[3])
        let rho = remainder == .proportional ? parameters[4] : 0
        let n = heads.videos
        heads.values.withUnsafeBufferPointer { hp in
            items.withUnsafeBufferPointer { ip in
                terms.withUnsafeMutableBufferPointer { tp in
                    logRemainders.withUnsafeMutableBufferPointer { rp in
                        nonisolated(unsafe) let tp = tp, rp = rp
                        parallelRanges(sessions, minimumChunk: 16) { range in
                            var scratch = ShownOrderJet.Scratch()
                            var jet = [Double](repeating: 0, count: ShownOrderJet.width)
                            var member = [Bool](repeating: false, count: n)
                            for s in range where offsets[s + 1] - offsets[s] > 1 {
                                let base = hp.baseAddress! + s * n * 4
                                let list = UnsafeBufferPointer(rebasing: ip[offsets[s]..<offsets[s + 1]])
                                let o = tp.baseAddress! + s * termWidth
                                switch remainder {
                                case .free:
                                    var top = -Double.infinity
                                    for j in list {
                                        let q = base + Int(j) * 4
                                        top = max(top, t.0 * Double(q[0]) + t.1 * Double(q[1]) + t.2 * Double(q[2]) + t.3 * Double(q[3]))
                                    }
                                    let (r, bound) = Self.maximiseRemainder(heads: base, items: list, theta: t, top: top,
                                                                           start: warm ? rp[s] : top, scratch: &scratch, jet: &jet)
                                    rp[s] = r
                                    jet.withUnsafeMutableBufferPointer { jp in
                                        ShownOrderJet.evaluate(heads: base, items: list, theta: t, logRemainder: r, full: true,
                                                               scratch: &scratch, out: jp.baseAddress!)
                                    }
                                    o[0] = jet[0]
                                    let hrr = jet[30]
                                    let interior = !bound && hrr > 1e-12
                                    for a in 0..<4 {
                                        o[1 + a] = jet[1 + a]
                                        for b in 0..<4 {
                                            var h = jet[6 + a * 5 + b]
                                            // Profile Hessian: H_θθ − H_θr H_rθ / H_rr where r̂ is interior.
                                            if interior { h -= jet[6 + a * 5 + 4] * jet[6 + b * 5 + 4] / hrr }
                                            o[5 + a * 4 + b] = h
                                        }
                                    }
                                    o[termWidth - 1] = bound ? 1 : 0
                                case .proportional:
                                    choiceSets.markMembers(session: s, candidates: n, shown: [], into: &member)
                                    for j in list { member[Int(j)] = false }
                                    let m = Self.logMass(heads: base, member: member, theta: t)
                                    let r = rho + m.value
                                    jet.withUnsafeMutableBufferPointer { jp in
                                        ShownOrderJet.evaluate(heads: base, items: list, theta: t, logRemainder: r, full: true,
                                                               scratch: &scratch, out: jp.baseAddress!)
                                    }
                                    // Chain rule through r = ρ + log M(θ).
                                    let gr = jet[5], hrr = jet[30]
                                    o[0] = jet[0]
                                    for a in 0..<4 {
                                        o[1 + a] = jet[1 + a] + gr * m.gradient[a]
                                        for b in 0..<4 {
                                            o[6 + a * 5 + b] = jet[6 + a * 5 + b] + jet[6 + a * 5 + 4] * m.gradient[b]
                                                + m.gradient[a] * jet[6 + b * 5 + 4] + hrr * m.gradient[a] * m.gradient[b]
                                                + gr * m.hessian[a * 4 + b]
                                        }
                                        let cross = jet[6 + a * 5 + 4] + hrr * m.gradient[a]
                                        o[6 + a * 5 + 4] = cross
                                        o[6 + 4 * 5 + a] = cross
                                    }
                                    o[5] = gr
                                    o[6 + 24] = hrr
                                }
                            }
                        }
                    }
                }
            }
        }
        var value = 0.0, atBound = 0
        var gradient = [Double](repeating: 0, count: dimension), hessian = [Double](repeating: 0, count: dimension * dimension)
        for s in 0..<sessions {
            let o = s * termWidth
            value += terms[o]
            for a in 0..<dimension { gradient[a] += terms[o + 1 + a] }
            for a in 0..<(dimension * dimension) { hessian[a] += terms[o + 1 + dimension + a] }
            atBound += Int(terms[o + termWidth - 1])
        }
        return (value, gradient, hessian, atBound)
    }

    /// `log Σ_{member} exp(θ·p_j)` with its gradient `[4]` and Hessian `[4, 4]` in θ (the mean and covariance of p).
    // heads: [N, 4]; member: [N]
    static func logMass(heads: UnsafePointer<Float>, member: [Bool], theta t: (Double, Double, Double, Double))
        -> (value: Double, gradient: [Double], hessian: [Double]) {
        var top = -Double.infinity
        for j in member.indices where member[j] {
            let q = heads + j * 4
            top = max(top, t.0 * Double(q[0]) + t.1 * Double(q[1]) + t.2 * Double(q[2]) + t.3 * Double(q[3]))
        }
        guard top.isFinite else { return (-Double.infinity, [0, 0, 0, 0], [Double](repeating: 0, count: 16)) }
        var z = 0.0, m1 = [Double](repeating: 0, count: 4), m2 = [Double](repeating: 0, count: 16)
        for j in member.indices where member[j] {
            let q = heads + j * 4
            let e = exp(t.0 * Double(q[0]) + t.1 * Double(q[1]) + t.2 * Double(q[2]) + t.3 * Double(q[3]) - top)
            z += e
            for a in 0..<4 {
                let ea = e * Double(q[a])
                m1[a] += ea
                for b in 0..<4 { m2[a * 4 + b] += ea * Double(q[b]) }
            }
        }
        let mean = m1.map { $0 / z }
        var covariance = [Double](repeating: 0, count: 16)
        for a in 0..<4 { for b in 0..<4 { covariance[a * 4 + b] = m2[a * 4 + b] / z - mean[a] * mean[b] } }
        return (top + log(z), mean, covariance)
    }

    /// Minimises one session's NLL over r in `top ± remainderBound` by safeguarded Newton (bisection on ∂/∂r when
    /// a step leaves the bracket). Returns r̂ and whether it sits at a bound.
    static func maximiseRemainder(heads: UnsafePointer<Float>, items: UnsafeBufferPointer<Int32>, theta t: (Double, Double, Double, Double),
                                  top: Double, start: Double, scratch: inout ShownOrderJet.Scratch, jet: inout [Double]) -> (Double, Bool) {
        func derivatives(_ r: Double) -> (Double, Double) {
            jet.withUnsafeMutableBufferPointer { jp in
                ShownOrderJet.evaluate(heads: heads, items: items, theta: t, logRemainder: r, full: false, scratch: &scratch, out: jp.baseAddress!)
            }
            return (jet[5], jet[30])
        }
        var low = top - remainderBound, high = top + remainderBound
        if derivatives(low).0 >= 0 { return (low, true) }
        if derivatives(high).0 <= 0 { return (high, true) }
        var r = min(max(start, low), high)
        for _ in 0..<60 {
            let (g, h) = derivatives(r)
            if g > 0 { high = r } else { low = r }
            var next = h > 0 ? r - g / h : .nan
            if !(next > low && next < high) { next = 0.5 * (low + high) }
            if abs(next - r) < 1e-9 { return (next, false) }
            r = next
        }
        return (r, false)
    }
}
