import Foundation

/// Step 2 as a library call: from step 1's columns to the GNN's edge table, splits, tiny sweep graph and
/// standardisation statistics (SPEC step 2), written into an artifact folder.
public enum GraphConstruction {
    /// Which edges take part in message passing.
    public enum MessagePassing: String, CaseIterable, Codable, Sendable {
        /// Every edge, test edges included, as the original does.
        case all
        /// Training edges only (no label-time information from validation/test edges reaches the encoder).
        case trainOnly = "train-only"
    }

    /// Counts and statistics the notebook reports (also written as `graph.json`).
    public struct Summary: Codable {
        public var userNodes = 0
        public var videoNodes = 0
        public var edges = 0
        public var messagePassing = MessagePassing.all
        public var messagePassingEdges = 0
        public var bursts: [TimeSplit.BurstDays] = []
        /// Edges per burst and part: `edgesPerBurst[b][part]`.
        public var edgesPerBurst: [[Int]] = []
        /// Label rates per part (train, validation, test) and head.
        public var labelRates: [[Double]] = []
        public var partSizes: [Int] = []
        public var tinyEdges = 0
        public var tinyPartSizes: [Int] = []
        public var seed: UInt64 = 0
        public var standardisation = Standardisation(mean: [], std: [])
        public var tinyStandardisation = Standardisation(mean: [], std: [])
        /// Degree (edges, with repeats) of every user and every video node that has one.
        public var userDegrees: [Int] = []
        public var videoDegrees: [Int] = []
        /// What notebook 2 concludes from this summary (`GraphFindings`).
        public var findings = GraphFindings()
    }

    /// Builds everything from `step1` with `options` and writes it into `output`.
    public static func run(step1: ColumnStore, output: ArtifactDirectory, options: Options) throws -> Summary {
        let messagePassing = options.messagePassing, seed = options.seed
        var summary = Summary()
        summary.messagePassing = messagePassing
        summary.seed = seed
        let users = try step1.int32("user_id")
        let videos = try step1.int32("video_id")
        let userCount = Int(users.max() ?? -1) + 1
        let videoCount = Int(videos.max() ?? -1) + 1
        summary.userNodes = userCount
        summary.videoNodes = videoCount
        summary.edges = users.count

        let features = try EdgeFeatures.matrix(from: step1)
        var labels = [Float](repeating: 0, count: users.count * Head.allCases.count)
        for head in Head.allCases {
            let column = try step1.labels(head.labelName)
            for row in column.indices { labels[row * 4 + head.rawValue] = column[row] }
        }
        let burst = try step1.int32("burst_id").map { Int8(truncatingIfNeeded: $0) }
        let day = try step1.int64("time").map { Int32(Burst.day(ofMilliseconds: $0)) }
        let split = try TimeSplit(burst: burst, day: day)
        summary.bursts = split.bursts
        let parts = TimeSplit.Part.allCases.map { split.indices($0) }
        summary.partSizes = parts.map(\.count)
        summary.edgesPerBurst = split.bursts.map { b in
            TimeSplit.Part.allCases.map { part in zip(burst, split.part).filter { Int($0.0) == b.burst && $0.1 == part.rawValue }.count }
        }
        summary.labelRates = parts.map { indices in
            Head.allCases.map { head in
                indices.reduce(0.0) { $0 + Double(labels[Int($1) * 4 + head.rawValue]) } / Double(max(indices.count, 1))
            }
        }
        summary.standardisation = Standardisation(matrix: features, width: EdgeFeatures.count, rows: parts[0])

        var generator = SeededGenerator(seed: seed)
        let tiny = TinyGraph(edgeCount: users.count, generator: &generator)
        summary.tinyEdges = tiny.edges.count
        summary.tinyPartSizes = (0..<3).map { part in tiny.part.filter { $0 == Int8(part) }.count }
        let tinyTrain = zip(tiny.edges, tiny.part).filter { $0.1 == 0 }.map { $0.0 }
        summary.tinyStandardisation = Standardisation(matrix: features, width: EdgeFeatures.count, rows: tinyTrain)

        let messageEdges = messagePassing == .all ? users.count : parts[0].count
        summary.messagePassingEdges = messageEdges
        var userDegree = [Int](repeating: 0, count: userCount)
        var videoDegree = [Int](repeating: 0, count: videoCount)
        for (u, v) in zip(users, videos) {
            userDegree[Int(u)] += 1
            videoDegree[Int(v)] += 1
        }
        summary.userDegrees = userDegree.filter { $0 > 0 }
        summary.videoDegrees = videoDegree.filter { $0 > 0 }
        summary.findings = GraphFindings.make(summary)

        try output.write("edge_features", matrix: features, columns: EdgeFeatures.count)
        try output.write("labels", matrix: labels, columns: Head.allCases.count)
        try output.write("edge_user", .int32(users))
        try output.write("edge_video_node", .int32(videos.map { $0 + Int32(userCount) }))
        try output.write("split", .int8(split.part))
        for (part, indices) in zip(["train_idx", "val_idx", "test_idx"], parts) { try output.write(part, .int64(indices)) }
        try output.write("tiny_edges", .int64(tiny.edges))
        try output.write("tiny_split", .int8(tiny.part))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var stored = summary
        stored.userDegrees = []
        stored.videoDegrees = []
        try output.writeFile("graph.json", data: try encoder.encode(stored))
        try output.writeFile("feature_names.json", data: try encoder.encode(EdgeFeatures.names))
        return summary
    }
}

extension GraphConstruction.Summary {
    /// Reads `graph.json` from step 2's folder.
    public static func read(step2: ColumnStore) throws -> GraphConstruction.Summary {
        let path = step2.folder + "/graph.json"
        guard let json = FileManager.default.contents(atPath: path) else {
            throw PipelineError.missingFile(path: path, hint: "Run `2-graph-construction` first (or `make notebooks`).")
        }
        let summary: GraphConstruction.Summary
        do { summary = try JSONDecoder().decode(GraphConstruction.Summary.self, from: json) } catch {
            throw PipelineError.malformedInput(SourceLocation(file: path), reason: "not step 2's graph summary (\(error)); re-run `2-graph-construction`")
        }
        // The node counts size embedding tables: negative or overflowing ones are refused here, naming the file.
        guard summary.userNodes >= 0, summary.videoNodes >= 0, summary.edges >= 0,
              !summary.userNodes.addingReportingOverflow(summary.videoNodes).overflow else {
            throw PipelineError.malformedInput(SourceLocation(file: path), reason: "userNodes \(summary.userNodes), videoNodes \(summary.videoNodes) "
                                               + "and edges \(summary.edges) must be non-negative counts (edited or corrupt file); re-run `2-graph-construction`")
        }
        return summary
    }
}
