import Foundation

/// What the learned user model of step 6 learns from: the logged interactions of steps 1-2 with their reward and
/// labels, step 2's time split, and the users' and videos' static side features.
///
/// Built from step 1's columns and step 2's split only: nothing here reads `ground_truth.json`, `candidate_pools/`
/// or the small matrix. Users are `0..<users` (step 2's user nodes), videos are the raw KuaiRec video ids
/// `0..<videos` (step 2's video node `n_users + video_id`); an id without any logged row keeps zero side features.
public struct UserModelData: Sendable {
    /// KuaiEnv's cap on the watch ratio (the reward of `SyntheticEngagementModel.expectedWatchRatio` and of step 5).
    public static let rewardCap: Float = 5
    /// The side features of a user: the 34 `u_` columns of the edge features.
    public static let userSideNames = EdgeFeatures.names.filter { $0.hasPrefix("u_") }
    /// The static side features of a video: the `i_` columns except the age since upload (which depends on the day).
    public static let videoSideNames = EdgeFeatures.names.filter { $0.hasPrefix("i_") && $0 != "i_age_since_upload_days" }

    /// Users (step 2's user nodes) and video ids (step 2's video nodes).
    public let users: Int
    public let videos: Int
    /// Per logged row (step 1's row order, which is step 2's edge order): user, video id, reward
    /// `min(watch_ratio, rewardCap)` and the four labels `[rows, 4]` (complete, long, rewatch, neg).
    public let rowUser: [Int32]
    public let rowVideo: [Int32]
    public let reward: [Float]
    public let labels: [Float]
    /// Row indices of step 2's training, validation and test parts.
    public let train: [Int32]
    public let validation: [Int32]
    public let test: [Int32]
    /// Side features standardised with step 2's training statistics, `[users, userSideNames.count]` and
    /// `[videos, videoSideNames.count]`, from each id's first logged row (zeros for an id without one).
    public let userSide: [Float]
    public let videoSide: [Float]

    /// Memberwise, for tests and synthetic inputs; checks that every array fits the counts.
    public init(users: Int, videos: Int, rowUser: [Int32], rowVideo: [Int32], reward: [Float], labels: [Float],
                train: [Int32], validation: [Int32], test: [Int32], userSide: [Float], videoSide: [Float]) throws {
        let rows = rowUser.count
        guard users > 0, videos > 0, rowVideo.count == rows, reward.count == rows, labels.count == rows * 4,
              userSide.count == users * Self.userSideNames.count, videoSide.count == videos * Self.videoSideNames.count,
              rowUser.allSatisfy({ $0 >= 0 && Int($0) < users }), rowVideo.allSatisfy({ $0 >= 0 && Int($0) < videos }),
              reward.allSatisfy(\.isFinite),
              [train, validation, test].allSatisfy({ $0.allSatisfy { $0 >= 0 && Int($0) < rows } }) else {
            throw PipelineError.invalidData("user model data: \(rows) rows of \(users) users x \(videos) videos do not fit their arrays (ids, rewards, labels, split, side features)")
        }
        self.users = users
        self.videos = videos
        self.rowUser = rowUser
        self.rowVideo = rowVideo
        self.reward = reward
        self.labels = labels
        self.train = train
        self.validation = validation
        self.test = test
        self.userSide = userSide
        self.videoSide = videoSide
    }

    /// Reads step 1's ids, watch ratios, labels and side columns and step 2's split and standardisation.
    public init(step1: ColumnStore, step2: ColumnStore) throws {
        let summary = try GraphConstruction.Summary.read(step2: step2)
        let rowUser = try step1.int32("user_id"), rowVideo = try step1.int32("video_id")
        let rows = rowUser.count
        let ratioPath = step1.folder + "/watch_ratio.npy"
        let ratio = try step1.float32("watch_ratio")
        guard ratio.count == rows, rowVideo.count == rows, summary.edges == rows else {
            throw PipelineError.malformedInput(SourceLocation(file: step2.folder + "/graph.json"), reason: "step 2 has \(summary.edges) edges, step 1 \(rows) rows; re-run `2-graph-construction`")
        }
        if let bad = ratio.firstIndex(where: { !$0.isFinite }) {
            throw PipelineError.malformedInput(SourceLocation(file: ratioPath, line: bad + 1), reason: "watch ratio \(ratio[bad]) is not a number; re-run `1-data-preparation`")
        }
        var labels = [Float](repeating: 0, count: rows * 4)
        for head in Head.allCases {
            let column = try step1.float32(head.labelName)
            guard column.count == rows else { throw PipelineError.invalidData("\(step1.folder)/\(head.labelName).npy has \(column.count) rows, not \(rows); re-run `1-data-preparation`") }
            for row in 0..<rows { labels[row * 4 + head.rawValue] = column[row] }
        }
        func part(_ name: String) throws -> [Int32] { try step2.int64(name).map { Int32(truncatingIfNeeded: $0) } }
        let (users, videos) = (summary.userNodes, summary.videoNodes)
        let statistics = summary.standardisation
        guard statistics.mean.count == EdgeFeatures.count, statistics.std.count == EdgeFeatures.count else {
            throw PipelineError.malformedInput(SourceLocation(file: step2.folder + "/graph.json"), reason: "holds \(statistics.mean.count) feature means, expected \(EdgeFeatures.count); re-run `2-graph-construction`")
        }
        func firstRows(_ ids: [Int32], count: Int) -> [Int] {
            var first = [Int](repeating: -1, count: count)
            for row in stride(from: ids.count - 1, through: 0, by: -1) where ids[row] >= 0 && Int(ids[row]) < count { first[Int(ids[row])] = row }
            return first
        }
        // side: [ids, names.count], each column standardised with step 2's statistics; missing values 0 (as step 2)
        func side(_ names: [String], firstRow: [Int]) throws -> [Float] {
            var out = [Float](repeating: 0, count: firstRow.count * names.count)
            for (c, name) in names.enumerated() {
                let column = try step1.float32(name)
                guard let feature = EdgeFeatures.names.firstIndex(of: name), column.count == rows else {
                    throw PipelineError.invalidData("\(step1.folder)/\(name).npy has \(column.count) rows, not \(rows); re-run `1-data-preparation`")
                }
                let (mean, std) = (statistics.mean[feature], statistics.std[feature])
                for (id, row) in firstRow.enumerated() where row >= 0 {
                    let value = column[row].isNaN ? 0 : Double(column[row])
                    out[id * names.count + c] = Float((value - mean) / std)
                }
            }
            return out
        }
        try self.init(users: users, videos: videos, rowUser: rowUser, rowVideo: rowVideo, reward: ratio.map { min($0, Self.rewardCap) },
                      labels: labels, train: part("train_idx"), validation: part("val_idx"), test: part("test_idx"),
                      userSide: side(Self.userSideNames, firstRow: firstRows(rowUser, count: users)),
                      videoSide: side(Self.videoSideNames, firstRow: firstRows(rowVideo, count: videos)))
    }

    /// Whether each user and each video has at least one training row (the others keep zero embeddings).
    public var trainedUsers: [Bool] { Self.seen(train.map { rowUser[Int($0)] }, count: users) }
    public var trainedVideos: [Bool] { Self.seen(train.map { rowVideo[Int($0)] }, count: videos) }

    static func seen(_ ids: [Int32], count: Int) -> [Bool] {
        var seen = [Bool](repeating: false, count: count)
        for id in ids { seen[Int(id)] = true }
        return seen
    }

    /// DORL's inverse-propensity weights (`run_worldModel_IPS.py`, `compute_IPS`): a training row of video `v` weighs
    /// `1 / max(n_v, 1)`, `n_v` the video's number of training rows, here scaled by one constant so that the training
    /// rows' weights average 1 (DORL sums the unscaled weighted losses; Adam is invariant to a constant loss scale up to
    /// its ε). Indexed by row, `[rows]`; rows outside the training part get their video's weight too.
    public func inversePopularityWeights() -> [Float] {
        var count = [Int](repeating: 0, count: videos)
        for row in train { count[Int(rowVideo[Int(row)])] += 1 }
        let raw = rowVideo.map { 1 / Double(max(count[Int($0)], 1)) }
        let trainMean = train.isEmpty ? 1 : train.reduce(0.0) { $0 + raw[Int($1)] } / Double(train.count)
        return raw.map { Float($0 / trainMean) }
    }
}
