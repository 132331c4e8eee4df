import Foundation

/// What step 5 reads, checked as it is read: step 4's stored candidate heads and session artifacts, its headline ŵ,
/// and the synthetic world's ground truth.
public struct PolicyInputs {
    public var world: PolicyWorld
    /// Step 4's headline ŵ (complete, long, rewatch, neg) and the assumption it was fitted under.
    public var estimatedWeights: [Double]
    public var estimator: String
    /// The logged first rows with the platform's exact propensities (nil when the world records no pools or its
    /// noise is not Gumbel, so no propensity is known), and why not.
    public var logged: OffPolicyEvaluation.LoggedFirstRows?
    public var loggedUnavailable: String?
    /// Files read (for the manifest).
    public var files: [String]

    /// Reads `<processed>/step4/` and `<raw>/ground_truth.json`.
    public static func load(processed: String, raw: String) throws -> PolicyInputs {
        let folder = processed + "/step4"
        let step4 = try ColumnStore(folder: folder, producer: "4-head-weight-estimation")
        let headsPath = folder + "/candidate_heads.npy"
        guard FileManager.default.fileExists(atPath: headsPath) else {
            throw PipelineError.missingFile(path: headsPath, hint: "Step 4 stores the candidate heads only under 1 GiB: re-run `4-head-weight-estimation` with --max-sessions.")
        }
        for name in ["session_daypart", "candidate_category", "candidate_exposure", "session_start_ms", "session_first_candidate",
                     "session_first_watch_ratio"] where !FileManager.default.fileExists(atPath: folder + "/\(name).npy") {
            throw PipelineError.missingFile(path: folder + "/\(name).npy", hint: "Step 4 predates step 5: re-run `4-head-weight-estimation` (or `make notebooks`).")
        }
        let step1Inputs = try Manifest.read(folder: processed + "/step1").inputs
        guard let (truth, truthPath) = try SyntheticGroundTruth.forStep(raw: raw, step1Inputs: step1Inputs) else {
            throw PipelineError.missingFile(path: raw + "/ground_truth.json", hint: "Step 5 simulates users with the synthetic world's engagement model; a simulator on real data (from small_matrix.csv, as KuaiEnv) is not built yet.")
        }
        let users = try step4.int32("session_user"), dayparts = try step4.int32("session_daypart")
        let videos = try step4.int32("candidate_video_ids")
        let stored = try step4.array("candidate_heads")
        guard stored.descr == "<f4", stored.shape == [users.count, videos.count * 4] else {
            throw PipelineError.malformedInput(SourceLocation(file: headsPath), reason: "holds \(stored.descr) \(stored.shape), expected <f4 [\(users.count), \(videos.count * 4)]; re-run `4-head-weight-estimation`")
        }
        let heads = CandidateHeads(sessions: users.count, videos: videos.count, values: stored.values(as: Float.self))
        let tags = try step4.int32("candidate_category").map { $0 == -124 ? [] : [$0] }
        let world = try PolicyWorld(sessionUsers: users, sessionDayparts: dayparts, candidateVideos: videos, candidateTags: tags,
                                    candidateExposure: try step4.int32("candidate_exposure"), predicted: heads,
                                    truth: SyntheticEngagementModel(world: SyntheticLatentWorld(configuration: truth.configuration)),
                                    plantedWeights: WeightParametrisation.l1Normalised(truth.weights))
        let estimatePath = folder + "/estimate.json"
        struct Estimate: Decodable {
            struct Headline: Decodable { var assumption: String; var weights: [Double] }
            var headline: Headline?
            var weights: [Double]
        }
        let estimate: Estimate
        do { estimate = try JSONDecoder().decode(Estimate.self, from: Data(contentsOf: URL(fileURLWithPath: estimatePath))) } catch {
            throw PipelineError.malformedInput(SourceLocation(file: estimatePath), reason: "not step 4's estimate.json (\(error)); re-run `4-head-weight-estimation`")
        }
        let weights = estimate.headline?.weights ?? estimate.weights
        guard weights.count == 4 else {
            throw PipelineError.malformedInput(SourceLocation(file: estimatePath), reason: "has no four head weights; re-run `4-head-weight-estimation`")
        }
        // The logged first rows: their pools from the world's record, the platform's softmax over each pool.
        var logged: OffPolicyEvaluation.LoggedFirstRows?, unavailable: String?
        var files = [folder + "/" + Manifest.fileName, truthPath]
        let poolFolder = raw + "/" + SyntheticPoolLog.folderName
        if truth.noise.distribution != "gumbel" {
            unavailable = "the world's platform ranks with \(truth.noise.distribution) noise, whose first-turn propensities have no closed form"
        } else if !FileManager.default.fileExists(atPath: poolFolder) {
            unavailable = "the world records no candidate pools (\(poolFolder))"
        } else {
            let ratio = try step4.array("session_first_watch_ratio")
            guard ratio.descr == "<f8", ratio.shape == [users.count] else {
                throw PipelineError.malformedInput(SourceLocation(file: folder + "/session_first_watch_ratio.npy"), reason: "holds \(ratio.descr) \(ratio.shape), expected <f8 [\(users.count)]; re-run `4-head-weight-estimation`")
            }
            var indexOfVideo = [Int32](repeating: -1, count: Int(videos.max() ?? 0) + 1)
            for (j, v) in videos.enumerated() { indexOfVideo[Int(v)] = Int32(j) }
            let pools = try SyntheticPoolLog.read(folder: poolFolder).pools(users: users, startsBeijingMs: try step4.int64("session_start_ms"),
                                                                            indexOfVideo: indexOfVideo)
            logged = OffPolicyEvaluation.loggedFirstRows(world: world, poolOffsets: pools.offsets, poolCandidates: pools.candidates,
                                                         firstCandidate: try step4.int32("session_first_candidate"),
                                                         firstWatchRatio: ratio.values(as: Double.self), weights: truth.weights,
                                                         noiseScale: truth.noise.scale)
            files.append(poolFolder + "/session_user.npy")
        }
        return PolicyInputs(world: world, estimatedWeights: weights, estimator: estimate.headline?.assumption ?? "whole catalogue",
                            logged: logged, loggedUnavailable: unavailable, files: files)
    }
}
