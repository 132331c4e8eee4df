import Foundation
import Testing
@testable import ValueModel

@Suite("Ranking: counterfactual features and the decomposed scorer")
struct RankingScorerTests {
    /// A small GNN (3 users, 5 videos) with random weights, and counterfactual features for 4 sessions.
    static func fixture() throws -> (GNNModel, [Float], CounterfactualFeatures, Standardisation, [Int32], [Int32]) {
        let users = 3, videos = 5
        let adjacency = try GCNNormalizedAdjacency(nodeCount: users + videos, sources: [0, 1, 2, 0, 1], targets: [3, 4, 5, 6, 7])
        var g = SeededGenerator(seed: 3)
        let model = GNNModel(adjacency: adjacency, hidden: 8, featureDim: 64, generator: &g)
        let embeddings = model.encodeNodes().values
        let w = 64
        let sessionRaw = (0..<4 * w).map { _ in Float(g.nextNormal() * 3) }
        let videoRaw = (0..<videos * w).map { _ in Float(g.nextNormal() * 3) }
        let stats = Standardisation(mean: (0..<w).map { _ in g.nextNormal() }, std: (0..<w).map { _ in 0.5 + g.nextUniform() })
        let features = try CounterfactualFeatures(sessionRaw: sessionRaw, videoRaw: videoRaw, standardisation: stats)
        return (model, embeddings, features, stats, [0, 1, 2, 1], (0..<Int32(videos)).map { $0 + Int32(users) })
    }

    @Test("counterfactual rows: item columns from the video, the rest from the session, author trio overwritten")
    func counterfactualRows() throws {
        let (_, _, features, stats, _, _) = try RankingScorerTests.fixture()
        let names = EdgeFeatures.names
        let row = features.standardisedRow(session: 1, video: 2, standardisation: stats)
        for (c, name) in names.enumerated() {
            let raw: Float
            if name.hasPrefix("i_") { raw = features.videoRaw[2 * 64 + c] }
            else if ["hist_author_recency_days", "hist_has_author_history", "hist_last_complete_author"].contains(name) { raw = 0 }   // no earlier row of the author
            else { raw = features.sessionRaw[1 * 64 + c] }
            #expect(abs(row[c] - Float((Double(raw) - stats.mean[c]) / stats.std[c])) < 1e-5, "\(name)")
            // The two standardised blocks add up to the full standardised row.
            #expect(abs(features.sessionBlock[64 + c] + features.videoBlock[2 * 64 + c] - row[c]) < 1e-5, "\(name)")
        }
        #expect(CounterfactualFeatures.itemColumns.count == 13)
    }

    @Test("the decomposed first layer equals the plain MLP within 1e-5")
    func decompositionMatchesPlainMLP() throws {
        let (model, embeddings, features, stats, sessionNodes, videoNodes) = try RankingScorerTests.fixture()
        let scorer = try DecomposedScorer(model: model, nodeEmbeddings: embeddings, features: features,
                                          sessionNodes: sessionNodes, videoNodes: videoNodes)
        scorer.blockRows = 7     // several blocks, block boundaries inside the sessions
        let heads = scorer.scoreAll(decomposed: true)
        let plain = scorer.scoreAll(decomposed: false)
        // Reference: the model's own edge scorer on explicit [h_u || h_v || x] edges.
        var sources: [Int32] = [], targets: [Int32] = [], rows: [Float] = []
        for s in 0..<4 { for v in 0..<5 {
            sources.append(sessionNodes[s]); targets.append(videoNodes[v])
            rows += features.standardisedRow(session: s, video: v, standardisation: stats)
        } }
        let edges = try EdgeExamples(sources: sources, targets: targets, features: Matrix(rows: 20, cols: 64, values: rows))
        let reference = try model.scoreEdges(nodeEmbeddings: Matrix(rows: model.nodeCount, cols: model.hidden, values: embeddings), edges: edges)
        #expect(heads.values.count == reference.values.count)
        for i in heads.values.indices {
            #expect(abs(heads.values[i] - reference.values[i]) < 1e-5)
            #expect(abs(plain.values[i] - reference.values[i]) < 1e-5)
        }
    }

    @Test("evaluation sessions: test-split sessions of length >= 5, observed rows in order, partial sessions counted")
    func sessionSelection() throws {
        // user 0: session 1 (6 rows, last two in test), session 2 (3 rows, test); user 1: session 1 (5 rows, test).
        let users: [Int32] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
        let session: [Int32] = [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1]
        let length: [Int32] = [6, 6, 6, 6, 6, 6, 3, 3, 3, 5, 5, 5, 5, 5]
        let split: [Int8] = [1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]
        let videos: [Int32] = Array(0..<14)
        let hour: Int64 = 3_600_000
        let time: [Int64] = (0..<14).map { Int64($0) * 60_000 + ($0 >= 9 ? 20 * hour : 7 * hour) }
        let selected = try EvaluationSessions.select(users: users, videos: videos, session: session, sessionLength: length,
                                                     timeMs: time, split: split, minimumLength: 5)
        #expect(selected.count == 2)
        #expect(selected.tooShort == 1)
        #expect(selected.partialSessions == 1)
        #expect(Array(selected.observed(0)) == [4, 5])
        #expect(Array(selected.observed(1)) == [9, 10, 11, 12, 13])
        #expect(selected.firstRows == [0, 9])
        #expect(selected.dayparts == [1, 3])
        var g = SeededGenerator(seed: 1)
        #expect(selected.sample(maximum: 1, generator: &g).count == 1)
    }
}
