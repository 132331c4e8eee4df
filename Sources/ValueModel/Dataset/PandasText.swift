/// How the original's pandas code turns raw CSV cells of the side tables into category strings, reproduced
/// exactly because the category codes (step 2's features) depend on it:
/// `read_csv` infers one dtype per column (int, float when a numeric column has a missing cell, else object),
/// then `.astype("string").fillna("unknown").replace({"": "unknown"})` turns values into text.
/// So `5` stays "5" in a complete integer column but becomes "5.0" in one with a missing cell.
public enum PandasText {
    /// pandas' default `na_values`: cells that read as missing.
    public static let missingTokens: Set<String> = [
        "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
        "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
    ]

    /// The dtype `read_csv` infers for a column.
    public enum Kind: Equatable {
        case integer, float, text
    }

    /// Whether a raw cell reads as missing.
    @inline(__always)
    public static func isMissing(_ raw: String) -> Bool { missingTokens.contains(raw) }

    /// Infers the dtype of a column from all of its raw cells (file-wide, before any grouping).
    public static func inferKind<S: Sequence>(_ cells: S) -> Kind where S.Element == String {
        var sawMissing = false
        var allIntegers = true
        for cell in cells {
            if isMissing(cell) { sawMissing = true; continue }
            if allIntegers, integerValue(cell) != nil { continue }
            allIntegers = false
            if floatValue(cell) == nil { return .text }
        }
        return allIntegers && !sawMissing ? .integer : .float
    }

    /// The category string pandas produces for one cell of a column of `kind`; nil for a missing cell
    /// (which the original then fills with "unknown").
    public static func categoryText(_ raw: String, kind: Kind) -> String? {
        if isMissing(raw) { return nil }
        switch kind {
        case .integer: return integerValue(raw).map(String.init) ?? raw
        case .float: return floatValue(raw).map(pythonRepr) ?? raw
        case .text: return raw
        }
    }

    /// Python's `repr` of a float: shortest round-trip digits, `5.0` for integral values, exponent form
    /// below 1e-4 and from 1e16 on (Swift's `description` follows the same rules).
    public static func pythonRepr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return value.description
    }

    /// The integer a cell holds (pandas' integer syntax: optional sign, digits, surrounding spaces).
    public static func integerValue(_ raw: String) -> Int? {
        Int(raw.trimmingSpaces())
    }

    /// The number a cell holds, or nil when pandas would not read it as a number.
    public static func floatValue(_ raw: String) -> Double? {
        let trimmed = raw.trimmingSpaces()
        guard !trimmed.isEmpty, let value = Double(trimmed) else { return nil }
        return value
    }
}

extension String {
    /// The string without leading and trailing ASCII spaces.
    func trimmingSpaces() -> Substring {
        var slice = self[...]
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return slice
    }
}

/// Category coding as pandas' `astype("category")` does it: codes are positions in the sorted list of
/// distinct strings (sorted by Unicode code points, like Python), -1 for missing.
public struct CategoryCoding {
    /// The sorted distinct strings.
    public let categories: [String]
    private let codeOf: [String: Int32]

    /// Builds the coding of `values` (nil = missing).
    public init<S: Sequence>(_ values: S) where S.Element == String? {
        let distinct = Set(values.compactMap { $0 })
        categories = distinct.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        codeOf = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, Int32($0)) })
    }

    /// The code of `value` (-1 for nil or a string not in the coding).
    public func code(_ value: String?) -> Int32 {
        guard let value else { return -1 }
        return codeOf[value] ?? -1
    }
}
