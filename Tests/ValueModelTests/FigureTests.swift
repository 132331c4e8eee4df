import Foundation
import Testing
@testable import Reporting
@testable import ValueModel

/// A fresh temporary directory, removed by the caller.
private func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("figure-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The width and height in a PNG's IHDR chunk, or nil when the file is not a PNG.
private func pngSize(at path: String) -> (width: UInt32, height: UInt32)? {
    guard let bytes = FileManager.default.contents(atPath: path).map(Array.init), bytes.count >= 24 else { return nil }
    guard bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
          bytes[12..<16].elementsEqual(Array("IHDR".utf8)) else { return nil }
    func be32(_ at: Int) -> UInt32 { bytes[at..<at + 4].reduce(0) { $0 << 8 | UInt32($1) } }
    return (be32(16), be32(20))
}

private func lineFigure() -> Figure {
    let x = (0..<200).map { Double($0) / 20 }
    return Figure(title: "Loss per epoch (it's a test)", xLabel: "epoch", yLabel: "loss",
                  series: [.line("train_loss", x: x, y: x.map { exp(-$0) }),
                           .line("test loss", x: x, y: x.map { exp(-$0 * 0.8) + 0.05 }, dashed: true)])
}

@Test func figureLinePlotRendersPNG() throws {
    let dir = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("line.png").path
    try lineFigure().render(to: path)
    let size = try #require(pngSize(at: path))
    #expect(size.width == 800 && size.height == 500)
}

@Test func figureRenderingIsDeterministic() throws {
    let dir = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let a = dir.appendingPathComponent("a.png").path, b = dir.appendingPathComponent("b.png").path
    try lineFigure().render(to: a)
    try lineFigure().render(to: b)
    #expect(FileManager.default.contents(atPath: a) == FileManager.default.contents(atPath: b))
}

@Test func figureLogHistogramRendersPNG() throws {
    let dir = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    var generator = SeededGenerator(seed: 7)
    // Heavy-tailed positive values with a gap (empty bins on the log y axis), plus a zero and a NaN that
    // log bins must exclude.
    var values = (0..<5000).map { _ in exp(Double.random(in: 0..<1, using: &generator) * 9) }
        .map { $0 > 50 && $0 < 500 ? $0 * 10 : $0 }
    values += [0, .nan]
    let histogram = try Histogram(binning: values, bins: 30, spacing: .logarithmic)
    #expect(histogram.excluded == 2)
    #expect(histogram.counts.reduce(0, +) == 5000)
    #expect(histogram.edges.count == 31)
    let path = dir.appendingPathComponent("histogram.png").path
    try Figure.histogram(histogram, title: "Watch counts", xLabel: "count", logX: true, logY: true).render(to: path)
    let size = try #require(pngSize(at: path))
    #expect(size.width > 0 && size.height > 0)
}

@Test func figureSeriesAfterTheColourCycleAreDashedWithSquares() throws {
    let series = Series.linePoints("p", x: [1, 2], y: [3, 4])
    let first = try Figure.columns(of: series, secondCycle: false).clause
    let again = try Figure.columns(of: series, secondCycle: true).clause
    #expect(first == "using 1:2 with linespoints lw 2 pt 7 ps 0.8 title 'p'")
    #expect(again == "using 1:2 with linespoints lw 2 pt 5 ps 0.8 dt 3 title 'p'")
    #expect(try Figure.columns(of: .line("l", x: [1], y: [2]), secondCycle: true).clause.contains("with lines lw 2 dt 3"))
}

/// A loss and its surrogate share a colour, solid against dashed: `colour` names the line type gnuplot takes it from.
@Test func figureSeriesTakeAGivenColour() throws {
    let solid = try Figure.columns(of: .line("hard", x: [1, 2], y: [3, 4], colour: 3)).clause
    let dashed = try Figure.columns(of: .line("surrogate", x: [1, 2], y: [3, 4], dashed: true, colour: 3)).clause
    #expect(solid == "using 1:2 with lines lw 2 lc 3 title 'hard'")
    #expect(dashed == "using 1:2 with lines lw 2 dt 2 lc 3 title 'surrogate'")
    #expect(try Figure.columns(of: .line("free", x: [1], y: [2])).clause == "using 1:2 with lines lw 2 title 'free'")
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("colours.png").path
    try Figure(title: "Colours", series: [.line("hard", x: [1, 2], y: [3, 4], colour: 3),
                                          .line("surrogate", x: [1, 2], y: [3.5, 4.5], dashed: true, colour: 3)]).render(to: path)
    #expect(pngSize(at: path) != nil)
}

@Test func figureHistogramBinsLinearly() throws {
    let histogram = try Histogram(binning: [0, 0.5, 1, 2, 3, 4, 9.99, 10, 11], bins: 10, range: 0...10)
    #expect(histogram.edges == (0...10).map(Double.init))
    #expect(histogram.counts == [2, 1, 1, 1, 1, 0, 0, 0, 0, 2])
    #expect(histogram.excluded == 1)
    #expect(throws: PipelineError.self) { try Histogram(edges: [0, 1], counts: [1, 2]) }
    #expect(throws: PipelineError.self) { try Histogram(binning: [1], bins: 0) }
}

@Test func figureROCRendersPNG() throws {
    let dir = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let fpr = (0...100).map { Double($0) / 100 }
    let curves = [
        ROCPlotCurve(name: "value model", falsePositiveRate: fpr, truePositiveRate: fpr.map { pow($0, 0.3) }, auc: 0.769),
        ROCPlotCurve(name: "baseline", falsePositiveRate: fpr, truePositiveRate: fpr.map { pow($0, 0.7) }, auc: 0.588),
    ]
    #expect(curves[0].label == "value model (AUC = 0.769)")
    let path = dir.appendingPathComponent("roc.png").path
    try Figure.roc(title: "ROC, test split", curves: curves).render(to: path)
    let size = try #require(pngSize(at: path))
    #expect(size.width == 600 && size.height == 600)
}

@Test func figureBadOutputPathThrowsGnuplotsComplaint() throws {
    let path = "/nonexistent-\(UUID().uuidString)/figure.png"
    do {
        try lineFigure().render(to: path)
        Issue.record("rendering into a missing directory should throw")
    } catch let error as PipelineError {
        guard case let .figureFailed(failedPath, message) = error else {
            Issue.record("unexpected error \(error)"); return
        }
        #expect(failedPath == path)
        #expect(message.contains("cannot open file"))
        #expect(error.description.contains("cannot open file"))
    }
    #expect(!FileManager.default.fileExists(atPath: path))
}

@Test func figureMissingGnuplotThrows() throws {
    let dir = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("never.png").path
    for gnuplot in ["/nonexistent/bin/gnuplot", "no-such-gnuplot-\(UUID().uuidString)"] {
        #expect(throws: PipelineError.self) { try lineFigure().render(to: path, gnuplot: gnuplot) }
        do { try lineFigure().render(to: path, gnuplot: gnuplot) } catch {
            #expect("\(error)".contains("not found"))
        }
    }
    #expect(!FileManager.default.fileExists(atPath: path))
}

@Test func figureGnuplotThatDiesThrowsInsteadOfSIGPIPE() throws {
    let dir = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    // `false` exits at once, so writing 200k points hits a closed pipe.
    let x = (0..<200_000).map(Double.init)
    let figure = Figure(title: "big", series: [.line("a", x: x, y: x)])
    #expect(throws: PipelineError.self) {
        try figure.render(to: dir.appendingPathComponent("big.png").path, gnuplot: "false")
    }
}

@Test func figureInconsistentSeriesThrows() {
    let figure = Figure(title: "bad", series: [.line("a", x: [1, 2], y: [1])])
    #expect(throws: PipelineError.self) { try figure.render(to: "/tmp/unused.png") }
    #expect(throws: PipelineError.self) { try Figure(title: "empty").render(to: "/tmp/unused.png") }
}

@Test func figureQuotesGnuplotStrings() {
    #expect(gnuplotQuoted("it's") == "'it''s'")
    #expect(gnuplotQuoted("a\nb") == "'a b'")
}

/// Renders one example of each kind and checks each is a PNG; into `FIGURE_EXAMPLES_DIR` when it names a directory
/// (for a person to look at), a temporary directory otherwise.
@Test func figureExamples() throws {
    let temporary = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: temporary) }
    let dir = ProcessInfo.processInfo.environment["FIGURE_EXAMPLES_DIR"] ?? temporary.path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try lineFigure().render(to: dir + "/line.png")
    var generator = SeededGenerator(seed: 7)
    let values = (0..<5000).map { _ in exp(Double.random(in: 0..<1, using: &generator) * 9) }
    let histogram = try Histogram(binning: values, bins: 30, spacing: .logarithmic)
    try Figure.histogram(histogram, title: "Watch counts", xLabel: "count", logX: true, logY: true)
        .render(to: dir + "/histogram-log.png")
    let fpr = (0...100).map { Double($0) / 100 }
    try Figure.roc(title: "ROC, test split", curves: [
        ROCPlotCurve(name: "value model", falsePositiveRate: fpr, truePositiveRate: fpr.map { pow($0, 0.3) }, auc: 0.769),
        ROCPlotCurve(name: "baseline", falsePositiveRate: fpr, truePositiveRate: fpr.map { pow($0, 0.7) }, auc: 0.588),
    ]).render(to: dir + "/roc.png")
    for name in ["line", "histogram-log", "roc"] { #expect(pngSize(at: dir + "/\(name).png") != nil, "\(name).png") }
    #expect(throws: PipelineError.self) { try lineFigure().render(to: "/nonexistent/x.png") }
}

@Test func figureCategoryBarsWithErrorBarsRenderPNG() throws {
    let dir = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let x = [1.0, 2, 3]
    var figure = Figure(title: "Speed-ups", yLabel: "x", series: [
        Series(name: "median", style: .bars, x: x, y: [50, 12, 3], widths: [0.6, 0.6, 0.6]),
        .errorBars("min..max", x: x, y: [50, 12, 3], low: [40, 10, 2.5], high: [55, 14, 3.5]),
    ], logY: true)
    figure.xTicLabels = ["step 1", "GNN-64 'step'", "AUC"]
    #expect(figure.prologue().contains("set xtics ('step 1' 1, 'GNN-64 ''step''' 2, 'AUC' 3)"))
    let path = dir.appendingPathComponent("bars.png").path
    try figure.render(to: path)
    #expect(pngSize(at: path) != nil)
    // One low and one high value per point are required.
    let broken = Figure(title: "broken", series: [.errorBars("e", x: x, y: x, low: [1], high: x)])
    #expect(throws: PipelineError.self) { try broken.render(to: dir.appendingPathComponent("broken.png").path) }
}
