import ValueModel

extension Figure {
    /// One histogram drawn as bars; with `logX` use logarithmic spacing so the bars look even.
    public static func histogram(_ histogram: Histogram, title: String, xLabel: String, yLabel: String = "count",
                                 logX: Bool = false, logY: Bool = false) -> Figure {
        var figure = Figure(title: title, xLabel: xLabel, yLabel: yLabel, series: [.bars("", histogram)],
                            logX: logX, logY: logY)
        figure.legend = .hidden
        return figure
    }
}
