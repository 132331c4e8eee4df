#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parsers for the typed fields of KuaiRec files, working directly on the mapped bytes.
/// Each returns nil when the text is not a valid value of its type; callers turn that into a located error.
public enum FieldParsing {
    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// A decimal integer with optional sign (`-12`, `+3`, `40`).
    @inline(__always)
    public static func parseInt(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        var index = start
        guard index < end else { return nil }
        var negative = false
        if base[index] == UInt8(ascii: "-") || base[index] == UInt8(ascii: "+") {
            negative = base[index] == UInt8(ascii: "-")
            index += 1
        }
        guard index < end, end - index <= 18 else { return nil }
        var value = 0
        while index < end {
            let digit = Int(base[index]) &- 48
            guard digit >= 0, digit <= 9 else { return nil }
            value = value &* 10 &+ digit
            index += 1
        }
        return negative ? -value : value
    }

    /// A floating-point number: the usual decimal forms, exponents, `inf` and `nan` (as C's `strtod`).
    /// Short decimals (up to 15 significant digits, the common case) take an exact fast path.
    @inline(__always)
    public static func parseDouble(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var index = start
        guard index < end else { return nil }
        var negative = false
        if base[index] == UInt8(ascii: "-") || base[index] == UInt8(ascii: "+") {
            negative = base[index] == UInt8(ascii: "-")
            index += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var sawDigit = false
        while index < end, base[index] &- 48 < 10 {
            if mantissa != 0 || base[index] != 48 { digits += 1 }
            mantissa = mantissa &* 10 &+ UInt64(base[index] &- 48)
            sawDigit = true
            index += 1
        }
        if index < end, base[index] == UInt8(ascii: ".") {
            index += 1
            while index < end, base[index] &- 48 < 10 {
                if mantissa != 0 || base[index] != 48 { digits += 1 }
                mantissa = mantissa &* 10 &+ UInt64(base[index] &- 48)
                fractionDigits += 1
                sawDigit = true
                index += 1
            }
        }
        if index == end, sawDigit, digits <= 15, fractionDigits <= 22 {
            let magnitude = Double(mantissa) / powersOfTen[fractionDigits]
            return negative ? -magnitude : magnitude
        }
        return parseWithStrtod(base, start, end)
    }

    private static func parseWithStrtod(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        let length = end - start
        guard length > 0, length < 400 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer -> Double? in
            for offset in 0..<length { buffer[offset] = CChar(bitPattern: base[start + offset]) }
            buffer[length] = 0
            var stop: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &stop)
            guard let stop, stop == buffer.baseAddress! + length else { return nil }
            return value
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The (year, month, day) of a day number since 1970-01-01 (H. Hinnant's `civil_from_days`).
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    @inline(__always)
    private static func digits(_ base: UnsafePointer<UInt8>, _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for offset in 0..<count {
            let digit = Int(base[start + offset]) &- 48
            guard digit >= 0, digit <= 9 else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    /// A calendar date `YYYY-MM-DD` as days since 1970-01-01; nil for a day the month does not have (`2020-02-30`).
    public static func parseDate(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        guard end - start == 10, base[start + 4] == UInt8(ascii: "-"), base[start + 7] == UInt8(ascii: "-"),
              let year = digits(base, start, 4), let month = digits(base, start + 5, 2),
              let day = digits(base, start + 8, 2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return civilFromDays(days).month == month ? days : nil
    }

    /// The day (days since 1970-01-01) of a text holding a date `YYYY-MM-DD`, alone or followed by a time of day as
    /// `parseDateTime` reads it; nil for anything else.
    public static func day(of text: String) -> Int? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> Int? in
            guard let base = buffer.baseAddress, bytes.count >= 10,
                  bytes.count == 10 || parseDateTime(base, 0, bytes.count) != nil else { return nil }
            return parseDate(base, 0, 10)
        }
    }

    /// The result of reading a `time` field.
    public struct ParsedTime {
        /// Milliseconds since 1970-01-01 00:00 of the *naive* clock reading (no time zone applied).
        public var milliseconds: Int64
        /// Whether the text carried a fractional-second part (`.438`).
        public var hasFraction: Bool
    }

    /// A timestamp `YYYY-MM-DD HH:MM:SS` with an optional fraction of 1-9 digits (kept to the millisecond).
    public static func parseDateTime(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> ParsedTime? {
        guard end - start >= 19, let days = parseDate(base, start, start + 10),
              base[start + 10] == UInt8(ascii: " ") || base[start + 10] == UInt8(ascii: "T"),
              base[start + 13] == UInt8(ascii: ":"), base[start + 16] == UInt8(ascii: ":"),
              let hour = digits(base, start + 11, 2), let minute = digits(base, start + 14, 2),
              let second = digits(base, start + 17, 2), hour < 24, minute < 60, second < 61
        else { return nil }
        var milliseconds = 0
        var hasFraction = false
        if end - start > 19 {
            let fractionDigits = end - start - 20
            guard base[start + 19] == UInt8(ascii: "."), (1...9).contains(fractionDigits),
                  let fraction = digits(base, start + 20, fractionDigits)
            else { return nil }
            hasFraction = true
            var scaled = fraction
            if fractionDigits < 3 {
                for _ in fractionDigits..<3 { scaled *= 10 }
            } else {
                for _ in 3..<fractionDigits { scaled /= 10 }
            }
            milliseconds = scaled
        }
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return ParsedTime(milliseconds: seconds * 1000 + Int64(milliseconds), hasFraction: hasFraction)
    }
}
