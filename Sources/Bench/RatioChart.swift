import ArgumentParser
import Foundation
import Reporting
import ValueModel

/// `bench chart`: renders a bar chart of speed-up ratios (median bar, min..max spread, a dashed target
/// line) from a small JSON description written by scripts/bench_report.py.
///
/// ```json
/// {"title": "…", "yLabel": "speed-up (x)", "target": 10,
///  "bars": [{"label": "step 1", "median": 50.8, "min": 48.0, "max": 52.1}]}
/// ```
struct RatioChart: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chart", abstract: "Render a ratio bar chart (median, min..max) from a JSON description.")

    struct Bar: Decodable {
        var label: String
        var median: Double
        var min: Double
        var max: Double
    }

    struct Description: Decodable {
        var title: String
        var yLabel: String
        var target: Double?
        var bars: [Bar]
    }

    @Option(help: "The chart's JSON description.")
    var spec: String

    @Option(help: "PNG file to write.")
    var out: String

    func run() throws {
        guard let data = FileManager.default.contents(atPath: spec) else {
            throw PipelineError.missingFile(path: spec, hint: "scripts/bench_report.py writes it.")
        }
        let chart: Description
        do { chart = try JSONDecoder().decode(Description.self, from: data) } catch {
            throw PipelineError.malformedInput(SourceLocation(file: spec), reason: "not a chart description: \(error)")
        }
        guard !chart.bars.isEmpty else { throw PipelineError.invalidData("\(spec): a chart needs at least one bar") }
        let x = chart.bars.indices.map { Double($0 + 1) }
        var series = [Series(name: "median", style: .bars, x: x, y: chart.bars.map(\.median), widths: x.map { _ in 0.6 }),
                      .errorBars("min..max", x: x, y: chart.bars.map(\.median), low: chart.bars.map(\.min), high: chart.bars.map(\.max))]
        let span = [0.5, Double(chart.bars.count) + 0.5]
        if let target = chart.target {
            series.append(.line("target \(Format.fixed(target, 0))x", x: span, y: [target, target], dashed: true))
        }
        // Bars below 1 are where the Python stack is faster: the parity line makes them stand out on the log axis.
        series.append(.line("parity 1x", x: span, y: [1, 1]))
        var figure = Figure(title: chart.title, xLabel: "", yLabel: chart.yLabel, series: series, logY: true, width: 900, height: 520)
        figure.xTicLabels = chart.bars.map(\.label)
        figure.xRange = 0.5...(Double(chart.bars.count) + 0.5)
        let highest = chart.bars.map(\.max).max() ?? 1
        let lowest = chart.bars.map(\.min).filter { $0 > 0 }.min() ?? 1
        figure.yRange = min(0.5, lowest / 2)...max(2 * highest, 2 * (chart.target ?? 1))
        figure.legend = .topLeft
        try figure.render(to: out)
    }
}
