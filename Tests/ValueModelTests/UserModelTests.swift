import Foundation
import Testing
@testable import ValueModel

/// The learned user model of step 6: its member's gradients against finite differences of an independent Float64
/// forward, its loss and DORL's uncertainty and IPS weights by hand, and, on synthetic worlds run through steps 0-2,
/// that its fit is seeded, reads no truth and round-trips through its files.
@Suite struct UserModelTests {
    static let userSide = UserModelData.userSideNames.count, videoSide = UserModelData.videoSideNames.count

    /// A tiny log of `users` x `videos` with seeded rewards, labels and side features; every row is a training row
    /// unless listed in `validation` / `test`.
    static func tinyData(users: Int = 3, videos: Int = 4, pairs: [(Int, Int)], validation: [Int32] = [], test: [Int32] = [],
                         seed: UInt64 = 5) throws -> UserModelData {
        var g = SeededGenerator(seed: seed)
        let held = Set(validation + test)
        return try UserModelData(
            users: users, videos: videos, rowUser: pairs.map { Int32($0.0) }, rowVideo: pairs.map { Int32($0.1) },
            reward: pairs.map { _ in Float(g.nextUniform() * 3) }, labels: (0..<(pairs.count * 4)).map { _ in g.nextUniform() < 0.4 ? 1 : 0 },
            train: (0..<Int32(pairs.count)).filter { !held.contains($0) }, validation: validation, test: test,
            userSide: (0..<(users * userSide)).map { _ in Float(g.nextNormal()) }, videoSide: (0..<(videos * videoSide)).map { _ in Float(g.nextNormal()) })
    }

    static func smallSettings() -> UserModelSettings {
        var s = UserModelSettings()
        s.embedding = 3
        s.firstHidden = 6
        s.secondHidden = 5
        return s
    }

    // MARK: Float64 reference

    static func softplus(_ x: Double) -> Double { log(1 + exp(x)) }

    /// The loss of `rows` from the definition, in Float64: z = [e_u, x_u, e_v, x_v], two ReLU layers, six outputs,
    /// μ = o0 + e_u·e_v, s = −10 + softplus((2 − softplus(2 − o1)) + 10), ℓ = w((y − μ)² e^{−s} + s + mean BCE), mean over rows.
    static func referenceLoss(_ p: [String: [Double]], _ data: UserModelData, rows: [Int32], weights: [Float]?, settings s: UserModelSettings) -> Double {
        let e = s.embedding, d = 2 * e + userSide + videoSide
        var total = 0.0
        for row in rows.map(Int.init) {
            let u = Int(data.rowUser[row]), v = Int(data.rowVideo[row])
            let eu = Array(p["user_emb.weight"]![(u * e)..<((u + 1) * e)]), ev = Array(p["video_emb.weight"]![(v * e)..<((v + 1) * e)])
            let z = eu + data.userSide[(u * userSide)..<((u + 1) * userSide)].map(Double.init) + ev
                + data.videoSide[(v * videoSide)..<((v + 1) * videoSide)].map(Double.init)
            let a1 = LearningGradientCheckTests.refReLU(LearningGradientCheckTests.refLinear(z, n: 1, p["dnn.0.weight"]!, p["dnn.0.bias"]!, inDim: d, outDim: s.firstHidden))
            let a2 = LearningGradientCheckTests.refReLU(LearningGradientCheckTests.refLinear(a1, n: 1, p["dnn.2.weight"]!, p["dnn.2.bias"]!, inDim: s.firstHidden, outDim: s.secondHidden))
            let o = LearningGradientCheckTests.refLinear(a2, n: 1, p["out.weight"]!, p["out.bias"]!, inDim: s.secondHidden, outDim: 6)
            let mu = o[0] + zip(eu, ev).reduce(0) { $0 + $1.0 * $1.1 }
            let logVariance = -10 + softplus((2 - softplus(2 - o[1])) + 10)
            let y = Double(data.reward[row])
            let labels = (0..<4).map { Double(data.labels[row * 4 + $0]) }
            let bce = LearningGradientCheckTests.refBCE(Array(o[2..<6]), labels)
            total += Double(weights?[row] ?? 1) * ((y - mu) * (y - mu) * exp(-logVariance) + logVariance + bce)
        }
        return total / Double(rows.count)
    }

    // MARK: Hand-checked pieces

    @Test func memberGradientsMatchFiniteDifferencesOfAFloat64Forward() throws {
        let data = try Self.tinyData(pairs: [(0, 0), (0, 1), (1, 1), (1, 2), (2, 3), (2, 0), (0, 0)])
        let settings = Self.smallSettings()
        var g = SeededGenerator(seed: 11)
        let member = UserModelMember(data: data, settings: settings, generator: &g)
        // Larger embeddings than the initial N(0, 0.01²), so the FM term's gradient is visible.
        for name in ["user_emb.weight", "video_emb.weight"] {
            try member.parameters.setValue(name, (0..<member.parameters.entry(name)!.count).map { _ in Float(g.nextNormal() * 0.5) })
        }
        let weights: [Float] = [1, 0.5, 2, 1.5, 0.25, 1, 3]
        let rows = data.train
        let loss = member.forwardBackward(data, rows: rows[...], weights: weights)
        var p: [String: [Double]] = [:]
        for entry in member.parameters.entries { p[entry.name] = member.parameters.value(entry.name)!.map(Double.init) }
        #expect(abs(loss - Self.referenceLoss(p, data, rows: rows, weights: weights, settings: settings)) < 1e-5)
        let h = 1e-6
        for entry in member.parameters.entries {
            let analytic = member.parameters.gradient(entry.name)!
            for i in 0..<entry.count {
                var plus = p, minus = p
                plus[entry.name]![i] += h
                minus[entry.name]![i] -= h
                let numeric = (Self.referenceLoss(plus, data, rows: rows, weights: weights, settings: settings)
                    - Self.referenceLoss(minus, data, rows: rows, weights: weights, settings: settings)) / (2 * h)
                #expect(abs(Double(analytic[i]) - numeric) < 2e-4 + 1e-3 * abs(numeric), "\(entry.name)[\(i)]: \(analytic[i]) vs \(numeric)")
            }
        }
    }

    @Test func lossOfATinyBatchByHand() throws {
        // Two rows: rewards 1.5 and 0, labels (1,0,0,1) and (0,0,0,0), weights 2 and 0.5.
        let data = try UserModelData(users: 1, videos: 2, rowUser: [0, 0], rowVideo: [0, 1], reward: [1.5, 0], labels: [1, 0, 0, 1, 0, 0, 0, 0],
                                     train: [0, 1], validation: [], test: [], userSide: [Float](repeating: 0, count: Self.userSide),
                                     videoSide: [Float](repeating: 0, count: 2 * Self.videoSide))
        // outputs: μ, raw log-variance, four logits
        let outputs: [Float] = [1.0, 0.0, 0, 0, 0, 0,
                                0.5, -30, 2, -1, 0, 0]
        var gradient = [Float](repeating: 0, count: 12)
        let loss = outputs.withUnsafeBufferPointer { o in
            gradient.withUnsafeMutableBufferPointer { d in
                UserModelLoss.evaluate(outputs: o.baseAddress!, data: data, rows: [0, 1], weights: [2, 0.5], meanOver: 2, dOutputs: d.baseAddress!)
            }
        }
        // Row 1: raw 0 -> t = 2 − softplus(2) = 2 − 2.126928 = −0.126928, s = −10 + softplus(9.873072) = −0.126877;
        // (0.5)² e^{0.126877} + s = 0.25 · 1.135277 − 0.126877 = 0.156943; BCE at logit 0 is ln 2 for every head.
        // Row 2: raw −30 -> s = −10 + softplus(softplus... ) ≈ −10 + ln(1 + e^{−20}) = −10 (to 2e-9);
        // (0.5)² e^{10} − 10 = 5506.6164 − 10 = 5496.6164; BCE: (2.126928 + 0.313262 + 2 ln 2) / 4 = 0.956621.
        let row1 = 2 * (0.156943 + log(2.0)), row2 = 0.5 * (5496.6164 + 0.956621)
        #expect(abs(loss - (row1 + row2) / 2) / ((row1 + row2) / 2) < 1e-5)
        // dℓ/dμ of row 1: w · (−2 (y − μ) e^{−s}) / 2 = 2 · (−2 · 0.5 · 1.135277) / 2 = −1.135277
        #expect(abs(gradient[0] - -1.135277) < 1e-5)
        // dℓ/d logit_complete of row 1: w (σ(0) − 1) / 4 / 2 = 2 · (−0.5) / 8 = −0.125
        #expect(abs(gradient[2] - -0.125) < 1e-7)
        // Row 2's variance is pinned at the lower bound, so its raw output gets (almost) no gradient.
        #expect(abs(gradient[7]) < 1e-4)
    }

    @Test func dorlUncertaintyIsTheLargestMemberVarianceByHand() {
        // 3 members, a 2 x 2 table (4 cells).
        let means: [Float] = [1, 0, 2, 4,
                              2, 0, 2, 1,
                              3, 3, 2, 1]
        let variances: [Float] = [0.5, 0.1, 0.3, 0.2,
                                  0.2, 0.7, 0.3, 0.1,
                                  0.9, 0.2, 0.3, 0.6]
        let probabilities = (0..<48).map { Float($0 % 5) / 10 }
        var reward = [Float](repeating: 0, count: 4), uncertainty = reward, disagreement = reward
        var heads = [Float](repeating: 0, count: 16)
        means.withUnsafeBufferPointer { m in variances.withUnsafeBufferPointer { v in probabilities.withUnsafeBufferPointer { p in
            reward.withUnsafeMutableBufferPointer { r in heads.withUnsafeMutableBufferPointer { h in
                uncertainty.withUnsafeMutableBufferPointer { u in disagreement.withUnsafeMutableBufferPointer { d in
                    UserModelPredictions.combine(members: 3, cells: 4, means: m.baseAddress!, variances: v.baseAddress!, probabilities: p.baseAddress!,
                                                 reward: r.baseAddress!, heads: h.baseAddress!, uncertainty: u.baseAddress!, disagreement: d.baseAddress!)
                }}
            }}
        }}}
        #expect(reward == [2, 1, 2, 2])
        #expect(uncertainty == [0.9, 0.7, 0.3, 0.6])
        // (1−2)² + 0 + (3−2)² = 2 -> 2/3; (0−1)² + (0−1)² + (3−1)² = 6 -> 2; 0; (4−2)² + 1 + 1 = 6 -> 2
        for (got, want) in zip(disagreement, [2.0 / 3, 2, 0, 2]) { #expect(abs(Double(got) - want) < 1e-6) }
        // cell 0, head 0: members' entries 0, 16, 32 -> 0.0, 0.1, 0.2 -> mean 0.1
        #expect(abs(heads[0] - 0.1) < 1e-6)
    }

    @Test func inversePopularityWeightsByHand() throws {
        // Training rows of videos 0, 0, 1, 2, 2, 2 (counts 2, 1, 3); a validation row of video 1, a test row of video 3 (no training row).
        let pairs = [(0, 0), (1, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 3)]
        let data = try Self.tinyData(pairs: pairs, validation: [6], test: [7])
        // raw 1/n_v: 1/2, 1/2, 1, 1/3, 1/3, 1/3 -> training mean 3/6 = 1/2 -> scaled by 2
        #expect(data.inversePopularityWeights() == [1, 1, 2, Float(2.0 / 3), Float(2.0 / 3), Float(2.0 / 3), 2, 2])
    }

    @Test func idsWithoutTrainingRowsKeepZeroEmbeddings() throws {
        let data = try Self.tinyData(pairs: [(0, 0), (1, 1), (0, 2), (1, 0), (2, 3)], validation: [2], test: [4])
        var settings = Self.smallSettings()
        settings.members = 2
        settings.maxEpochs = 3
        let ensemble = try UserModelEnsemble.fit(data, settings: settings)
        let predictions = try ensemble.predictions()
        #expect(predictions.trainedUsers == [true, true, false] && predictions.trainedVideos == [true, true, false, false])
        for member in ensemble.members {
            let videos = member.parameters.value("video_emb.weight")!, users = member.parameters.value("user_emb.weight")!
            #expect(videos[6..<12].allSatisfy { $0 == 0 } && users[6..<9].allSatisfy { $0 == 0 })
            #expect(videos[0..<3].contains { $0 != 0 })
        }
        // The table agrees with the training forward at the logged pairs.
        let member = ensemble.members[0]
        let outputs = member.forward(data, rows: data.train[...])
        let sides = member.sideProducts()
        var row = [Float](repeating: 0, count: 6)
        var h1 = [Float](repeating: 0, count: settings.firstHidden), h2 = [Float](repeating: 0, count: settings.secondHidden)
        for (i, r) in data.train.enumerated() {
            sides.users.withUnsafeBufferPointer { up in sides.videos.withUnsafeBufferPointer { vp in
                member.tableOutputs(user: Int(data.rowUser[Int(r)]), firstVideo: Int(data.rowVideo[Int(r)]), count: 1, userPart: up.baseAddress!,
                                    videoPart: vp.baseAddress!, hidden1: &h1, hidden2: &h2, outputs: &row)
            }}
            for c in 0..<6 { #expect(abs(row[c] - outputs[i * 6 + c]) < 1e-5) }
        }
    }

    @Test func settingsOutOfRangeAreTypedErrors() throws {
        var settings = UserModelSettings()
        settings.members = 0
        #expect(throws: PipelineError.invalidOption(name: "members", reason: "must be in 1...64")) { try settings.validate() }
        settings.members = 5
        settings.learningRate = .nan
        #expect(throws: PipelineError.invalidOption(name: "learningRate", reason: "must be a positive number")) { try settings.validate() }
    }

    // MARK: On synthetic worlds

    static func load(_ processed: String) throws -> UserModelData {
        try UserModelData(step1: ColumnStore(folder: processed + "/step1", producer: "1-data-preparation"),
                          step2: ColumnStore(folder: processed + "/step2", producer: "2-graph-construction"))
    }

    /// Fits, saves the weights and the table into `folder`, and returns every file's bytes by name.
    static func fitAndSave(_ data: UserModelData, settings: UserModelSettings, into folder: String) throws -> [String: Data] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let ensemble = try UserModelEnsemble.fit(data, settings: settings)
        try ensemble.save(to: folder)
        try ensemble.predictions(keepMemberRewards: true).write(to: folder)
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) { files[name] = FileManager.default.contents(atPath: folder + "/" + name) }
        return files
    }

    @Test func trainingReadsNoTruthAndASeededFitReproducesByteForByte() throws {
        let (root, raw, processed, _) = try PipelineEndToEndTests.preparedWorld("usermodel-truth", users: 50, videos: 100, seed: 4)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var settings = UserModelSettings()
        settings.maxEpochs = 4
        let before = try Self.fitAndSave(Self.load(processed), settings: settings, into: root + "/fit-a")
        #expect(before.count == 5 + 7)

        // A world whose truth disagrees with its logs: another world's ground truth, no pools, no small matrix.
        let truthPath = raw + "/ground_truth.json"
        #expect(FileManager.default.fileExists(atPath: truthPath))
        try Data("{\"weights\": [9, 9, 9, 9], \"not\": \"this world\"}".utf8).write(to: URL(fileURLWithPath: truthPath))
        try? FileManager.default.removeItem(atPath: raw + "/" + SyntheticPoolLog.folderName)
        try FileManager.default.removeItem(atPath: processed + "/" + SmallMatrixPreparation.folderName)
        let after = try Self.fitAndSave(Self.load(processed), settings: settings, into: root + "/fit-b")
        #expect(after == before, "differing files: \(before.keys.filter { after[$0] != before[$0] }.sorted())")

        settings.seed += 1
        let otherSeed = try Self.fitAndSave(Self.load(processed), settings: settings, into: root + "/fit-c")
        #expect(otherSeed[UserModelPredictions.rewardFile] != before[UserModelPredictions.rewardFile])
    }

    @Test func fitRoundTripsAndScoresTheHeldOutLogsAndTheSmallMatrix() throws {
        let (root, _, processed, _) = try PipelineEndToEndTests.preparedWorld("usermodel-accuracy", users: 80, videos: 160, seed: 9)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = try Self.load(processed)
        var settings = UserModelSettings()
        settings.members = 3
        settings.maxEpochs = 8
        settings.weighting = .inversePopularity
        let ensemble = try UserModelEnsemble.fit(data, settings: settings)
        let predictions = try ensemble.predictions(keepMemberRewards: true)
        #expect(predictions.users == data.users && predictions.videos == data.videos)
        #expect(predictions.reward.count == data.users * data.videos && predictions.heads.count == 4 * predictions.reward.count)
        #expect(ensemble.runs.allSatisfy { $0.bestEpoch >= 1 && $0.bestEpoch <= $0.epochs })

        // Weights and tables come back from their files.
        let folder = root + "/user-model"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try ensemble.save(to: folder)
        try predictions.write(to: folder)
        #expect(try UserModelPredictions.read(from: folder) == predictions)
        #expect(try UserModelEnsemble.load(from: folder, data: data).predictions(keepMemberRewards: true) == predictions)

        // Better than the training mean on the held-out test days, and scored off the logged path.
        let small = try ColumnStore(folder: processed + "/" + SmallMatrixPreparation.folderName, producer: "1-data-preparation")
        let accuracy = try UserModelAccuracy.evaluate(predictions, data: data, smallMatrix: small)
        let trainMean = data.train.reduce(0.0) { $0 + Double(data.reward[Int($1)]) } / Double(data.train.count)
        let constantRMSE = (data.test.reduce(0.0) { $0 + pow(Double(data.reward[Int($1)]) - trainMean, 2) } / Double(data.test.count)).squareRoot()
        #expect(accuracy.test.rows == data.test.count && accuracy.test.rewardRMSE < constantRMSE)
        #expect(accuracy.test.headAUC.compactMap { $0 }.allSatisfy { $0 > 0.5 })
        let offPath = try #require(accuracy.smallMatrix)
        #expect(offPath.rows > 0 && offPath.rewardRMSE.isFinite && accuracy.uncertaintyVersusError != nil)
    }

    @Test func averageRanksShareTies() {
        #expect(UserModelAccuracy.averageRanks([3, 1, 3, 2]) == [3.5, 1, 3.5, 2])
        let c = UserModelAccuracy.correlation([1, 2, 3, 4], [1, 4, 9, 16])
        #expect(abs(c.spearman - 1) < 1e-12 && c.pearson < 1 && c.pearson > 0.98)
    }
}
