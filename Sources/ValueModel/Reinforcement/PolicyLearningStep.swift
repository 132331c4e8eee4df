import Foundation

/// Step 6 as a library call (DORL's protocol): a user model learned from the training split of the logs, ranking
/// policies trained by A2C inside it with MBPO's, MOPO's, DORL's and the IPS model's rewards, then every learned
/// policy beside step 5's fixed policies in step 5's simulators (the synthetic world's truth; the small matrix).
///
/// Training reads only the logs (steps 1-2 through `UserModelData`) and step 4's candidates' caption categories
/// (the exit rule's tags, which KuaiEnv's training environment reads from the item table too); the truth and the
/// small matrix are read by the evaluation alone.
public enum PolicyLearningStep {
    /// One learned arm: the reward it trains on and the user model it trains in.
    public enum Arm: String, Codable, CaseIterable, Sendable {
        case mbpo, mopo, dorl, ips

        /// The name in tables (DORL's).
        public var label: String { self == .ips ? "IPS" : rawValue.uppercased() }

        /// The learned policy's role in step 5's tables.
        public var identifier: PolicyIdentifier {
            switch self {
            case .mbpo: return .learnedMBPO
            case .mopo: return .learnedMOPO
            case .dorl: return .learnedDORL
            case .ips: return .learnedIPS
            }
        }
    }

    /// The options of a run; every knob is spelled here once.
    public struct Options: Codable, Sendable, Equatable {
        public var arms: [Arm] = Arm.allCases
        /// λ_U of MOPO and DORL and λ_E of DORL (DORL's published KuaiRec runs: 0.05 and 5, on the same reward scale,
        /// the watch ratio capped at 5 here and normalised in theirs; used as published).
        public var uncertaintyWeight = 0.05
        public var entropyWeight = 5.0
        public var a2c = A2COptions()
        public var userModel = UserModelSettings()
        /// The exit rule of training and evaluation (DORL's published runs: window 4, threshold 0, 30 turns).
        public var rule = KuaiEnvExitRule(window: 4, threshold: 0, maxTurn: 30)
        /// Simulated sessions per policy in each simulator, and per epoch for the training curve on the truth.
        public var episodes = 1000
        public var curveEpisodes = 200
        /// Seed of the evaluation's users and the policies' sampling.
        public var evaluationSeed: UInt64 = 2026
        /// Step 5's ε-greedy rate and UCB bonus for the fixed policies beside.
        public var epsilon = 0.1
        public var ucbBonus = 0.1
        /// Off-policy estimates of the learned policies (step 5's): logged rows per session (the first ones), and
        /// the cap of NCIS's weights.
        public var loggedSteps = 10
        public var ncisCap = 100.0

        public init() {
            a2c.epochs = 10
            a2c.stepsPerEpoch = 20_000
            userModel.maxEpochs = 5   // DORL trains its members 5 epochs
        }

        /// The penalty of `arm`.
        public func penalty(_ arm: Arm) -> PenalisedReward {
            switch arm {
            case .mbpo, .ips: return .mbpo
            case .mopo: return PenalisedReward(uncertaintyWeight: uncertaintyWeight, entropyWeight: 0)
            case .dorl: return PenalisedReward(uncertaintyWeight: uncertaintyWeight, entropyWeight: entropyWeight)
            }
        }
    }

    /// What the user model learned, for one weighting of the training rows.
    public struct UserModelReport: Codable, Sendable {
        public var weighting: UserModelSettings.Weighting
        public var accuracy: UserModelAccuracy
        public var runs: [UserModelTrainingRun]
        public var seconds: Double
    }

    /// One arm's training: its epochs, the return it reached in the user model, and its return on the truth after
    /// each epoch.
    public struct ArmTraining: Codable, Sendable {
        public var arm: Arm
        public var penalty: PenalisedReward
        public var history: [A2CEpochSummary]
        /// `[epochs]`: mean R_tra over `curveEpisodes` sessions of the first simulator after each epoch.
        public var truthCurve: [Double]
        public var curveSimulator: String
        /// The A2C epochs trained in this run (not those a checkpoint supplied): steps and wall seconds.
        public var throughput: A2CThroughput
        public var seconds: Double
    }

    /// Every policy in one simulator, learned and fixed, on the same users.
    public struct SimulatorTable: Codable, Sendable {
        public var simulator: String
        public var outcomes: [SessionSimulator.Outcome]
        /// The names of the learned policies among `outcomes`.
        public var learned: [String]
    }

    /// Off-policy estimates of the learned policies' per-step reward on the logged sessions, with one kind of
    /// propensity: the logging platform's row first (every weight 1), then each learned policy's, each against the
    /// truth where a synthetic world gives one (NaN on real data).
    public struct OffPolicyRun: Codable, Sendable {
        /// "exact" (the synthetic platform's, from its recorded pools) or "estimated" (step 4's headline model of
        /// the platform, what real logs allow).
        public var propensities: String
        public var decisions: Int
        public var sessions: Int
        public var estimates: [OffPolicyEvaluation.Estimate]
    }

    public struct Results: Codable, Sendable {
        public var options: Options
        public var users: Int
        public var videos: Int
        public var userModels: [UserModelReport]
        public var arms: [ArmTraining]
        public var simulators: [SimulatorTable]
        /// Step 5's simulators that these inputs do not give, and why (real data has no truth to simulate).
        public var notRun: [PolicyInputs.SimulatorNotRun]
        public var published = DORLPublishedTable.rows
        /// The greedy rankers among the fixed policies (step 5's toy recommender and its ε-greedy and UCB versions).
        public var greedyRankers: [String]
        /// The learned policies' off-policy estimates (exact propensities, then estimated ones), and why a kind is missing.
        public var offPolicy: [OffPolicyRun] = []
        public var offPolicyUnavailable: [String] = []
        public var findings: PolicyLearningFindings?
        public var seconds: Double
    }

    /// Runs step 6 on `processed` (steps 1-4) and `raw`, writing the user model's tables, each policy's weights and
    /// `results.json` into `output` (staged; the caller commits it). With `state`, each fitted user model and each
    /// arm's epochs are saved as they complete, and with `state.resume` an interrupted run continues from them.
    public static func run(processed: String, raw: String, options: Options, output: ArtifactDirectory, state: PolicyLearningState? = nil,
                           progress: (String) -> Void = { _ in }) throws -> Results {
        let start = ResourceUsage.now()
        let step1 = try ColumnStore(.dataPreparation, processed: processed)
        let step2 = try ColumnStore(.graphConstruction, processed: processed)
        let data = try UserModelData(step1: step1, step2: step2)
        let inputs = try PolicyInputs.load(processed: processed, raw: raw, steps: options.loggedSteps)
        let worlds = [("model", inputs.model), ("small matrix", inputs.smallMatrix)].compactMap { name, world in world.map { (name, $0) } }
        guard let first = worlds.first else { throw PipelineError.invalidData("step 4's output gives no simulator to evaluate in") }
        let tags = itemTags(worlds: worlds.map(\.1), videos: data.videos)
        let entropy = try EntropyBonus(sequences: loggedSequences(data), items: data.videos)
        let smallMatrix = try OffPathPairs.store(processed: processed, step1Inputs: step1.manifest.inputs)

        var reports: [UserModelReport] = [], tablesByWeighting: [UserModelSettings.Weighting: RewardTables] = [:]
        for weighting in Set(options.arms.map { $0 == .ips ? UserModelSettings.Weighting.inversePopularity : .none }).sorted(by: { $0.rawValue > $1.rawValue }) {
            var settings = options.userModel
            settings.weighting = weighting
            let predictions: UserModelPredictions, report: UserModelReport
            if let saved = try state?.savedUserModel(settings) {
                progress("user model (\(weighting.rawValue) weights): resumed from \(state?.folder ?? "")")
                (predictions, report) = saved
            } else {
                progress("user model (\(weighting.rawValue) weights): \(options.userModel.members) members")
                let t = ResourceUsage.now()
                let ensemble = try UserModelEnsemble.fit(data, settings: settings)
                predictions = try ensemble.predictions()
                let accuracy = try UserModelAccuracy.evaluate(predictions, data: data, smallMatrix: smallMatrix)
                report = UserModelReport(weighting: weighting, accuracy: accuracy, runs: ensemble.runs, seconds: ResourceUsage.now() - t)
                try state?.save(predictions, report: report, settings: settings)
            }
            reports.append(report)
            tablesByWeighting[weighting] = try RewardTables(users: predictions.users, items: predictions.videos, reward: predictions.reward,
                                                            heads: predictions.heads, uncertainty: predictions.uncertainty)
            let suffix = weighting == .none ? "" : "_ips"
            try output.write("user_model_reward" + suffix, matrix: predictions.reward, columns: predictions.videos)
            try output.write("user_model_uncertainty" + suffix, matrix: predictions.uncertainty, columns: predictions.videos)
        }

        let simulators = worlds.map { name, world in (name, SessionSimulator(world: world, rule: options.rule, episodes: options.episodes, seed: options.evaluationSeed)) }
        let curveSimulator = SessionSimulator(world: first.1, rule: options.rule, episodes: options.curveEpisodes, seed: options.evaluationSeed)
        var arms: [ArmTraining] = [], learned: [(Arm, ActorCritic, RewardNormalisation)] = []
        for arm in options.arms {
            let weighting: UserModelSettings.Weighting = arm == .ips ? .inversePopularity : .none
            guard let tables = tablesByWeighting[weighting] else { continue }
            progress("A2C \(arm.label): \(options.a2c.epochs) epochs x \(options.a2c.stepsPerEpoch) steps")
            let t = ResourceUsage.now()
            let reward = try BoundPenalisedReward(options.penalty(arm), tables: tables, entropy: entropy)
            let environment = try BatchedSessionEnvironment(tables: tables, itemTags: tags, rule: options.rule, reward: reward,
                                                            environments: options.a2c.environments)
            let trainer = try A2CTrainer(options: options.a2c, environment: environment, itemFeatures: data.videoSide,
                                         featureWidth: UserModelData.videoSideNames.count)
            var settings = options.userModel
            settings.weighting = weighting
            let checkpoint = try state?.checkpoint(arm, userModel: settings, identity: try ManifestOptions.flatten(ArmIdentity(options, arm: arm)))
            try trainer.train(checkpoint: checkpoint, evaluate: {
                let policy = LearnedRankingPolicy(name: arm.label, identifier: arm.identifier, model: trainer.model, normalisation: trainer.normalisation,
                                                  candidateVideos: first.1.candidateVideos)
                return curveSimulator.run(policy).totalReward.mean
            }) { summary in
                progress("  \(arm.label) epoch \(summary.epoch + 1): return in the user model \(Format.fixed(summary.meanWatchRatioReturn, 2)), on the truth \(Format.fixed(summary.evaluation ?? .nan, 2))")
            }
            if let resumed = trainer.resumedEpochs { progress("  \(arm.label): its first \(resumed) epoch(s) continued from \(checkpoint?.path ?? "")") }
            try output.writeFile("policy_\(arm.rawValue).safetensors", data: try trainer.model.safetensors().serialized())
            arms.append(ArmTraining(arm: arm, penalty: options.penalty(arm), history: trainer.history,
                                    truthCurve: trainer.history.map { $0.evaluation ?? .nan }, curveSimulator: first.0, throughput: trainer.throughput, seconds: ResourceUsage.now() - t))
            learned.append((arm, trainer.model, trainer.normalisation))
        }

        let rankers: Set<PolicyIdentifier> = [.greedyEstimated, .epsilonGreedy, .ucbLogCounts]
        let greedy = PolicyEvaluation.learnedPolicies(estimated: inputs.estimatedWeights, epsilon: options.epsilon, ucbBonus: options.ucbBonus)
            .filter { rankers.contains($0.identifier) }.map(\.name)
        var tables: [SimulatorTable] = []
        for (name, simulator) in simulators {
            progress("evaluation in the \(name) simulator")
            let world = simulator.world
            let fixed = PolicyEvaluation.policies(estimated: inputs.estimatedWeights, planted: world.plantedWeights,
                                                  epsilon: options.epsilon, ucbBonus: options.ucbBonus)
            let ours: [RankingPolicy] = learned.map { arm, model, normalisation in
                LearnedRankingPolicy(name: arm.label, identifier: arm.identifier, model: model, normalisation: normalisation, candidateVideos: world.candidateVideos)
            }
            tables.append(SimulatorTable(simulator: name, outcomes: (fixed + ours).map { simulator.run($0) }, learned: ours.map(\.name)))
        }
        var results = Results(options: options, users: data.users, videos: data.videos, userModels: reports, arms: arms,
                              simulators: tables, notRun: inputs.notRun, greedyRankers: greedy, seconds: 0)
        progress("off-policy estimates of the learned policies")
        (results.offPolicy, results.offPolicyUnavailable) = offPolicy(inputs: inputs, learned: learned, options: options)
        results.seconds = ResourceUsage.now() - start
        results.findings = PolicyLearningFindings.make(results, greedy: greedy)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try output.writeFile("results.json", data: try encoder.encode(results))
        return results
    }

    /// Step 5's off-policy estimators on the learned policies, with every kind of propensity `inputs` has; each kind
    /// missing is named with its reason.
    static func offPolicy(inputs: PolicyInputs, learned: [(Arm, ActorCritic, RewardNormalisation)],
                          options: Options) -> (runs: [OffPolicyRun], unavailable: [String]) {
        let policies: [RankingPolicy] = learned.map { arm, model, normalisation in
            LearnedRankingPolicy(name: arm.label, identifier: arm.identifier, model: model, normalisation: normalisation,
                                 candidateVideos: inputs.candidateVideos)
        }
        func estimate(_ logged: OffPolicyEvaluation.LoggedRows) -> OffPolicyEvaluation {
            if let world = inputs.model { return OffPolicyEvaluation.run(world: world, logged: logged, policies: policies, cap: options.ncisCap) }
            return OffPolicyEvaluation.run(predicted: inputs.predicted, spread: inputs.predictedSpread, exposure: inputs.candidateExposure,
                                           logged: logged, policies: policies, cap: options.ncisCap)
        }
        var runs: [OffPolicyRun] = [], unavailable: [String] = []
        for (kind, logged, reason) in [("exact", inputs.logged, inputs.loggedUnavailable), ("estimated", inputs.loggedEstimated, inputs.loggedEstimatedUnavailable)] {
            guard let logged, !policies.isEmpty else {
                unavailable.append("\(kind) propensities: \(reason ?? "no learned policy")")
                continue
            }
            runs.append(OffPolicyRun(propensities: kind, decisions: logged.decisions, sessions: logged.sessions.count,
                                     estimates: estimate(logged).estimates))
        }
        return (runs, unavailable)
    }

    /// What an arm's saved training must share with the run continuing it, besides the A2C options and the user
    /// model: its reward and the simulator its curve is evaluated in.
    struct ArmIdentity: Codable {
        var penalty: PenalisedReward
        var rule: KuaiEnvExitRule
        var curveEpisodes: Int
        var evaluationSeed: UInt64

        init(_ options: Options, arm: Arm) {
            penalty = options.penalty(arm)
            rule = options.rule
            curveEpisodes = options.curveEpisodes
            evaluationSeed = options.evaluationSeed
        }
    }

    /// `[videos]`: each video's tags for the exit rule (its caption category, as step 5's simulators read it), from
    /// the simulators' candidates; a video no simulator has gets none.
    static func itemTags(worlds: [PolicyWorld], videos: Int) -> [[Int32]] {
        var tags = [[Int32]](repeating: [], count: videos)
        for world in worlds.reversed() {
            for (j, video) in world.candidateVideos.enumerated() where video >= 0 && Int(video) < videos {
                tags[Int(video)] = world.candidateTags[j]
            }
        }
        return tags
    }

    /// Each user's training rows' videos in log order (the sequences DORL counts its entropy from).
    static func loggedSequences(_ data: UserModelData) -> [[Int32]] {
        var sequences = [[Int32]](repeating: [], count: data.users)
        for row in data.train.sorted() {
            sequences[Int(data.rowUser[Int(row)])].append(data.rowVideo[Int(row)])
        }
        return sequences.filter { !$0.isEmpty }
    }
}
