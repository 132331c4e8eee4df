extension PolicyEvaluation {
    /// Step 5's options that define its artifacts, as its manifest records them (`ManifestOptions.flatten`): the
    /// sessions simulated, the exit rules, the policies' and the off-policy estimators' settings. Not among them: the
    /// `--processed` and `--raw` folders, the notebook's paths and the thread count.
    public struct Options: Codable, Equatable, Sendable {
        /// Simulated sessions per policy.
        public var episodes: Int
        public var seed: UInt64
        /// KuaiEnv's exit rule: its window, tag threshold and longest session.
        public var window: Int
        public var threshold: Int
        public var maxTurn: Int
        /// The accumulated-satisfaction exit's decay and threshold.
        public var satisfactionDecay: Double
        public var satisfactionThreshold: Double
        /// The ε-greedy policy's exploration rate, the UCB policies' bonuses.
        public var epsilon: Double
        public var ucbBonus: Double
        public var spreadBonus: Double
        /// Off-policy estimates: logged rows per session used as decisions, and NCIS's cap on importance weights.
        public var loggedSteps: Int
        public var ncisCap: Double

        public init(episodes: Int, seed: UInt64, window: Int, threshold: Int, maxTurn: Int, satisfactionDecay: Double,
                    satisfactionThreshold: Double, epsilon: Double, ucbBonus: Double, spreadBonus: Double, loggedSteps: Int,
                    ncisCap: Double) {
            self.episodes = episodes
            self.seed = seed
            self.window = window
            self.threshold = threshold
            self.maxTurn = maxTurn
            self.satisfactionDecay = satisfactionDecay
            self.satisfactionThreshold = satisfactionThreshold
            self.epsilon = epsilon
            self.ucbBonus = ucbBonus
            self.spreadBonus = spreadBonus
            self.loggedSteps = loggedSteps
            self.ncisCap = ncisCap
        }

        /// KuaiEnv's exit rule with these options.
        public var rule: KuaiEnvExitRule { KuaiEnvExitRule(window: window, threshold: threshold, maxTurn: maxTurn) }

        /// The accumulated-satisfaction exit with these options.
        public var satisfaction: SatisfactionExitRule {
            SatisfactionExitRule(decay: satisfactionDecay, threshold: satisfactionThreshold, maxTurn: maxTurn)
        }
    }
}
