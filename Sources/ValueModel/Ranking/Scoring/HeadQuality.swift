import Foundation

/// How good a set of candidate heads is, for the recovery diagnostics of step 4: the AUC of the heads at the rows the
/// platform showed (against those rows' labels) and the correlation with reference heads over every
/// (session, candidate) pair, plus blends between two sets of heads.
public enum HeadQuality {
    /// Per-head ROC AUC of `heads` at each session's observed rows. `labels[h][i]` is head h's label of observed
    /// row i (rows in `observed` order).
    public static func observedAUC(_ heads: CandidateHeads, observedOffsets: [Int], observed: [Int32], labels: [[Float]]) throws -> [Double] {
        guard observedOffsets.count == heads.sessions + 1, labels.count == 4, labels.allSatisfy({ $0.count == observed.count }) else {
            throw PipelineError.invalidData("head quality: \(observed.count) observed rows, labels for \(labels.map(\.count)), \(observedOffsets.count - 1) sessions for \(heads.sessions)")
        }
        return try (0..<4).map { h in
            var scores = [Float](repeating: 0, count: observed.count)
            for s in 0..<heads.sessions {
                for i in observedOffsets[s]..<observedOffsets[s + 1] {
                    scores[i] = heads.values[(s * heads.videos + Int(observed[i])) * 4 + h]
                }
            }
            return try AUC.score(scores: scores, labels: labels[h])
        }
    }

    /// Per-head Pearson correlation of `a` and `b` over every (session, candidate) pair (NaN for a constant head).
    public static func correlation(_ a: CandidateHeads, _ b: CandidateHeads) -> [Double] {
        precondition(a.values.count == b.values.count, "correlation of head stores of different shapes")
        let pairs = a.values.count / 4
        return (0..<4).map { h in
            pearson((0..<pairs).map { Double(a.values[$0 * 4 + h]) }, (0..<pairs).map { Double(b.values[$0 * 4 + h]) })
        }
    }

    /// Per head, the share of the heads' variance over all (session, candidate) pairs that the candidate alone
    /// explains: `Var_v(mean over sessions of p_sv) / Var_sv(p_sv)`. 1 means the heads ignore who is watching.
    public static func candidateVarianceShare(_ heads: CandidateHeads) -> [Double] {
        let s = heads.sessions, n = heads.videos
        return (0..<4).map { h in
            var videoMean = [Double](repeating: 0, count: n)
            var total = 0.0, totalSquares = 0.0
            for session in 0..<s {
                for j in 0..<n {
                    let x = Double(heads.values[(session * n + j) * 4 + h])
                    videoMean[j] += x
                    total += x
                    totalSquares += x * x
                }
            }
            let pairs = Double(s * n), mean = total / pairs
            let variance = totalSquares / pairs - mean * mean
            let between = videoMean.reduce(0.0) { let m = $1 / Double(s) - mean; return $0 + m * m } / Double(n)
            return variance > 0 ? between / variance : .nan
        }
    }

    /// Per head, the correlation over candidates between the candidate's mean head (over sessions) and
    /// `log(1 + exposure)`, e.g. how often the platform showed it.
    public static func exposureCorrelation(_ heads: CandidateHeads, exposure: [Int]) -> [Double] {
        precondition(exposure.count == heads.videos, "one exposure count per candidate")
        let s = heads.sessions, n = heads.videos
        let x = exposure.map { log(1 + Double($0)) }
        return (0..<4).map { h in
            var y = [Double](repeating: 0, count: n)
            for session in 0..<s { for j in 0..<n { y[j] += Double(heads.values[(session * n + j) * 4 + h]) / Double(s) } }
            return pearson(x, y)
        }
    }

    /// Pearson correlation of two equally long series (NaN when either is constant).
    static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxx = 0.0, syy = 0.0, sxy = 0.0
        for (a, b) in zip(x, y) { sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my); sxy += (a - mx) * (b - my) }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : .nan
    }

    /// `(1 − λ) a + λ b`, element by element.
    /// `base` with one head's column taken from `source` (same shape): which head's quality matters.
    public static func replacingHead(_ head: Int, of base: CandidateHeads, from source: CandidateHeads) -> CandidateHeads {
        precondition(base.values.count == source.values.count && (0..<4).contains(head), "head swap between stores of different shapes")
        var values = base.values
        for i in stride(from: head, to: values.count, by: 4) { values[i] = source.values[i] }
        return CandidateHeads(sessions: base.sessions, videos: base.videos, values: values)
    }

    public static func blend(_ a: CandidateHeads, _ b: CandidateHeads, lambda: Double) -> CandidateHeads {
        precondition(a.values.count == b.values.count, "blend of head stores of different shapes")
        let l = Float(lambda)
        return CandidateHeads(sessions: a.sessions, videos: a.videos, values: zip(a.values, b.values).map { (1 - l) * $0 + l * $1 })
    }
}
