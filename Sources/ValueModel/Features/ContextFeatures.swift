#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Context features (SPEC step 1.6) from the UTC `timestamp`, as the original computes them (so the "hour"
/// is the UTC hour, not Beijing's): the time of day on the unit circle, in Float32 as numpy does, and
/// whether the UTC day is a Saturday or Sunday.
public struct ContextFeatures {
    public let hourSin: [Float]
    public let hourCos: [Float]
    public let isWeekend: [Int8]

    public init(timestamp: [Double]) {
        var hourSin = [Float](repeating: 0, count: timestamp.count)
        var hourCos = [Float](repeating: 0, count: timestamp.count)
        var isWeekend = [Int8](repeating: 0, count: timestamp.count)
        let twoPi = Float(2 * Double.pi)
        for (row, seconds) in timestamp.enumerated() {
            let whole = Int64(seconds.rounded(.down))
            let day = whole >= 0 ? whole / 86_400 : (whole - 86_399) / 86_400
            let secondOfDay = Float(whole - day * 86_400)
            let angle = twoPi * (secondOfDay / Float(86_400))
            hourSin[row] = sinf(angle)
            hourCos[row] = cosf(angle)
            // 1970-01-01 was a Thursday (pandas dayofweek 3); Saturday = 5, Sunday = 6.
            let dayOfWeek = ((day + 3) % 7 + 7) % 7
            isWeekend[row] = dayOfWeek >= 5 ? 1 : 0
        }
        self.hourSin = hourSin
        self.hourCos = hourCos
        self.isWeekend = isWeekend
    }
}
