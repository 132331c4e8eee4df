import Foundation
import Testing
@testable import ValueModel

/// What a user learns from a message: labels that are not 0 or 1 name their file, blank lines in big_matrix.csv
/// are counted and shown in notebook 1 with the caption lines whose category id could not be read, and a caption
/// file that is not UTF-8 is noticed with its lines.
@Suite struct HelpfulMessageTests {
    @Test func labelsThatAreNotZeroOrOneNameTheirFile() throws {
        // the reference fixture's bursts are long enough for step 2's split
        let step2 = try HandWrittenWorld.prepareGraph(ReferenceAgreementTests.folder + "/raw").processed + "/step2"
        let path = step2 + "/labels.npy"
        let stored = try NumpyFile.read(path: path)
        var labels = stored.values(as: Float.self)
        labels[4 * 7 + 2] = .nan  // edge 7, head y_rewatch
        try NumpyFile.writeMatrix(labels, rows: stored.shape[0], columns: 4, to: path)
        do {
            _ = try TrainingInputs(step2: try ColumnStore(folder: step2, producer: "2-graph-construction"))
            Issue.record("a NaN label was accepted")
        } catch let error as PipelineError {
            #expect(error.description.contains(path), "\(error)")
            #expect(error.description.contains("nan"), "\(error)")
        }
    }

    @Test func blankLinesOfBigMatrixAreCounted() throws {
        let folder = try HandWrittenWorld.write()
        let path = folder + "/big_matrix.csv"
        var lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        #expect(try HandWrittenWorld.prepare(folder).report.bigMatrixBlankLines == 0)  // the final line break is no blank line
        lines.insert("", at: 3)
        lines.insert("", at: 6)
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try HandWrittenWorld.prepare(folder).report.bigMatrixBlankLines == 2)
    }

    /// Notebook 1 tells a reader how many blank lines of big_matrix.csv were skipped and which caption lines had a
    /// category id it could not read, with zero and non-zero counts.
    @Test func notebookOneShowsBlankAndMisreadLines() throws {
        let raw = try HandWrittenWorld.write()
        defer { try? FileManager.default.removeItem(atPath: raw) }
        func notebook() throws -> String {
            let result = try ExecutableOptionsTests.run("1-data-preparation", ["--raw", raw, "--out", raw + "/processed",
                                                                               "--notebook", raw + "/1.md", "--figures", raw + "/figures"])
            #expect(result.status == 0, "\(result.stderr)")
            return try String(contentsOfFile: raw + "/1.md", encoding: .utf8)
        }
        let misreadRow = "| kept by position (above) with a category id that is not a number: that id read as missing, as the original's coercion leaves it |"
        // As written: no blank line; caption line 6 ("98,UNKNOWN,x,y,[],3,…", one field too many) has "[]" where the
        // level-1 id is read by position.
        let plain = try notebook()
        #expect(plain.contains("| big_matrix.csv | 13 interactions | 0 (no blank line; any bad row is an error) |"), "\(plain)")
        #expect(plain.contains(misreadRow + " 1 | 6 |"), "\(plain)")
        // Two blank lines in big_matrix.csv, and caption line 6 gone.
        let big = raw + "/big_matrix.csv"
        var lines = try String(contentsOfFile: big, encoding: .utf8).components(separatedBy: "\n")
        lines.insert("", at: 2)
        lines.insert("", at: 9)
        try lines.joined(separator: "\n").write(toFile: big, atomically: true, encoding: .utf8)
        let captions = raw + "/kuairec_caption_category.csv"
        let text = try String(contentsOfFile: captions, encoding: .utf8)
        try text.replacingOccurrences(of: "98,UNKNOWN,x,y,[],3,a,31,b,-124,UNKNOWN\r\n", with: "").write(toFile: captions, atomically: true, encoding: .utf8)
        let edited = try notebook()
        #expect(edited.contains("| big_matrix.csv | 13 interactions | 2 blank line(s), skipped as pandas skips them (any other bad row is an error) |"), "\(edited)")
        #expect(edited.contains(misreadRow + " 0 | none |"), "\(edited)")
    }

    @Test func blankLinesAreCountedAcrossParallelChunks() throws {
        // > 1 MiB without quotes, so the reader splits it across threads; blank lines near the start, middle and end
        var rows = (0..<30_000).map { "\($0 % 97),\($0),\($0 * 10),2000,2020-07-05 01:02:03.000,20200705,\(1593878400 + $0).5,0.5" }
        for at in [29_000, 15_000, 15_000, 10] { rows.insert("", at: at) }
        let path = try Self.folder() + "/big_matrix.csv"
        try ([InteractionLog.columns.joined(separator: ",")] + rows).joined(separator: "\n").appending("\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        for threads in [1, 4] {
            let log = try InteractionLog.read(path: path, threads: threads)
            #expect(log.count == 30_000 && log.blankLines == 4, "\(threads) threads")
        }
    }

    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("messages-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
