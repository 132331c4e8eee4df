import Foundation

/// One graph to train on, as step 3 sees it: every edge of the graph with standardised features and labels,
/// the split as index lists into those edges, and the edges that take part in message passing.
///
/// The full graph holds every interaction; the tiny sweep graph holds its 5% sample (edges renumbered
/// `0..<tinyEdges`, node ids unchanged, so it has the same node count).
public struct TrainingGraph: Sendable {
    /// "full" or "tiny".
    public let name: String
    /// Users + videos (node ids `0..<nodeCount`).
    public let nodeCount: Int
    /// Every edge of this graph: sources (user nodes), targets (video nodes), standardised features
    /// `[E, 64]`, labels `[E, 4]`.
    public let edges: EdgeExamples
    /// Edge indices (into `edges`) of the training, validation and test parts.
    public let train: [Int32]
    public let validation: [Int32]
    public let test: [Int32]
    /// Which edges the GCN propagates over (step 2's `--message-passing`).
    public let messagePassing: GraphConstruction.MessagePassing

    public init(name: String, nodeCount: Int, edges: EdgeExamples, train: [Int32], validation: [Int32], test: [Int32],
                messagePassing: GraphConstruction.MessagePassing) {
        self.name = name
        self.nodeCount = nodeCount
        self.edges = edges
        self.train = train
        self.validation = validation
        self.test = test
        self.messagePassing = messagePassing
    }

    /// The GCN propagation matrix `D^-1/2 (A+I) D^-1/2` over all edges of this graph, or over its training
    /// edges only when step 2 chose `train-only`, with messages travelling as `flow` says.
    public func adjacency(flow: GCNNormalizedAdjacency.Flow = .userToVideo) throws -> GCNNormalizedAdjacency {
        switch messagePassing {
        case .all:
            return try GCNNormalizedAdjacency(nodeCount: nodeCount, sources: edges.sources, targets: edges.targets, flow: flow)
        case .trainOnly:
            return try GCNNormalizedAdjacency(nodeCount: nodeCount, sources: train.map { edges.sources[Int($0)] },
                                              targets: train.map { edges.targets[Int($0)] }, flow: flow)
        }
    }

    /// The edges at `indices` as their own examples (copies features and labels).
    public func examples(_ indices: [Int32]) -> EdgeExamples { edges.subset(indices) }

    /// A fixed, seeded sample of `size` training edges without replacement (all of them when `size` is 0
    /// or at least the training set), in increasing edge order.
    public func trainingSample(size: Int, seed: UInt64) -> [Int32] { Self.sample(train, size: size, seed: seed) }

    /// The same for validation edges (per-step monitoring only; final AUCs always use the whole split).
    public func validationSample(size: Int, seed: UInt64) -> [Int32] { Self.sample(validation, size: size, seed: seed) }

    /// `size` of `indices` drawn without replacement by a partial Fisher-Yates shuffle, sorted; all of them
    /// when `size` is 0 or not smaller than `indices.count`.
    static func sample(_ indices: [Int32], size: Int, seed: UInt64) -> [Int32] {
        guard size > 0, size < indices.count else { return indices }
        var generator = SeededGenerator(seed: seed)
        var positions = Array(0..<indices.count)
        for i in 0..<size {
            let j = i + Int(generator.next() % UInt64(indices.count - i))
            positions.swapAt(i, j)
        }
        return positions[0..<size].sorted().map { indices[$0] }
    }
}

/// Step 2's artifacts loaded for training: the full graph, the tiny sweep graph and step 2's summary.
public struct TrainingInputs {
    public let full: TrainingGraph
    public let tiny: TrainingGraph
    public let summary: GraphConstruction.Summary
    /// The small matrix's pairs for off-path evaluation (nil without `step1-small/`).
    public let offPath: OffPathPairs?

    /// Reads `step2` (checking dtypes and shapes against its manifest), fills the features' missing values
    /// with 0 (already done by step 2) and standardises them: the full graph with `standardisation`, the
    /// tiny graph with `tinyStandardisation` (`x' = (x − mean) / std`, as the original in Float32).
    /// With `smallMatrix` (step 1's `step1-small/`), also builds its pairs' features (`OffPathPairs`).
    public init(step2: ColumnStore, smallMatrix: ColumnStore? = nil) throws {
        summary = try GraphConstruction.Summary.read(step2: step2)
        let featureEntry = try step2.entry("edge_features")
        guard featureEntry.width == EdgeFeatures.count else {
            throw PipelineError.malformedInput(SourceLocation(file: step2.folder + "/edge_features.npy"),
                                              reason: "has \(featureEntry.width ?? 1) columns, expected \(EdgeFeatures.count); re-run `2-graph-construction`")
        }
        let width = EdgeFeatures.count
        let raw = try step2.array("edge_features").values(as: Float.self)
        let labels = try step2.labels("labels")
        let users = try step2.int32("edge_user")
        let videos = try step2.int32("edge_video_node")
        let edgeCount = users.count
        guard labels.count == edgeCount * 4, raw.count == edgeCount * width, videos.count == edgeCount else {
            throw PipelineError.invalidData("step 2's edge arrays disagree in length; re-run `2-graph-construction`")
        }
        let userNodes = summary.userNodes, nodeCount = summary.userNodes + summary.videoNodes
        guard users.allSatisfy({ $0 >= 0 && Int($0) < userNodes }), videos.allSatisfy({ Int($0) >= userNodes && Int($0) < nodeCount }) else {
            throw PipelineError.invalidData("step 2's edges name nodes outside the \(userNodes) user and \(summary.videoNodes) video nodes of "
                                            + "\(step2.folder)/graph.json; re-run `2-graph-construction`")
        }
        let split = try step2.array("split").values(as: Int8.self)
        func indices(_ name: String) throws -> [Int32] { try step2.int64(name).map { Int32(truncatingIfNeeded: $0) } }
        let train = try indices("train_idx"), validation = try indices("val_idx"), test = try indices("test_idx")
        for (part, list) in [(0, train), (1, validation), (2, test)] where list.contains(where: { $0 < 0 || Int($0) >= edgeCount || Int(split[Int($0)]) != part }) {
            throw PipelineError.invalidData("step 2's index list of part \(part) disagrees with split.npy; re-run `2-graph-construction`")
        }

        // Tiny graph: its edges gathered from the raw table, standardised with its own statistics.
        let tinyEdges = try step2.int64("tiny_edges").map { Int32(truncatingIfNeeded: $0) }
        let tinySplit = try step2.array("tiny_split").values(as: Int8.self)
        guard tinySplit.count == tinyEdges.count, tinyEdges.allSatisfy({ $0 >= 0 && Int($0) < edgeCount }) else {
            throw PipelineError.invalidData("step 2's tiny graph is inconsistent; re-run `2-graph-construction`")
        }
        let rawMatrix = Matrix(rows: edgeCount, cols: width, values: raw)
        var tinyFeatures = rawMatrix.gatherRows(tinyEdges)
        try Self.standardise(&tinyFeatures, summary.tinyStandardisation)
        let allLabels = Matrix(rows: edgeCount, cols: 4, values: labels)
        let tinyExamples = try EdgeExamples(sources: tinyEdges.map { users[Int($0)] }, targets: tinyEdges.map { videos[Int($0)] },
                                            features: tinyFeatures, labels: allLabels.gatherRows(tinyEdges))
        func tinyPart(_ p: Int8) -> [Int32] { tinySplit.indices.filter { tinySplit[$0] == p }.map { Int32($0) } }
        tiny = TrainingGraph(name: "tiny", nodeCount: nodeCount, edges: tinyExamples, train: tinyPart(0), validation: tinyPart(1),
                             test: tinyPart(2), messagePassing: summary.messagePassing)

        let statistics = summary
        if let smallMatrix {
            offPath = try OffPathPairs(small: smallMatrix, rawEdges: rawMatrix, edgeUsers: users, summary: statistics)
        } else {
            offPath = nil
        }
        var features = rawMatrix
        try Self.standardise(&features, summary.standardisation)
        full = TrainingGraph(name: "full", nodeCount: nodeCount,
                             edges: try EdgeExamples(sources: users, targets: videos, features: features, labels: allLabels),
                             train: train, validation: validation, test: test, messagePassing: summary.messagePassing)
    }

    /// `x' = (x − mean) / std` per column, in Float32, rows in parallel.
    // features: [n, d] in place
    static func standardise(_ features: inout Matrix, _ statistics: Standardisation) throws {
        let d = features.cols
        guard statistics.mean.count == d, statistics.std.count == d else {
            throw PipelineError.invalidData("standardisation has \(statistics.mean.count) means for \(d) features; re-run `2-graph-construction`")
        }
        let mean = statistics.mean.map { Float($0) }, std = statistics.std.map { Float($0) }
        let rows = features.rows
        features.values.withUnsafeMutableBufferPointer { buffer in
            let x = buffer.baseAddress!
            mean.withUnsafeBufferPointer { m in
                std.withUnsafeBufferPointer { s in
                    parallelRanges(rows, minimumChunk: 8192) { range in
                        for r in range {
                            let row = x + r * d
                            for c in 0..<d { row[c] = (row[c] - m[c]) / s[c] }
                        }
                    }
                }
            }
        }
    }
}
