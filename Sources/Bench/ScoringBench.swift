import ArgumentParser
import Foundation
import ValueModel

/// `bench scoring`: step 4's counterfactual scoring throughput — every candidate video for a sample of evaluation
/// sessions, through a GNN-64's edge MLP with the decomposed first layer and with the plain one — on steps 1-2's
/// real sessions and features. The weights are a seeded initialisation (the time does not depend on them).
/// With `--export`, writes what the PyTorch side (scripts/bench_pyg.py scoring) needs to score the same pairs,
/// and this side's probabilities for the first sessions, to compare.
struct ScoringBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scoring", abstract: "Time step 4's counterfactual scoring (pairs per second), decomposed and plain.")

    @OptionGroup var engine: EngineOptions

    @Option(help: "Evaluation sessions scored per repeat (a seeded sample of the test sessions with sess_len >= 5).")
    var sessions = 100

    @Option(help: "Timed repeats of each path.")
    var repeats = 3

    @Option(help: "Folder to write the PyTorch side's inputs into (node embeddings, weights, feature blocks, reference heads).")
    var export: String?


    @Option(help: "Seed of the session sample and the weights.")
    var seed: UInt64 = 0

    func validate() throws {
        guard sessions > 0, repeats > 0 else { throw ValidationError("--sessions and --repeats must be positive") }
    }

    func run() throws {
        let graph = try engine.loadGraph()
        let inputs = try CounterfactualInputs.load(processed: engine.processed, minimumLength: 5, maximumSessions: sessions, seed: seed)
        var generator = SeededGenerator(seed: seed)
        let model = GNNModel(adjacency: try graph.adjacency(), hidden: 64, featureDim: EdgeFeatures.count, generator: &generator)
        let embeddings = model.encodeNodes().values   // [nodes, 64]
        let scorer = try DecomposedScorer(model: model, nodeEmbeddings: embeddings, features: inputs.features,
                                          sessionNodes: inputs.sessionNodes, videoNodes: inputs.videoNodes)
        _ = scorer.throughput(decomposed: true, sessions: 1)   // warm-up
        var decomposed = Samples(), plain = Samples()
        for _ in 0..<repeats {
            decomposed.time { _ = scorer.throughput(decomposed: true, sessions: scorer.sessions) }
            plain.time { _ = scorer.throughput(decomposed: false, sessions: scorer.sessions) }
        }
        let pairs = scorer.sessions * scorer.videos
        if let export { try write(export, model: model, embeddings: embeddings, inputs: inputs, scorer: scorer) }

        func median(_ s: Samples) -> Double { s.seconds.sorted()[s.seconds.count / 2] }
        var fields = commonFields(threads: engine.threads)
        fields.merge(["scenario": "scoring", "model": "gnn64", "sessions": scorer.sessions, "candidates": scorer.videos, "pairs": pairs,
                      "pairs_per_s_decomposed": Double(pairs) / median(decomposed), "pairs_per_s_plain": Double(pairs) / median(plain)]) { $1 }
        fields.merge(decomposed.fields("decomposed")) { $1 }
        fields.merge(plain.fields("plain")) { $1 }
        try printJSONLine(fields)
    }

    /// The PyTorch side's inputs: the GNN's weights (PyTorch names), node embeddings `[nodes, 64]`, the standardised
    /// counterfactual blocks `[sessions, 64]` and `[candidates, 64]` (their sum is a pair's edge features), the
    /// graph nodes of sessions and candidates, and this side's probabilities of the first sessions `[k, candidates, 4]`.
    private func write(_ folder: String, model: GNNModel, embeddings: [Float], inputs: CounterfactualInputs, scorer: DecomposedScorer) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let f = EdgeFeatures.count, n = scorer.videos, k = min(5, scorer.sessions)
        try model.parameters.saveSafetensors(to: URL(fileURLWithPath: folder + "/gnn64.safetensors"), metadata: ["model": "gnn64"])
        try NumpyFile.writeMatrix(embeddings, rows: model.nodeCount, columns: model.hidden, to: folder + "/node_embeddings.npy")
        try NumpyFile.writeMatrix(inputs.features.sessionBlock, rows: scorer.sessions, columns: f, to: folder + "/session_block.npy")
        try NumpyFile.writeMatrix(inputs.features.videoBlock, rows: n, columns: f, to: folder + "/video_block.npy")
        try NumpyFile.write(.int32(inputs.sessionNodes), to: folder + "/session_nodes.npy")
        try NumpyFile.write(.int32(inputs.videoNodes), to: folder + "/video_nodes.npy")
        var heads = [Float](repeating: 0, count: k * n * 4)
        heads.withUnsafeMutableBufferPointer { scorer.scoreDecomposed(sessions: 0..<k, into: $0.baseAddress!) }
        try NumpyFile.writeMatrix(heads, rows: k * n, columns: 4, to: folder + "/heads_first_sessions.npy")
    }
}
