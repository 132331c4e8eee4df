/// A policy trained by `A2CTrainer` as one of step 5's ranking policies: at each turn it samples from its softmax
/// over the catalogue, given the session so far (the candidates shown, in order, and the rewards the user gave),
/// restricted to the simulator's candidates that were not shown yet.
///
/// The network scores catalogue videos (`items`, the user model's video ids); a simulator's candidate `j` is the
/// video `candidateVideos[j]`. Candidates outside the catalogue get probability 0.
public struct LearnedRankingPolicy: RankingPolicy {
    public let name: String
    public let identifier: PolicyIdentifier
    let model: ActorCritic
    /// How rewards enter the state: DORL feeds the true reward through the training run's normalisation.
    let normalisation: RewardNormalisation
    /// `[candidates]`: the catalogue item of each of the simulator's candidates (−1: none).
    let itemOfCandidate: [Int32]

    /// `candidateVideos`: the simulator's candidates' video ids (`PolicyWorld.candidateVideos`).
    public init(name: String, identifier: PolicyIdentifier, model: ActorCritic, normalisation: RewardNormalisation, candidateVideos: [Int32]) {
        self.name = name
        self.identifier = identifier
        self.model = model
        self.normalisation = normalisation
        let items = model.configuration.items
        itemOfCandidate = candidateVideos.map { $0 >= 0 && Int($0) < items ? $0 : -1 }
    }

    /// The probability of each candidate `[candidates]` after `history` (candidate indices, in order) with `rewards`.
    func candidateProbabilities(history: [Int32], rewards: [Float], shown: [Bool]) -> [Double] {
        let items = history.map { itemOfCandidate[Int($0)] }
        var p = [Double](repeating: 0, count: itemOfCandidate.count)
        guard !items.contains(-1), let overItems = try? model.probabilities(shown: items, rewards: rewards, normalisation: normalisation) else {
            return p
        }
        var total = 0.0
        for (j, item) in itemOfCandidate.enumerated() where item >= 0 && !shown[j] {
            p[j] = overItems[Int(item)]
            total += p[j]
        }
        guard total > 0 else { return p }
        return p.map { $0 / total }
    }

    public func choose(_ episode: PolicyEpisode, history: [Int32], rewards: [Float], shown: [Bool], generator: inout SeededGenerator) -> Int {
        let p = candidateProbabilities(history: history, rewards: rewards, shown: shown)
        let u = generator.nextUniform()
        var cumulative = 0.0, last = -1
        for j in p.indices where p[j] > 0 {
            cumulative += p[j]
            last = j
            if u < cumulative { return j }
        }
        return last >= 0 ? last : shown.firstIndex(of: false) ?? -1
    }

    /// Without a history this is the first turn's choice.
    public func choose(_ episode: PolicyEpisode, shown: [Bool], generator: inout SeededGenerator) -> Int {
        choose(episode, history: [], rewards: [], shown: shown, generator: &generator)
    }

    /// Exact at the first turn; later turns depend on the order and rewards of the history, which `shown` does not
    /// carry, so the shown candidates are taken in index order with reward 0. The off-policy estimates call the exact
    /// `probabilities(_:history:rewards:shown:)` instead.
    public func probabilities(_ episode: PolicyEpisode, shown: [Bool]) -> [Double] {
        let history = shown.indices.filter { shown[$0] }.map(Int32.init)
        return candidateProbabilities(history: history, rewards: [Float](repeating: 0, count: history.count), shown: shown)
    }

    public func probabilities(_ episode: PolicyEpisode, history: [Int32], rewards: [Float], shown: [Bool]) -> [Double] {
        candidateProbabilities(history: history, rewards: rewards, shown: shown)
    }
}
