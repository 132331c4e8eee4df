import Foundation
import Testing
@testable import ValueModel

@Suite struct GraphConstructionTests {
    @Test func splitByCalendarDayInsideEachBurst() throws {
        // burst 1: 8 days with data (day 100...107), burst 2: 10 days (200...209), two edges per day
        var burst: [Int8] = []
        var day: [Int32] = []
        for d in 100...107 { burst += [1, 1]; day += [Int32(d), Int32(d)] }
        for d in 200...209 { burst += [2, 2]; day += [Int32(d), Int32(d)] }
        let split = try TimeSplit(burst: burst, day: day)
        // 4/2/2: days 100-103 train, 104-105 validation, 106-107 test; 6/2/2: 200-205, 206-207, 208-209
        let expectedBurst1: [Int8] = [0, 0, 0, 0, 1, 1, 2, 2].flatMap { [$0, $0] }
        let expectedBurst2: [Int8] = [0, 0, 0, 0, 0, 0, 1, 1, 2, 2].flatMap { [$0, $0] }
        #expect(split.part == expectedBurst1 + expectedBurst2)
        #expect(split.bursts.map { [$0.trainDays, $0.validationDays, $0.testDays] } == [[4, 2, 2], [6, 2, 2]])
        // never overlapping, covering every edge
        let parts = TimeSplit.Part.allCases.map { Set(split.indices($0)) }
        #expect(parts[0].isDisjoint(with: parts[1]) && parts[0].isDisjoint(with: parts[2]) && parts[1].isDisjoint(with: parts[2]))
        #expect(parts.reduce(0) { $0 + $1.count } == burst.count)
    }

    @Test func daysWithoutDataDoNotCount() throws {
        // 8 days with data spread over a 12-day calendar range: the split is over the days that hold data
        let days: [Int32] = [1, 2, 4, 5, 7, 8, 11, 12]
        let split = try TimeSplit(burst: Array(repeating: 1, count: days.count), day: days)
        #expect(split.part == [0, 0, 0, 0, 1, 1, 2, 2])
    }

    @Test func otherBurstLengthsUseTheSameProportions() throws {
        #expect(TimeSplit.dayCounts(8) == (4, 2, 2))
        #expect(TimeSplit.dayCounts(10) == (6, 2, 2))
        #expect(TimeSplit.dayCounts(5) == (3, 1, 1))
        #expect(TimeSplit.dayCounts(3) == (1, 1, 1))
        #expect(TimeSplit.dayCounts(12) == (8, 2, 2))
        #expect(throws: PipelineError.self) { try TimeSplit(burst: [3, 3], day: [10, 11]) }
        do {
            _ = try TimeSplit(burst: [1, 1, 1, 3, 3], day: [1, 2, 3, 10, 11])
            Issue.record("a two-day burst must not split")
        } catch {
            #expect("\(error)".contains("burst 3"))
        }
    }

    @Test func tinyGraphSizesAndDisjointness() {
        var generator = SeededGenerator(seed: 7)
        let tiny = TinyGraph(edgeCount: 10_000, generator: &generator)
        #expect(tiny.edges.count == 500)  // floor(5% of 10,000)
        #expect(Set(tiny.edges).count == 500)  // without replacement
        #expect(tiny.edges == tiny.edges.sorted())
        #expect(tiny.edges.allSatisfy { $0 >= 0 && $0 < 10_000 })
        #expect((0..<3).map { part in tiny.part.filter { $0 == Int8(part) }.count } == [400, 50, 50])
        var again = SeededGenerator(seed: 7)
        #expect(TinyGraph(edgeCount: 10_000, generator: &again).edges == tiny.edges)
        var other = SeededGenerator(seed: 8)
        #expect(TinyGraph(edgeCount: 10_000, generator: &other).edges != tiny.edges)
    }

    @Test func normalisedAdjacencyByHand() throws {
        // users 0, 1; videos 2, 3; edges 0->2 (twice), 1->2, 0->3. Degrees (in-degree + 1): 1, 1, 4, 2.
        // Row 2: from user 0 twice 2/sqrt(4*1) = 1, from user 1 1/sqrt(4) = 0.5, self-loop 1/4.
        // Row 3: from user 0 1/sqrt(2*1), self-loop 1/2. Users keep only their self-loop (weight 1).
        let adjacency = try GCNNormalizedAdjacency(nodeCount: 4, sources: [0, 1, 0, 0], targets: [2, 2, 3, 2], strategy: .sparse)
        let expected: [Float] = [1, 0, 0, 0,
                                 0, 1, 0, 0,
                                 1, 0.5, 0.25, 0,
                                 Float(1 / 2.0.squareRoot()), 0, 0, 0.5]
        let dense = adjacency.denseMatrix().values
        #expect(zip(dense, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "\(dense)")
        #expect(adjacency.degree == [1, 1, 4, 2])
    }

    @Test func standardisationUsesSampleStd() {
        // column 0: rows 0,1,2 = 1, 2, 3 -> mean 2, sample std 1; column 1 constant -> std 1
        let matrix: [Float] = [1, 5, 2, 5, 3, 5, 100, 100]
        let stats = Standardisation(matrix: matrix, width: 2, rows: [0, 1, 2])
        #expect(stats.mean == [2, 5])
        #expect(stats.std == [1, 1])
    }

    @Test func featureListMatchesTheOriginalOrder() {
        #expect(EdgeFeatures.count == 64)
        #expect(EdgeFeatures.names.prefix(3) == ["burst_id", "session", "u_user_active_degree"])
        #expect(EdgeFeatures.names[36...38] == ["i_aspect_ratio", "i_author_id", "i_video_type"])
        #expect(EdgeFeatures.names[44...48] == ["i_video_duration", "i_age_since_upload_days", "i_cat_level1_id", "i_cat_level2_id", "i_cat_level3_id"])
        #expect(EdgeFeatures.names.last == "hist_intersess_gap_h")
    }

    @Test func aBurstTooShortToSplitIsRejectedByName() throws {
        // the hand-written world's bursts hold 2, 1 and 2 days of data: too few for train/validation/test
        let raw = try HandWrittenWorld.write()
        let processed = raw + "/processed"
        let step1 = try ArtifactDirectory(path: processed + "/step1")
        let report = try DataPreparation.run(folder: raw) { try step1.write($0, $1) }
        try step1.commit(manifest: Manifest(producer: "1-data-preparation", version: 1, options: [:], inputs: [], rows: report.keptRows))
        let store = try ColumnStore(folder: processed + "/step1", producer: "1-data-preparation")
        let output = try ArtifactDirectory(path: processed + "/step2")
        do {
            _ = try GraphConstruction.run(step1: store, output: output, options: .init(messagePassing: .all, seed: 1))
            Issue.record("step 2 must reject a burst with 2 days")
        } catch {
            #expect("\(error)".contains("burst 1 has interactions on only 2 day(s) (2020-07-05, 2020-07-12)"))
        }
        #expect(!FileManager.default.fileExists(atPath: processed + "/step2"))
    }
}
