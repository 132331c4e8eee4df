import Foundation
import Testing
@testable import ValueModel

/// Which GNN step 4 scores with (issue 13, part 4).
@Suite("Scoring model choice")
struct ScoringModelChoiceTests {
    /// A model whose off-path predictions are `offPath` (constant per head) on four hand-made pairs, or none.
    static func model(_ name: String, hidden: Int?, validation: Double, offPath: Float?) throws -> TrainingResults.Model {
        let labels = Matrix(rows: 4, cols: 4, values: [1, 0, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1])
        let users: [Int32] = [0, 0, 1, 1]
        let quality = try offPath.map { p in
            try PredictionQuality(probabilities: Matrix(rows: 4, cols: 4, values: [Float](repeating: p, count: 16)), labels: labels, users: users)
        }
        let test = try PredictionQuality(probabilities: Matrix(rows: 4, cols: 4, values: [Float](repeating: 0.5, count: 16)), labels: labels, users: users)
        let auc = SplitAUC(perHead: [Double](repeating: validation, count: 4))
        return TrainingResults.Model(name: name, displayName: name, hidden: hidden, parameterCount: 1, train: auc, validation: auc, test: auc,
                                     testGAUC: [nil, nil, nil, nil], testMicroAUC: 0.5, testQuality: test, offPath: quality, run: nil,
                                     fitSeconds: 0, evaluationSeconds: 0)
    }

    @Test("Off-path log loss decides when the small matrix is there; validation AUC otherwise; only GNNs compete")
    func choice() throws {
        // Every label is 1 in half the pairs of each head, so a constant p has log loss −(ln p + ln(1 − p))/2:
        // p = 0.5 gives ln 2 = 0.693, p = 0.9 gives 1.204. gnn64 has the worse validation AUC but the better log loss.
        let models = [try Self.model("edge_mlp", hidden: nil, validation: 0.9, offPath: 0.5),
                      try Self.model("gnn64", hidden: 64, validation: 0.70, offPath: 0.5),
                      try Self.model("gnn128", hidden: 128, validation: 0.75, offPath: 0.9)]
        let offPath = try #require(ScoringModelChoice.choose(models))
        #expect(offPath.model == "gnn64" && offPath.hidden == 64 && offPath.criterion == .offPathLogLoss)
        #expect(abs(offPath.offPathMeanLogLoss! - log(2)) < 1e-6)
        #expect(abs(offPath.compared["gnn128"]! - (-(log(0.9) + log(0.1)) / 2)) < 1e-5)
        #expect(offPath.compared["edge_mlp"] == nil)
        let logged = try #require(ScoringModelChoice.choose([try Self.model("gnn64", hidden: 64, validation: 0.70, offPath: nil),
                                                              try Self.model("gnn128", hidden: 128, validation: 0.75, offPath: nil)]))
        #expect(logged.model == "gnn128" && logged.criterion == .validationAUC)
        #expect(ScoringModelChoice.choose([try Self.model("edge_mlp", hidden: nil, validation: 0.9, offPath: 0.5)]) == nil)
    }
}
