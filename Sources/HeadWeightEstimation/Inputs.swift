import Foundation
import ValueModel

/// What step 4 reads from steps 1-3, checked as it is read.
struct StepInputs {
    var step1: ColumnStore
    var step2: ColumnStore
    var graph: GraphConstruction.Summary
    var sessions: EvaluationSessions
    /// Sessions before `--max-sessions`.
    var eligibleSessions: Int
    var candidates: CandidateVideos
    /// Rows per candidate in step 1 (how often the platform showed it, all splits).
    var candidateExposure: [Int]
    /// Raw level-1 category id per candidate (−124 = unknown).
    var candidateCategories: [Double]
    var features: CounterfactualFeatures
    var model: GNNModel
    var modelName: String
    var nodeEmbeddings: [Float]
    /// The best GNN's weights and node embeddings (step 3).
    var weightsPath: String
    var embeddingsPath: String
    var inputFiles: [String]

    struct BestGNN: Codable { var model: String; var hidden: Int }

    static func load(processed: String, step3Folder: String, minimumLength: Int, maximumSessions: Int,
                     seed: UInt64) throws -> StepInputs {
        let step1 = try ColumnStore(folder: processed + "/step1", producer: "1-data-preparation")
        let step2 = try ColumnStore(folder: processed + "/step2", producer: "2-graph-construction")
        let graphPath = step2.folder + "/graph.json"
        guard let graphData = FileManager.default.contents(atPath: graphPath) else {
            throw PipelineError.missingFile(path: graphPath, hint: "Run `2-graph-construction` first (or `make notebooks`).")
        }
        let graph: GraphConstruction.Summary
        do { graph = try JSONDecoder().decode(GraphConstruction.Summary.self, from: graphData) } catch {
            throw PipelineError.malformedInput(SourceLocation(file: graphPath), reason: "not step 2's graph.json (\(error)); re-run `2-graph-construction`")
        }
        guard step1.rows == step2.rows else {
            throw PipelineError.invalidData("step 1 has \(step1.rows) rows but step 2 has \(step2.rows) edges; re-run `2-graph-construction`")
        }

        // Sessions and candidates.
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

        // The best GNN of step 3 (its manifest checked: made by step 3 from the current step 2).
        let step3 = try ColumnStore(folder: step3Folder, producer: "3-training")
        let bestPath = step3Folder + "/best_gnn.json"
        guard let bestData = FileManager.default.contents(atPath: bestPath) else {
            throw PipelineError.missingFile(path: bestPath, hint: "Run `3-training` first (or `make notebooks`).")
        }
        let best: BestGNN
        do { best = try JSONDecoder().decode(BestGNN.self, from: bestData) } catch {
            throw PipelineError.malformedInput(SourceLocation(file: bestPath), reason: "not step 3's best_gnn.json (\(error)); re-run `3-training`")
        }
        let nodes = graph.userNodes + graph.videoNodes
        let embeddingsPath = step3Folder + "/node_embeddings_\(best.model).npy"
        let stored = try NumpyFile.read(path: embeddingsPath)
        guard stored.descr == "<f4", stored.shape == [nodes, best.hidden] else {
            throw PipelineError.malformedInput(SourceLocation(file: embeddingsPath),
                                              reason: "holds \(stored.descr) \(stored.shape), expected <f4 [\(nodes), \(best.hidden)]; re-run `3-training`")
        }
        // Node embeddings come from step 3, so the model needs no message-passing graph here.
        let adjacency = try GCNNormalizedAdjacency(nodeCount: nodes, sources: [], targets: [])
        var init0 = SeededGenerator(seed: 0)
        let model = GNNModel(adjacency: adjacency, hidden: best.hidden, featureDim: EdgeFeatures.count, generator: &init0)
        let weightsPath = step3Folder + "/\(best.model).safetensors"
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            throw PipelineError.missingFile(path: weightsPath, hint: "Run `3-training` first (or `make notebooks`).")
        }
        try model.parameters.loadSafetensors(from: URL(fileURLWithPath: weightsPath))

        return StepInputs(step1: step1, step2: step2, graph: graph, sessions: sessions, eligibleSessions: selected.count,
                          candidates: candidates, candidateExposure: exposure, candidateCategories: categories, features: features, model: model,
                          modelName: best.model, nodeEmbeddings: stored.values(as: Float.self),
                          weightsPath: weightsPath, embeddingsPath: embeddingsPath,
                          inputFiles: [step1.folder + "/" + Manifest.fileName, step2.folder + "/" + Manifest.fileName,
                                       step3.folder + "/" + Manifest.fileName, bestPath, weightsPath, embeddingsPath])
    }

    /// Graph node of each session's user and of each candidate video.
    var sessionNodes: [Int32] { sessions.users }
    var videoNodes: [Int32] { candidates.videoIds.map { $0 + Int32(graph.userNodes) } }

    /// Candidate video embeddings `[candidates, H]` (rows of the node embeddings).
    var candidateEmbeddings: [Float] {
        let h = model.hidden
        var out = [Float](repeating: 0, count: candidates.count * h)
        for (j, node) in videoNodes.enumerated() {
            for k in 0..<h { out[j * h + k] = nodeEmbeddings[Int(node) * h + k] }
        }
        return out
    }

    /// Each session's observed videos as candidate indices.
    var observedCandidates: [Int32] { sessions.observedVideos.map { candidates.indexOfVideo[Int($0)] } }
}
