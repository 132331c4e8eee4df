import Foundation
import ValueModel

/// What step 4 reads: the sessions, candidates and counterfactual features of steps 1-2, and the GNN step 3 chose for it,
/// checked as they are read.
struct StepInputs {
    var counterfactual: CounterfactualInputs
    var model: GNNModel
    var modelName: String
    /// Why step 3 chose that model.
    var choice: ScoringModelChoice
    /// The GNN's final node embeddings `[nodes, H]`.
    var nodeEmbeddings: [Float]
    /// That GNN's weights and node embeddings (step 3).
    var weightsPath: String
    var embeddingsPath: String
    var inputFiles: [String]

    static func load(processed: String, step3Folder: String, minimumLength: Int, maximumSessions: Int,
                     seed: UInt64) throws -> StepInputs {
        let counterfactual = try CounterfactualInputs.load(processed: processed, minimumLength: minimumLength,
                                                           maximumSessions: maximumSessions, seed: seed)
        // The GNN step 3 chose (its manifest checked: made by step 3 from the current step 2).
        let step3 = try ColumnStore(folder: step3Folder, producer: "3-training")
        let best = try ScoringModelChoice.read(step3: step3Folder)
        let bestPath = step3Folder + "/" + ScoringModelChoice.fileName
        let nodes = counterfactual.graph.userNodes + counterfactual.graph.videoNodes
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
        let step1 = counterfactual.step1.folder, step2 = counterfactual.step2.folder
        return StepInputs(counterfactual: counterfactual, model: model, modelName: best.model, choice: best, nodeEmbeddings: stored.values(as: Float.self),
                          weightsPath: weightsPath, embeddingsPath: embeddingsPath,
                          inputFiles: [step1 + "/" + Manifest.fileName, step2 + "/" + Manifest.fileName,
                                       step3.folder + "/" + Manifest.fileName, bestPath, weightsPath, embeddingsPath])
    }

    var sessions: EvaluationSessions { counterfactual.sessions }
    var candidates: CandidateVideos { counterfactual.candidates }
    var step1: ColumnStore { counterfactual.step1 }
    var step2: ColumnStore { counterfactual.step2 }

    /// Candidate video embeddings `[candidates, H]` (rows of the node embeddings).
    var candidateEmbeddings: [Float] {
        let h = model.hidden
        var out = [Float](repeating: 0, count: candidates.count * h)
        for (j, node) in counterfactual.videoNodes.enumerated() {
            for k in 0..<h { out[j * h + k] = nodeEmbeddings[Int(node) * h + k] }
        }
        return out
    }
}
