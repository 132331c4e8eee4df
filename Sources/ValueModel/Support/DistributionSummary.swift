/// The count, median, mean, 90th percentile and maximum of a sample: the row a notebook prints for a distribution
/// (quantiles by `Statistics.quantile`, numpy's linear interpolation).
public struct DistributionSummary: Codable, Sendable, Equatable {
    public var count: Int
    /// NaN for an empty sample.
    public var median: Double
    /// 0 for an empty sample.
    public var mean: Double
    /// NaN for an empty sample.
    public var percentile90: Double
    /// 0 for an empty sample.
    public var max: Double

    public init(count: Int, median: Double, mean: Double, percentile90: Double, max: Double) {
        self.count = count
        self.median = median
        self.mean = mean
        self.percentile90 = percentile90
        self.max = max
    }

    /// The summary of `values`.
    public init(_ values: [Double]) {
        self.init(count: values.count, median: Statistics.quantile(values, 0.5),
                  mean: values.reduce(0, +) / Double(Swift.max(values.count, 1)),
                  percentile90: Statistics.quantile(values, 0.9), max: values.max() ?? 0)
    }
}
