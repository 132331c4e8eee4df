// Builds a synthetic KuaiRec world and writes its files: the entry point used by `0-synthetic-data`.

import Dispatch
import Foundation

/// A synthetic world ready to be simulated and written.
public struct SyntheticWorldGenerator: Sendable {
    public let configuration: SyntheticWorldConfiguration
    public let world: SyntheticLatentWorld
    public let model: SyntheticEngagementModel
    public let platform: SyntheticPlatform
    public let simulator: SyntheticSessionSimulator

    /// Validates the configuration and draws the latent world.
    public init(configuration: SyntheticWorldConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        world = SyntheticLatentWorld(configuration: configuration)
        model = SyntheticEngagementModel(world: world)
        platform = SyntheticPlatform(model: model)
        simulator = SyntheticSessionSimulator(platform: platform)
    }

    /// Simulates one user alone (allocates its own scratch; for tests and inspection).
    public func simulate(user: Int) -> SyntheticUserLog {
        simulator.simulate(user: user, scratch: SyntheticPlatform.Scratch(videos: world.videoCount))
    }

    /// Per-user results of a batch, one object per user so threads never share a slot.
    private final class UserSlot {
        var bytes = SyntheticByteBuffer()
        var log = SyntheticUserLog(user: 0)
        var shownValue = 0.0
        var catalogueValue = 0.0
        var catalogueSD = 0.0
        var trueProbabilities = [0.0, 0.0, 0.0, 0.0]
        var repeated = 0
    }

    /// Writes the world's files (`SyntheticGroundTruth.files(of:)`: the four CSV files, `small_matrix.csv` unless the
    /// configuration has none, the recorded pools) and `ground_truth.json` into `directory` (created if needed), all
    /// together: they are written into a hidden staging folder and moved into place only once every one is complete
    /// (`StagedFiles`), replacing an earlier world's files and removing those this world does not have. A run that
    /// fails or is killed leaves `directory` as it was; a folder or file in the way of one of them is refused first.
    /// - Parameters:
    ///   - threads: worker threads (0 = all cores); the bytes written do not depend on it.
    ///   - progress: called now and then with a line of text.
    public func write(to directory: String, threads: Int = 0,
                      progress: ((String) -> Void)? = nil) throws -> SyntheticGroundTruth {
        let staged = try StagedFiles(target: directory, entries: SyntheticGroundTruth.files(of: configuration) + ["ground_truth.json"])
        func path(_ name: String) -> String { staged.stagingPath + "/" + name }
        let workers = threads > 0 ? threads : max(1, ProcessInfo.processInfo.activeProcessorCount)

        // Small files first.
        try AtomicWrite.write(Data(SyntheticCSV.userFeatures(world: world).bytes), to: path("user_features.csv"))
        let (items, itemNotes) = SyntheticCSV.itemDailyFeatures(world: world)
        try AtomicWrite.write(Data(items.bytes), to: path("item_daily_features.csv"))
        let (captions, captionNotes) = SyntheticCSV.captionCategories(world: world)
        try AtomicWrite.write(Data(captions.bytes), to: path("kuairec_caption_category.csv"))

        // big_matrix.csv: batches of users simulated and formatted in parallel, written in user order.
        let file = try AtomicFile(path: path("big_matrix.csv"))
        var header = SyntheticByteBuffer()
        header.append(SyntheticCSV.bigMatrixHeader); header.newline()
        try file.writer.write(&header)

        var summary = SyntheticSummary()
        summary.users = world.userCount
        summary.videos = world.videoCount
        var sessionLengthCounts = [Int](repeating: 0, count: configuration.maxSessionLength + 1)
        var labelCounts = [0, 0, 0, 0]
        var probabilitySums = [0.0, 0.0, 0.0, 0.0]
        var shownValueSum = 0.0, catalogueValueSum = 0.0, catalogueSDSum = 0.0
        var everShown = [Bool](repeating: false, count: world.videoCount)
        var pools = SyntheticPoolLog()
        let scratches = (0..<workers).map { _ in SyntheticPlatform.Scratch(videos: world.videoCount) }
        let batchSize = max(workers * 8, 64)
        let nv = world.videoCount
        let start = Date()
        var nextReport = start.addingTimeInterval(2)
        var batchStart = 0
        while batchStart < world.userCount {
            let batchEnd = min(world.userCount, batchStart + batchSize)
            let slots = (batchStart..<batchEnd).map { _ in UserSlot() }
            let first = batchStart
            let me = self
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let scratch = scratches[worker]
                var index = worker
                while index < slots.count {
                    let user = first + index
                    let slot = slots[index]
                    let log = me.simulator.simulate(user: user, scratch: scratch)
                    // Statistics of the shown rows and of the user's whole catalogue (from the prepared values).
                    var seen = Set<Int32>()
                    var rowIndex = 0
                    var daypartMean = [Double](repeating: 0, count: SyntheticContext.count)
                    var daypartSD = [Double](repeating: 0, count: SyntheticContext.count)
                    for dp in 0..<SyntheticContext.count {
                        var sum = 0.0, squares = 0.0
                        for v in 0..<nv {
                            let x = scratch.values[dp * nv + v]
                            sum += x; squares += x * x
                        }
                        daypartMean[dp] = sum / Double(nv)
                        daypartSD[dp] = max(0, squares / Double(nv) - daypartMean[dp] * daypartMean[dp]).squareRoot()
                    }
                    for (s, length) in log.sessionLengths.enumerated() {
                        let dp = Int(log.sessionDayparts[s])
                        let context = SyntheticContext(daypart: dp)
                        for _ in 0..<Int(length) {
                            let v = log.rows[rowIndex].video
                            let p = me.model.headProbabilities(user: user, video: Int(v), context: context)
                            slot.trueProbabilities[0] += p.complete
                            slot.trueProbabilities[1] += p.long
                            slot.trueProbabilities[2] += p.rewatch
                            slot.trueProbabilities[3] += p.neg
                            slot.shownValue += scratch.values[dp * nv + Int(v)]
                            if !seen.insert(v).inserted { slot.repeated += 1 }
                            rowIndex += 1
                        }
                        slot.catalogueValue += Double(length) * daypartMean[dp]
                        slot.catalogueSD += Double(length) * daypartSD[dp]
                    }
                    SyntheticCSV.appendBigMatrixRows(log, world: me.world, into: &slot.bytes)
                    slot.log = log
                    index += workers
                }
            }
            for slot in slots {
                try file.writer.write(&slot.bytes)
                let log = slot.log
                summary.rows += log.rows.count
                summary.sessions += log.sessionLengths.count
                for length in log.sessionLengths { sessionLengthCounts[Int(length)] += 1 }
                summary.repeatedPairRows += slot.repeated
                if platform.pools.drawsPools { pools.append(log) }
                shownValueSum += slot.shownValue
                catalogueValueSum += slot.catalogueValue
                catalogueSDSum += slot.catalogueSD
                for h in 0..<4 { probabilitySums[h] += slot.trueProbabilities[h] }
                for row in log.rows {
                    everShown[Int(row.video)] = true
                    if !SyntheticCalendar.isBurstDay(SyntheticCalendar.beijingDay(utcMs: row.utcMs)) {
                        summary.rowsOutsideBursts += 1
                    }
                    let labels = SyntheticLabels(playDurationMs: Int(row.playDurationMs),
                                                 videoDurationMs: world.videoDurationMs[Int(row.video)])
                    if labels.complete { labelCounts[0] += 1 }
                    if labels.long { labelCounts[1] += 1 }
                    if labels.rewatch { labelCounts[2] += 1 }
                    if labels.neg { labelCounts[3] += 1 }
                }
            }
            batchStart = batchEnd
            if let progress, Date() >= nextReport {
                nextReport = Date().addingTimeInterval(5)
                progress("users \(batchEnd)/\(world.userCount), rows \(summary.rows), "
                         + String(format: "%.1f s", Date().timeIntervalSince(start)))
            }
        }
        try file.commit()
        if let small = configuration.smallMatrix {
            let (bytes, smallSummary) = small.csv(model: model, seed: configuration.seed)
            try AtomicWrite.write(Data(bytes.bytes), to: path("small_matrix.csv"))
            summary.smallMatrix = smallSummary
        }
        if platform.pools.drawsPools {
            try pools.write(to: path(SyntheticPoolLog.folderName))
            summary.meanPoolSize = Double(pools.videos.count) / Double(max(1, pools.users.count))
        }

        let rows = max(1, summary.rows)
        summary.labelRates = labelCounts.map { Double($0) / Double(rows) }
        summary.meanTrueProbabilities = probabilitySums.map { $0 / Double(rows) }
        summary.meanShownValue = shownValueSum / Double(rows)
        summary.meanCatalogueValue = catalogueValueSum / Double(rows)
        summary.catalogueValueSD = catalogueSDSum / Double(rows)
        summary.distinctVideosShown = everShown.filter { $0 }.count
        summary.itemDailyRows = itemNotes.rows
        summary.captionRecords = captionNotes.records
        if summary.sessions > 0 {
            summary.sessionLengthMean = Double(summary.rows) / Double(summary.sessions)
            summary.sessionLengthMedian = SyntheticWorldGenerator.median(counts: sessionLengthCounts, total: summary.sessions)
            summary.sessionLengthMax = sessionLengthCounts.lastIndex { $0 > 0 } ?? 0
        }
        let truth = SyntheticGroundTruth(configuration: configuration, usesPlackettLuce: platform.usesPlackettLuce,
                                         summary: summary, itemDaily: itemNotes, captions: captionNotes)
        var json = SyntheticByteBuffer()
        json.bytes = [UInt8](try truth.encoded())
        try AtomicWrite.write(Data(json.bytes), to: path("ground_truth.json"))
        // Every name any world writes: those this one does not are an earlier world's, and go.
        var every = configuration
        every.candidatePool = .retrieval
        every.smallMatrix = SyntheticSmallMatrix()
        try staged.publish(removing: SyntheticGroundTruth.files(of: every))
        return truth
    }

    /// Median of a histogram (mean of the two middle values for an even total, as numpy).
    static func median(counts: [Int], total: Int) -> Double {
        func value(at rank: Int) -> Int {
            var seen = 0
            for (length, c) in counts.enumerated() {
                seen += c
                if seen > rank { return length }
            }
            return counts.count - 1
        }
        if total % 2 == 1 { return Double(value(at: total / 2)) }
        return Double(value(at: total / 2 - 1) + value(at: total / 2)) / 2
    }
}
