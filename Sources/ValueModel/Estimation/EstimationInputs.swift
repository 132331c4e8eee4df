import Foundation

/// What step 4 reads: the sessions, candidates and counterfactual features of steps 1-2, and the GNN step 3 chose for it,
/// checked as they are read.
public struct EstimationInputs {
    public var counterfactual: CounterfactualInputs
    public var model: GNNModel
    public var modelName: String
    /// Why step 3 chose that model.
    public var choice: ScoringModelChoice
    /// The GNN's final node embeddings `[nodes, H]`.
    public var nodeEmbeddings: [Float]
    /// That GNN's weights and node embeddings (step 3).
    public var weightsPath: String
    public var embeddingsPath: String
    public var inputFiles: [String]

    /// One of step 3's GNNs as step 4 scores with it: the model `best_gnn.json` names (or `member`, another seed
    /// of it), its weights and its node embeddings, read from `step3Folder` and checked against the graph's node
    /// count.
    public struct ScoringGNN {
        public var model: GNNModel
        public var choice: ScoringModelChoice
        public var nodeEmbeddings: [Float]
        public var step3Manifest: Manifest
        /// `manifest.json`, `best_gnn.json`, the weights and the embeddings.
        public var files: [String]
        public var weightsPath: String { files[2] }
        public var embeddingsPath: String { files[3] }

        public init(step3Folder: String, nodes: Int, member: String? = nil) throws {
            let step3 = try ColumnStore(folder: step3Folder, producer: PipelineStep.training.producer)
            let best = try ScoringModelChoice.read(step3: step3Folder)
            let name = member ?? best.model
            let embeddingsPath = step3Folder + "/node_embeddings_\(name).npy"
            let stored = try NumpyFile.read(path: embeddingsPath)
            guard stored.descr == "<f4", stored.shape == [nodes, best.hidden] else {
                throw PipelineError.malformedInput(SourceLocation(file: embeddingsPath),
                                                  reason: "holds \(stored.descr) \(stored.shape), expected <f4 [\(nodes), \(best.hidden)]; re-run `3-training`")
            }
            let embeddings = stored.values(as: Float.self)
            if let bad = embeddings.firstIndex(where: { !$0.isFinite }) {
                throw PipelineError.malformedInput(SourceLocation(file: embeddingsPath),
                    reason: "holds NaN or infinite values (the first at node \(bad / best.hidden), dimension \(bad % best.hidden)); re-run `3-training`")
            }
            // Node embeddings come from step 3, so the model needs no message-passing graph here.
            let adjacency = try GCNNormalizedAdjacency(nodeCount: nodes, sources: [], targets: [])
            var init0 = SeededGenerator(seed: 0)
            model = GNNModel(adjacency: adjacency, hidden: best.hidden, featureDim: EdgeFeatures.count, generator: &init0)
            let weightsPath = step3Folder + "/\(name).safetensors"
            guard FileManager.default.fileExists(atPath: weightsPath) else {
                throw PipelineError.missingFile(path: weightsPath, hint: "Run `3-training` first (or `make notebooks`).")
            }
            try model.parameters.loadSafetensors(from: URL(fileURLWithPath: weightsPath))
            choice = best
            nodeEmbeddings = embeddings
            step3Manifest = step3.manifest
            files = [step3.folder + "/" + Manifest.fileName, step3Folder + "/" + ScoringModelChoice.fileName, weightsPath, embeddingsPath]
        }
    }

    public static func load(processed: String, step3Folder: String, minimumLength: Int, maximumSessions: Int,
                     seed: UInt64) throws -> EstimationInputs {
        let counterfactual = try CounterfactualInputs.load(processed: processed, minimumLength: minimumLength,
                                                           maximumSessions: maximumSessions, seed: seed)
        // The GNN step 3 chose (its manifest checked: made by step 3).
        let gnn = try ScoringGNN(step3Folder: step3Folder, nodes: counterfactual.graph.userNodes + counterfactual.graph.videoNodes)
        let step1 = counterfactual.step1.folder, step2 = counterfactual.step2.folder
        return EstimationInputs(counterfactual: counterfactual, model: gnn.model, modelName: gnn.choice.model, choice: gnn.choice,
                          nodeEmbeddings: gnn.nodeEmbeddings, weightsPath: gnn.weightsPath, embeddingsPath: gnn.embeddingsPath,
                          inputFiles: [step1 + "/" + Manifest.fileName, step2 + "/" + Manifest.fileName] + gnn.files)
    }

    public var sessions: EvaluationSessions { counterfactual.sessions }
    public var candidates: CandidateVideos { counterfactual.candidates }
    public var step1: ColumnStore { counterfactual.step1 }
    public var step2: ColumnStore { counterfactual.step2 }

    /// Candidate video embeddings `[candidates, H]` (rows of the node embeddings).
    public var candidateEmbeddings: [Float] {
        let h = model.hidden
        var out = [Float](repeating: 0, count: candidates.count * h)
        for (j, node) in counterfactual.videoNodes.enumerated() {
            for k in 0..<h { out[j * h + k] = nodeEmbeddings[Int(node) * h + k] }
        }
        return out
    }
}
