/// The category columns of `kuairec_caption_category.csv`, one row per video.
///
/// Captions hold free text, so the file is read with full quoting rules. A line is then read as the original's
/// `read_csv(usecols=..., engine="python")` reads it: one with more fields than the header keeps its fields by
/// position (the extra trailing ones are ignored), one with fewer keeps what it has and the absent fields are
/// missing. A line with broken quoting, or whose `video_id` is not an integer, is skipped. A video listed twice
/// keeps its first line. Every line that is not an ordinary record is listed in exactly one of
/// `extraFieldLines`, `shortLines`, `skippedLines` and `duplicateLines`.
///
/// A category id that is not a number is an error naming its line and column on an ordinary line (as a bad number
/// is in the other files); on a line kept by position its fields may have shifted, so such an id is read as
/// missing, as the original's later coercion leaves it, and the line is also listed in `misreadCategoryLines`.
/// A field read that is not valid UTF-8 is an error naming its line and column (pandas stops on such a file too).
public struct CaptionCategoryTable {
    static let readNames = ["video_id", "first_level_category_id", "first_level_category_name",
                            "second_level_category_id", "second_level_category_name",
                            "third_level_category_id", "third_level_category_name"]

    let index: IdIndex
    /// Per video row and level 1...3: the category id (NaN when missing) and name (nil when missing).
    let levelIds: [[Double]]
    let levelNames: [[String?]]
    /// Lines kept with more fields than the header (their first fields read by position).
    public let extraFieldLines: [Int]
    /// Lines kept with fewer fields than the header (the absent fields read as missing).
    public let shortLines: [Int]
    /// Lines skipped for broken quoting or a video id that is not an integer in 0..<`maximumId`.
    public let skippedLines: [Int]
    /// Lines skipped because their video was already listed.
    public let duplicateLines: [Int]
    /// Lines kept by position (each also in `extraFieldLines` or `shortLines`) with a category id that is not a
    /// number, read as missing.
    public let misreadCategoryLines: [Int]
    /// Number of videos with a category row.
    public var videoCount: Int { levelIds[0].count }

    /// Reads the caption/category file.
    public init(path: String) throws {
        let file = try CSVFile(path: path, hint: "Put the KuaiRec 2.0 files in the data folder, or run `make data` for the synthetic world.")
        let raw = try RawTable.read(file, columns: Self.readNames, policy: .byPosition)
        var skipped = raw.skippedLines
        var duplicates: [Int] = []
        var extra: [Int] = []
        var short: [Int] = []
        var seen = Set<Int>()
        var keptRows: [Int] = []
        var keptIds: [Int] = []
        for row in 0..<raw.rowCount {
            guard let id = PandasText.integerValue(raw.columns[0][row]), id >= 0, id < maximumId else {
                skipped.append(raw.lines[row])
                continue
            }
            guard seen.insert(id).inserted else {
                duplicates.append(raw.lines[row])
                continue
            }
            if raw.fieldCounts[row] > file.header.count {
                extra.append(raw.lines[row])
            } else if raw.fieldCounts[row] < file.header.count {
                short.append(raw.lines[row])
            }
            keptRows.append(row)
            keptIds.append(id)
        }
        extraFieldLines = extra
        shortLines = short
        skippedLines = skipped.sorted()
        duplicateLines = duplicates
        index = try IdIndex(ids: keptIds, file: file, lines: keptRows.map { raw.lines[$0] }, idColumn: raw.columnIndices[0], allowDuplicates: false)
        var misread = Set<Int>()
        levelIds = try (0..<3).map { level in
            let slot = 1 + 2 * level
            return try keptRows.map { row in
                let cell = raw.columns[slot][row]
                if PandasText.isMissing(cell) { return .nan }
                if let id = PandasText.floatValue(cell) { return id }
                guard raw.fieldCounts[row] != file.header.count else { throw raw.error(slot, row: row, file: file, expected: "a number") }
                misread.insert(raw.lines[row])
                return .nan
            }
        }
        misreadCategoryLines = misread.sorted()
        levelNames = (0..<3).map { level in
            keptRows.map { row in
                let cell = raw.columns[2 + 2 * level][row]
                return PandasText.isMissing(cell) ? nil : cell
            }
        }
    }

    /// The table row of each interaction's video (-1 where the video has no category row).
    public func rows(for videos: [Int32]) -> [Int32] {
        videos.map { index.row(Int($0)).map(Int32.init) ?? -1 }
    }

    /// Level `level` (1...3) category ids gathered at `rows`; missing -> `missingId` (the original fills
    /// level 1 with -124 and leaves levels 2-3 missing, NaN).
    public func categoryIds(level: Int, rows: [Int32], missingId: Double = .nan) -> [Double] {
        let ids = levelIds[level - 1]
        return rows.map { row in
            guard row >= 0 else { return missingId }
            let id = ids[Int(row)]
            return id.isNaN ? missingId : id
        }
    }

    /// Level `level` (1...3) category names at `rows`, as codes into the sorted distinct names of the table
    /// (plus `missingName`); a missing name becomes `missingName` (the original fills level 1 with "UNKNOWN")
    /// or code -1.
    public func categoryNames(level: Int, rows: [Int32], missingName: String? = nil) -> Column {
        let names = levelNames[level - 1]
        let coding = CategoryCoding(names + [missingName])
        let missingCode = coding.code(missingName)
        let codeOfRow = names.map { name in name.map { coding.code($0) } ?? missingCode }
        let codes = rows.map { row in row >= 0 ? codeOfRow[Int(row)] : missingCode }
        // Keep only categories that occur, so the table matches the interactions (as pandas would build it).
        var used = [Bool](repeating: false, count: coding.categories.count)
        for code in codes where code >= 0 { used[Int(code)] = true }
        var newCode = [Int32](repeating: -1, count: coding.categories.count)
        var categories: [String] = []
        for (code, name) in coding.categories.enumerated() where used[code] {
            newCode[code] = Int32(categories.count)
            categories.append(name)
        }
        return .categorical(codes: codes.map { $0 >= 0 ? newCode[Int($0)] : -1 }, categories: categories)
    }
}
