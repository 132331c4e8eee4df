#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `hist_` features (SPEC step 1.7), computed in one pass over rows sorted by (user, time), each from
/// strictly earlier rows of its group. The original's resets and fills are kept exactly:
/// EMAs (alpha 0.1, `adjust=False`, shifted one row; first row missing) and the level-2 entropy history run
/// per user across bursts; the author trio restarts per (user, burst, author); the previous-session pair
/// restarts per (user, burst).
public enum HistoryFeatures {
    /// EMA smoothing factor.
    public static let alpha = 0.1

    /// Per-user EMA of `values`, shifted by one row: row t gets the EMA of rows before t (NaN for a user's first row).
    public static func shiftedEMA(user: [Int32], values: [Double]) -> [Float] {
        var result = [Float](repeating: .nan, count: values.count)
        var ema = 0.0
        for row in values.indices {
            if row == 0 || user[row] != user[row - 1] {
                ema = values[row]
                continue
            }
            result[row] = Float(ema)
            ema = (1 - alpha) * ema + alpha * values[row]
        }
        return result
    }

    /// EMA of `values` per (user, category), shifted within that group (NaN for the group's first row).
    /// `category` holds dense category indices 0..<categoryCount.
    public static func shiftedGroupEMA(user: [Int32], category: [Int32], categoryCount: Int, values: [Double]) -> [Float] {
        var result = [Float](repeating: .nan, count: values.count)
        var ema = [Double](repeating: 0, count: categoryCount)
        var ownerRow = [Int](repeating: -1, count: categoryCount)  // the user-start row that last touched the slot
        var userStart = 0
        for row in values.indices {
            if row == 0 || user[row] != user[row - 1] { userStart = row }
            let slot = Int(category[row])
            if ownerRow[slot] == userStart {
                result[row] = Float(ema[slot])
                ema[slot] = (1 - alpha) * ema[slot] + alpha * values[row]
            } else {
                ownerRow[slot] = userStart
                ema[slot] = values[row]
            }
        }
        return result
    }

    /// Shannon entropy (natural log) of the user's level-2 category counts over earlier rows; 0 for the first.
    /// `category` holds dense indices, with -1 for a missing category: each missing value counts as a new
    /// category of its own, as in the original (NaN never equals NaN as a dictionary key).
    public static func entropyHistory(user: [Int32], category: [Int32], categoryCount: Int) -> [Float] {
        var result = [Float](repeating: 0, count: category.count)
        var counts = [Int](repeating: 0, count: categoryCount)
        var touched: [Int] = []
        var total = 0
        var sumCLogC = 0.0  // Σ c·log c over categories seen; entropy = log N − Σ c log c / N
        for row in category.indices {
            if row == 0 || user[row] != user[row - 1] {
                for slot in touched { counts[slot] = 0 }
                touched.removeAll(keepingCapacity: true)
                total = 0
                sumCLogC = 0
            }
            result[row] = total == 0 ? 0 : Float(log(Double(total)) - sumCLogC / Double(total))
            let slot = Int(category[row])
            if slot >= 0 {
                let c = counts[slot]
                if c == 0 { touched.append(slot) }
                sumCLogC += Double(c + 1) * log(Double(c + 1)) - (c > 0 ? Double(c) * log(Double(c)) : 0)
                counts[slot] = c + 1
            }
            total += 1
        }
        return result
    }

    /// The author trio within (user, burst, author): days since the previous row of the same author, that
    /// row's `y_complete`, and whether such a row exists. Rows whose author is unknown (-1) have no history.
    public static func authorHistory(user: [Int32], burst: [Int8], author: [Int32], authorCount: Int,
                                     timeMs: [Int64], complete: [Int8]) -> (recencyDays: [Float], lastComplete: [Float], hasHistory: [Int8]) {
        var recency = [Float](repeating: .nan, count: user.count)
        var lastComplete = [Float](repeating: .nan, count: user.count)
        var hasHistory = [Int8](repeating: 0, count: user.count)
        var ownerRow = [Int](repeating: -1, count: authorCount)
        var lastTime = [Int64](repeating: 0, count: authorCount)
        var lastLabel = [Int8](repeating: 0, count: authorCount)
        var groupStart = 0
        for row in user.indices {
            if row == 0 || user[row] != user[row - 1] || burst[row] != burst[row - 1] { groupStart = row }
            let slot = Int(author[row])
            guard slot >= 0 else { continue }
            if ownerRow[slot] == groupStart {
                recency[row] = Float(Double(timeMs[row] - lastTime[slot]) / 1000 / 86_400)
                lastComplete[row] = Float(lastLabel[slot])
                hasHistory[row] = 1
            }
            ownerRow[slot] = groupStart
            lastTime[slot] = timeMs[row]
            lastLabel[slot] = complete[row]
        }
        return (recency, lastComplete, hasHistory)
    }

    /// Previous session's length and the hours between its last row and this session's first row, within
    /// (user, burst); 0 for a user's first session in a burst.
    public static func sessionHistory(sessions: Sessions, user: [Int32], burst: [Int8], timeMs: [Int64]) -> (previousLength: [Float], gapHours: [Float]) {
        var previousLength = [Float](repeating: 0, count: user.count)
        var gapHours = [Float](repeating: 0, count: user.count)
        for index in 0..<sessions.count {
            let first = sessions.starts[index]
            let end = sessions.starts[index + 1]
            guard index > 0 else { continue }
            let previousFirst = sessions.starts[index - 1]
            guard user[previousFirst] == user[first], burst[previousFirst] == burst[first] else { continue }
            let length = Float(first - previousFirst)
            let gap = Float(Double(timeMs[first] - timeMs[first - 1]) / 1000 / 3600)
            for row in first..<end {
                previousLength[row] = length
                gapHours[row] = gap
            }
        }
        return (previousLength, gapHours)
    }

    /// Dense indices of category ids (Double; NaN -> -1), in order of first appearance, and their count.
    public static func denseCategories(_ ids: [Double]) -> (indices: [Int32], count: Int) {
        var slotOf: [Double: Int32] = [:]
        let indices = ids.map { id -> Int32 in
            guard !id.isNaN else { return -1 }
            if let slot = slotOf[id] { return slot }
            let slot = Int32(slotOf.count)
            slotOf[id] = slot
            return slot
        }
        return (indices, slotOf.count)
    }
}
