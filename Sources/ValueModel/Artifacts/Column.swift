/// One typed column of a table artifact. Categorical columns keep pandas' coding: `codes[i]` is the position
/// of row i's string in the sorted list `categories`, and -1 means missing.
public enum Column {
    case int8([Int8])
    case int32([Int32])
    case int64([Int64])
    case float32([Float])
    case float64([Double])
    /// Milliseconds since 1970-01-01 of a naive clock reading (numpy `datetime64[ms]`).
    case datetimeMs([Int64])
    case categorical(codes: [Int32], categories: [String])

    /// The numpy dtype string of the stored array.
    public var numpyDescr: String {
        switch self {
        case .int8: return "|i1"
        case .int32, .categorical: return "<i4"
        case .int64: return "<i8"
        case .float32: return "<f4"
        case .float64: return "<f8"
        case .datetimeMs: return "<M8[ms]"
        }
    }

    /// Number of rows.
    public var count: Int {
        switch self {
        case let .int8(values): return values.count
        case let .int32(values): return values.count
        case let .int64(values), let .datetimeMs(values): return values.count
        case let .float32(values): return values.count
        case let .float64(values): return values.count
        case let .categorical(codes, _): return codes.count
        }
    }

    /// Row `index` as a Double (NaN for a missing float or a missing category code).
    public func value(at index: Int) -> Double {
        switch self {
        case let .int8(values): return Double(values[index])
        case let .int32(values): return Double(values[index])
        case let .int64(values), let .datetimeMs(values): return Double(values[index])
        case let .float32(values): return Double(values[index])
        case let .float64(values): return values[index]
        case let .categorical(codes, _): return codes[index] < 0 ? .nan : Double(codes[index])
        }
    }

    /// The rows at `rows` (a table lookup per interaction); a row of -1 gives missing (NaN or code -1).
    /// Only Float32, Float64 and categorical columns can hold missing values.
    public func gathered(_ rows: [Int32]) -> Column {
        switch self {
        case let .float32(values):
            return .float32(rows.map { $0 >= 0 ? values[Int($0)] : .nan })
        case let .float64(values):
            return .float64(rows.map { $0 >= 0 ? values[Int($0)] : .nan })
        case let .categorical(codes, categories):
            return .categorical(codes: rows.map { $0 >= 0 ? codes[Int($0)] : -1 }, categories: categories)
        default:
            preconditionFailure("integer columns cannot hold the missing values of a left join")
        }
    }
}
