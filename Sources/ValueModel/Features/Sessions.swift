/// Sessions (SPEC step 1.2): over rows sorted by user and time, a new session starts at a user's first row
/// or after a gap of more than one hour. `session` counts a user's sessions across bursts (1, 2, …).
public struct Sessions {
    /// Gap (milliseconds) above which a new session starts.
    public static let maximumGapMs: Int64 = 3_600_000

    public let session: [Int32]
    /// 1-based position inside the session.
    public let rank: [Int32]
    /// Number of rows of the session.
    public let length: [Int32]
    /// Output-order index of each session's first row, and one past the last row (session `s` of the
    /// whole table spans `starts[s]..<starts[s + 1]`).
    public let starts: [Int]

    /// Finds the sessions of rows already sorted by (user, time).
    public init(user: [Int32], timeMs: [Int64]) {
        let count = user.count
        var session = [Int32](repeating: 0, count: count)
        var rank = [Int32](repeating: 0, count: count)
        var starts: [Int] = []
        var current: Int32 = 0
        for row in 0..<count {
            let newUser = row == 0 || user[row] != user[row - 1]
            if newUser { current = 0 }
            if newUser || timeMs[row] - timeMs[row - 1] > Self.maximumGapMs {
                current += 1
                starts.append(row)
                rank[row] = 1
            } else {
                rank[row] = rank[row - 1] + 1
            }
            session[row] = current
        }
        starts.append(count)
        var length = [Int32](repeating: 0, count: count)
        for index in 0..<(starts.count - 1) {
            let span = starts[index]..<starts[index + 1]
            for row in span { length[row] = Int32(span.count) }
        }
        self.session = session
        self.rank = rank
        self.length = length
        self.starts = starts
    }

    /// Number of sessions.
    public var count: Int { starts.count - 1 }
}
