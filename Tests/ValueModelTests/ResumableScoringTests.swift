import Foundation
import Testing
@testable import ValueModel

/// Step 4's scoring resumes from its last completed chunk and ends with the uninterrupted run's bytes.
@Suite("Ranking: resumable counterfactual scoring")
struct ResumableScoringTests {
    static let identity = ["--seed": "1", "model hash": "abc"]

    static func scorer() throws -> DecomposedScorer {
        let (model, embeddings, features, _, sessionNodes, videoNodes) = try RankingScorerTests.fixture()
        return try DecomposedScorer(model: model, nodeEmbeddings: embeddings, features: features, sessionNodes: sessionNodes, videoNodes: videoNodes)
    }

    static func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("scoring-\(UUID().uuidString)").path
    }

    @Test("killed after chunk k and resumed, the heads equal an uninterrupted run's, byte for byte")
    func resumeMatchesUninterrupted() throws {
        let reference = try ResumableScoring(folder: Self.folder(), sessionsPerChunk: 1, resume: false, identity: Self.identity).run(try Self.scorer())
        #expect(reference.chunks == 4 && reference.resumedChunks == 0)
        // The same probabilities as one pass (up to BLAS blocking, which depends on the rows per GEMM).
        let onePass = try Self.scorer().scoreAll(decomposed: true).values
        #expect(zip(reference.heads.values, onePass).allSatisfy { abs($0 - $1) < 1e-6 })

        let path = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let interrupted = ResumableScoring(folder: path, sessionsPerChunk: 1, resume: false, identity: Self.identity)
        #expect(throws: ResumableScoring.Interrupted.self) { _ = try interrupted.run(try Self.scorer(), progress: nil, stopAfterChunks: 2) }
        #expect(try interrupted.readState()?.completedChunks == 2)
        let resumed = try ResumableScoring(folder: path, sessionsPerChunk: 1, resume: true, identity: Self.identity).run(try Self.scorer())
        #expect(resumed.resumedChunks == 2)
        #expect(resumed.heads.values == reference.heads.values)
    }

    @Test("resumed chunks are read from disk, not recomputed (a tampered chunk shows up in the result)")
    func resumedChunksAreLoaded() throws {
        let path = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let scoring = ResumableScoring(folder: path, sessionsPerChunk: 2, resume: false, identity: Self.identity)
        #expect(throws: ResumableScoring.Interrupted.self) { _ = try scoring.run(try Self.scorer(), progress: nil, stopAfterChunks: 1) }
        let size = try #require(FileManager.default.contents(atPath: scoring.chunkPath(0))).count
        try Data(repeating: 0, count: size).write(to: URL(fileURLWithPath: scoring.chunkPath(0)))
        var resuming = scoring
        resuming.resume = true
        let resumed = try resuming.run(try Self.scorer())
        #expect(resumed.heads.values[0..<(size / 4)].allSatisfy { $0 == 0 })
        #expect(resumed.heads.values[(size / 4)...].contains { $0 != 0 })
    }

    @Test("a state from other inputs is refused naming what differs; a truncated chunk names its file")
    func mismatchedOrTruncatedState() throws {
        let path = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let scoring = ResumableScoring(folder: path, sessionsPerChunk: 1, resume: false, identity: Self.identity)
        #expect(throws: ResumableScoring.Interrupted.self) { _ = try scoring.run(try Self.scorer(), progress: nil, stopAfterChunks: 2) }
        var other = Self.identity
        other["model hash"] = "def"
        do {
            _ = try ResumableScoring(folder: path, sessionsPerChunk: 1, resume: true, identity: other).run(try Self.scorer())
            Issue.record("a state of other inputs was resumed")
        } catch let error as PipelineError {
            #expect(error.description.contains("saved with model hash abc, this run has model hash def"), "\(error)")
        }
        do {
            _ = try ResumableScoring(folder: path, sessionsPerChunk: 2, resume: true, identity: Self.identity).run(try Self.scorer())
            Issue.record("a state with another chunk size was resumed")
        } catch let error as PipelineError {
            #expect(error.description.contains("in chunks of 1"), "\(error)")
        }
        let chunk = scoring.chunkPath(1)
        let bytes = try #require(FileManager.default.contents(atPath: chunk))
        try bytes.prefix(bytes.count - 4).write(to: URL(fileURLWithPath: chunk))
        do {
            _ = try ResumableScoring(folder: path, sessionsPerChunk: 1, resume: true, identity: Self.identity).run(try Self.scorer())
            Issue.record("a truncated chunk was resumed")
        } catch let error as PipelineError {
            #expect(error.description.contains(chunk) && error.description.contains("truncated"), "\(error)")
        }
        // Without resume the old state is ignored and replaced.
        let fresh = try ResumableScoring(folder: path, sessionsPerChunk: 1, resume: false, identity: other).run(try Self.scorer())
        #expect(fresh.resumedChunks == 0)
    }
}
