/// The rows step 1 keeps, in the order it keeps them: interactions inside a burst, sorted by user and then
/// time, ties in file order (a stable sort, as the original's pandas sort on these files).
public struct InteractionOrder {
    /// File row of each kept interaction, in output order.
    public let fileRows: [Int32]
    /// Burst of each kept interaction (1...3).
    public let burstId: [Int8]
    /// Rows dropped because their day lies outside every burst.
    public let droppedOutsideBursts: Int

    /// Filters `log` to the bursts and sorts it.
    public init(log: InteractionLog, bursts: [Burst] = Burst.kuaiRec) {
        var kept: [Int32] = []
        kept.reserveCapacity(log.count)
        for row in 0..<log.count where Burst.id(ofDay: Burst.day(ofMilliseconds: log.timeMs[row]), in: bursts) != 0 {
            kept.append(Int32(row))
        }
        droppedOutsideBursts = log.count - kept.count
        // Counting sort by user (stable), then a stable sort by time inside each user's segment.
        let maxUser = Int(log.userId.max() ?? 0)
        var start = [Int](repeating: 0, count: maxUser + 2)
        for row in kept { start[Int(log.userId[Int(row)]) + 1] += 1 }
        for user in 0...maxUser { start[user + 1] += start[user] }
        var cursor = start
        var sorted = [Int32](repeating: 0, count: kept.count)
        for row in kept {
            let user = Int(log.userId[Int(row)])
            sorted[cursor[user]] = row
            cursor[user] += 1
        }
        let time = log.timeMs
        sorted.withUnsafeMutableBufferPointer { rows in
            let userRanges = contiguousRanges(maxUser + 1, parts: 16)
            parallelFor(chunks: userRanges.count) { part in
                for user in userRanges[part] {
                    let segment = start[user]..<start[user + 1]
                    guard segment.count > 1 else { continue }
                    var isSorted = true
                    for index in segment.dropFirst() where time[Int(rows[index])] < time[Int(rows[index - 1])] {
                        isSorted = false
                        break
                    }
                    if isSorted { continue }
                    // (time, file row) is a total order, so any sort is stable on time.
                    var slice = UnsafeMutableBufferPointer(rebasing: rows[segment])
                    slice.sort { a, b in
                        let (ta, tb) = (time[Int(a)], time[Int(b)])
                        return ta != tb ? ta < tb : a < b
                    }
                }
            }
        }
        fileRows = sorted
        burstId = sorted.map { Burst.id(ofDay: Burst.day(ofMilliseconds: time[Int($0)]), in: bursts) }
    }
}
