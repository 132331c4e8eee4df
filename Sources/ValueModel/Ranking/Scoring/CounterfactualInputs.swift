import Foundation

/// What counterfactual scoring needs from steps 1 and 2, checked as it is read: the evaluation sessions (a seeded
/// sample when asked), the candidate videos with their exposure and level-1 category, and the counterfactual
/// features of both, standardised with step 2's statistics.
public struct CounterfactualInputs {
    public var step1: ColumnStore
    public var step2: ColumnStore
    public var graph: GraphConstruction.Summary
    public var sessions: EvaluationSessions
    /// Sessions before the sample.
    public var eligibleSessions: Int
    public var candidates: CandidateVideos
    /// Rows per candidate in step 1 (how often the platform showed it, all splits).
    public var candidateExposure: [Int]
    /// Raw level-1 category id per candidate (−124 = unknown).
    public var candidateCategories: [Double]
    public var features: CounterfactualFeatures

    /// Reads `<processed>/step1` and `<processed>/step2`; keeps test-split sessions with `sess_len >= minimumLength`,
    /// at most `maximumSessions` of them (0 = all) drawn with `seed`.
    public static func load(processed: String, minimumLength: Int, maximumSessions: Int, seed: UInt64) throws -> CounterfactualInputs {
        let step1 = try ColumnStore(.dataPreparation, processed: processed)
        let step2 = try ColumnStore(.graphConstruction, processed: processed)
        let graph = try GraphConstruction.Summary.read(step2: step2)
        guard step1.rows == step2.rows else {
            throw PipelineError.invalidData("step 1 has \(step1.rows) rows but step 2 has \(step2.rows) edges; re-run `2-graph-construction`")
        }
        let users = try step1.int32("user_id"), videos = try step1.int32("video_id")
        let selected = try EvaluationSessions.select(
            users: users, videos: videos, session: try step1.int32("session"), sessionLength: try step1.int32("sess_len"),
            timeMs: try step1.int64("time"), split: try step2.array("split").values(as: Int8.self), minimumLength: minimumLength)
        guard selected.count > 0 else {
            throw PipelineError.invalidData("no test-split session has sess_len >= \(minimumLength); lower --min-session-length")
        }
        var generator = SeededGenerator(seed: seed)
        let sessions = selected.sample(maximum: maximumSessions, generator: &generator)
        let candidates = try CandidateVideos(videos: videos, catalogueSize: graph.videoNodes)
        var exposure = [Int](repeating: 0, count: candidates.count)
        for v in videos { exposure[Int(candidates.indexOfVideo[Int(v)])] += 1 }
        let level1 = try step1.float32("i_cat_level1_id")
        let categories = candidates.firstRows.map { Double(level1[$0].isNaN ? -124 : level1[$0]) }
        let features = try CounterfactualFeatures.read(step1: step1, sessionRows: sessions.firstRows,
                                                       videoRows: candidates.firstRows, standardisation: graph.standardisation)
        return CounterfactualInputs(step1: step1, step2: step2, graph: graph, sessions: sessions, eligibleSessions: selected.count,
                                    candidates: candidates, candidateExposure: exposure, candidateCategories: categories, features: features)
    }

    /// Graph node of each session's user and of each candidate video.
    public var sessionNodes: [Int32] { sessions.users }
    public var videoNodes: [Int32] { candidates.videoIds.map { $0 + Int32(graph.userNodes) } }

    /// Each session's observed videos as candidate indices.
    public var observedCandidates: [Int32] { sessions.observedVideos.map { candidates.indexOfVideo[Int($0)] } }
}
