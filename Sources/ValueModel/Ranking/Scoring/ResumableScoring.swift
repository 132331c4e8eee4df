import Foundation

/// Counterfactual scoring that survives an interruption: sessions are scored in checkpoint chunks, each chunk's
/// heads are written atomically to `folder` as `heads-<chunk>.f32` (raw little-endian Float32,
/// `[sessions in chunk, videos, 4]`) and then `state.json` records it as completed. With `resume`, a run whose
/// identity (inputs' hashes, options) matches the saved one loads the completed chunks and scores only the rest;
/// the result is the same, byte for byte, as an uninterrupted run (scoring is deterministic per session).
/// A chunk written but not yet recorded (a kill between the two writes) is simply scored again.
public struct ResumableScoring: Sendable {
    /// The state folder (for example `data/processed/step4-state`); removed by `remove(folder:)` once the step is done.
    public var folder: String
    /// Sessions per checkpoint chunk.
    public var sessionsPerChunk: Int
    /// Continue from the chunks in `folder` (if any); false ignores and overwrites them.
    public var resume: Bool
    /// What the saved chunks must have been computed with (see `ResumeIdentity`).
    public var identity: [String: String]

    public init(folder: String, sessionsPerChunk: Int, resume: Bool, identity: [String: String]) {
        self.folder = folder
        self.sessionsPerChunk = max(1, sessionsPerChunk)
        self.resume = resume
        self.identity = identity
    }

    struct State: Codable {
        static let currentVersion = 1
        var version = State.currentVersion
        var identity: [String: String]
        var sessions: Int
        var videos: Int
        var sessionsPerChunk: Int
        var completedChunks: Int
    }

    /// Thrown by `run(…, stopAfterChunks:)`: an interruption, as a kill would be (tests).
    struct Interrupted: Error {
        let chunks: Int
    }

    /// The outcome: every session's heads, and how many chunks came from an earlier run.
    public struct Outcome {
        public var heads: CandidateHeads
        public var resumedChunks: Int
        public var chunks: Int
    }

    var statePath: String { folder + "/state.json" }
    func chunkPath(_ index: Int) -> String { folder + "/heads-\(index).f32" }

    /// Scores every session of `scorer` (decomposed path); `progress(sessions done)` after each chunk.
    public func run(_ scorer: DecomposedScorer, progress: ((Int) -> Void)? = nil) throws -> Outcome {
        try run(scorer, progress: progress, stopAfterChunks: nil)
    }

    func run(_ scorer: DecomposedScorer, progress: ((Int) -> Void)?, stopAfterChunks: Int?) throws -> Outcome {
        let sessions = scorer.sessions, videos = scorer.videos
        let chunkCount = sessions / sessionsPerChunk + (sessions % sessionsPerChunk == 0 ? 0 : 1)   // no overflow near Int.max
        var state = State(identity: identity, sessions: sessions, videos: videos, sessionsPerChunk: sessionsPerChunk, completedChunks: 0)
        var values = [Float](repeating: 0, count: sessions * videos * 4)
        var resumed = 0
        if resume, let saved = try readState() {
            try ResumeIdentity.check(saved: saved.identity, current: identity, path: statePath)
            guard saved.sessions == sessions, saved.videos == videos, saved.sessionsPerChunk == sessionsPerChunk else {
                throw PipelineError.malformedInput(SourceLocation(file: statePath), reason: "saved for \(saved.sessions) sessions x \(saved.videos) videos in chunks of \(saved.sessionsPerChunk), this run has \(sessions) x \(videos) in chunks of \(sessionsPerChunk); delete \(folder) or run without --resume")
            }
            guard (0...chunkCount).contains(saved.completedChunks) else {
                throw PipelineError.malformedInput(SourceLocation(file: statePath), reason: "completedChunks is \(saved.completedChunks), a run of \(chunkCount) chunks completes 0...\(chunkCount) (edited or corrupt state); delete \(folder) or run without --resume")
            }
            for chunk in 0..<saved.completedChunks {
                let range = chunkRange(chunk, sessions: sessions)
                let path = chunkPath(chunk)
                guard let data = FileManager.default.contents(atPath: path), data.count == range.count * videos * 4 * 4 else {
                    throw PipelineError.malformedInput(SourceLocation(file: path), reason: "missing or truncated scored chunk (expected \(range.count * videos * 16) bytes); delete \(folder) or run without --resume")
                }
                values.withUnsafeMutableBytes { out in
                    data.withUnsafeBytes { source in
                        out.baseAddress!.advanced(by: range.lowerBound * videos * 16).copyMemory(from: source.baseAddress!, byteCount: data.count)
                    }
                }
            }
            state.completedChunks = saved.completedChunks
            resumed = saved.completedChunks
            progress?(min(sessions, resumed * sessionsPerChunk))
        } else {
            Self.remove(folder: folder)
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for chunk in state.completedChunks..<chunkCount {
            let range = chunkRange(chunk, sessions: sessions)
            let offset = range.lowerBound * videos * 4, count = range.count * videos * 4
            values.withUnsafeMutableBufferPointer { scorer.scoreDecomposed(sessions: range, into: $0.baseAddress! + offset) }
            try AtomicWrite.write(to: chunkPath(chunk)) { writer in
                try values.withUnsafeBufferPointer { try writer.write(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer($0)[(offset * 4)..<((offset + count) * 4)])) }
            }
            state.completedChunks = chunk + 1
            try AtomicWrite.write(try JSONEncoder.sorted.encode(state), to: statePath)
            progress?(range.upperBound)
            if let stopAfterChunks, chunk + 1 >= stopAfterChunks, chunk + 1 < chunkCount { throw Interrupted(chunks: chunk + 1) }
        }
        return Outcome(heads: CandidateHeads(sessions: sessions, videos: videos, values: values), resumedChunks: resumed, chunks: chunkCount)
    }

    /// Deletes a state folder (before a fresh run, and after the step's artifacts are committed).
    public static func remove(folder: String) { try? FileManager.default.removeItem(atPath: folder) }

    private func chunkRange(_ chunk: Int, sessions: Int) -> Range<Int> {
        (chunk * sessionsPerChunk)..<min(sessions, (chunk + 1) * sessionsPerChunk)
    }

    func readState() throws -> State? {
        guard let data = FileManager.default.contents(atPath: statePath) else { return nil }
        let state: State
        do { state = try JSONDecoder().decode(State.self, from: data) } catch {
            throw PipelineError.malformedInput(SourceLocation(file: statePath), reason: "unreadable scoring state (\(error)); delete \(folder) or run without --resume")
        }
        guard state.version == State.currentVersion else {
            throw PipelineError.malformedInput(SourceLocation(file: statePath), reason: "scoring state version \(state.version), this program writes \(State.currentVersion); run without --resume")
        }
        return state
    }
}

extension JSONEncoder {
    /// Key-sorted JSON (byte-identical for identical contents).
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
