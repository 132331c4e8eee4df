import CGnuplot
import Foundation
import ValueModel

/// A 2-D figure rendered to PNG by gnuplot: a title, axis labels, optional log axes, a legend and any
/// number of `Series`. Data are Float64 (`[Double]`).
///
/// ```swift
/// var figure = Figure(title: "Loss", xLabel: "epoch", yLabel: "BCE",
///                     series: [.line("train", x: epochs, y: train), .line("test", x: epochs, y: test)])
/// figure.logY = true
/// try figure.render(to: "figures/loss.png")
/// ```
/// Rendering is deterministic: the same figure gives the same PNG bytes with the same gnuplot and fonts.
public struct Figure: Sendable, Equatable {
    /// Where the legend sits: inside the plot, below it (outside, entries side by side), or `.hidden`.
    public enum Legend: String, Sendable, Equatable {
        case topLeft = "top left", topRight = "top right"
        case bottomLeft = "bottom left", bottomRight = "bottom right"
        case below = "below"
        case hidden
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// Logarithmic x axis (points with x <= 0 are not drawn).
    public var logX = false
    /// Logarithmic y axis (points and bars with y <= 0 are not drawn).
    public var logY = false
    /// Fixed axis ranges; `nil` lets gnuplot choose.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    public var legend = Legend.topRight
    /// Names written under the x axis at x = 1, 2, … instead of numbers (a category axis); empty for numbers.
    public var xTicLabels: [String] = []
    /// Image size in pixels.
    public var width = 800
    public var height = 500

    public init(title: String, xLabel: String = "", yLabel: String = "", series: [Series] = [],
                logX: Bool = false, logY: Bool = false, width: Int = 800, height: Int = 500) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logX = logX
        self.logY = logY
        self.width = width
        self.height = height
    }

    /// The gnuplot executable `render(to:)` uses: `$GNUPLOT` when set, else `gnuplot` on PATH.
    public static var defaultGnuplot: String {
        if let path = ProcessInfo.processInfo.environment["GNUPLOT"], !path.isEmpty { return path }
        return "gnuplot"
    }

    /// Writes the figure as a PNG to `path`, replacing any file there. The directory must exist.
    /// - Parameter gnuplot: the gnuplot executable, a path or a name looked up on PATH.
    /// - Throws: `PipelineError.invalidData` for no series or inconsistent ones, `PipelineError.figureFailed`
    ///   (with gnuplot's own message) when gnuplot is missing or writes no PNG.
    public func render(to path: String, gnuplot: String = Figure.defaultGnuplot) throws {
        guard !series.isEmpty else { throw PipelineError.invalidData("figure \"\(title)\" has no series to plot") }
        // All series' rows in one buffer, so that C sees each block as a pointer into it.
        var data = [Double]()
        var blocks: [(offset: Int, rows: Int, columns: Int, clause: String)] = []
        for (index, one) in series.enumerated() {
            let block = try Self.columns(of: one, secondCycle: index >= Self.colours)
            blocks.append((data.count, block.data.count / block.columns, block.columns, block.clause))
            data += block.data
        }
        let clauses = blocks.map { strdup($0.clause) }
        defer { clauses.forEach { free($0) } }
        var message = [CChar](repeating: 0, count: 4096)
        let status = data.withUnsafeBufferPointer { buffer -> Int32 in
            let cSeries = zip(blocks, clauses).map { block, clause in
                cgp_series(data: buffer.baseAddress! + block.offset, n_rows: Int32(block.rows),
                           n_cols: Int32(block.columns), clause: clause)
            }
            return cgp_render(gnuplot, prologue(), cSeries, Int32(cSeries.count), path, &message, Int32(message.count))
        }
        if status != 0 {
            throw PipelineError.figureFailed(path: path, message: String(cString: message))
        }
    }

    // MARK: - The gnuplot script

    /// Everything before the `plot` command: terminal, labels, axes, legend.
    func prologue() -> String {
        let size = "size \(width),\(height)"
        var lines = [
            // pngcairo draws anti-aliased; the libgd `png` terminal is the fallback when it is missing.
            "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) { set terminal pngcairo \(size) noenhanced font 'sans,11' }"
                + " else { set terminal png \(size) noenhanced }",
            "set title \(gnuplotQuoted(title))",
            "set xlabel \(gnuplotQuoted(xLabel))",
            "set ylabel \(gnuplotQuoted(yLabel))",
            "set grid",
            "set style fill solid 0.6 border",
            logX ? "set logscale x" : "unset logscale x",
            logY ? "set logscale y" : "unset logscale y",
            keyCommand,
        ]
        if !xTicLabels.isEmpty {
            let tics = xTicLabels.enumerated().map { "\(gnuplotQuoted($0.element)) \($0.offset + 1)" }
            lines.append("set xtics (\(tics.joined(separator: ", "))) rotate by -25")
        }
        if let xRange { lines.append("set xrange [\(xRange.lowerBound):\(xRange.upperBound)]") }
        if let yRange { lines.append("set yrange [\(yRange.lowerBound):\(yRange.upperBound)]") }
        return lines.joined(separator: "\n")
    }

    /// The legend's command: boxed inside the plot; below it without a box (gnuplot's box there overlaps the x label).
    var keyCommand: String {
        switch legend {
        case .hidden: "unset key"
        case .below: "set key below"
        case .topLeft, .topRight, .bottomLeft, .bottomRight: "set key \(legend.rawValue) box opaque"
        }
    }

    /// gnuplot's default line colours repeat after this many series.
    static let colours = 8

    /// The series' data as row-major columns, plus the text after `'-' binary ...` in the plot command.
    /// `secondCycle`: the series comes after the first `colours` ones and repeats a colour, so its lines are
    /// dashed and its points squares.
    static func columns(of series: Series, secondCycle: Bool = false) throws -> (data: [Double], columns: Int, clause: String) {
        let n = series.x.count
        guard n > 0, series.y.count == n else {
            throw PipelineError.invalidData(
                "figure series \"\(series.name)\" needs as many y as x values, and at least one (x: \(n), y: \(series.y.count))")
        }
        let title = (series.colour.map { "lc \($0) " } ?? "") + (series.name.isEmpty ? "notitle" : "title \(gnuplotQuoted(series.name))")
        switch series.style {
        case .line, .dashedLine, .points, .linePoints:
            var data = [Double](); data.reserveCapacity(2 * n)
            for i in 0..<n { data.append(series.x[i]); data.append(series.y[i]) }
            let point = secondCycle ? 5 : 7, dash = secondCycle ? " dt 3" : ""
            let style = series.style == .points ? "with points pt \(point) ps 0.6"
                : series.style == .linePoints ? "with linespoints lw 2 pt \(point) ps 0.8\(dash)"
                : series.style == .line ? "with lines lw 2\(dash)" : "with lines lw 2 dt 2"
            return (data, 2, "using 1:2 \(style) \(title)")
        case .bars:
            guard series.widths.count == n else {
                throw PipelineError.invalidData(
                    "figure series \"\(series.name)\" needs one bar width per bar (bars: \(n), widths: \(series.widths.count))")
            }
            var data = [Double](); data.reserveCapacity(3 * n)
            for i in 0..<n { data.append(series.x[i]); data.append(series.y[i]); data.append(series.widths[i]) }
            return (data, 3, "using 1:2:3 with boxes \(title)")
        case .errorBars:
            guard series.low.count == n, series.high.count == n else {
                throw PipelineError.invalidData(
                    "figure series \"\(series.name)\" needs one low and one high value per point (points: \(n), low: \(series.low.count), high: \(series.high.count))")
            }
            var data = [Double](); data.reserveCapacity(4 * n)
            for i in 0..<n { data += [series.x[i], series.y[i], series.low[i], series.high[i]] }
            return (data, 4, "using 1:2:3:4 with yerrorbars pt 7 ps 0.8 lw 2 \(title)")
        }
    }
}

/// `text` as a gnuplot single-quoted string: `'` becomes `''`; line breaks become spaces.
func gnuplotQuoted(_ text: String) -> String {
    let oneLine = text.replacingOccurrences(of: "\r\n", with: " ")
        .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
    return "'" + oneLine.replacingOccurrences(of: "'", with: "''") + "'"
}
