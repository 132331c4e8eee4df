import Foundation

/// What the RL engine reads from the learned user model: for every (user, video) pair the ensemble's reward, heads
/// and uncertainty, row-major by user (cell `user * videos + video`, `video` the raw KuaiRec video id).
///
/// DORL precomputes the same tables (`user_model_ensemble.py`, `save_all_models`): the members' mean prediction and,
/// as its uncertainty, `var_max`, the *largest of the members' own predicted variances* `max_k exp(s_k)` — not the
/// spread of their means, which is kept here too as `disagreement`. Users and videos without a training row have zero
/// id embeddings, so their cells are the side features' prediction; `trainedUsers` / `trainedVideos` say which.
public struct UserModelPredictions: Equatable, Sendable {
    /// Users (step 2's user nodes) and videos (raw ids `0..<videos`).
    public let users: Int
    public let videos: Int
    /// Ensemble mean of the predicted capped watch ratio, `[users * videos]`.
    public var reward: [Float]
    /// Ensemble mean of the four heads' probabilities (complete, long, rewatch, neg), `[users * videos * 4]`.
    public var heads: [Float]
    /// DORL's uncertainty: the largest predicted variance over the members, `[users * videos]`.
    public var uncertainty: [Float]
    /// The members' disagreement: the variance of their predicted rewards (over members, divided by their number),
    /// `[users * videos]`.
    public var disagreement: [Float]
    /// Each member's predicted reward, `[members][users * videos]` (empty unless asked for).
    public var memberRewards: [[Float]]
    /// Whether each user / video had a training row.
    public var trainedUsers: [Bool]
    public var trainedVideos: [Bool]

    /// The cell of `(user, video)`.
    @inline(__always) public func cell(user: Int, video: Int) -> Int { user * videos + video }

    /// The file names `write(to:)` uses.
    static let rewardFile = "user_model_reward.npy", headsFile = "user_model_heads.npy", uncertaintyFile = "user_model_uncertainty.npy",
               disagreementFile = "user_model_disagreement.npy", membersFile = "user_model_member_rewards.npy",
               trainedUsersFile = "user_model_trained_users.npy", trainedVideosFile = "user_model_trained_videos.npy"

    /// Writes the tables as `.npy` into `folder` (which must exist): reward, uncertainty and disagreement as `<f4`
    /// `[users, videos]`, heads as `<f4` `[users * videos, 4]`, member rewards (when kept) `[members, users * videos]`,
    /// the trained masks as `|i1` `[users]` / `[videos]`.
    public func write(to folder: String) throws {
        let path = { (name: String) in folder + "/" + name }
        try NumpyFile.writeMatrix(reward, rows: users, columns: videos, to: path(Self.rewardFile))
        try NumpyFile.writeMatrix(heads, rows: users * videos, columns: 4, to: path(Self.headsFile))
        try NumpyFile.writeMatrix(uncertainty, rows: users, columns: videos, to: path(Self.uncertaintyFile))
        try NumpyFile.writeMatrix(disagreement, rows: users, columns: videos, to: path(Self.disagreementFile))
        if !memberRewards.isEmpty {
            try NumpyFile.writeMatrix(memberRewards.flatMap { $0 }, rows: memberRewards.count, columns: users * videos, to: path(Self.membersFile))
        }
        try NumpyFile.write(.int8(trainedUsers.map { $0 ? 1 : 0 }), to: path(Self.trainedUsersFile))
        try NumpyFile.write(.int8(trainedVideos.map { $0 ? 1 : 0 }), to: path(Self.trainedVideosFile))
    }

    /// Reads what `write(to:)` wrote, checking every file's dtype and shape against the reward table's.
    public static func read(from folder: String) throws -> UserModelPredictions {
        func load(_ name: String, descr: String = "<f4", shape: [Int]?) throws -> NumpyFile.StoredArray {
            let array = try NumpyFile.read(path: folder + "/" + name)
            guard array.descr == descr, shape.map({ $0 == array.shape }) ?? (array.shape.count == 2) else {
                throw PipelineError.malformedInput(SourceLocation(file: folder + "/" + name), reason: "holds \(array.descr) \(array.shape), expected \(descr) \(shape.map { "\($0)" } ?? "of two dimensions"); re-run the user model's fit")
            }
            return array
        }
        let reward = try load(rewardFile, shape: nil)
        let (users, videos) = (reward.shape[0], reward.shape[1])
        var members: [[Float]] = []
        if FileManager.default.fileExists(atPath: folder + "/" + membersFile) {
            let stored = try load(membersFile, shape: nil)
            guard stored.shape[1] == users * videos else {
                throw PipelineError.malformedInput(SourceLocation(file: folder + "/" + membersFile), reason: "holds \(stored.shape), expected [members, \(users * videos)]; re-run the user model's fit")
            }
            let values = stored.values(as: Float.self)
            members = (0..<stored.shape[0]).map { Array(values[($0 * users * videos)..<(($0 + 1) * users * videos)]) }
        }
        return UserModelPredictions(
            users: users, videos: videos, reward: reward.values(as: Float.self),
            heads: try load(headsFile, shape: [users * videos, 4]).values(as: Float.self),
            uncertainty: try load(uncertaintyFile, shape: [users, videos]).values(as: Float.self),
            disagreement: try load(disagreementFile, shape: [users, videos]).values(as: Float.self),
            memberRewards: members,
            trainedUsers: try load(trainedUsersFile, descr: "|i1", shape: [users]).values(as: Int8.self).map { $0 != 0 },
            trainedVideos: try load(trainedVideosFile, descr: "|i1", shape: [videos]).values(as: Int8.self).map { $0 != 0 })
    }

    /// Combines `K` members' predictions of `n` cells: the reward is the members' mean `μ`, the heads their mean
    /// probabilities, the uncertainty the largest predicted variance (DORL's `var_max`) and the disagreement
    /// `Σ_k (μ_k − μ̄)² / K`, summed in Float64.
    // means, variances: [K, n], probabilities: [K, n, 4] -> reward, uncertainty, disagreement: [n], heads: [n, 4]
    static func combine(members k: Int, cells n: Int, means: UnsafePointer<Float>, variances: UnsafePointer<Float>,
                        probabilities: UnsafePointer<Float>, reward: UnsafeMutablePointer<Float>, heads: UnsafeMutablePointer<Float>,
                        uncertainty: UnsafeMutablePointer<Float>, disagreement: UnsafeMutablePointer<Float>) {
        for cell in 0..<n {
            var sum = 0.0, largest = -Float.infinity
            var headSums = SIMD4<Double>(repeating: 0)
            for member in 0..<k {
                sum += Double(means[member * n + cell])
                largest = max(largest, variances[member * n + cell])
                let p = probabilities + (member * n + cell) * 4
                headSums += SIMD4(Double(p[0]), Double(p[1]), Double(p[2]), Double(p[3]))
            }
            let mean = sum / Double(k)
            var squares = 0.0
            for member in 0..<k { squares += (Double(means[member * n + cell]) - mean) * (Double(means[member * n + cell]) - mean) }
            reward[cell] = Float(mean)
            uncertainty[cell] = largest
            disagreement[cell] = Float(squares / Double(k))
            for h in 0..<4 { heads[cell * 4 + h] = Float(headSums[h] / Double(k)) }
        }
    }
}
