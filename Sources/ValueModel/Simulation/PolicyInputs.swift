import Foundation

/// What step 5 reads, checked as it is read: step 4's stored candidate heads and session artifacts and its
/// headline ŵ; on a synthetic world its ground truth (the model simulator and the logged first rows); and, when
/// step 1 prepared a small matrix, that fully observed block with step 3's predictions on it (KuaiEnv's own
/// simulator, the one that runs on the real files).
public struct PolicyInputs {
    /// The synthetic world's model simulator (nil on real data).
    public var model: PolicyWorld?
    /// The small-matrix simulator (nil without a small matrix) and what building it found.
    public var smallMatrix: PolicyWorld?
    public var smallMatrixReport: SmallMatrixReport?
    /// The simulators that do not run on these inputs, and why (their input never existed: a missing input that
    /// existed when an earlier step read it is an error instead).
    public var notRun: [SimulatorNotRun]
    /// Step 4's headline ŵ (complete, long, rewatch, neg) and the assumption it was fitted under.
    public var estimatedWeights: [Double]
    public var estimator: String
    /// The logged first rows with the platform's exact propensities (nil when the world records no pools or its
    /// noise is not Gumbel, so no propensity is known, or on real data), and why not.
    public var logged: OffPolicyEvaluation.LoggedRows?
    public var loggedUnavailable: String?
    /// The heads step 4 scored `[sessions, candidates, 4]` and the candidates' logged rows (what the learned policies
    /// see of the logged sessions).
    public var predicted: CandidateHeads
    /// Their standard deviation over step 3's seed members (nil when step 4 averaged no members).
    public var predictedSpread: CandidateHeads?
    public var candidateExposure: [Int32]
    /// Step 4's candidates' video ids `[candidates]` (what a learned policy scores them as).
    public var candidateVideos: [Int32]
    /// The logged first rows with propensities estimated from step 4's headline model of the platform, as on real
    /// data (`OffPolicyEvaluation.estimatedFirstRows`; a synthetic world's truth judges them), and why not.
    public var loggedEstimated: OffPolicyEvaluation.LoggedRows?
    public var loggedEstimatedUnavailable: String?
    /// The logging platform as a policy over the recorded pools (when every session has one).
    public var platform: LoggingPlatformPolicy?
    /// Files read (for the manifest).
    public var files: [String]

    /// The synthetic world's engagement-model simulator and the small matrix's, as a reader knows them.
    public static let modelSimulator = "the synthetic world's engagement model"
    public static let smallMatrixSimulator = "the fully observed small matrix"

    /// A simulator left out, and why.
    public struct SimulatorNotRun: Codable, Sendable, Equatable {
        public var simulator: String
        public var reason: String
    }

    /// The small matrix as a table.
    public struct SmallMatrixReport: Sendable {
        public var rows = 0, users = 0, videos = 0
        /// Pairs listed more than once (the first row kept) and pairs not listed (reward 0, as KuaiEnv's dense
        /// matrix has them; labels 0; predicted heads the video's mean).
        public var duplicateRows = 0, missingPairs = 0
        /// Rows whose watch ratio is not a number (KuaiEnv: replaced by the mean).
        public var nonFiniteRatios = 0
        /// Rows among `rows` observed without a time (step 1's `step1-small-untimed/`): their watch ratios and labels
        /// are the responses, their predicted heads the video's mean (step 3 scores only rows with a time).
        public var untimedRows = 0
        /// The step-3 model whose predictions are the heads.
        public var model = ""
    }

    /// Reads `<processed>/step4/` (and `step1-small/`, `step3/` for the small matrix) and `<raw>/ground_truth.json`.
    /// `steps`: logged rows per session in the off-policy estimates (the first ones).
    public static func load(processed: String, raw: String, steps: Int) throws -> PolicyInputs {
        // The raw folder and its ground truth first: a ground truth step 1 saw that is gone is named as such, not as a
        // stale step 4.
        let step1 = try Manifest.read(folder: PipelineStep.dataPreparation.folder(in: processed))
        let groundTruth = try SyntheticGroundTruth.forStep(raw: raw, step1: step1)
        let step4 = try ColumnStore(.headWeightEstimation, processed: processed)
        let folder = step4.folder
        let headsPath = folder + "/candidate_heads.npy"
        guard FileManager.default.fileExists(atPath: headsPath) else {
            throw PipelineError.missingFile(path: headsPath, hint: "Step 4 stores the candidate heads only under 1 GiB: re-run `4-head-weight-estimation` with --max-sessions.")
        }
        for name in ["session_daypart", "candidate_category", "candidate_exposure", "session_start_ms", "session_first_candidate",
                     "session_observed_offsets", "observed_candidate", "observed_watch_ratio"] where !FileManager.default.fileExists(atPath: folder + "/\(name).npy") {
            throw PipelineError.missingFile(path: folder + "/\(name).npy", hint: "Step 4 predates step 5: re-run `4-head-weight-estimation` (or `make notebooks`).")
        }
        var files = [folder + "/" + Manifest.fileName]
        let users = try step4.int32("session_user"), videos = try step4.int32("candidate_video_ids")
        let categories = try step4.int32("candidate_category"), exposure = try step4.int32("candidate_exposure")
        let tags = categories.map { $0 == -124 ? [Int32]() : [$0] }
        var indexOfVideo = [Int32](repeating: -1, count: Int(videos.max() ?? 0) + 1)
        for (j, v) in videos.enumerated() { indexOfVideo[Int(v)] = Int32(j) }

        var inputs = PolicyInputs(model: nil, smallMatrix: nil, smallMatrixReport: nil, notRun: [], estimatedWeights: [], estimator: "",
                                  logged: nil, loggedUnavailable: nil, predicted: CandidateHeads(sessions: 0, videos: 0, values: []),
                                  predictedSpread: nil, candidateExposure: [], candidateVideos: videos, loggedEstimated: nil, loggedEstimatedUnavailable: nil,
                                  platform: nil, files: files)
        let noiseScale: Double?
        (inputs.estimatedWeights, inputs.estimator, noiseScale) = try headline(folder + "/estimate.json")
        let stored = try step4.array("candidate_heads")
        guard stored.descr == "<f4", stored.shape == [users.count, videos.count * 4] else {
            throw PipelineError.malformedInput(SourceLocation(file: headsPath), reason: "holds \(stored.descr) \(stored.shape), expected <f4 [\(users.count), \(videos.count * 4)]; re-run `4-head-weight-estimation`")
        }
        let predicted = CandidateHeads(sessions: users.count, videos: videos.count, values: stored.values(as: Float.self))
        inputs.predicted = predicted
        let spreadPath = folder + "/candidate_heads_sd.npy"
        if FileManager.default.fileExists(atPath: spreadPath) {
            let spread = try step4.array("candidate_heads_sd")
            guard spread.descr == "<f4", spread.shape == stored.shape else {
                throw PipelineError.malformedInput(SourceLocation(file: spreadPath), reason: "holds \(spread.descr) \(spread.shape), expected <f4 \(stored.shape); re-run `4-head-weight-estimation`")
            }
            inputs.predictedSpread = CandidateHeads(sessions: users.count, videos: videos.count, values: spread.values(as: Float.self))
        }
        inputs.candidateExposure = exposure
        let firstCandidate = try step4.int32("session_first_candidate")
        let listOffsets = try step4.int64("session_observed_offsets").map { Int($0) }
        let listCandidates = try step4.int32("observed_candidate"), listRatios = try step4.array("observed_watch_ratio")
        guard listOffsets.count == users.count + 1, listOffsets.first == 0, listOffsets.last == listCandidates.count,
              zip(listOffsets, listOffsets.dropFirst()).allSatisfy({ $0 <= $1 }), listRatios.descr == "<f8",
              listRatios.shape == [listCandidates.count], listCandidates.allSatisfy({ $0 >= 0 && Int($0) < videos.count }) else {
            throw PipelineError.malformedInput(SourceLocation(file: folder + "/session_observed_offsets.npy"), reason: "the logged lists (offsets, candidates, watch ratios) do not fit \(users.count) sessions of \(videos.count) candidates; re-run `4-head-weight-estimation`")
        }
        let lists = OffPolicyEvaluation.LoggedLists(firstCandidate: firstCandidate, offsets: listOffsets, candidates: listCandidates,
                                                    watchRatios: listRatios.values(as: Double.self))
        // The headline's model of the platform: the propensities a user of the real logs has.
        let effectsPath = folder + "/headline_video_effects.npy"
        if let noiseScale, FileManager.default.fileExists(atPath: effectsPath) {
            let effects = try step4.array("headline_video_effects"), upload = try step4.int32("candidate_upload_day")
            guard effects.descr == "<f8", effects.shape == [videos.count], upload.count == videos.count else {
                throw PipelineError.malformedInput(SourceLocation(file: effectsPath), reason: "holds \(effects.descr) \(effects.shape) with \(upload.count) upload days, expected <f8 [\(videos.count)]; re-run `4-head-weight-estimation`")
            }
            let days = try step4.int64("session_start_ms").map { Int32(PoolAnalysis.floorDivide($0, SyntheticCalendar.msPerDay)) }
            inputs.loggedEstimated = OffPolicyEvaluation.estimatedRows(
                heads: predicted, theta: inputs.estimatedWeights.map { $0 / noiseScale }, videoEffects: effects.values(as: Double.self),
                uploadDay: upload, sessionDay: days, lists: lists, steps: steps)
        } else {
            inputs.loggedEstimatedUnavailable = "step 4's headline is not the video-effects likelihood, so it stored no model of the platform"
        }
        if let (truth, truthPath) = groundTruth {
            files.append(truthPath)
            let model = SyntheticEngagementModel(world: SyntheticLatentWorld(configuration: truth.configuration))
            var world = try PolicyWorld(sessionUsers: users, sessionDayparts: try step4.int32("session_daypart"), candidateVideos: videos,
                                        candidateTags: tags, candidateExposure: exposure, predicted: predicted,
                                        responses: .model(model), plantedWeights: WeightParametrisation.l1Normalised(truth.weights))
            world.predictedSpread = inputs.predictedSpread
            inputs.model = world
            // The logged first rows: their pools from the world's record, the platform's softmax over each pool.
            let poolFolder = raw + "/" + SyntheticPoolLog.folderName
            if truth.noise.distribution != "gumbel" {
                inputs.loggedUnavailable = "the world's platform ranks with \(truth.noise.distribution) noise, whose propensities have no closed form"
            } else if !FileManager.default.fileExists(atPath: poolFolder) {
                inputs.loggedUnavailable = "the world records no candidate pools (\(poolFolder))"
            } else {
                let pools = try SyntheticPoolLog.read(folder: poolFolder).pools(users: users, startsBeijingMs: try step4.int64("session_start_ms"),
                                                                                indexOfVideo: indexOfVideo)
                inputs.logged = OffPolicyEvaluation.loggedRows(world: world, model: model, poolOffsets: pools.offsets,
                                                               poolCandidates: pools.candidates, lists: lists, steps: steps,
                                                               weights: truth.weights, noiseScale: truth.noise.scale)
                if pools.matched == users.count {
                    inputs.platform = LoggingPlatformPolicy(pools: (0..<users.count).map { Array(pools.candidates[pools.offsets[$0]..<pools.offsets[$0 + 1]]) },
                                                            weights: truth.weights, noiseScale: truth.noise.scale)
                }
                files.append(poolFolder + "/session_user.npy")
            }
        } else {
            inputs.loggedUnavailable = "real data: the logging platform's propensities are not known (see the estimated ones)"
            inputs.notRun.append(.init(simulator: modelSimulator, reason: "`\(raw)` has no `ground_truth.json`, and step 1 saw none: these are real data, whose users' responses are known only where the small matrix observed them."))
        }
        if let small = try OffPathPairs.store(processed: processed, step1Inputs: step1.inputs) {
            let untimed = try OffPathPairs.store(processed: processed, step1Inputs: step1.inputs, folderName: SmallMatrixPreparation.untimedFolderName)
            let (world, report, used) = try smallMatrixWorld(small: small, untimed: untimed, step3: PipelineStep.training.folder(in: processed),
                                                             indexOfVideo: indexOfVideo, tags: tags, exposure: exposure)
            inputs.smallMatrix = world
            inputs.smallMatrixReport = report
            files += used
        } else {
            inputs.notRun.append(.init(simulator: smallMatrixSimulator, reason: "step 1 found no `\(SmallMatrixPreparation.fileName)` in `\(raw)`, so there is no fully observed block to replay (KuaiRec 2.0 ships one; `0-synthetic-data` writes one unless given `--small-matrix none`)."))
        }
        guard inputs.model != nil || inputs.smallMatrix != nil else {
            throw PipelineError.missingFile(path: raw + "/ground_truth.json", hint: "Step 5 simulates users with the synthetic world's engagement model or, on real data, with the fully observed small_matrix.csv; neither is there (put small_matrix.csv beside big_matrix.csv and re-run from `1-data-preparation`).")
        }
        inputs.files = files
        return inputs
    }

    /// Step 4's headline ŵ, its assumption and its noise scale τ̂ (nil without a headline), from `estimate.json`; without a
    /// headline, the whole-catalogue ŵ. Refuses, naming the file and the key, a file that is truncated or not JSON, and
    /// weights that are not four finite numbers, an unknown assumption or a noise scale that is not a positive number.
    static func headline(_ path: String) throws -> ([Double], String, Double?) {
        struct Estimate: Decodable {
            struct Headline: Decodable { var assumption: String; var weights: [Double]; var noiseScale: Double }
            var headline: Headline?
            var weights: [Double]
        }
        let fix = "re-run `4-head-weight-estimation`"
        let estimate = try JSONFile.decode(Estimate.self, from: path, what: "step 4's estimate.json",
                                           missing: "Run `4-head-weight-estimation` first (or `make notebooks`).", fix: fix)
        func refuse(_ key: String, _ problem: String) -> PipelineError { JSONFile.refuse(path, key, problem, fix: fix) }
        let (key, weights) = estimate.headline.map { ("headline.weights", $0.weights) } ?? ("weights", estimate.weights)
        guard weights.count == 4 else { throw refuse(key, "holds \(weights.count) number(s), expected 4 (complete, long, rewatch, neg)") }
        if let bad = weights.firstIndex(where: { !$0.isFinite }) { throw refuse("\(key)[\(bad)]", "is \(weights[bad]), not a finite number") }
        guard let headline = estimate.headline else { return (weights, "whole catalogue", nil) }
        guard PoolAssumption(rawValue: headline.assumption) != nil else {
            throw refuse("headline.assumption", "is \"\(headline.assumption)\", none of \(PoolAssumption.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard headline.noiseScale.isFinite, headline.noiseScale > 0 else {
            throw refuse("headline.noiseScale", "is \(headline.noiseScale), a noise scale is a positive number")
        }
        return (weights, headline.assumption, headline.noiseScale)
    }

    /// KuaiEnv's simulator: the small matrix's users as sessions and its videos as candidates, the observed watch
    /// ratio capped at 5 as the reward (a pair not listed: 0, as in KuaiEnv's dense matrix; a ratio that is not a
    /// number: the mean), the observed labels as the head rates, and step 3's predictions of its chosen GNN on the
    /// pairs (`offpath_predictions_<gnn>.npy`) as the heads. The rows observed without a time (`untimed`, when
    /// step 1 wrote them) are responses like the others; without a prediction, their heads are the video's mean.
    static func smallMatrixWorld(small: ColumnStore, untimed: ColumnStore? = nil, step3: String, indexOfVideo: [Int32], tags: [[Int32]],
                                 exposure: [Int32]) throws -> (PolicyWorld, SmallMatrixReport, [String]) {
        let choice = try ScoringModelChoice.read(step3: step3)
        let path = step3 + "/offpath_predictions_\(choice.model).npy"
        guard FileManager.default.fileExists(atPath: path) else {
            throw PipelineError.missingFile(path: path, hint: "Run `3-training` after `1-data-preparation` prepared the small matrix.")
        }
        let users = try small.int32("user_id"), videos = try small.int32("video_id")
        let stored = try NumpyFile.read(path: path)
        guard stored.descr == "<f4", stored.shape == [users.count, 4] else {
            throw PipelineError.malformedInput(SourceLocation(file: path), reason: "holds \(stored.descr) \(stored.shape), expected <f4 [\(users.count), 4] (one row per small-matrix pair); re-run `3-training`")
        }
        let predictedRows = stored.values(as: Float.self)
        let timedRows = users.count
        // [rows]: the timed rows first (rows < timedRows have a prediction), then the untimed ones.
        var allUsers = users, allVideos = videos, ratio = try small.float32("watch_ratio")
        var labels = try Head.allCases.map { try small.float32($0.labelName) }
        if let untimed {
            let u = try untimed.int32("user_id"), v = try untimed.int32("video_id"), r = try untimed.float32("watch_ratio")
            let l = try Head.allCases.map { try untimed.float32($0.labelName) }
            guard v.count == u.count, r.count == u.count, l.allSatisfy({ $0.count == u.count }) else {
                throw PipelineError.invalidData("\(untimed.folder) holds columns of different lengths; re-run `1-data-preparation`")
            }
            allUsers += u
            allVideos += v
            ratio += r
            for h in 0..<4 { labels[h] += l[h] }
        }
        var report = SmallMatrixReport(rows: allUsers.count, model: choice.model)
        report.untimedRows = allUsers.count - timedRows
        let userIds = Array(Set(allUsers)).sorted(), videoIds = Array(Set(allVideos)).sorted()
        report.users = userIds.count
        report.videos = videoIds.count
        let userIndex = Dictionary(uniqueKeysWithValues: userIds.enumerated().map { ($1, $0) })
        let videoIndex = Dictionary(uniqueKeysWithValues: videoIds.enumerated().map { ($1, $0) })
        for v in videoIds where Int(v) >= indexOfVideo.count || indexOfVideo[Int(v)] < 0 {
            throw PipelineError.invalidData("small-matrix video \(v) is not among step 4's candidates (videos with a row in big_matrix), so it has no category or exposure; re-run `1-data-preparation`")
        }
        let u = userIds.count, n = videoIds.count
        let finite = ratio.filter { $0.isFinite }.map { min($0, 5) }
        let meanRatio = finite.isEmpty ? 0 : finite.reduce(0, +) / Float(finite.count)
        var rewards = [Float](repeating: 0, count: u * n), heads = [Float](repeating: 0, count: u * n * 4)
        var predicted = [Float](repeating: .nan, count: u * n * 4)
        var seen = [Bool](repeating: false, count: u * n), scored = seen
        for i in allUsers.indices {
            guard let a = userIndex[allUsers[i]], let j = videoIndex[allVideos[i]] else { continue }   // (built from these ids)
            let cell = a * n + j
            guard !seen[cell] else { report.duplicateRows += 1; continue }
            seen[cell] = true
            if ratio[i].isFinite { rewards[cell] = min(ratio[i], 5) } else { rewards[cell] = meanRatio; report.nonFiniteRatios += 1 }
            for h in 0..<4 { heads[cell * 4 + h] = labels[h][i] }
            guard i < timedRows else { continue }
            scored[cell] = true
            for h in 0..<4 { predicted[cell * 4 + h] = predictedRows[i * 4 + h] }
        }
        report.missingPairs = seen.filter { !$0 }.count
        // A pair without a prediction (not listed, or observed without a time): the video's mean predicted heads
        // over the users who have one.
        for j in 0..<n {
            var sum = [Float](repeating: 0, count: 4), count: Float = 0
            for a in 0..<u where scored[a * n + j] {
                for h in 0..<4 { sum[h] += predicted[(a * n + j) * 4 + h] }
                count += 1
            }
            for a in 0..<u where !scored[a * n + j] {
                for h in 0..<4 { predicted[(a * n + j) * 4 + h] = count > 0 ? sum[h] / count : 0 }
            }
        }
        let candidates = videoIds.map { Int(indexOfVideo[Int($0)]) }
        let world = try PolicyWorld(sessionUsers: userIds, sessionDayparts: [Int32](repeating: 0, count: u), candidateVideos: videoIds,
                                    candidateTags: candidates.map { tags[$0] }, candidateExposure: candidates.map { exposure[$0] },
                                    predicted: CandidateHeads(sessions: u, videos: n, values: predicted),
                                    responses: .table(rewards: rewards, heads: heads), plantedWeights: nil)
        return (world, report, [small.folder + "/" + Manifest.fileName, step3 + "/" + ScoringModelChoice.fileName, path]
                    + (untimed.map { [$0.folder + "/" + Manifest.fileName] } ?? []))
    }
}
