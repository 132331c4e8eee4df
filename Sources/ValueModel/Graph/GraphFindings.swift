/// What notebook 2 concludes from step 2's summary: the degree distributions, whether any burst needed the
/// proportional split rule, whether evaluation days precede training days, the shares of the three splits, the
/// largest shift of a label's rate between training and test edges, and the size of the matrices written. Built
/// by `make(_:)` in `GraphConstruction.run`; stored in `graph.json` under "findings".
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

    /// Whether the split by days inside each burst keeps every evaluation day after every training day.
    public enum SplitOrder: String, Codable, Sendable, CaseIterable {
        /// Every validation and test day comes after every training day.
        case trainingFirst
        /// Some validation or test day (of an earlier burst) comes before a training day (of a later burst): the
        /// models train on days later than some they are evaluated on.
        case evaluationBeforeLaterTraining

        /// The order of `bursts`' days: their first `trainDays` days train, the rest evaluate.
        public static func of(_ bursts: [TimeSplit.BurstDays]) -> SplitOrder {
            let lastTraining = bursts.compactMap { $0.days.prefix($0.trainDays).max() }.max()
            let firstEvaluation = bursts.compactMap { $0.days.dropFirst($0.trainDays).min() }.min()
            guard let lastTraining, let firstEvaluation else { return .trainingFirst }
            return firstEvaluation < lastTraining ? .evaluationBeforeLaterTraining : .trainingFirst
        }

        /// The bursts (ids, ascending) holding a validation or test day earlier than some training day.
        public static func earlyBursts(_ bursts: [TimeSplit.BurstDays]) -> [Int] {
            guard let lastTraining = bursts.compactMap({ $0.days.prefix($0.trainDays).max() }).max() else { return [] }
            return bursts.filter { b in b.days.dropFirst(b.trainDays).contains { $0 < lastTraining } }.map(\.burst).sorted()
        }
    }

    /// The head whose positive rate differs most between the training and the test edges.
    public struct LabelShift: Codable, Sendable, Equatable {
        public var head: Head
        /// Its positive rate on the training edges and on the test edges.
        public var train: Double
        public var test: Double
    }

    /// Out-degrees of the users and in-degrees of the videos with at least one edge.
    public var userDegrees = DistributionSummary([])
    public var videoDegrees = DistributionSummary([])
    public var splitRule = SplitRule.originalEverywhere
    /// nil in a `graph.json` written before it was recorded.
    public var splitOrder: SplitOrder?
    /// The bursts with an evaluation day before some training day (empty with `.trainingFirst`).
    public var earlyEvaluationBursts: [Int]?
    /// Train, validation and test edges as shares of all edges.
    public var partShares: [Double]?
    /// nil without training or test edges.
    public var labelShift: LabelShift?
    /// Bytes of `edge_features.npy` and `labels.npy` together (Float32 `[edges, 64 + 4]`, headers aside).
    public var matrixBytes = 0

    public init() {}

    /// The findings of `summary` (its degrees included, which `graph.json` leaves out).
    public static func make(_ summary: GraphConstruction.Summary) -> GraphFindings {
        var findings = GraphFindings()
        findings.userDegrees = DistributionSummary(summary.userDegrees.map(Double.init))
        findings.videoDegrees = DistributionSummary(summary.videoDegrees.map(Double.init))
        findings.splitRule = .of(summary.bursts)
        findings.splitOrder = .of(summary.bursts)
        findings.earlyEvaluationBursts = SplitOrder.earlyBursts(summary.bursts)
        let total = summary.partSizes.reduce(0, +)
        findings.partShares = summary.partSizes.map { Double($0) / Double(max(total, 1)) }
        findings.labelShift = labelShift(rates: summary.labelRates, sizes: summary.partSizes)
        findings.matrixBytes = summary.edges * (EdgeFeatures.count + Head.allCases.count) * MemoryLayout<Float>.size
        return findings
    }

    /// The largest |test − train| positive rate over the heads (the first of equal ones); `rates[part][head]` in
    /// `TimeSplit.Part` and `Head` order, `sizes[part]` the edges of each part. nil when the training or the test
    /// part is empty or a rate is missing.
    static func labelShift(rates: [[Double]], sizes: [Int]) -> LabelShift? {
        let train = Int(TimeSplit.Part.train.rawValue), test = Int(TimeSplit.Part.test.rawValue)
        guard rates.count > max(train, test), sizes.count > max(train, test), sizes[train] > 0, sizes[test] > 0,
              rates[train].count == Head.allCases.count, rates[test].count == Head.allCases.count else { return nil }
        let head = Head.allCases.max { abs(rates[test][$0.rawValue] - rates[train][$0.rawValue]) < abs(rates[test][$1.rawValue] - rates[train][$1.rawValue]) }
        return head.map { LabelShift(head: $0, train: rates[train][$0.rawValue], test: rates[test][$0.rawValue]) }
    }
}
