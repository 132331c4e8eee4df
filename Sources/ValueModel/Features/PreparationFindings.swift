/// The thresholds step 1's findings decide with, in one place.
public enum PreparationThresholds {
    /// A `describe()` or a per-interaction distribution is computed from an evenly spaced sample once a column holds
    /// at least twice `PreparationReport.sampleLimit` values: the sampling stride `count / sampleLimit` is then 2 or
    /// more, below that every value is used.
    public static let sampledFrom = 2 * PreparationReport.sampleLimit
    /// The original's histogram of the positive inter-session gaps shows gaps of at most this many hours.
    public static let gapHistogramHours = 50.0
    /// The per-user entropy histograms span 0 up to the largest entropy, and at least this much (nats), so that a log
    /// where every user has a single category still has a range to bin.
    public static let smallestEntropyRange = 0.01
    /// A run's label rates are close to the paper's when every head's is within this much (absolute, a share: 0.05 is
    /// 5 percentage points) of the paper's rate.
    public static let labelRateTolerance = 0.05
}

/// What notebook 1 concludes from step 1's report: the summaries of its distributions and which of its sentences
/// apply. Built by `make(_:)` once the report is complete; stored in `report.json` under "findings".
public struct PreparationFindings: Codable, Sendable, Equatable {
    /// Whether quartiles came from every value or from an evenly spaced sample (`PreparationThresholds.sampledFrom`).
    public enum QuartileSource: String, Codable, Sendable, CaseIterable {
        case everyValue, evenlySpacedSample

        /// The source for a column of `count` values.
        public static func forCount(_ count: Int) -> QuartileSource {
            count >= PreparationThresholds.sampledFrom ? .evenlySpacedSample : .everyValue
        }
    }

    /// Whether the per-interaction distributions (play duration, watch ratio) cover every kept interaction.
    public enum InteractionCoverage: String, Codable, Sendable, CaseIterable {
        case everyInteraction, evenlySpacedSample

        /// The coverage of a sample of `sampled` rows out of `kept`.
        public static func of(sampled: Int, kept: Int) -> InteractionCoverage {
            sampled < kept ? .evenlySpacedSample : .everyInteraction
        }
    }

    /// Whose running entropy notebook 1 plots: the user the original plots, or (absent from the log) the user with
    /// the most rows.
    public enum EntropyUserChoice: String, Codable, Sendable, CaseIterable {
        case originalUser, mostRows

        /// The choice that `user` represents.
        public static func of(user: Int32) -> EntropyUserChoice {
            user == PreparationReport.originalEntropyUser ? .originalUser : .mostRows
        }
    }

    /// The once-per-session positive gaps (hours) between a user's sessions.
    public struct PositiveGaps: Codable, Sendable, Equatable {
        public var count: Int
        public var medianHours: Double
        /// Share of the gaps of at most `PreparationThresholds.gapHistogramHours`.
        public var shareInHistogram: Double
    }

    /// Count and the 10%, 50%, 90% and 99% quantiles of a duration or ratio.
    public struct Quantiles: Codable, Sendable, Equatable {
        public var count: Int
        /// At `Quantiles.levels`, in order.
        public var values: [Double]

        /// The quantile levels.
        public static let levels = [0.1, 0.5, 0.9, 0.99]

        public init(_ sample: [Double]) {
            count = sample.count
            values = Self.levels.map { Statistics.quantile(sample, $0) }
        }
    }

    /// One user's running level-2 entropy from the first to the last of their rows.
    public struct EntropyTrajectory: Codable, Sendable, Equatable {
        public var user: Int32
        public var choice: EntropyUserChoice
        public var rows: Int
        public var first: Double
        public var last: Double
        /// Days from the user's first row to the last.
        public var days: Double
        public var largest: Double
    }

    /// Whether the run's label rates are close to those the paper reports on real KuaiRec.
    public enum LabelRateVerdict: String, Codable, Sendable, CaseIterable {
        /// Every head within `PreparationThresholds.labelRateTolerance` of the paper's rate.
        case closeToPaper
        /// Some head further.
        case apartFromPaper
    }

    /// The head whose label rate is furthest from the paper's, and the verdict over all four.
    public struct LabelRates: Codable, Sendable, Equatable {
        public var furthestHead: Head
        public var rate: Double
        public var paperRate: Double
        public var verdict: LabelRateVerdict

        /// The comparison of `rates` (complete, long, rewatch, neg) with `PreparationFindings.paperLabelRates`; nil
        /// unless there are four rates.
        public static func make(_ rates: [Double]) -> LabelRates? {
            let paper = PreparationFindings.paperLabelRates
            guard rates.count == paper.count,
                  let furthest = Head.allCases.max(by: { abs(rates[$0.rawValue] - paper[$0.rawValue]) < abs(rates[$1.rawValue] - paper[$1.rawValue]) })
            else { return nil }
            let gap = abs(rates[furthest.rawValue] - paper[furthest.rawValue])
            return LabelRates(furthestHead: furthest, rate: rates[furthest.rawValue], paperRate: paper[furthest.rawValue],
                              verdict: gap <= PreparationThresholds.labelRateTolerance ? .closeToPaper : .apartFromPaper)
        }
    }

    /// Days with data over all bursts.
    public var burstDays = 0
    /// Kept interactions (inside a burst) as a share of all read (nil when none was read).
    public var keptShare: Double?
    /// The label rates against the paper's (nil unless all four rates were computed).
    public var labelRates: LabelRates?
    /// Interactions per session, and sessions per user.
    public var sessionLength = DistributionSummary([])
    public var sessionsPerUser = DistributionSummary([])
    /// Quartiles of `hist_intersess_gap_h`, of every column's `describe()` and of the author-history features.
    public var gapQuartiles = QuartileSource.everyValue
    public var columnQuartiles = QuartileSource.everyValue
    /// Nil when no session follows an earlier one.
    public var positiveGaps: PositiveGaps?
    /// Per video duration (s), per interaction play duration (s) and watch ratio.
    public var videoDuration = Quantiles([])
    public var playDuration = Quantiles([])
    public var watchRatio = Quantiles([])
    public var interactionCoverage = InteractionCoverage.everyInteraction
    /// Per level of the category tree (1, 2, 3), the users' category entropies (nats).
    public var categoryEntropy: [DistributionSummary] = []
    /// The upper end of the entropy histograms' range: the largest user entropy of any level (1 without users), at
    /// least `PreparationThresholds.smallestEntropyRange`.
    public var entropyRange = 1.0
    /// Nil when the log is empty.
    public var entropyTrajectory: EntropyTrajectory?

    /// Label rates the paper reports on real KuaiRec (complete, long, rewatch, neg).
    public static let paperLabelRates = [0.34, 0.215, 0.075, 0.125]

    public init() {}

    /// The findings of a complete `report`.
    public static func make(_ report: PreparationReport) -> PreparationFindings {
        var findings = PreparationFindings()
        findings.burstDays = report.bursts.reduce(0) { $0 + $1.days }
        let read = report.keptRows + report.droppedOutsideBursts
        findings.keptShare = read > 0 ? Double(report.keptRows) / Double(read) : nil
        findings.labelRates = LabelRates.make(report.overallLabelRates)
        findings.sessionLength = DistributionSummary(report.sessionLengths.map(Double.init))
        findings.sessionsPerUser = DistributionSummary(report.sessionsPerUser.map(Double.init))
        findings.gapQuartiles = .forCount(report.gapFeatureSummary.first.map { Int($0) } ?? 0)
        findings.columnQuartiles = .forCount(report.keptRows)
        let positive = report.positiveSessionGapHours
        if !positive.isEmpty {
            let inHistogram = positive.filter { $0 <= PreparationThresholds.gapHistogramHours }.count
            findings.positiveGaps = PositiveGaps(count: positive.count, medianHours: Statistics.quantile(positive, 0.5),
                                                 shareInHistogram: Double(inHistogram) / Double(positive.count))
        }
        findings.videoDuration = Quantiles(report.videoDurationSeconds)
        findings.playDuration = Quantiles(report.playSecondsSample)
        findings.watchRatio = Quantiles(report.watchRatioSample)
        findings.interactionCoverage = .of(sampled: report.playSecondsSample.count, kept: report.keptRows)
        findings.categoryEntropy = report.userCategoryEntropy.map(DistributionSummary.init)
        let largest = report.userCategoryEntropy.flatMap { $0 }.max() ?? 1
        findings.entropyRange = max(largest, PreparationThresholds.smallestEntropyRange)
        if let user = report.entropyTrajectoryUser, let first = report.entropyTrajectory.first, let last = report.entropyTrajectory.last {
            let entropies = report.entropyTrajectory.map { Double($0.entropy) }
            findings.entropyTrajectory = EntropyTrajectory(
                user: user, choice: .of(user: user), rows: entropies.count, first: Double(first.entropy), last: Double(last.entropy),
                days: PreparationReport.days(from: first.timeMs, to: last.timeMs), largest: entropies.max() ?? 0)
        }
        return findings
    }
}
