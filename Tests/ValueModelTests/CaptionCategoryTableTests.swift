import Foundation
import Testing
@testable import ValueModel

/// The caption reader on hand-written lines of every shape (SPEC subtlety 9): lines with extra trailing fields
/// and short lines are kept by position as pandas' python engine with `usecols` keeps them; broken quoting and
/// non-integer ids are skipped; each kind is listed with its line numbers.
@Suite struct CaptionCategoryTableTests {
    static let text = [
        "video_id,manual_cover_text,caption,topic_tag,first_level_category_id,first_level_category_name,second_level_category_id,second_level_category_name,third_level_category_id,third_level_category_name",
        "1,c,\"a, b\",[],5,颜值,112,颜值合集,-124,UNKNOWN",          // line 2: ordinary
        "2,c,cap,[],6,美食,128,美食教程,-124,UNKNOWN,备注",          // line 3: one extra trailing field
        "3,c,cap,[],7,游戏,131,游戏合集,606,细分,,",                  // line 4: two extra (empty) fields
        "4,c,cap,[],10,搞笑,140",                                     // line 5: level-2 name and level 3 absent
        "5,c,\"two",                                                  // lines 6-7: one record, 4 fields
        "lines\",[]",
        "x7,c,cap,[],5,颜值,112,颜值合集,-124,UNKNOWN",              // line 8: id is not an integer
        "8,c,\"bad\"quote,[],5,颜值,112,颜值合集,-124,UNKNOWN",      // line 9: text after a closing quote
        "2,c,again,[],9,X,1,Y,2,Z",                                   // line 10: video 2 again
        "1,c",                                                        // line 11: video 1 again (and short)
        "z,c",                                                        // line 12: bad id (and short)
    ].joined(separator: "\n") + "\n"

    static let table = Result { () throws -> CaptionCategoryTable in
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("captions-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/kuairec_caption_category.csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return try CaptionCategoryTable(path: path)
    }

    /// Videos 1-5 have rows, 6 has none.
    let videos: [Int32] = [1, 2, 3, 4, 5, 6]

    func names(_ column: Column) -> [String?] {
        guard case let .categorical(codes, categories) = column else { return [] }
        return codes.map { $0 < 0 ? nil : categories[Int($0)] }
    }

    func same(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.isNaN ? $1.isNaN : $0 == $1 }
    }

    @Test func eachKindOfLineIsListedOnceWithItsLineNumber() throws {
        let table = try Self.table.get()
        #expect(table.extraFieldLines == [3, 4])
        #expect(table.shortLines == [5, 6])
        #expect(table.skippedLines == [8, 9, 12])
        #expect(table.duplicateLines == [10, 11])
        #expect(table.videoCount == 5)
    }

    @Test func extraTrailingFieldsAreIgnored() throws {
        let table = try Self.table.get()
        let rows = table.rows(for: videos)
        #expect(same(table.categoryIds(level: 1, rows: rows, missingId: -124), [5, 6, 7, 10, -124, -124]))
        #expect(same(table.categoryIds(level: 3, rows: rows), [-124, -124, 606, .nan, .nan, .nan]))
        #expect(names(table.categoryNames(level: 3, rows: rows)) == ["UNKNOWN", "UNKNOWN", "细分", nil, nil, nil])
    }

    @Test func aShortLineKeepsWhatItHas() throws {
        let table = try Self.table.get()
        let rows = table.rows(for: videos)
        // video 4 keeps level 1 and the level-2 id; video 5 has no category field at all
        #expect(same(table.categoryIds(level: 2, rows: rows), [112, 128, 131, 140, .nan, .nan]))
        #expect(names(table.categoryNames(level: 1, rows: rows, missingName: "UNKNOWN")) == ["颜值", "美食", "游戏", "搞笑", "UNKNOWN", "UNKNOWN"])
        #expect(names(table.categoryNames(level: 2, rows: rows)) == ["颜值合集", "美食教程", "游戏合集", nil, nil, nil])
    }

    @Test func aShiftedLinesNonNumericIdIsMissingAndListed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("captions-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/kuairec_caption_category.csv"
        try Data([
            Self.text.components(separatedBy: "\n")[0],
            "1,c,\"a, b\",[],5,颜值,112,颜值合集,-124,UNKNOWN",   // line 2: ordinary
            "2,c,a, b,[],6,美食,128,美食教程,-124,UNKNOWN",        // line 3: an unquoted comma shifts every field by one
        ].joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
        let table = try CaptionCategoryTable(path: path)
        #expect(table.extraFieldLines == [3])
        #expect(table.misreadCategoryLines == [3])
        // by position, video 2's level-1 id is "[]" and its level-2 id "美食": both missing
        let rows = table.rows(for: [1, 2])
        #expect(same(table.categoryIds(level: 1, rows: rows, missingId: -124), [5, -124]))
        #expect(same(table.categoryIds(level: 2, rows: rows), [112, .nan]))
    }
}
