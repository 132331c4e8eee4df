import ValueModel

/// One named set of points in a `Figure`, drawn in one style. Coordinates are Float64 (`[Double]`);
/// convert Float32 data with `.map(Double.init)`.
public struct Series: Sendable, Equatable {
    /// How a series is drawn.
    public enum Style: Sendable, Equatable {
        /// A solid line through the points, in order.
        case line
        /// A dashed line through the points, in order.
        case dashedLine
        /// A solid line through the points with a dot at each (visible even for a single point).
        case linePoints
        /// Unconnected dots.
        case points
        /// Filled bars centred on `x`, of height `y` and width `widths[i]` (a histogram).
        case bars
        /// A dot at `(x, y)` with a vertical bar from `low[i]` to `high[i]` (a spread, e.g. min..max of repeats).
        case errorBars
    }

    /// The legend entry; an empty name leaves the series out of the legend.
    public var name: String
    public var style: Style
    public var x: [Double]
    public var y: [Double]
    /// Bar widths for `.bars` (one per point); empty for the other styles.
    public var widths: [Double]
    /// Lower and upper ends of each point's bar for `.errorBars` (one per point); empty for the other styles.
    public var low: [Double]
    public var high: [Double]
    /// The gnuplot line type (1, 2, …) whose colour the series is drawn in, so that related series (a loss and its
    /// surrogate) can share one; nil takes the next colour of gnuplot's cycle.
    public var colour: Int?

    public init(name: String, style: Style, x: [Double], y: [Double], widths: [Double] = [],
                low: [Double] = [], high: [Double] = [], colour: Int? = nil) {
        self.name = name
        self.style = style
        self.x = x
        self.y = y
        self.widths = widths
        self.low = low
        self.high = high
        self.colour = colour
    }

    /// A solid (or dashed) line through `(x[i], y[i])`, in the colour of line type `colour` when given.
    public static func line(_ name: String, x: [Double], y: [Double], dashed: Bool = false, colour: Int? = nil) -> Series {
        Series(name: name, style: dashed ? .dashedLine : .line, x: x, y: y, colour: colour)
    }

    /// A solid line through `(x[i], y[i])` with a dot at each point.
    public static func linePoints(_ name: String, x: [Double], y: [Double]) -> Series {
        Series(name: name, style: .linePoints, x: x, y: y)
    }

    /// Unconnected dots at `(x[i], y[i])`.
    public static func points(_ name: String, x: [Double], y: [Double]) -> Series {
        Series(name: name, style: .points, x: x, y: y)
    }

    /// Dots at `(x[i], y[i])` with vertical bars spanning `low[i]...high[i]`.
    public static func errorBars(_ name: String, x: [Double], y: [Double], low: [Double], high: [Double]) -> Series {
        Series(name: name, style: .errorBars, x: x, y: y, low: low, high: high)
    }

    /// One bar per histogram bin, spanning exactly the bin's edges (also on a log x axis).
    public static func bars(_ name: String, _ histogram: Histogram) -> Series {
        let edges = histogram.edges
        let bins = 0..<histogram.counts.count
        let centres: [Double] = bins.map { (b: Int) -> Double in (edges[b] + edges[b + 1]) / 2 }
        let widths: [Double] = bins.map { (b: Int) -> Double in edges[b + 1] - edges[b] }
        return Series(name: name, style: .bars, x: centres, y: histogram.counts, widths: widths)
    }
}
