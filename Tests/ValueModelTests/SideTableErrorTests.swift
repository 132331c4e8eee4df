import Foundation
import Testing
@testable import ValueModel

/// A malformed number or date in `user_features.csv`, `item_daily_features.csv` or an ordinary line of the
/// caption file is an error naming the file, line, column and text; an empty cell stays missing.
@Suite struct SideTableErrorTests {
    /// The hand-written world with `old` replaced by `new` on line `line` (1-based) of `file`; returns the path.
    static func edited(_ file: String, line: Int, _ old: String, _ new: String) throws -> String {
        let folder = try HandWrittenWorld.write()
        let path = folder + "/" + file
        // split at LF bytes (the caption file's CRLF is one Character to Swift's String)
        var lines = Array(try Data(contentsOf: URL(fileURLWithPath: path))).split(separator: 0x0A, omittingEmptySubsequences: false)
        let text = String(decoding: lines[line - 1], as: UTF8.self)
        let edited = text.replacingOccurrences(of: old, with: new)
        #expect(edited != text, "the edit must change line \(line)")
        lines[line - 1] = ArraySlice(edited.utf8)
        try Data(lines.joined(separator: [0x0A])).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func location(_ path: String, line: Int, column name: String) throws -> ValueModel.SourceLocation {
        let header = try CSVFile(path: path).header
        let index = try #require(header.firstIndex(of: name))
        return ValueModel.SourceLocation(file: path, line: line, column: index + 1, columnName: name)
    }

    /// One edit of a hand-written file and where its error must point.
    struct BadCell {
        var file: String, line: Int, old: String, new: String
        var column: String, text: String, expected: String
    }

    /// Applies `cell`'s edit and expects `read` to refuse the file with the error located at that cell.
    static func expectLocated(_ cell: BadCell, read: (String) throws -> Void) throws {
        let path = try edited(cell.file, line: cell.line, cell.old, cell.new)
        let location = try location(path, line: cell.line, column: cell.column)
        #expect(throws: PipelineError.unparsableValue(location, text: cell.text, expected: cell.expected)) { try read(path) }
    }

    @Test func userFeatureNumbersAreLocated() throws {
        for cell in [
            // user 1 is on line 3: "1,UNKNOWN,1,0,,600,500+,…"
            BadCell(file: "user_features.csv", line: 3, old: ",600,", new: ",4x0,", column: "follow_user_num", text: "4x0", expected: "a number"),
            // user 0 is on line 2: "0,high_active,0,1,0,5,…"; its is_video_author is the 0 before ",5,"
            BadCell(file: "user_features.csv", line: 2, old: "0,1,0,5,", new: "0,1,yes,5,", column: "is_video_author", text: "yes", expected: "a number"),
        ] {
            try Self.expectLocated(cell) { _ = try UserFeatureTable(path: $0) }
        }
    }

    @Test func emptyUserFeatureCellsStayMissing() throws {
        let path = try Self.edited("user_features.csv", line: 3, ",600,", ",,")
        let table = try UserFeatureTable(path: path)
        let rows = table.rows(for: [0, 1])
        guard case let .float32(values) = table.gather("u_follow_user_num", rows: rows) else {
            Issue.record("u_follow_user_num is not a Float32 column")
            return
        }
        #expect(values[0] == 5 && values[1].isNaN)
    }

    @Test func itemDatesAndNumbersAreLocated() throws {
        let date = "a date YYYY-MM-DD"
        for cell in [
            // video 10 on line 2: "10,20200705,100,NORMAL,2020-07-01,…,720,1280,…"
            BadCell(file: "item_daily_features.csv", line: 2, old: "2020-07-01", new: "2020-99-03", column: "upload_dt", text: "2020-99-03", expected: date),
            // a later daily row of video 11 (line 4): not the first non-missing value, read all the same by pandas
            BadCell(file: "item_daily_features.csv", line: 4, old: "2020-06-01", new: "June", column: "upload_dt", text: "June", expected: date),
            // a day the month does not have (the parser used to roll it over to 2020-03-01)
            BadCell(file: "item_daily_features.csv", line: 2, old: "2020-07-01", new: "2020-02-30", column: "upload_dt", text: "2020-02-30", expected: date),
            BadCell(file: "item_daily_features.csv", line: 2, old: ",720,1280,", new: ",72x0,1280,", column: "video_width", text: "72x0", expected: "a number"),
        ] {
            try Self.expectLocated(cell) { _ = try ItemFeatureTable(path: $0) }
        }
    }

    @Test func captionCategoryIdsOfOrdinaryLinesAreLocated() throws {
        // video 10 on line 2: "10,UNKNOWN,\"a caption, with comma\",[],1,美食,11,…"
        let cell = BadCell(file: "kuairec_caption_category.csv", line: 2, old: "[],1,", new: "[],1x,",
                           column: "first_level_category_id", text: "1x", expected: "a number")
        try Self.expectLocated(cell) { _ = try CaptionCategoryTable(path: $0) }
    }

    @Test func captionTextThatIsNotUTF8IsLocated() throws {
        // a level-2 name in GBK, as a file saved in another encoding would hold it: 家常 is BC D2 B3 A3 in GBK
        let folder = try HandWrittenWorld.write()
        let path = folder + "/kuairec_caption_category.csv"
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let name = Array("家常菜".utf8)
        let at = try #require((0...(bytes.count - name.count)).first { Array(bytes[$0..<($0 + name.count)]) == name })
        bytes.replaceSubrange(at..<(at + name.count), with: [0xBC, 0xD2, 0xB3, 0xA3])
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try CaptionCategoryTable(path: path)
            Issue.record("invalid UTF-8 was read without a word")
        } catch let error as PipelineError {
            #expect(error.description.contains(path + ":2:8 (column \"second_level_category_name\")"), "\(error)")
        }
    }
}
