/// Edges to learn from or to score: endpoints (graph node ids, users `0..<nUsers`, videos `nUsers + video_id`),
/// the standardised edge features and, for training, the four head labels (0 or 1).
public struct EdgeExamples: Sendable {
    /// Source (user) node of each edge.
    public var sources: [Int32]
    /// Target (video) node of each edge.
    public var targets: [Int32]
    /// Edge features, `[count, featureDim]`.
    public var features: Matrix
    /// Labels `[count, 4]` (complete, long, rewatch, neg), or nil when only scoring.
    public var labels: Matrix?

    /// Number of edges.
    public var count: Int { features.rows }

    /// Bundles the columns; throws if their lengths disagree.
    public init(sources: [Int32], targets: [Int32], features: Matrix, labels: Matrix? = nil) throws {
        guard sources.count == features.rows, targets.count == features.rows else {
            throw PipelineError.invalidData("edge examples: \(sources.count) sources, \(targets.count) targets, \(features.rows) feature rows")
        }
        if let labels, labels.rows != features.rows || labels.cols != MLPHead.headCount {
            throw PipelineError.invalidData("edge examples: labels are \(labels.rows)x\(labels.cols), expected \(features.rows)x\(MLPHead.headCount)")
        }
        self.sources = sources
        self.targets = targets
        self.features = features
        self.labels = labels
    }

    /// Features-only examples (EdgeMLP, logistic regression): endpoints are zero.
    public init(features: Matrix, labels: Matrix? = nil) throws {
        try self.init(sources: [Int32](repeating: 0, count: features.rows), targets: [Int32](repeating: 0, count: features.rows),
                      features: features, labels: labels)
    }

    /// The examples at `indices` (in that order).
    public func subset(_ indices: [Int32]) -> EdgeExamples {
        // Lengths agree by construction.
        try! EdgeExamples(sources: indices.map { sources[Int($0)] }, targets: indices.map { targets[Int($0)] },
                          features: features.gatherRows(indices), labels: labels?.gatherRows(indices))
    }
}

/// Draws `size` edge indices uniformly from `0..<count` with replacement (the original's
/// `torch.randint(0, n_train, (batch_size,))`).
public func drawBatch(size: Int, from count: Int, using generator: inout SeededGenerator) -> [Int32] {
    precondition(count > 0, "cannot draw a batch from no edges")
    return (0..<size).map { _ in Int32(truncatingIfNeeded: Int(generator.next() % UInt64(count))) }
}

/// What step 3 needs from any trainable edge model.
public protocol EdgeScoringModel: AnyObject {
    /// The model's named parameters (PyTorch state_dict names).
    var parameters: ParameterStore { get }
    /// Zeroes the gradients, runs forward and backward on `batch` (indices into `edges`), leaves the
    /// gradients in `parameters.gradients` and returns the mean BCE-with-logits loss.
    func forwardBackward(edges: EdgeExamples, batch: [Int32]) throws -> Double
    /// Probabilities `[edges.count, 4]` (sigmoid of the logits), computed in large chunks in parallel.
    func predict(edges: EdgeExamples) throws -> Matrix
}

extension EdgeScoringModel {
    /// One training step: forward, loss, backward, Adam update. Returns the loss before the update.
    public func trainStep(edges: EdgeExamples, batch: [Int32], optimizer: Adam) throws -> Double {
        let loss = try forwardBackward(edges: edges, batch: batch)
        optimizer.update()
        return loss
    }
}

/// Checks a batch against the examples (labels present, indices in range).
func validateBatch(_ batch: [Int32], of edges: EdgeExamples) throws -> Matrix {
    guard let labels = edges.labels else { throw PipelineError.invalidData("training needs labelled edges") }
    for i in batch where i < 0 || Int(i) >= edges.count {
        throw PipelineError.invalidData("batch index \(i) is outside 0..<\(edges.count)")
    }
    return labels
}
