/// `item_daily_features.csv` reduced to one row per video as the original does (SPEC step 1.5):
/// `groupby("video_id").first()` takes, per column, the first non-missing value in file order; the seven
/// categorical columns are coded like pandas (dtype inferred over the whole file); the aspect ratio is
/// width / height (height 0 -> missing); `upload_dt` is kept as a day number for the upload age. An empty cell is
/// missing; a width, height or upload date that does not parse is an error naming its line and column.
public struct ItemFeatureTable {
    /// The categorical item columns, in the original's output order.
    public static let categoricalNames = ["author_id", "video_type", "upload_type", "visible_status", "music_id",
                                          "video_tag_id", "video_tag_name"]
    static let readNames = ["video_id", "upload_dt", "video_width", "video_height"] + categoricalNames

    let index: IdIndex
    /// Per video row: `i_aspect_ratio` and the categorical `i_` columns.
    var values: [String: Column] = [:]
    /// Per video row: upload day (days since 1970-01-01), nil when missing.
    let uploadDay: [Int32?]

    /// Number of distinct videos in the file.
    public let videoCount: Int

    /// Reads and reduces `item_daily_features.csv`.
    public init(path: String) throws {
        let file = try CSVFile(path: path, hint: "Put the KuaiRec 2.0 files in the data folder, or run `make data` for the synthetic world.")
        let raw = try RawTable.read(file, columns: Self.readNames, policy: .strict)
        let ids = try raw.ids(0, file: file)
        // Every cell is checked, not only the ones `first()` keeps: pandas parses the whole column.
        let days = try raw.days(1, file: file)
        let widths = try raw.numbers(2, file: file), heights = try raw.numbers(3, file: file)
        // One output row per distinct video, in order of first appearance; per column the row of its first
        // non-missing cell.
        var firstRowOfVideo: [Int: Int] = [:]
        var videoIds: [Int] = []
        var firsts = [[Int?]](repeating: [], count: Self.readNames.count)
        for (row, id) in ids.enumerated() {
            let slot: Int
            if let existing = firstRowOfVideo[id] {
                slot = existing
            } else {
                slot = videoIds.count
                firstRowOfVideo[id] = slot
                videoIds.append(id)
                for column in firsts.indices { firsts[column].append(nil) }
            }
            for column in 1..<Self.readNames.count where firsts[column][slot] == nil {
                if !PandasText.isMissing(raw.columns[column][row]) { firsts[column][slot] = row }
            }
        }
        videoCount = videoIds.count
        index = try IdIndex(ids: videoIds, file: file, lines: raw.lines, idColumn: raw.columnIndices[0], allowDuplicates: false)
        uploadDay = firsts[1].map { $0.flatMap { days[$0] } }
        let width = firsts[2].map { $0.map { widths[$0] } ?? .nan }
        let height = firsts[3].map { $0.map { heights[$0] } ?? .nan }
        values["i_aspect_ratio"] = .float32(zip(width, height).map { w, h in h == 0 ? .nan : Float(w / h) })
        for (offset, name) in Self.categoricalNames.enumerated() {
            let column = 4 + offset
            let kind = PandasText.inferKind(raw.columns[column])
            let texts = firsts[column].map { row in row.flatMap { PandasText.categoryText(raw.columns[column][$0], kind: kind) } ?? "unknown" }
            let coding = CategoryCoding(texts.map { Optional($0) })
            values["i_" + name] = .categorical(codes: texts.map { coding.code($0) }, categories: coding.categories)
        }
    }

    /// The table row of each interaction's video (-1 where the video has no row).
    public func rows(for videos: [Int32]) -> [Int32] {
        videos.map { index.row(Int($0)).map(Int32.init) ?? -1 }
    }

    /// The upload day (days since 1970-01-01) of each video in `videos`, nil where the video has no row or its
    /// `upload_dt` is missing.
    public func uploadDays(for videos: [Int32]) -> [Int32?] {
        videos.map { index.row(Int($0)).flatMap { uploadDay[$0] } }
    }

    /// Column `name` gathered at `rows` (from `rows(for:)`).
    public func gather(_ name: String, rows: [Int32]) -> Column {
        guard let column = values[name] else { preconditionFailure("unknown item column \(name)") }
        return column.gathered(rows)
    }
}
