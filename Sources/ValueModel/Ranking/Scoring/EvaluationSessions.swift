/// The sessions step 4 evaluates (SPEC step 4): test-split sessions with `sess_len >= minimumLength`, each
/// with its user, its first row (whose burst/session/context/history columns build the counterfactual
/// features), its list length K = `sess_len`, its context and the videos it showed in the test split.
///
/// Sessions are runs of consecutive step-1 rows with the same (user_id, session); step 1 sorts by (user, time),
/// so each session is contiguous. A session that straddles the split boundary (a session across midnight on
/// the first test day) keeps K = sess_len, as the original, but only its test-split rows are "observed".
public struct EvaluationSessions: Sendable {
    /// User id per session.
    public var users: [Int32] = []
    /// The session counter (`session` column) per session.
    public var sessionNumbers: [Int32] = []
    /// `sess_len` per session: the length K of the simulated list.
    public var lengths: [Int32] = []
    /// Step-1 row of the session's first row (`sess_rank` 1).
    public var firstRows: [Int] = []
    /// Day-part (Beijing hour / 6) of the first row: the synthetic world's session context.
    public var dayparts: [UInt8] = []
    /// `observedOffsets[s] ..< observedOffsets[s + 1]` index `observedVideos` (test-split rows, in order).
    public var observedOffsets: [Int] = [0]
    /// Video ids of the observed rows.
    public var observedVideos: [Int32] = []
    /// Step-1 row of each observed row (for its labels).
    public var observedRows: [Int] = []
    /// Sessions with at least one row outside the test split.
    public var partialSessions = 0
    /// Test sessions that were too short.
    public var tooShort = 0

    /// Number of sessions.
    public var count: Int { users.count }

    public init() {}

    /// Observed video ids of session `s`.
    public func observed(_ s: Int) -> ArraySlice<Int32> { observedVideos[observedOffsets[s]..<observedOffsets[s + 1]] }

    /// Scans step 1's columns (same row order as step 2's `split`) for the evaluation sessions.
    /// - Parameters:
    ///   - timeMs: the `time` column, milliseconds of the Beijing wall clock.
    ///   - split: step 2's `split` (0 train, 1 validation, 2 test).
    public static func select(users: [Int32], videos: [Int32], session: [Int32], sessionLength: [Int32],
                              timeMs: [Int64], split: [Int8], minimumLength: Int) throws -> EvaluationSessions {
        let n = users.count
        guard videos.count == n, session.count == n, sessionLength.count == n, timeMs.count == n, split.count == n else {
            throw PipelineError.invalidData("step 1 columns and step 2's split disagree in length (\(n), \(videos.count), \(session.count), \(sessionLength.count), \(timeMs.count), \(split.count))")
        }
        var out = EvaluationSessions()
        var start = 0
        while start < n {
            var end = start + 1
            while end < n && users[end] == users[start] && session[end] == session[start] { end += 1 }
            let hasTest = (start..<end).contains { split[$0] == 2 }
            if hasTest {
                let length = Int(sessionLength[start])
                if length >= minimumLength {
                    out.users.append(users[start])
                    out.sessionNumbers.append(session[start])
                    out.lengths.append(sessionLength[start])
                    out.firstRows.append(start)
                    out.dayparts.append(daypart(beijingMs: timeMs[start]))
                    var partial = false
                    for row in start..<end {
                        if split[row] == 2 {
                            out.observedVideos.append(videos[row])
                            out.observedRows.append(row)
                        } else {
                            partial = true
                        }
                    }
                    if partial { out.partialSessions += 1 }
                    out.observedOffsets.append(out.observedVideos.count)
                } else {
                    out.tooShort += 1
                }
            }
            start = end
        }
        return out
    }

    /// Day-part (Beijing hour / 6: 0 = 00-05 h … 3 = 18-23 h) of a `time` value in ms of the Beijing wall clock.
    public static func daypart(beijingMs t: Int64) -> UInt8 {
        let msOfDay = ((t % 86_400_000) + 86_400_000) % 86_400_000
        return UInt8(min(3, Int(msOfDay / 3_600_000) / 6))
    }

    /// The sessions at `indices` (in that order), e.g. a seeded subsample for `--max-sessions`.
    public func subset(_ indices: [Int]) -> EvaluationSessions {
        var out = EvaluationSessions()
        out.tooShort = tooShort
        for s in indices {
            out.users.append(users[s])
            out.sessionNumbers.append(sessionNumbers[s])
            out.lengths.append(lengths[s])
            out.firstRows.append(firstRows[s])
            out.dayparts.append(dayparts[s])
            out.observedVideos += observed(s)
            out.observedRows += observedRows[observedOffsets[s]..<observedOffsets[s + 1]]
            out.observedOffsets.append(out.observedVideos.count)
            if observed(s).count < Int(lengths[s]) { out.partialSessions += 1 }
        }
        return out
    }

    /// A seeded random subset of at most `maximum` sessions, kept in their original order (0 = all).
    public func sample(maximum: Int, generator: inout SeededGenerator) -> EvaluationSessions {
        guard maximum > 0, maximum < count else { return self }
        var order = Array(0..<count)
        for i in 0..<maximum {
            let j = i + Int(generator.next() % UInt64(count - i))
            order.swapAt(i, j)
        }
        return subset(order[0..<maximum].sorted())
    }
}
