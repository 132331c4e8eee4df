import Foundation
import ValueModel

/// One ROC curve to draw: false- and true-positive rates in threshold order (Float64), and the AUC
/// shown in its legend entry when given.
public struct ROCPlotCurve: Sendable, Equatable {
    public var name: String
    public var falsePositiveRate: [Double]
    public var truePositiveRate: [Double]
    public var auc: Double?

    public init(name: String, falsePositiveRate: [Double], truePositiveRate: [Double], auc: Double? = nil) {
        self.name = name
        self.falsePositiveRate = falsePositiveRate
        self.truePositiveRate = truePositiveRate
        self.auc = auc
    }

    /// The legend entry: `name (AUC = 0.812)`, or just the name without an AUC.
    public var label: String {
        guard let auc else { return name }
        return "\(name) (AUC = \(String(format: "%.3f", auc)))"
    }
}

extension Figure {
    /// ROC curves on the unit square with the dashed chance diagonal, legend at the bottom right.
    public static func roc(title: String, curves: [ROCPlotCurve], size: Int = 600) -> Figure {
        var figure = Figure(title: title, xLabel: "false positive rate", yLabel: "true positive rate",
                            width: size, height: size)
        figure.series = curves.map { .line($0.label, x: $0.falsePositiveRate, y: $0.truePositiveRate) }
        figure.series.append(.line("chance", x: [0, 1], y: [0, 1], dashed: true))
        figure.xRange = 0...1
        figure.yRange = 0...1
        figure.legend = .bottomRight
        return figure
    }
}
