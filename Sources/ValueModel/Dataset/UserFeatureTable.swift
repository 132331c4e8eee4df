import Foundation

/// `user_features.csv` turned into the original's `u_` columns, one value per user row
/// (SPEC step 1.4): flags 0/1 (missing -> 0), ranges and one-hot columns as pandas category codes, the four
/// counts as Float32 plus `log1p(max(x, 0))`. An empty flag or count is missing; one that is not a number is an
/// error naming its line and column (`RawTable.numbers`).
public struct UserFeatureTable {
    static let categoricalNames = ["user_active_degree", "follow_user_num_range", "fans_user_num_range",
                                   "friend_user_num_range", "register_days_range"] + (0..<18).map { "onehot_feat\($0)" }
    static let flagNames = ["is_lowactive_period", "is_live_streamer", "is_video_author"]
    static let countNames = ["follow_user_num", "fans_user_num", "friend_user_num", "register_days"]
    /// The 34 `u_` columns in the original's order (file order of the columns, then the four `_log1p`).
    public static let columnNames: [String] = {
        let fileOrder = ["user_active_degree", "is_lowactive_period", "is_live_streamer", "is_video_author",
                         "follow_user_num", "follow_user_num_range", "fans_user_num", "fans_user_num_range",
                         "friend_user_num", "friend_user_num_range", "register_days", "register_days_range"]
            + (0..<18).map { "onehot_feat\($0)" }
        return (fileOrder + countNames.map { $0 + "_log1p" }).map { "u_" + $0 }
    }()

    let index: IdIndex
    /// Per `u_` column name, its values per user row (Float32 columns, NaN for missing) or codes.
    var values: [String: Column] = [:]

    /// Number of users in the file.
    public var userCount: Int { index.rowOf.filter { $0 >= 0 }.count }

    /// Reads and prepares `user_features.csv`.
    public init(path: String) throws {
        let file = try CSVFile(path: path, hint: "Put the KuaiRec 2.0 files in the data folder, or run `make data` for the synthetic world.")
        let names = ["user_id"] + Self.flagNames + Self.countNames + Self.categoricalNames
        let raw = try RawTable.read(file, columns: names, policy: .strict)
        index = try IdIndex(ids: raw.ids(0, file: file), file: file, lines: raw.lines, idColumn: raw.columnIndices[0], allowDuplicates: false)
        for (offset, name) in Self.flagNames.enumerated() {
            let numbers = try raw.numbers(1 + offset, file: file)
            values["u_" + name] = .float32(numbers.map { $0.isNaN ? 0 : Float(min(1, max(0, $0.rounded(.towardZero)))) })
        }
        for (offset, name) in Self.countNames.enumerated() {
            let numbers = try raw.numbers(1 + Self.flagNames.count + offset, file: file).map { Float($0) }
            values["u_" + name] = .float32(numbers)
            values["u_" + name + "_log1p"] = .float32(numbers.map { $0.isNaN ? .nan : Float(Foundation.log1p(Double(max($0, 0)))) })
        }
        let firstCategorical = 1 + Self.flagNames.count + Self.countNames.count
        for (offset, name) in Self.categoricalNames.enumerated() {
            values["u_" + name] = Self.categoricalColumn(raw.columns[firstCategorical + offset])
        }
    }

    /// pandas' coding of one raw column: dtype inference, text conversion, "unknown" fill, sorted codes.
    static func categoricalColumn(_ cells: [String]) -> Column {
        let kind = PandasText.inferKind(cells)
        let texts = cells.map { PandasText.categoryText($0, kind: kind) ?? "unknown" }
        let coding = CategoryCoding(texts.map { Optional($0) })
        return .categorical(codes: texts.map { coding.code($0) }, categories: coding.categories)
    }

    /// The table row of each interaction's user (-1 where the user has no row), computed once per step.
    public func rows(for users: [Int32]) -> [Int32] {
        users.map { index.row(Int($0)).map(Int32.init) ?? -1 }
    }

    /// Column `name` gathered at `rows` (from `rows(for:)`; -1 gives NaN / code -1, as a left merge does).
    public func gather(_ name: String, rows: [Int32]) -> Column {
        guard let column = values[name] else { preconditionFailure("unknown user column \(name)") }
        return column.gathered(rows)
    }
}
