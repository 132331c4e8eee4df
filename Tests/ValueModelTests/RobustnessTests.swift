import Foundation
import Testing
@testable import ValueModel

/// Artifacts that cannot be half-written or mixed up, stale inputs, semantic checks and resource limits.
@Suite struct RobustnessTests {
    /// Step 1 on a fresh hand-written folder, committed with its inputs' hashes as the executable does.
    func preparedFolder() throws -> (raw: String, step1: String) {
        let raw = try HandWrittenWorld.write()
        let step1 = raw + "/processed/step1"
        let output = try ArtifactDirectory(path: step1)
        let report = try DataPreparation.run(folder: raw) { try output.write($0, $1) }
        let inputs = try Manifest.describeInputs(DataPreparation.inputFiles.map { raw + "/" + $0 })
        try output.commit(manifest: Manifest(producer: "1-data-preparation", version: 1, options: [:], inputs: inputs, rows: report.keptRows))
        return (raw, step1)
    }

    @Test func staleInputsAreRefused() throws {
        let (raw, step1) = try preparedFolder()
        _ = try ColumnStore(folder: step1, producer: "1-data-preparation")  // fresh: fine
        let path = raw + "/user_features.csv"
        try (try String(contentsOfFile: path, encoding: .utf8) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try ColumnStore(folder: step1, producer: "1-data-preparation")
            Issue.record("a changed input must make the artifacts stale")
        } catch {
            #expect("\(error)".contains("stale"))
            #expect("\(error)".contains("user_features.csv"))
            #expect("\(error)".contains("Re-run `1-data-preparation`"))
        }
    }

    @Test func wrongProducerAndMissingManifestAreNamed() throws {
        let (_, step1) = try preparedFolder()
        #expect(throws: PipelineError.self) { try ColumnStore(folder: step1, producer: "2-graph-construction") }
        do {
            _ = try ColumnStore(folder: "/nonexistent/step1", producer: "1-data-preparation")
            Issue.record("a folder without a manifest was accepted")
        } catch {
            #expect("\(error)".contains("/nonexistent/step1/manifest.json"))
            #expect("\(error)".contains("Run `1-data-preparation` first"))
        }
    }

    @Test func truncatedOrMismatchedColumnsAreNamed() throws {
        let (_, step1) = try preparedFolder()
        let store = try ColumnStore(folder: step1, producer: "1-data-preparation")
        let path = step1 + "/watch_ratio.npy"
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try store.float32("watch_ratio")
            Issue.record("a truncated column must be refused")
        } catch {
            #expect("\(error)".contains("watch_ratio.npy"))
            #expect("\(error)".contains("truncated"))
        }
        // a column of another dtype put in place of the real one
        try NumpyFile.write(.int8([1, 2, 3]), to: step1 + "/sess_len.npy")
        do {
            _ = try store.float32("sess_len")
            Issue.record("a mismatched column must be refused")
        } catch {
            #expect("\(error)".contains("sess_len.npy"))
            #expect("\(error)".contains("the manifest says <i4 [11]"))
        }
        #expect(throws: PipelineError.self) { try store.float32("no_such_column") }
    }

    @Test func aFailedStepLeavesNothing() throws {
        let raw = try HandWrittenWorld.write()
        let big = raw + "/big_matrix.csv"
        try (try String(contentsOfFile: big, encoding: .utf8) + "3,10,4000,4000,2020-07-06 10:00:00.000,20200706,oops,1.0\n")
            .write(toFile: big, atomically: true, encoding: .utf8)
        let target = raw + "/processed/step1"
        var staging = ""
        do {
            let output = try ArtifactDirectory(path: target)
            staging = output.stagingPath
            _ = try DataPreparation.run(folder: raw) { try output.write($0, $1) }
            Issue.record("a bad number must stop step 1")
        } catch {
            #expect("\(error)".contains("big_matrix.csv:15:7 (column \"timestamp\")"))
        }
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(!FileManager.default.fileExists(atPath: staging))
    }

    @Test func aFailedRewriteKeepsTheOldArtifacts() throws {
        let (raw, step1) = try preparedFolder()
        let before = try Data(contentsOf: URL(fileURLWithPath: step1 + "/manifest.json"))
        try "user_id,video_id\n".write(toFile: raw + "/big_matrix.csv", atomically: true, encoding: .utf8)
        do {
            let output = try ArtifactDirectory(path: step1)
            _ = try DataPreparation.run(folder: raw) { try output.write($0, $1) }
            Issue.record("a missing column must stop step 1")
        } catch {
            #expect("\(error)".contains("required column \"play_duration\""))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: step1 + "/manifest.json")) == before)
    }

    @Test func noRowInsideAnyBurstIsAnError() throws {
        let raw = try HandWrittenWorld.write()
        try """
            user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio
            0,10,5000,4000,2020-06-01 10:00:00.000,20200601,1590976800.000,1.25

            """.write(toFile: raw + "/big_matrix.csv", atomically: true, encoding: .utf8)
        do {
            _ = try DataPreparation.run(folder: raw) { _, _ in }
            Issue.record("no row in a burst must be an error")
        } catch {
            #expect("\(error)".contains("no interaction falls inside the bursts 2020-07-05..2020-07-12"))
        }
    }

    @Test func suspiciousRowsAreCountedNotDropped() throws {
        var log = InteractionLog()
        log.playDuration = [1000, 1000, -5, 500]
        log.videoDuration = [2000, 0, 1000, 1000]
        log.watchRatio = [0.5, 0.7, -0.005, 0.9]  // row 3: 500/1000 = 0.5, not 0.9
        log.userId = [0, 0, 0, 0]
        let anomalies = log.anomalies()
        #expect(anomalies.inconsistentWatchRatio == 1)
        #expect(anomalies.nonPositiveVideoDuration == 1)
        #expect(anomalies.negativePlayOrRatio == 1)
    }

    @Test func duplicatesAndTimeTiesAreCounted() {
        var log = InteractionLog()
        // sorted by user and time; rows 0, 1 and 3 are the same interaction of video 1, row 2 is video 2 at
        // the same instant; row 5 shares only the time (another user); rows 6-7 differ only in play_duration
        log.userId = [0, 0, 0, 0, 0, 1, 1, 1]
        log.timeMs = [1000, 1000, 1000, 1000, 2000, 2000, 3000, 3000]
        log.videoId = [1, 1, 2, 1, 3, 4, 5, 5]
        log.playDuration = [500, 500, 500, 500, 500, 500, 700, 800]
        log.videoDuration = Array(repeating: 1000, count: 8)
        log.date = Array(repeating: 20200705, count: 8)
        log.timestamp = [1, 1, 1, 1, 2, 2, 3, 3]
        log.watchRatio = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.7, 0.8]
        let ties = log.ties()
        #expect(ties.exactDuplicates == 2)  // rows 1 and 3 repeat row 0
        #expect(ties.differentVideos == 2)  // row 2 (after video 1) and row 3 (after video 2)
    }

    @Test func resourceChecksSayWhatIsNeeded() throws {
        #expect(throws: Never.self) { try ResourceCheck.requireMemory(1 << 20, for: "x", hint: "", available: 1 << 30) }
        do {
            try ResourceCheck.requireMemory(8 << 30, for: "Step 1 on big_matrix.csv", hint: "Close other programs.", available: 2 << 30)
            Issue.record("not enough memory must be an error")
        } catch {
            #expect("\(error)".contains("needs about 8.0 GiB of memory, only 2.0 GiB is available. Close other programs."))
        }
        #expect(throws: PipelineError.self) { try ResourceCheck.requireDisk(10 << 30, under: "/tmp", for: "artifacts", available: 1 << 30) }
        #expect((ResourceCheck.availableDisk(at: "/tmp/does/not/exist/yet") ?? 0) > 0)
    }

    @Test func outOfRangeIdsAreRejectedBeforeSizingTables() throws {
        let raw = try HandWrittenWorld.write()
        try """
            user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio
            2000000000,10,5000,4000,2020-07-05 10:00:00.000,20200705,1593914400.000,1.25

            """.write(toFile: raw + "/big_matrix.csv", atomically: true, encoding: .utf8)
        #expect(throws: PipelineError.unparsableValue(
            SourceLocation(file: raw + "/big_matrix.csv", line: 2, column: 1, columnName: "user_id"),
            text: "2000000000", expected: "a user id in 0..<50000000")) { try InteractionLog.read(path: raw + "/big_matrix.csv") }
    }
}
