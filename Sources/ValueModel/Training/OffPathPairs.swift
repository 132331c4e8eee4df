import Foundation

/// The small matrix's pairs (step 1's `step1-small/`) as edges every step-3 model can score: the one test of the
/// heads on pairs the platform did not choose. Never trained on.
///
/// Each pair's raw feature row is built as step 4 builds a never-shown candidate's (`CounterfactualFeatures`):
/// the session columns (user, burst, session counter, history) of step 2's edge at `source_row`, the item
/// columns of the edge at `video_row`, the author-history trio overwritten, and then the pair's own context
/// columns; it is standardised with step 2's training statistics.
public struct OffPathPairs {
    /// Standardised features `[n, 64]`, labels `[n, 4]`, user and video graph nodes.
    public var examples: EdgeExamples
    /// Day-part (Beijing hour / 6) of each pair's time: the synthetic world's context.
    public var dayparts: [UInt8]
    /// Video id of each pair (its node is `userNodes + video id`).
    public var videos: [Int32]

    public var count: Int { examples.count }
    /// User node (= user id) of each pair.
    public var users: [Int32] { examples.sources }

    static let contextColumns = ["ctx_hour_sin", "ctx_hour_cos", "ctx_is_weekend"]

    /// Builds the pairs.
    /// - Parameters:
    ///   - small: step 1's `step1-small/` store.
    ///   - rawEdges: step 2's unstandardised edge features `[edges, 64]` (missing values 0).
    ///   - edgeUsers: step 2's user of each edge (checks that `source_row` still points at the pair's user).
    public init(small: ColumnStore, rawEdges: Matrix, edgeUsers: [Int32], summary: GraphConstruction.Summary) throws {
        let users = try small.int32("user_id"), videos = try small.int32("video_id")
        let sourceRows = try small.int32("source_row"), videoRows = try small.int32("video_row")
        let timeMs = try small.int64("time")
        let n = users.count, w = EdgeFeatures.count
        guard rawEdges.cols == w, edgeUsers.count == rawEdges.rows else {
            throw PipelineError.invalidData("off-path pairs: step 2's edge features are \(rawEdges.rows) x \(rawEdges.cols), expected \(edgeUsers.count) x \(w)")
        }
        let stale = "\(small.folder) does not belong to step 2's graph; re-run `1-data-preparation` and `2-graph-construction`"
        for i in 0..<n {
            let s = Int(sourceRows[i]), v = Int(videoRows[i])
            guard s >= 0, s < rawEdges.rows, v >= 0, v < rawEdges.rows, edgeUsers[s] == users[i],
                  Int(users[i]) < summary.userNodes, videos[i] >= 0, Int(videos[i]) < summary.videoNodes else {
                throw PipelineError.invalidData(stale + " (row \(i))")
            }
        }
        var raw = [Float](repeating: 0, count: n * w)   // [n, 64]
        let itemColumns = CounterfactualFeatures.itemColumns, sessionColumns = CounterfactualFeatures.sessionColumns
        for i in 0..<n {
            let s = Int(sourceRows[i]) * w, v = Int(videoRows[i]) * w
            for c in sessionColumns { raw[i * w + c] = rawEdges.values[s + c] }
            for c in itemColumns { raw[i * w + c] = rawEdges.values[v + c] }
            for (c, value) in CounterfactualFeatures.authorOverrideColumns { raw[i * w + c] = value }
        }
        for name in Self.contextColumns {
            guard let c = EdgeFeatures.names.firstIndex(of: name) else { continue }
            let column = try small.float32(name)
            for i in 0..<n { raw[i * w + c] = column[i].isNaN ? 0 : column[i] }
        }
        var features = Matrix(rows: n, cols: w, values: raw)
        try TrainingInputs.standardise(&features, summary.standardisation)
        var labels = [Float](repeating: 0, count: n * 4)
        for head in Head.allCases {
            let column = try small.float32(head.labelName)
            for i in 0..<n { labels[i * 4 + head.rawValue] = column[i] }
        }
        examples = try EdgeExamples(sources: users, targets: videos.map { $0 + Int32(summary.userNodes) },
                                    features: features, labels: Matrix(rows: n, cols: 4, values: labels))
        dayparts = timeMs.map { EvaluationSessions.daypart(beijingMs: $0) }
        self.videos = videos
    }

    /// Reads `<processed>/step1-small/` (or another of step 1's small-matrix folders, `folderName`) when it exists,
    /// checking that it was made from the same raw files as step 1's table (`step1Inputs`, its manifest's inputs); nil
    /// when step 1 read no `small_matrix.csv`. A folder step 1 prepared (its inputs list `small_matrix.csv`) that is
    /// now gone is an error, not a silent nil.
    public static func store(processed: String, step1Inputs: [Manifest.Input],
                             folderName: String = SmallMatrixPreparation.folderName) throws -> ColumnStore? {
        let folder = processed + "/" + folderName
        guard FileManager.default.fileExists(atPath: folder + "/" + Manifest.fileName) else {
            guard !step1Inputs.contains(where: { ($0.path as NSString).lastPathComponent == SmallMatrixPreparation.fileName }) else {
                throw PipelineError.missingFile(path: folder + "/" + Manifest.fileName, hint: "Step 1 prepared small_matrix.csv into this folder (its manifest lists the file among its inputs), and it is gone: re-run `1-data-preparation`.")
            }
            return nil
        }
        let store = try ColumnStore(folder: folder, producer: PipelineStep.dataPreparation.producer)
        for input in step1Inputs where !store.manifest.inputs.contains(input) {
            throw PipelineError.invalidData("\(folder) was prepared from other files than step 1's table (\(input.path) differs); re-run `1-data-preparation`")
        }
        return store
    }
}
