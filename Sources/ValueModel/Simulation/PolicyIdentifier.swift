/// The role of a policy in step 5's table, by which the findings and the notebook look a policy up (its display
/// name carries its options, such as ε or the UCB bonus).
public enum PolicyIdentifier: String, Codable, Sendable, CaseIterable {
    /// Uniformly random.
    case random
    /// The most logged video first.
    case mostPopular
    /// The paper's toy recommender: greedy ŵ·p̂ (step 4's weights on step 3's heads).
    case greedyEstimated
    /// The toy recommender, ε-greedy.
    case epsilonGreedy
    /// The toy recommender with a UCB bonus on the logs' counts.
    case ucbLogCounts
    /// The toy recommender with a UCB bonus on the disagreement of step 3's seed members.
    case ucbSeedSpread
    /// Greedy w*·p̂: the planted weights on the learned heads.
    case greedyPlantedWeights
    /// Greedy ŵ·p_true: step 4's weights on the true heads.
    case greedyTrueHeads
    /// The oracle w*·p_true.
    case oracle
    /// The logging platform replayed on its recorded pools.
    case loggingPlatform
    /// Greedy by the true reward: the best unseen video at every turn (a bound on the reward over a fixed number of turns).
    case trueRewardBound
    /// Step 6's policies learned by A2C in the user model: MBPO's, MOPO's and DORL's rewards, and the IPS model's.
    case learnedMBPO, learnedMOPO, learnedDORL, learnedIPS
}
