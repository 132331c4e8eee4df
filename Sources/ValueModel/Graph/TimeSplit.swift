/// The time-based split of SPEC step 2: inside each burst, the calendar days that hold interactions are
/// split earliest-first into train, validation and test days. The original's rule is 4/2/2 for 8 days and
/// 6/2/2 for 10 days; for other lengths this uses the same proportions, validation = test =
/// max(1, round(days / 5)) days and the rest for training (which gives 4/2/2 and 6/2/2 exactly).
public struct TimeSplit {
    /// The part of the data an edge belongs to.
    public enum Part: Int8, CaseIterable, Sendable {
        case train = 0, validation = 1, test = 2

        public var name: String { ["train", "validation", "test"][Int(rawValue)] }
    }

    /// How one burst's days were split.
    public struct BurstDays: Sendable, Codable {
        public var burst: Int
        public var days: [Int]
        public var trainDays: Int
        public var validationDays: Int
        public var testDays: Int
        /// Whether the burst's length is one the original handles (8 or 10 days).
        public var followsOriginalRule: Bool { days.count == 8 || days.count == 10 }
    }

    /// Part of every edge.
    public let part: [Int8]
    /// Per burst, its days and how they were divided.
    public let bursts: [BurstDays]

    /// Days of validation and of test for a burst of `dayCount` days, and of training.
    public static func dayCounts(_ dayCount: Int) -> (train: Int, validation: Int, test: Int) {
        let held = max(1, Int((Double(dayCount) / 5).rounded()))
        return (dayCount - 2 * held, held, held)
    }

    /// Splits edges given each edge's burst and calendar day (days since 1970-01-01).
    public init(burst: [Int8], day: [Int32]) throws {
        var daysOfBurst: [Int8: Set<Int32>] = [:]
        for (b, d) in zip(burst, day) { daysOfBurst[b, default: []].insert(d) }
        var partOfDay: [Int32: Int8] = [:]
        var summaries: [BurstDays] = []
        for burstId in daysOfBurst.keys.sorted() {
            let days = daysOfBurst[burstId, default: []].sorted()
            let counts = Self.dayCounts(days.count)
            guard counts.train >= 1 else {
                throw PipelineError.invalidData("burst \(burstId) has interactions on only \(days.count) day(s) ("
                    + days.map { Burst.isoDate(Int($0)) }.joined(separator: ", ")
                    + "); at least 3 days are needed to split it into train, validation and test days")
            }
            for (index, d) in days.enumerated() {
                partOfDay[d] = index < counts.train ? Part.train.rawValue
                    : index < counts.train + counts.validation ? Part.validation.rawValue : Part.test.rawValue
            }
            summaries.append(BurstDays(burst: Int(burstId), days: days.map(Int.init), trainDays: counts.train,
                                       validationDays: counts.validation, testDays: counts.test))
        }
        part = day.map { partOfDay[$0] ?? Part.train.rawValue }
        bursts = summaries
    }

    /// Indices of the edges in `part`.
    public func indices(_ wanted: Part) -> [Int64] {
        part.indices.filter { part[$0] == wanted.rawValue }.map(Int64.init)
    }
}

/// The "tiny" graph for hyperparameter sweeps: a seeded random 5% of all edges (without replacement),
/// re-split at random 80/10/10.
public struct TinyGraph {
    /// Share of edges sampled.
    public static let fraction = 0.05

    /// Indices (into the full edge table) of the sampled edges, in increasing order.
    public let edges: [Int64]
    /// Part of each sampled edge (0 train, 1 validation, 2 test).
    public let part: [Int8]

    /// Samples `floor(0.05 · edgeCount)` edges with `generator`, then assigns floor(80%) of them (in random
    /// order) to training, floor(10%) to validation and the rest to test.
    public init(edgeCount: Int, generator: inout SeededGenerator) {
        let size = Int(Double(edgeCount) * Self.fraction)
        // Partial Fisher-Yates over a sparse permutation: O(size) memory.
        var swapped: [Int: Int] = [:]
        var chosen = [Int](repeating: 0, count: size)
        for index in 0..<size {
            let pick = index + Int(generator.next() % UInt64(edgeCount - index))
            chosen[index] = swapped[pick] ?? pick
            swapped[pick] = swapped[index] ?? index
        }
        // `chosen` is already in random order: the first 80% train, the next 10% validation, the rest test.
        let trainCount = Int(Double(size) * 0.8)
        let validationCount = Int(Double(size) * 0.1)
        let byEdge = chosen.enumerated().map { position, edge -> (Int, Int8) in
            (edge, position < trainCount ? 0 : position < trainCount + validationCount ? 1 : 2)
        }.sorted { $0.0 < $1.0 }
        edges = byEdge.map { Int64($0.0) }
        part = byEdge.map { $0.1 }
    }
}
