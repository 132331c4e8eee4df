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

    @Test func userFeatureNumbersAreLocated() throws {
        // user 1 is on line 3: "1,UNKNOWN,1,0,,600,500+,…"
        let count = try Self.edited("user_features.csv", line: 3, ",600,", ",4x0,")
        #expect(throws: PipelineError.unparsableValue(try Self.location(count, line: 3, column: "follow_user_num"), text: "4x0", expected: "a number")) {
            try UserFeatureTable(path: count)
        }
        // user 0 is on line 2: "0,high_active,0,1,0,5,…"; its is_video_author is the 0 before ",5,"
        let flag = try Self.edited("user_features.csv", line: 2, "0,1,0,5,", "0,1,yes,5,")
        #expect(throws: PipelineError.unparsableValue(try Self.location(flag, line: 2, column: "is_video_author"), text: "yes", expected: "a number")) {
            try UserFeatureTable(path: flag)
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
        // video 10 on line 2: "10,20200705,100,NORMAL,2020-07-01,…,720,1280,…"
        let date = try Self.edited("item_daily_features.csv", line: 2, "2020-07-01", "2020-99-03")
        #expect(throws: PipelineError.unparsableValue(try Self.location(date, line: 2, column: "upload_dt"), text: "2020-99-03", expected: "a date YYYY-MM-DD")) {
            try ItemFeatureTable(path: date)
        }
        // a later daily row of video 11 (line 4): not the first non-missing value, read all the same by pandas
        let later = try Self.edited("item_daily_features.csv", line: 4, "2020-06-01", "June")
        #expect(throws: PipelineError.unparsableValue(try Self.location(later, line: 4, column: "upload_dt"), text: "June", expected: "a date YYYY-MM-DD")) {
            try ItemFeatureTable(path: later)
        }
        // a day the month does not have (the parser used to roll it over to 2020-03-01)
        let february = try Self.edited("item_daily_features.csv", line: 2, "2020-07-01", "2020-02-30")
        #expect(throws: PipelineError.unparsableValue(try Self.location(february, line: 2, column: "upload_dt"), text: "2020-02-30", expected: "a date YYYY-MM-DD")) {
            try ItemFeatureTable(path: february)
        }
        let width = try Self.edited("item_daily_features.csv", line: 2, ",720,1280,", ",72x0,1280,")
        #expect(throws: PipelineError.unparsableValue(try Self.location(width, line: 2, column: "video_width"), text: "72x0", expected: "a number")) {
            try ItemFeatureTable(path: width)
        }
    }

    @Test func captionCategoryIdsOfOrdinaryLinesAreLocated() throws {
        // video 10 on line 2: "10,UNKNOWN,\"a caption, with comma\",[],1,美食,11,…"
        let path = try Self.edited("kuairec_caption_category.csv", line: 2, "[],1,", "[],1x,")
        #expect(throws: PipelineError.unparsableValue(try Self.location(path, line: 2, column: "first_level_category_id"), text: "1x", expected: "a number")) {
            try CaptionCategoryTable(path: path)
        }
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
