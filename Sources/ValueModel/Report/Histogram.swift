import Foundation

/// Bin counts between increasing edges: bin `i` covers `edges[i] ..< edges[i + 1]` (the last bin also
/// holds its right edge). Draw it with `Series.bars` or `Figure.histogram`.
public struct Histogram: Sendable, Equatable {
    /// How `Histogram(binning:)` spaces its edges.
    public enum Spacing: Sendable, Equatable {
        /// Equal widths.
        case linear
        /// Equal ratios (equal widths on a log axis); needs positive values.
        case logarithmic
    }

    /// `counts.count + 1` strictly increasing, finite edges.
    public private(set) var edges: [Double]
    /// One count (or weight) per bin.
    public private(set) var counts: [Double]
    /// How many values `Histogram(binning:)` left out: non-finite, outside the range, or not positive
    /// with logarithmic spacing. Zero for precomputed histograms.
    public private(set) var excluded: Int

    /// A histogram from precomputed edges and counts.
    /// - Throws: `PipelineError.invalidData` unless there is one more edge than counts and the edges are
    ///   finite and strictly increasing.
    public init(edges: [Double], counts: [Double]) throws {
        guard !counts.isEmpty, edges.count == counts.count + 1 else {
            throw PipelineError.invalidData(
                "a histogram needs one more edge than counts (got \(edges.count) edges, \(counts.count) counts)")
        }
        guard edges.allSatisfy(\.isFinite), zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw PipelineError.invalidData("histogram edges must be finite and strictly increasing")
        }
        self.edges = edges
        self.counts = counts
        self.excluded = 0
    }

    /// Counts `values` into `bins` bins spaced by `spacing` over `range` (default: the smallest to the
    /// largest usable value).
    /// - Throws: `PipelineError.invalidOption` for `bins < 1` or an unusable range,
    ///   `PipelineError.invalidData` when no value is usable.
    public init(binning values: [Double], bins: Int, spacing: Spacing = .linear,
                range: ClosedRange<Double>? = nil) throws {
        guard bins >= 1 else { throw PipelineError.invalidOption(name: "bins", reason: "must be at least 1, got \(bins)") }
        let logarithmic = spacing == .logarithmic
        func usable(_ v: Double) -> Bool { v.isFinite && (!logarithmic || v > 0) }

        var low: Double, high: Double
        if let range {
            (low, high) = (range.lowerBound, range.upperBound)
            guard usable(low), usable(high), low < high else {
                throw PipelineError.invalidOption(
                    name: "range", reason: "\(low)...\(high) is not a usable \(logarithmic ? "logarithmic " : "")bin range")
            }
        } else {
            let candidates = values.filter(usable)
            guard let min = candidates.min(), let max = candidates.max() else {
                throw PipelineError.invalidData(
                    "no \(logarithmic ? "positive " : "")finite values to bin (\(values.count) values given)")
            }
            (low, high) = (min, max)
            if low == high { (low, high) = logarithmic ? (low / 2, high * 2) : (low - 0.5, high + 0.5) }
        }

        // Work in log10 space for logarithmic bins, so that both spacings share one formula.
        let scale: (Double) -> Double = logarithmic ? { log10($0) } : { $0 }
        let (a, b) = (scale(low), scale(high))
        var edges = (0...bins).map { i -> Double in
            let t = a + (b - a) * Double(i) / Double(bins)
            return logarithmic ? pow(10, t) : t
        }
        edges[0] = low
        edges[bins] = high

        var counts = [Double](repeating: 0, count: bins)
        var excluded = 0
        for v in values {
            guard usable(v), v >= low, v <= high else { excluded += 1; continue }
            var bin = Swift.min(Int((scale(v) - a) / (b - a) * Double(bins)), bins - 1)
            // Rounding in the formula can miss by one; the edges decide.
            while bin > 0 && v < edges[bin] { bin -= 1 }
            while bin < bins - 1 && v >= edges[bin + 1] { bin += 1 }
            counts[bin] += 1
        }
        try self.init(edges: edges, counts: counts)
        self.excluded = excluded
    }
}
