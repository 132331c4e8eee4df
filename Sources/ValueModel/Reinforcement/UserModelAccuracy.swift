import Foundation

/// How well the learned user model predicts: on the held-out test split of the logs, and off the logged path on the
/// small matrix's pairs (read only here, after training), where it also says how well the uncertainty tracks the error.
public struct UserModelAccuracy: Codable, Equatable, Sendable {
    /// The model's fit on a set of (user, video) rows.
    public struct Fit: Codable, Equatable, Sendable {
        /// Rows scored.
        public var rows: Int
        /// Rows left out: their pair lies outside the model's table, or their watch ratio is not a number.
        public var skippedRows: Int
        /// Root mean squared and mean absolute error of the predicted reward against `min(watch_ratio, 5)`.
        public var rewardRMSE: Double
        public var rewardMAE: Double
        /// Mean observed reward (the scale of the errors).
        public var meanReward: Double
        /// ROC AUC of each head's predicted probability against its label (complete, long, rewatch, neg); nil where the
        /// rows hold one class only.
        public var headAUC: [Double?]
    }

    /// Correlations over pairs.
    public struct Correlation: Codable, Equatable, Sendable {
        /// Pearson's correlation of the values.
        public var pearson: Double
        /// Spearman's: Pearson's of their average ranks.
        public var spearman: Double
    }

    /// On step 2's test split (never trained on, never used to choose an epoch).
    public var test: Fit
    /// On the small matrix's pairs (nil without `step1-small/`).
    public var smallMatrix: Fit?
    /// Over the small matrix's pairs: DORL's uncertainty (largest member variance) and the members' disagreement
    /// against the absolute error of the reward.
    public var uncertaintyVersusError: Correlation?
    public var disagreementVersusError: Correlation?

    /// Scores `predictions` at `data`'s test rows and, with `smallMatrix` (step 1's `step1-small/`), at its pairs.
    public static func evaluate(_ predictions: UserModelPredictions, data: UserModelData, smallMatrix: ColumnStore?) throws -> UserModelAccuracy {
        let test = data.test.map(Int.init)
        let testLabels = test.flatMap { row in (0..<4).map { data.labels[row * 4 + $0] } }
        let (testFit, _) = try fit(predictions, users: test.map { data.rowUser[$0] }, videos: test.map { data.rowVideo[$0] },
                                   rewards: test.map { data.reward[$0] }, labels: testLabels)
        var accuracy = UserModelAccuracy(test: testFit)
        guard let smallMatrix else { return accuracy }
        let users = try smallMatrix.int32("user_id"), videos = try smallMatrix.int32("video_id")
        let ratio = try smallMatrix.float32("watch_ratio")
        var labels = [Float](repeating: 0, count: users.count * 4)
        for head in Head.allCases {
            let column = try smallMatrix.float32(head.labelName)
            guard column.count == users.count, videos.count == users.count, ratio.count == users.count else {
                throw PipelineError.malformedInput(SourceLocation(file: smallMatrix.folder + "/" + head.labelName + ".npy"), reason: "has \(column.count) rows, the small matrix \(users.count); re-run `1-data-preparation`")
            }
            for i in column.indices { labels[i * 4 + head.rawValue] = column[i] }
        }
        let (offPath, pairs) = try fit(predictions, users: users, videos: videos, rewards: ratio.map { min($0, UserModelData.rewardCap) }, labels: labels)
        accuracy.smallMatrix = offPath
        accuracy.uncertaintyVersusError = correlation(pairs.map { Double(predictions.uncertainty[$0.cell]) }, pairs.map(\.absoluteError))
        accuracy.disagreementVersusError = correlation(pairs.map { Double(predictions.disagreement[$0.cell]) }, pairs.map(\.absoluteError))
        return accuracy
    }

    /// The fit at the rows `(users[i], videos[i])` with observed `rewards` and `labels` `[n, 4]`, and each scored row's
    /// table cell and absolute reward error.
    static func fit(_ predictions: UserModelPredictions, users: [Int32], videos: [Int32], rewards: [Float],
                    labels: [Float]) throws -> (Fit, [(cell: Int, absoluteError: Double)]) {
        var scored: [(cell: Int, absoluteError: Double)] = []
        var squares = 0.0, observed = 0.0
        var headScores = [[Float]](repeating: [], count: 4), headLabels = [[Float]](repeating: [], count: 4)
        for i in users.indices {
            let (u, v) = (Int(users[i]), Int(videos[i]))
            guard u >= 0, u < predictions.users, v >= 0, v < predictions.videos, rewards[i].isFinite else { continue }
            let cell = predictions.cell(user: u, video: v)
            let error = Double(predictions.reward[cell]) - Double(rewards[i])
            scored.append((cell, abs(error)))
            squares += error * error
            observed += Double(rewards[i])
            for h in 0..<4 {
                headScores[h].append(predictions.heads[cell * 4 + h])
                headLabels[h].append(labels[i * 4 + h])
            }
        }
        let n = Double(max(scored.count, 1))
        let auc: [Double?] = (0..<4).map { h in
            let positives = headLabels[h].filter { $0 > 0.5 }.count
            guard positives > 0, positives < headLabels[h].count else { return nil }
            return try? AUC.score(scores: headScores[h], labels: headLabels[h])
        }
        let fit = Fit(rows: scored.count, skippedRows: users.count - scored.count, rewardRMSE: (squares / n).squareRoot(),
                      rewardMAE: scored.reduce(0.0) { $0 + $1.absoluteError } / n, meanReward: observed / n, headAUC: auc)
        return (fit, scored)
    }

    /// Pearson's and Spearman's (Pearson's of the average ranks) correlation of `x` and `y` (NaN when one is constant).
    static func correlation(_ x: [Double], _ y: [Double]) -> Correlation {
        Correlation(pearson: HeadQuality.pearson(x, y), spearman: HeadQuality.pearson(averageRanks(x), averageRanks(y)))
    }

    /// The 1-based rank of each value, ties sharing the mean of their ranks.
    static func averageRanks(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        var ranks = [Double](repeating: 0, count: x.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count, x[order[end]] == x[order[start]] { end += 1 }
            let shared = Double(start + end + 1) / 2   // mean of ranks start+1 ... end
            for position in start..<end { ranks[order[position]] = shared }
            start = end
        }
        return ranks
    }
}
