import Foundation
import Testing
@testable import ValueModel

@Suite struct CSVReaderTests {
    func temporaryFile(_ bytes: [UInt8], name: String = "test.csv") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func temporaryFile(_ text: String, name: String = "test.csv") throws -> String {
        try temporaryFile(Array(text.utf8), name: name)
    }

    /// All records as (line, fields, wellFormed).
    func records(_ path: String) throws -> [(Int, [String], Bool)] {
        let file = try CSVFile(path: path)
        var rows: [(Int, [String], Bool)] = []
        try file.forEachRecord { record in
            rows.append((record.line, (0..<record.fieldCount).map { record.text($0) }, record.status == .ok))
        }
        return rows
    }

    @Test func quotedFieldsWithCommasQuotesAndNewlines() throws {
        let path = try temporaryFile("a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",z\n3,,\"\"\n")
        let rows = try records(path)
        #expect(rows.map { $0.1 } == [["1", "x, y", "say \"hi\""], ["2", "two\nlines", "z"], ["3", "", ""]])
        #expect(rows.map { $0.0 } == [2, 3, 5])  // the quoted newline moves the next record to line 5
        #expect(rows.allSatisfy { $0.2 })
    }

    @Test func byteOrderMarkAndCRLF() throws {
        let path = try temporaryFile([0xEF, 0xBB, 0xBF] + Array("id,name\r\n1,\"a\r\nb\"\r\n2,c\r\n".utf8))
        let file = try CSVFile(path: path)
        #expect(file.header == ["id", "name"])  // no BOM glued to "id"
        let rows = try records(path)
        #expect(rows.map { $0.1 } == [["1", "a\r\nb"], ["2", "c"]])
        #expect(rows.map { $0.0 } == [2, 4])
    }

    @Test func noTrailingNewlineAndBlankLines() throws {
        let rows = try records(try temporaryFile("a,b\n\n1,2\n\n3,4"))
        #expect(rows.map { $0.1 } == [["1", "2"], ["3", "4"]])
    }

    @Test func malformedRecordsAreFlagged() throws {
        let rows = try records(try temporaryFile("a,b\n\"x\"y,2\n3,\"open\n"))
        #expect(rows.count == 2)
        #expect(rows[0].2 == false)  // text after the closing quote
        #expect(rows[1].2 == false)  // quote never closed
    }

    @Test func invalidUTF8IsRepairedNotTrapped() throws {
        let rows = try records(try temporaryFile(Array("a,b\n".utf8) + [0x31, 0x2C, 0xFF, 0xFE, 0x0A]))
        #expect(rows.count == 1)
        #expect(rows[0].1[1] == "\u{FFFD}\u{FFFD}")
    }

    @Test func numbersAndTimes() {
        func parse(_ text: String) -> Double? {
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBufferPointer { FieldParsing.parseDouble($0.baseAddress!, 0, bytes.count) }
        }
        #expect(parse("1.273397") == 1.273397)
        #expect(parse("1593878903.438") == 1593878903.438)
        #expect(parse("-0.5") == -0.5)
        #expect(parse("12345678901234567890.5") == 12345678901234567890.5)
        #expect(parse("1e-3") == 0.001)
        #expect(parse("abc") == nil)
        #expect(parse("1.2.3") == nil)
        #expect(parse("") == nil)
        func time(_ text: String) -> FieldParsing.ParsedTime? {
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBufferPointer { FieldParsing.parseDateTime($0.baseAddress!, 0, bytes.count) }
        }
        // 2020-07-05 is day 18448 since 1970-01-01 (50 years with 12 leap days + 186 days)
        let expected: Int64 = (18448 * 86_400 + 8 * 60 + 23) * 1000 + 438
        #expect(time("2020-07-05 00:08:23.438")?.milliseconds == expected)
        #expect(time("2020-07-05 00:08:23")?.hasFraction == false)
        #expect(time("2020-07-05 00:08:23.4")?.milliseconds == expected - 38)
        #expect(time("2020-13-05 00:08:23") == nil)
        #expect(time("yesterday") == nil)
    }

    func bigMatrix(_ rows: [String]) throws -> String {
        let header = "user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio"
        return try temporaryFile(([header] + rows).joined(separator: "\n") + "\n", name: "big_matrix.csv")
    }

    @Test func missingFileNamesThePath() throws {
        #expect(throws: PipelineError.self) { try InteractionLog.read(path: "/nonexistent/big_matrix.csv") }
        do {
            _ = try InteractionLog.read(path: "/nonexistent/big_matrix.csv")
        } catch {
            #expect("\(error)".contains("/nonexistent/big_matrix.csv"))
        }
    }

    @Test func missingColumnIsNamed() throws {
        let path = try temporaryFile("user_id,video_id,play_duration\n1,2,3\n", name: "big_matrix.csv")
        #expect(throws: PipelineError.missingColumn(SourceLocation(file: path, line: 1), expected: "video_duration")) {
            try InteractionLog.read(path: path)
        }
    }

    @Test func unparsableNumberNamesLineAndColumn() throws {
        let path = try bigMatrix([
            "0,1,100,200,2020-07-05 00:00:00.000,20200705,1593878400.0,0.5",
            "0,1,abc,200,2020-07-05 00:00:01.000,20200705,1593878401.0,0.5",
        ])
        let expected = PipelineError.unparsableValue(
            SourceLocation(file: path, line: 3, column: 3, columnName: "play_duration"), text: "abc", expected: "a number")
        #expect(throws: expected) { try InteractionLog.read(path: path) }
        #expect(expected.description.contains("big_matrix.csv:3:3"))
    }

    @Test func nonFiniteAndBadTimesAreErrors() throws {
        let nanPath = try bigMatrix(["0,1,nan,200,2020-07-05 00:00:00.000,20200705,1593878400.0,0.5"])
        #expect(throws: PipelineError.self) { try InteractionLog.read(path: nanPath) }
        let timePath = try bigMatrix(["0,1,100,200,2020-07-05,20200705,1593878400.0,0.5"])
        #expect(throws: PipelineError.unparsableValue(
            SourceLocation(file: timePath, line: 2, column: 5, columnName: "time"), text: "2020-07-05",
            expected: "a time YYYY-MM-DD HH:MM:SS[.mmm]")) { try InteractionLog.read(path: timePath) }
        let shortPath = try bigMatrix(["0,1,100"])
        #expect(throws: PipelineError.self) { try InteractionLog.read(path: shortPath) }
    }

    @Test func parallelChunksGiveTheSameRowsAndTheRightErrorLine() throws {
        // > 1 MiB without quotes, so the reader splits it across threads
        var rows: [String] = []
        for index in 0..<30_000 {
            rows.append("\(index % 97),\(index),\(index * 10),2000,2020-07-05 01:02:03.\(String(format: "%03d", index % 1000)),20200705,\(1593878400 + index).5,\(Double(index) / 7)")
        }
        let path = try bigMatrix(rows)
        let log = try InteractionLog.read(path: path, threads: 4)
        let single = try InteractionLog.read(path: path, threads: 1)
        #expect(log.count == 30_000)
        #expect(log.videoId == (0..<30_000).map { Int32($0) })
        #expect(log.watchRatio == single.watchRatio)
        #expect(log.watchRatio[29_999] == 29_999.0 / 7)
        rows[25_000] = rows[25_000].replacingOccurrences(of: ",2000,", with: ",2x00,")
        let broken = try bigMatrix(rows)
        #expect(throws: PipelineError.unparsableValue(
            SourceLocation(file: broken, line: 25_002, column: 4, columnName: "video_duration"), text: "2x00", expected: "a number")) {
            try InteractionLog.read(path: broken, threads: 4)
        }
    }

    @Test func pandasCategoryText() {
        #expect(PandasText.inferKind(["1", "22", "3"]) == .integer)
        #expect(PandasText.inferKind(["1", "", "3"]) == .float)
        #expect(PandasText.inferKind(["1", "2.5"]) == .float)
        #expect(PandasText.inferKind(["1", "(0,10]"]) == .text)
        #expect(PandasText.categoryText("7", kind: .float) == "7.0")
        #expect(PandasText.categoryText("NA", kind: .text) == nil)
        #expect(PandasText.pythonRepr(1e16) == "1e+16")
        #expect(PandasText.pythonRepr(123456789.0) == "123456789.0")
        #expect(PandasText.pythonRepr(0.0001) == "0.0001")
        #expect(PandasText.pythonRepr(0.00001) == "1e-05")
        // positions in the sorted distinct strings: "1000" before "441"
        let coding = CategoryCoding(["441", "1000", nil, "441"])
        #expect(coding.categories == ["1000", "441"])
        #expect(["441", "1000", nil].map { coding.code($0) } == [1, 0, -1])
    }
}
