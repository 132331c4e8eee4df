import Foundation
import Testing
@testable import ValueModel

/// The heads' training randomness in step 4's interval (issue 13, part 5): the seed spread, the combined
/// interval and the ensemble's running mean of head stores.
@Suite("Seed spread and head ensembles")
struct SeedSpreadTests {
    @Test("sample standard deviation per coordinate and the combined half-widths, by hand")
    func spread() {
        // Coordinate 0: 1, 2, 3 -> mean 2, squares 1 + 0 + 1 over n − 1 = 2 -> sd 1. Coordinate 1: constant -> 0.
        let sd = SeedSpread.standardDeviations([[1, 5], [2, 5], [3, 5]])
        #expect(sd == [1, 0])
        let single = SeedSpread.standardDeviations([[1, 2]])
        #expect(single.count == 2 && single[0].isNaN && single[1].isNaN)
        // s.e. 0.3, sd 0.8 over 4 members: 1.96 √(0.09 + 0.64 / 4) = 1.96 √0.25 = 0.98.
        let half = SeedSpread.combinedHalfWidths(standardErrors: [0.3, 0], spread: [0.8, 0], members: 4)
        #expect(abs(half[0] - 0.98) < 1e-12 && half[1] == 0)
    }

    @Test("folding stores into a running mean gives their plain mean, and their squared deviations with Welford's update")
    func runningMean() {
        var g = SeededGenerator(seed: 3)
        let stores = (0..<4).map { _ in CandidateHeads(sessions: 2, videos: 3, values: (0..<24).map { _ in Float(g.nextUniform()) }) }
        var mean = stores[0]
        var squares = [Float](repeating: 0, count: 24)
        for k in 1..<4 { squares.withUnsafeMutableBufferPointer { mean.foldIntoMean(stores[k], count: k + 1, squares: $0.baseAddress!) } }
        for i in 0..<24 {
            let values = stores.map { Double($0.values[i]) }
            let expected = values.reduce(0, +) / 4
            #expect(abs(Double(mean.values[i]) - expected) < 1e-6)
            // Welford's sum of squared deviations: the sample variance times 3.
            let deviations = values.map { ($0 - expected) * ($0 - expected) }.reduce(0, +)
            #expect(abs(Double(squares[i]) - deviations) < 1e-5)
        }
    }
}
