/// What notebook 2 concludes from step 2's summary: the degree distributions, whether any burst needed the
/// proportional split rule, and the size of the matrices written. Built by `make(_:)` in `GraphConstruction.run`;
/// stored in `graph.json` under "findings".
public struct GraphFindings: Codable, Sendable, Equatable {
    /// How the bursts were split into train, validation and test days.
    public enum SplitRule: String, Codable, Sendable, CaseIterable {
        /// Every burst has 8 or 10 days, the lengths the original handles.
        case originalEverywhere
        /// At least one burst has another length and was split with the same proportions.
        case proportionalSomewhere

        /// The rule `bursts` were split by.
        public static func of(_ bursts: [TimeSplit.BurstDays]) -> SplitRule {
            bursts.contains { !$0.followsOriginalRule } ? .proportionalSomewhere : .originalEverywhere
        }
    }

    /// Out-degrees of the users and in-degrees of the videos with at least one edge.
    public var userDegrees = DistributionSummary([])
    public var videoDegrees = DistributionSummary([])
    public var splitRule = SplitRule.originalEverywhere
    /// Bytes of `edge_features.npy` and `labels.npy` together (Float32 `[edges, 64 + 4]`, headers aside).
    public var matrixBytes = 0

    public init() {}

    /// The findings of `summary` (its degrees included, which `graph.json` leaves out).
    public static func make(_ summary: GraphConstruction.Summary) -> GraphFindings {
        var findings = GraphFindings()
        findings.userDegrees = DistributionSummary(summary.userDegrees.map(Double.init))
        findings.videoDegrees = DistributionSummary(summary.videoDegrees.map(Double.init))
        findings.splitRule = .of(summary.bursts)
        findings.matrixBytes = summary.edges * (EdgeFeatures.count + Head.allCases.count) * MemoryLayout<Float>.size
        return findings
    }
}
