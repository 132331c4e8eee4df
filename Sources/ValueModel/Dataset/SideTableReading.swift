/// Reads the selected columns of a small side table (user, item or caption file) into raw strings, one array
/// per column, in file order. How records whose shape differs from the header's are handled is the caller's
/// choice (`ShapePolicy`).
struct RawTable {
    /// What to do with a record that breaks the CSV grammar or whose field count differs from the header's.
    enum ShapePolicy {
        /// Any such record is an error naming its file and line.
        case strict
        /// As pandas' python engine reads a file with `usecols`: a record with broken quoting is skipped (and
        /// listed in `skippedLines`); one with more or fewer fields than the header is kept and its fields are
        /// read by position, extra trailing fields ignored and absent ones read as missing (the empty string).
        case byPosition
    }

    var columns: [[String]]
    var lines: [Int]
    /// Number of fields each kept record had (the header's count unless the policy is `byPosition`).
    var fieldCounts: [Int]
    /// Lines skipped because their quoting was broken (only under `byPosition`).
    var skippedLines: [Int] = []

    var rowCount: Int { lines.count }

    static func read(_ file: CSVFile, columns names: [String], policy: ShapePolicy) throws -> RawTable {
        let indices = try file.columnIndices(names)
        var table = RawTable(columns: Array(repeating: [], count: names.count), lines: [], fieldCounts: [])
        try file.forEachRecord { record in
            switch policy {
            case .strict:
                try record.requireShape()
            case .byPosition:
                guard record.status == .ok else {
                    table.skippedLines.append(record.line)
                    return
                }
            }
            for (slot, index) in indices.enumerated() {
                table.columns[slot].append(index < record.fieldCount ? record.text(index) : "")
            }
            table.lines.append(record.line)
            table.fieldCounts.append(record.fieldCount)
        }
        return table
    }

    /// Column `slot` read as non-negative integer ids; a missing or invalid id is a located error.
    func ids(_ slot: Int, file: CSVFile, columnIndex: Int) throws -> [Int] {
        try columns[slot].enumerated().map { row, text in
            guard let id = PandasText.integerValue(text), id >= 0, id < maximumId else {
                throw PipelineError.unparsableValue(file.location(line: lines[row], column: columnIndex), text: text, expected: "an integer id in 0..<\(maximumId)")
            }
            return id
        }
    }

    /// Column `slot` read as numbers the way `pd.to_numeric(errors="coerce")` does: missing or non-numeric -> NaN.
    func coercedNumbers(_ slot: Int) -> [Double] {
        columns[slot].map { PandasText.isMissing($0) ? .nan : (PandasText.floatValue($0) ?? .nan) }
    }
}

/// A dense lookup from a non-negative id to a row of a side table (-1 where the id has no row).
struct IdIndex {
    private(set) var rowOf: [Int32]

    init(ids: [Int], file: CSVFile, lines: [Int], idColumn: Int, allowDuplicates: Bool) throws {
        rowOf = Array(repeating: -1, count: (ids.max() ?? -1) + 1)
        for (row, id) in ids.enumerated() {
            if rowOf[id] >= 0 {
                if allowDuplicates { continue }
                throw PipelineError.malformedInput(
                    file.location(line: lines[row], column: idColumn),
                    reason: "id \(id) appears again (first on line \(lines[Int(rowOf[id])])); each id must appear once")
            }
            rowOf[id] = Int32(row)
        }
    }

    /// The row of `id`, or nil.
    @inline(__always)
    func row(_ id: Int) -> Int? {
        id < rowOf.count && rowOf[id] >= 0 ? Int(rowOf[id]) : nil
    }
}
