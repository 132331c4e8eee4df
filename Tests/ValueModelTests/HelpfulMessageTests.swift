import Foundation
import Testing
@testable import ValueModel

/// What a user learns from a message: labels that are not 0 or 1 name their file, blank lines in big_matrix.csv
/// are counted, and a caption file that is not UTF-8 is noticed with its lines.
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
