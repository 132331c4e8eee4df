/// Draws training positions with probability proportional to given weights (Walker's alias method: one
/// table of `n` cells, two random numbers a draw). A batch drawn with replacement this way has the expected
/// gradient of the weighted mean loss `Σ w_i ℓ_i / Σ w_i`, so inverse-propensity weighting needs no change
/// to the models' losses.
public struct WeightedBatches: Sendable {
    /// Per cell, the probability of keeping the cell itself; otherwise `alias[cell]` is drawn.
    let keep: [Double]
    let alias: [Int32]

    public var count: Int { keep.count }

    /// A table for `weights` (all finite, non-negative, not all zero).
    public init(weights: [Double]) throws {
        let n = weights.count
        let total = weights.reduce(0, +)
        guard n > 0, total > 0, total.isFinite, weights.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw PipelineError.invalidData("batch weights must be finite, non-negative and not all zero (\(n) weights, sum \(total))")
        }
        var scaled = weights.map { $0 * Double(n) / total }
        var keep = [Double](repeating: 1, count: n)
        var alias = (0..<n).map { Int32($0) }
        var small = scaled.indices.filter { scaled[$0] < 1 }, large = scaled.indices.filter { scaled[$0] >= 1 }
        while let s = small.popLast(), let l = large.last {
            keep[s] = scaled[s]
            alias[s] = Int32(l)
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 { large.removeLast(); small.append(l) }
        }
        self.keep = keep      // cells left in either list (rounding) keep themselves with probability 1
        self.alias = alias
    }

    /// `size` positions in `0..<count`, with replacement.
    public func draw(size: Int, using generator: inout SeededGenerator) -> [Int32] {
        (0..<size).map { _ in
            let cell = Int(generator.next() % UInt64(keep.count))
            return generator.nextUniform() < keep[cell] ? Int32(cell) : alias[cell]
        }
    }
}
