/// Nonparametric bootstrap over sessions: each replicate draws `sessions` sessions with replacement
/// (multinomial counts used as session weights in the losses), re-estimates w, and the spread of the
/// replicates gives standard errors and percentile 95% intervals. Replicate r uses the r-th generator split
/// from `seed`, so draws are reproducible by seed whatever the thread count.
public struct SessionBootstrap: Sendable {
    public var replicates: Int
    public var seed: UInt64

    public init(replicates: Int, seed: UInt64) {
        self.replicates = replicates
        self.seed = seed
    }

    public struct Summary: Sendable, Codable {
        /// `[replicates][4]` estimated weights.
        public var draws: [[Double]]
        public var mean: [Double]
        public var standardError: [Double]
        public var lower: [Double]
        public var upper: [Double]
    }

    /// The session weights (multinomial counts) of every replicate.
    public func sessionWeights(sessions: Int) -> [[Double]] {
        var master = SeededGenerator(seed: seed)
        return (0..<replicates).map { _ in
            var g = master.split()
            var counts = [Double](repeating: 0, count: sessions)
            for _ in 0..<sessions { counts[Int(g.next() % UInt64(sessions))] += 1 }
            return counts
        }
    }

    /// Runs `estimate(sessionWeights, replicate)` for every replicate (sequentially; each estimate is itself
    /// parallel over sessions) and summarises.
    public func run(sessions: Int, estimate: ([Double], Int) -> [Double]) -> Summary {
        let weights = sessionWeights(sessions: sessions)
        let draws = weights.enumerated().map { estimate($0.element, $0.offset) }
        return SessionBootstrap.summarise(draws)
    }

    /// Mean, standard deviation (n − 1) and 2.5% / 97.5% percentiles per coordinate.
    public static func summarise(_ draws: [[Double]]) -> Summary {
        let d = draws.first?.count ?? 0
        var mean = [Double](repeating: .nan, count: d), se = mean, lower = mean, upper = mean
        for i in 0..<d {
            let column = draws.map { $0[i] }
            let m = column.reduce(0, +) / Double(column.count)
            mean[i] = m
            se[i] = column.count > 1 ? (column.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(column.count - 1)).squareRoot() : .nan
            lower[i] = Statistics.quantile(column, 0.025)
            upper[i] = Statistics.quantile(column, 0.975)
        }
        return Summary(draws: draws, mean: mean, standardError: se, lower: lower, upper: upper)
    }
}
