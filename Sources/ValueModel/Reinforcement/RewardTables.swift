/// What a simulated user answers to every (user, item) pair: the dense tables a learned user model (or a synthetic
/// truth) hands the actor-critic engine.
///
/// Layout (row-major by user, Float32): `reward[u * items + j]` is the capped watch ratio R̂, `heads[(u * items + j) * 4 + h]`
/// the probabilities of the four heads (complete, long, rewatch, negative), and `uncertainty[u * items + j]`, when
/// present, the user-model members' disagreement U for the pair (MOPO's and DORL's penalty).
public struct RewardTables: Sendable {
    /// Signals per step the environment returns: the (penalised) watch ratio, then the four heads.
    public static let signalCount = 5
    /// Heads per pair.
    public static let headCount = 4

    /// Number of users (rows).
    public let users: Int
    /// Number of items (columns).
    public let items: Int
    /// `[users * items]`: the capped watch ratio.
    public let reward: [Float]
    /// `[users * items * 4]`: head probabilities.
    public let heads: [Float]
    /// `[users * items]`: the members' disagreement (nil when the user model has a single member).
    public let uncertainty: [Float]?

    /// Checks the sizes and that every value is finite (head probabilities in [0, 1], uncertainties non-negative).
    public init(users: Int, items: Int, reward: [Float], heads: [Float], uncertainty: [Float]? = nil) throws {
        guard users > 0, items > 0 else {
            throw PipelineError.invalidData("reward tables need at least one user and one item, got \(users) x \(items)")
        }
        let (pairs, overflow) = users.multipliedReportingOverflow(by: items)
        guard !overflow, pairs <= Int(Int32.max) else {
            throw PipelineError.invalidData("reward tables of \(users) users x \(items) items are too large")
        }
        guard reward.count == pairs, heads.count == pairs * Self.headCount, uncertainty.map({ $0.count == pairs }) ?? true else {
            throw PipelineError.invalidData("""
                reward tables for \(users) x \(items) pairs need \(pairs) rewards, \(pairs * Self.headCount) head values and \
                \(pairs) uncertainties; got \(reward.count), \(heads.count) and \(uncertainty.map { String($0.count) } ?? "none")
                """)
        }
        if let bad = reward.firstIndex(where: { !$0.isFinite }) {
            throw PipelineError.invalidData("reward table: value \(reward[bad]) for user \(bad / items), item \(bad % items) is not finite")
        }
        if let bad = heads.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
            throw PipelineError.invalidData("head table: value \(heads[bad]) for user \(bad / (items * 4)), item \(bad / 4 % items), head \(bad % 4) is not a probability")
        }
        if let uncertainty, let bad = uncertainty.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
            throw PipelineError.invalidData("uncertainty table: value \(uncertainty[bad]) for user \(bad / items), item \(bad % items) is not a finite non-negative number")
        }
        self.users = users
        self.items = items
        self.reward = reward
        self.heads = heads
        self.uncertainty = uncertainty
    }
}
