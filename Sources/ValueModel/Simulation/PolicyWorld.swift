import Foundation

/// What the simulated sessions of step 5 are made of: sessions (a user, in a day-part) and candidates with the
/// heads predicted for every pair, each candidate's tags and exposure in the logs, and the users' responses to
/// every pair: the synthetic world's `p_true` and expected watch ratio, or a fully observed table (KuaiEnv's
/// small matrix).
public struct PolicyWorld: Sendable {
    /// Where the users' responses come from.
    public enum Responses: Sendable {
        /// The synthetic world's engagement model, in closed form.
        case model(SyntheticEngagementModel)
        /// A fully observed table `[sessions, candidates]` of rewards and `[sessions, candidates, 4]` of head labels.
        case table(rewards: [Float], heads: [Float])
    }

    /// Step 4's sessions: user id and day-part of the first row.
    public var sessionUsers: [Int32]
    public var sessionDayparts: [Int32]
    /// Raw video id of each candidate.
    public var candidateVideos: [Int32]
    /// Tags of each candidate for the exit rule (its level-1 caption category; none when unknown).
    public var candidateTags: [[Int32]]
    /// Rows per candidate in the whole log.
    public var candidateExposure: [Int32]
    /// The heads step 4 predicted, `[sessions, candidates, 4]`.
    public var predicted: CandidateHeads
    /// The standard deviation of those heads over step 3's seed members, same shape (nil without members).
    public var predictedSpread: CandidateHeads? = nil
    public var responses: Responses
    /// The platform's planted value weights w* (L1-normalised; synthetic world only).
    public var plantedWeights: [Double]?

    /// The engagement model behind the responses (nil for a table).
    public var model: SyntheticEngagementModel? {
        if case .model(let m) = responses { return m }
        return nil
    }

    public init(sessionUsers: [Int32], sessionDayparts: [Int32], candidateVideos: [Int32], candidateTags: [[Int32]],
                candidateExposure: [Int32], predicted: CandidateHeads, responses: Responses, plantedWeights: [Double]?) throws {
        guard sessionUsers.count == predicted.sessions, sessionDayparts.count == predicted.sessions else {
            throw PipelineError.invalidData("\(sessionUsers.count) session users and \(sessionDayparts.count) day-parts for \(predicted.sessions) sessions of candidate heads")
        }
        guard candidateVideos.count == predicted.videos, candidateTags.count == predicted.videos, candidateExposure.count == predicted.videos else {
            throw PipelineError.invalidData("\(candidateVideos.count) candidate ids, \(candidateTags.count) tag lists and \(candidateExposure.count) exposure counts for \(predicted.videos) candidates")
        }
        switch responses {
        case .model(let truth):
            for user in sessionUsers where Int(user) < 0 || Int(user) >= truth.world.userCount {
                throw PipelineError.invalidData("session user \(user) is outside the synthetic world's \(truth.world.userCount) users; is ground_truth.json from the same world?")
            }
            for video in candidateVideos where Int(video) < 0 || Int(video) >= truth.world.videoCount {
                throw PipelineError.invalidData("candidate video \(video) is outside the synthetic world's \(truth.world.videoCount) videos; is ground_truth.json from the same world?")
            }
        case .table(let rewards, let heads):
            guard rewards.count == predicted.sessions * predicted.videos, heads.count == rewards.count * 4 else {
                throw PipelineError.invalidData("a response table of \(rewards.count) rewards and \(heads.count) head values for \(predicted.sessions) x \(predicted.videos) pairs")
            }
        }
        self.sessionUsers = sessionUsers
        self.sessionDayparts = sessionDayparts
        self.candidateVideos = candidateVideos
        self.candidateTags = candidateTags
        self.candidateExposure = candidateExposure
        self.predicted = predicted
        self.responses = responses
        self.plantedWeights = plantedWeights
    }

    public var sessions: Int { predicted.sessions }
    public var candidates: Int { predicted.videos }

    /// The truth for one session and every candidate: `p_true` (or the table's labels) `[candidates, 4]` and the
    /// expected (or the table's) reward `[candidates]`.
    public func truth(session: Int) -> (heads: [Float], reward: [Float]) {
        let truth: SyntheticEngagementModel
        switch responses {
        case .table(let rewards, let heads):
            let n = candidates
            return (Array(heads[(session * n * 4)..<((session + 1) * n * 4)]), Array(rewards[(session * n)..<((session + 1) * n)]))
        case .model(let model):
            truth = model
        }
        let user = Int(sessionUsers[session]), context = SyntheticContext(daypart: Int(sessionDayparts[session]))
        var heads = [Float](repeating: 0, count: candidates * 4), reward = [Float](repeating: 0, count: candidates)
        for (j, video) in candidateVideos.enumerated() {
            let p = truth.headProbabilities(user: user, video: Int(video), context: context).array
            for h in 0..<4 { heads[j * 4 + h] = Float(p[h]) }
            reward[j] = Float(truth.expectedWatchRatio(user: user, video: Int(video), context: context))
        }
        return (heads, reward)
    }

    /// What a policy sees of `session` (with the session's truth, from `truth(session:)`).
    public func episode(session: Int, truth: (heads: [Float], reward: [Float])) -> PolicyEpisode {
        let n = candidates
        let rows = (session * n * 4)..<((session + 1) * n * 4)
        return PolicyEpisode(session: session, predicted: predicted.values[rows], trueHeads: truth.heads, trueReward: truth.reward,
                             exposure: candidateExposure, spread: predictedSpread?.values[rows])
    }

    /// The categories that dominate the logs: the fewest tags, by exposure, covering at least `share` of the
    /// logged rows of tagged candidates (DORL's majority-category threshold is 0.6).
    public func dominantTags(share: Double = 0.6) -> Set<Int32> {
        var rows: [Int32: Int] = [:]
        for (j, tags) in candidateTags.enumerated() { for t in tags { rows[t, default: 0] += Int(candidateExposure[j]) } }
        let total = rows.values.reduce(0, +)
        var kept = Set<Int32>(), covered = 0
        for (tag, count) in rows.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            if Double(covered) >= share * Double(total) { break }
            kept.insert(tag)
            covered += count
        }
        return kept
    }
}
