import Foundation
import Testing
@testable import ValueModel

/// Log loss, Brier score and reliability bins against scikit-learn's `log_loss`, `brier_score_loss` and
/// `calibration_curve` (fixture written by scripts/make_calibration_fixture.py), and a hand case.
@Suite("Calibration: log loss, Brier, reliability")
struct CalibrationTests {
    struct Case: Decodable {
        var name: String
        var probabilities: [Double]
        var labels: [Double]
        var log_loss: Double
        var brier: Double
        var bin_observed: [Double]
        var bin_predicted: [Double]
    }
    struct Fixture: Decodable { var cases: [Case] }

    static func cases() throws -> [Case] {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let url = dir.appendingPathComponent("calibration_reference.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url)).cases
    }

    @Test("matches scikit-learn on every fixture case")
    func matchesScikitLearn() throws {
        let cases = try Self.cases()
        #expect(cases.count == 4)
        for c in cases {
            let loss = try Calibration.logLoss(probabilities: c.probabilities, labels: c.labels)
            let brier = try Calibration.brier(probabilities: c.probabilities, labels: c.labels)
            #expect(abs(loss - c.log_loss) < 1e-12 * max(1, c.log_loss), "\(c.name): log loss \(loss) vs \(c.log_loss)")
            #expect(abs(brier - c.brier) < 1e-12, "\(c.name): Brier \(brier) vs \(c.brier)")
            let bins = try Calibration.reliability(probabilities: c.probabilities, labels: c.labels, bins: 10)
            #expect(bins.map(\.observedRate).count == c.bin_observed.count, "\(c.name): non-empty bins")
            for (bin, (observed, predicted)) in zip(bins, zip(c.bin_observed, c.bin_predicted)) {
                #expect(abs(bin.observedRate - observed) < 1e-12 && abs(bin.meanPredicted - predicted) < 1e-12, "\(c.name)")
            }
            #expect(bins.reduce(0) { $0 + $1.count } == c.probabilities.count)
        }
    }

    @Test("hand case: log loss, Brier and two bins")
    func handCase() throws {
        let p = [0.2, 0.9, 0.15], y = [0.0, 1.0, 1.0]
        let expectedLoss = -(log(0.8) + log(0.9) + log(0.15)) / 3
        #expect(abs(try Calibration.logLoss(probabilities: p, labels: y) - expectedLoss) < 1e-15)
        #expect(abs(try Calibration.brier(probabilities: p, labels: y) - (0.04 + 0.01 + 0.7225) / 3) < 1e-15)
        let bins = try Calibration.reliability(probabilities: p, labels: y, bins: 2)
        #expect(bins.map(\.count) == [2, 1])
        #expect(bins.map(\.observedRate) == [0.5, 1])
        #expect(abs(bins[0].meanPredicted - 0.175) < 1e-15 && bins[1].meanPredicted == 0.9)
    }

    @Test("bad input is refused")
    func badInput() {
        #expect(throws: PipelineError.self) { try Calibration.logLoss(probabilities: [0.5], labels: [0.5]) }
        #expect(throws: PipelineError.self) { try Calibration.brier(probabilities: [1.5], labels: [1]) }
        #expect(throws: PipelineError.self) { try Calibration.reliability(probabilities: [], labels: []) }
    }
}
