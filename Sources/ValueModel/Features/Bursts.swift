/// A burst of KuaiRec logging: a run of calendar days (Beijing time) with dense interactions.
public struct Burst: Sendable, Equatable {
    /// 1-based burst number.
    public var id: Int8
    /// First and last day, as days since 1970-01-01.
    public var firstDay: Int
    public var lastDay: Int

    /// Number of calendar days in the burst.
    public var dayCount: Int { lastDay - firstDay + 1 }

    /// A burst from ISO dates (`"2020-07-05"`).
    public init(id: Int8, first: (Int, Int, Int), last: (Int, Int, Int)) {
        self.id = id
        firstDay = FieldParsing.daysFromCivil(year: first.0, month: first.1, day: first.2)
        lastDay = FieldParsing.daysFromCivil(year: last.0, month: last.1, day: last.2)
    }

    /// The KuaiRec 2.0 bursts the original chose by hand (SPEC step 1.1).
    public static let kuaiRec: [Burst] = [
        Burst(id: 1, first: (2020, 7, 5), last: (2020, 7, 12)),
        Burst(id: 2, first: (2020, 8, 1), last: (2020, 8, 10)),
        Burst(id: 3, first: (2020, 8, 27), last: (2020, 9, 5)),
    ]

    /// The burst containing `day`, or 0 when the day lies outside every burst.
    public static func id(ofDay day: Int, in bursts: [Burst] = kuaiRec) -> Int8 {
        for burst in bursts where day >= burst.firstDay && day <= burst.lastDay { return burst.id }
        return 0
    }

    /// The day number of a naive millisecond clock reading.
    @inline(__always)
    public static func day(ofMilliseconds milliseconds: Int64) -> Int {
        Int(milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000)
    }

    /// `YYYY-MM-DD` of a day number.
    public static func isoDate(_ day: Int) -> String {
        let (year, month, dayOfMonth) = FieldParsing.civilFromDays(day)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(dayOfMonth))"
    }
}
