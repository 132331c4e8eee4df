/// Environment steps trained and the wall seconds they took, evaluations excluded.
public struct A2CThroughput: Codable, Sendable, Equatable {
    public var steps = 0
    public var seconds = 0.0

    public init(steps: Int = 0, seconds: Double = 0) {
        self.steps = steps
        self.seconds = seconds
    }

    /// Wall seconds per 100,000 environment steps (DORL's epoch), nil before any step.
    public var secondsPer100k: Double? { steps > 0 ? seconds / Double(steps) * 100_000 : nil }

    /// The sum of two records (arms trained one after the other).
    public static func + (a: A2CThroughput, b: A2CThroughput) -> A2CThroughput {
        A2CThroughput(steps: a.steps + b.steps, seconds: a.seconds + b.seconds)
    }
}
