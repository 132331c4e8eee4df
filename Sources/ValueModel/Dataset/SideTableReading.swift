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
    /// The position of each selected column in the file's header (0-based), for located errors.
    var columnIndices: [Int]
    var lines: [Int]
    /// Number of fields each kept record had (the header's count unless the policy is `byPosition`).
    var fieldCounts: [Int]
    /// Lines skipped because their quoting was broken (only under `byPosition`).
    var skippedLines: [Int] = []

    var rowCount: Int { lines.count }

    static func read(_ file: CSVFile, columns names: [String], policy: ShapePolicy) throws -> RawTable {
        let indices = try file.columnIndices(names)
        var table = RawTable(columns: Array(repeating: [], count: names.count), columnIndices: indices, lines: [], fieldCounts: [])
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
                guard index < record.fieldCount else {
                    table.columns[slot].append("")
                    continue
                }
                guard let text = record.validText(index) else {
                    throw record.error(index, expected: "UTF-8 text (the file must be UTF-8, as KuaiRec's is: convert it, for example with iconv)")
                }
                table.columns[slot].append(text)
            }
            table.lines.append(record.line)
            table.fieldCounts.append(record.fieldCount)
        }
        return table
    }

    /// The located error for the cell of column `slot` on `row`.
    func error(_ slot: Int, row: Int, file: CSVFile, expected: String) -> PipelineError {
        .unparsableValue(file.location(line: lines[row], column: columnIndices[slot]), text: columns[slot][row], expected: expected)
    }

    /// Column `slot` read as non-negative integer ids; a missing or invalid id is a located error.
    func ids(_ slot: Int, file: CSVFile) throws -> [Int] {
        try columns[slot].indices.map { row in
            guard let id = PandasText.integerValue(columns[slot][row]), id >= 0, id < maximumId else {
                throw error(slot, row: row, file: file, expected: "an integer id in 0..<\(maximumId)")
            }
            return id
        }
    }

    /// Column `slot` read as numbers: a missing cell (empty, or one of pandas' NA strings such as `NA`) is NaN, as
    /// in pandas; any other cell must be a number, else it is an error naming the file, line, column and text.
    ///
    /// This departs from the original on purpose: pandas reads a numeric column holding a non-numeric string such
    /// as `4x0` as text (object dtype), and the original's arithmetic then fails or goes wrong far from the cause;
    /// coercing it to NaN (`pd.to_numeric(errors="coerce")`) would hide it. Stopping at the cell is the useful
    /// reading.
    func numbers(_ slot: Int, file: CSVFile) throws -> [Double] {
        try columns[slot].indices.map { row in
            let text = columns[slot][row]
            if PandasText.isMissing(text) { return .nan }
            guard let value = PandasText.floatValue(text) else { throw error(slot, row: row, file: file, expected: "a number") }
            return value
        }
    }

    /// Column `slot` read as calendar days (days since 1970-01-01) of `YYYY-MM-DD` dates, optionally followed by a
    /// time of day (which is dropped); a missing cell is nil, any other text that is not such a date (`2020-99-03`,
    /// `2020-02-30`) is a located error rather than a missing date.
    func days(_ slot: Int, file: CSVFile) throws -> [Int32?] {
        try columns[slot].indices.map { row in
            let text = columns[slot][row]
            if PandasText.isMissing(text) { return nil }
            guard let day = FieldParsing.day(of: text) else { throw error(slot, row: row, file: file, expected: "a date YYYY-MM-DD") }
            return Int32(day)
        }
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
