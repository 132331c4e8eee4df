/// Per-head ROC AUCs of one set of edges and their mean (the original's model-selection number).
public struct SplitAUC: Codable, Sendable, Equatable {
    /// AUC per head (complete, long, rewatch, neg).
    public var perHead: [Double]
    /// The mean over heads.
    public var mean: Double

    public init(perHead: [Double]) {
        self.perHead = perHead
        mean = perHead.reduce(0, +) / Double(max(perHead.count, 1))
    }
}

/// Cheap evaluation for the training loop: the GNN's node embeddings are computed once per evaluation and
/// shared by every edge set scored with them; edges are scored in large chunks (BLAS on every core,
/// gathers in parallel); the AUCs of the four heads run in parallel (radix sorts, O(n)).
public enum SplitEvaluation {
    /// Probabilities `[set.count, 4]` for every set, in order; a GNN encodes the graph only once.
    public static func predict(_ model: EdgeScoringModel, _ sets: [EdgeExamples]) throws -> [Matrix] {
        if let gnn = model as? GNNModel {
            let embeddings = gnn.encodeNodes()   // [N, H], once
            return try sets.map { try gnn.scoreEdges(nodeEmbeddings: embeddings, edges: $0) }
        }
        return try sets.map { try model.predict(edges: $0) }
    }

    /// Per-head AUCs of `probabilities` `[n, 4]` against `labels` `[n, 4]`.
    public static func auc(_ probabilities: Matrix, _ labels: Matrix) throws -> SplitAUC {
        SplitAUC(perHead: try AUC.perHead(scores: probabilities, labels: labels))
    }

    /// Predicts every set and scores it against its own labels.
    public static func evaluate(_ model: EdgeScoringModel, _ sets: [EdgeExamples]) throws -> [SplitAUC] {
        let predictions = try predict(model, sets)
        return try zip(predictions, sets).map { probabilities, set in
            guard let labels = set.labels else { throw PipelineError.invalidData("evaluation needs labelled edges") }
            return try auc(probabilities, labels)
        }
    }
}
