import Foundation

/// Calibration of predicted probabilities against 0/1 labels: log loss, Brier score and a reliability table.
/// The value model adds probabilities (`v = Σ w_h p_h`), so their scale matters, not only their order.
public enum Calibration {
    /// Probabilities are clipped to `[ε, 1 − ε]` before the log, ε = `Double.ulpOfOne` (2.2e-16), as
    /// scikit-learn's `log_loss` does for float64 input.
    public static let clip = Double.ulpOfOne

    /// Mean binary cross-entropy `−mean(y log p + (1 − y) log(1 − p))` (scikit-learn's `log_loss`).
    public static func logLoss(probabilities p: [Double], labels y: [Double]) throws -> Double {
        try check(p, y)
        var sum = 0.0
        for (pi, yi) in zip(p, y) {
            let q = min(max(pi, clip), 1 - clip)
            sum -= yi * log(q) + (1 - yi) * log(1 - q)
        }
        return sum / Double(p.count)
    }

    /// Mean squared error of the probabilities (scikit-learn's `brier_score_loss`).
    public static func brier(probabilities p: [Double], labels y: [Double]) throws -> Double {
        try check(p, y)
        var sum = 0.0
        for (pi, yi) in zip(p, y) { sum += (pi - yi) * (pi - yi) }
        return sum / Double(p.count)
    }

    /// One bin of a reliability diagram.
    public struct Bin: Codable, Equatable, Sendable {
        /// Mean predicted probability and observed positive rate of the bin's rows.
        public var meanPredicted: Double
        public var observedRate: Double
        public var count: Int
    }

    /// Equal-width bins of the predicted probability over [0, 1] (`bins` of them; a probability of 1 falls in
    /// the last); empty bins are left out. The same bins as scikit-learn's `calibration_curve(strategy="uniform")`.
    public static func reliability(probabilities p: [Double], labels y: [Double], bins: Int = 10) throws -> [Bin] {
        try check(p, y)
        guard bins > 0 else { throw PipelineError.invalidData("reliability: bins must be positive") }
        var predicted = [Double](repeating: 0, count: bins), observed = predicted, counts = [Int](repeating: 0, count: bins)
        for (pi, yi) in zip(p, y) {
            let b = min(bins - 1, max(0, Int(pi * Double(bins))))
            predicted[b] += pi; observed[b] += yi; counts[b] += 1
        }
        return (0..<bins).filter { counts[$0] > 0 }.map {
            Bin(meanPredicted: predicted[$0] / Double(counts[$0]), observedRate: observed[$0] / Double(counts[$0]), count: counts[$0])
        }
    }

    private static func check(_ p: [Double], _ y: [Double]) throws {
        guard p.count == y.count, !p.isEmpty else {
            throw PipelineError.invalidData("calibration: \(p.count) probabilities for \(y.count) labels (need the same, at least one)")
        }
        guard p.allSatisfy({ $0 >= 0 && $0 <= 1 }), y.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw PipelineError.invalidData("calibration: probabilities must lie in [0, 1] and labels be 0 or 1")
        }
    }
}
