/// The loss along one-dimensional slices of the L1 sphere `Σ|w| = 1` through a point `w0`: for head h, set
/// `w_h = a` and rescale the other three so that `Σ|w| = 1` stays true (their ratios kept), for `a` on a grid.
/// Shows the hard loss's steps and flat stretches next to the smooth surrogate.
public struct LossLandscape: Sendable, Codable {
    public struct Slice: Sendable, Codable {
        public var head: Int
        public var grid: [Double]
        public var hard: [Double]
        /// Surrogate values at `temperature`.
        public var soft: [Double]
        /// Grid values where the (more expensive) surrogate was evaluated.
        public var softGrid: [Double]
    }

    public var center: [Double]
    /// Each slice spans the varied weight's value in ŵ ± `halfWidth` (clipped to [−1, 1]).
    public var halfWidth: Double
    public var temperature: Double
    public var slices: [Slice]

    /// The point of the slice for head `h` at `w_h = a`.
    public static func point(_ w0: [Double], head h: Int, value a: Double) -> [Double] {
        let others = (0..<4).filter { $0 != h }
        let mass = others.reduce(0) { $0 + abs(w0[$1]) }
        var w = w0
        w[h] = a
        for i in others { w[i] = mass > 0 ? w0[i] * (1 - abs(a)) / mass : (1 - abs(a)) / 3 }
        return w
    }

    /// Evaluates `points` grid values in `w0_h ± halfWidth` (clipped to [−1, 1]) for every head.
    public static func compute(_ objective: ListMatchingObjective, center w0: [Double], halfWidth: Double = 0.3,
                               points: Int = 41, softPoints: Int = 11, temperature: Double = 0.003) -> LossLandscape {
        let slices = (0..<4).map { h -> Slice in
            let lo = max(-1, w0[h] - halfWidth), hi = min(1, w0[h] + halfWidth)
            let grid = (0..<points).map { lo + (hi - lo) * Double($0) / Double(max(points - 1, 1)) }
            let hard = grid.map { objective.loss(point(w0, head: h, value: $0)) }
            let softGrid = (0..<softPoints).map { lo + (hi - lo) * Double($0) / Double(max(softPoints - 1, 1)) }
            let soft = softGrid.map { objective.softLoss(point(w0, head: h, value: $0), temperature: temperature).loss }
            return Slice(head: h, grid: grid, hard: hard, soft: soft, softGrid: softGrid)
        }
        return LossLandscape(center: w0, halfWidth: halfWidth, temperature: temperature, slices: slices)
    }
}
