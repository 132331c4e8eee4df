/// How good a set of four-head predictions is on one set of labelled pairs: per-head AUC, group AUC (users as
/// groups), log loss, Brier score and the 10-bin reliability table (ranking and calibration side by side).
public struct PredictionQuality: Codable, Sendable {
    public var auc: SplitAUC
    /// nil for a head no user has both classes of.
    public var gauc: [Double?]
    public var logLoss: [Double]
    public var brier: [Double]
    /// Reliability bins per head (`Calibration.reliability`, 10 uniform bins).
    public var reliability: [[Calibration.Bin]]
    /// Pairs scored.
    public var pairs: Int

    /// Mean log loss over the heads: the original's evaluation BCE (`BCEWithLogitsLoss` averaged over the
    /// four heads), here computed from the probabilities.
    public var meanLogLoss: Double { logLoss.reduce(0, +) / Double(max(1, logLoss.count)) }
    public var meanBrier: Double { brier.reduce(0, +) / Double(max(1, brier.count)) }
    public var meanGAUC: Double {
        let values = gauc.compactMap { $0 }
        return values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }

    /// Measures `probabilities` `[n, 4]` against `labels` `[n, 4]`; `users[i]` groups row i for the GAUC.
    public init(probabilities: Matrix, labels: Matrix, users: [Int32]) throws {
        guard probabilities.rows == labels.rows, probabilities.cols == 4, labels.cols == 4, users.count == labels.rows else {
            throw PipelineError.invalidData("prediction quality: \(probabilities.rows)x\(probabilities.cols) predictions, \(labels.rows)x\(labels.cols) labels, \(users.count) users")
        }
        auc = try SplitEvaluation.auc(probabilities, labels)
        gauc = try GAUC.perHead(users: users, scores: probabilities, labels: labels).map(\.value)
        var losses: [Double] = [], briers: [Double] = [], bins: [[Calibration.Bin]] = []
        for head in 0..<4 {
            let p = (0..<probabilities.rows).map { Double(probabilities[$0, head]) }
            let y = (0..<labels.rows).map { Double(labels[$0, head]) }
            losses.append(try Calibration.logLoss(probabilities: p, labels: y))
            briers.append(try Calibration.brier(probabilities: p, labels: y))
            bins.append(try Calibration.reliability(probabilities: p, labels: y))
        }
        logLoss = losses
        brier = briers
        reliability = bins
        pairs = labels.rows
    }
}
