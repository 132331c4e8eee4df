import Foundation
import Testing
@testable import ValueModel

/// Step 6's verdicts by hand, its manifest options, and the step as a user runs it on a small world.
@Suite struct PolicyLearningTests {
    static func episode(reward: Double, length: Int, dominant: Int) -> SessionSimulator.Episode {
        SessionSimulator.Episode(session: 0, shown: (0..<length).map(Int32.init), reward: reward, headSums: [0, 0, 0, 0], dominantSteps: dominant)
    }

    @Test func verdictsAtTheirThreshold() {
        // 1.96 standard errors of 0.5 is 0.98
        #expect(PairedVerdict(difference: 0.99, standardError: 0.5) == .ahead)
        #expect(PairedVerdict(difference: 0.97, standardError: 0.5) == .notToldApart)
        #expect(PairedVerdict(difference: -0.97, standardError: 0.5) == .notToldApart)
        #expect(PairedVerdict(difference: -0.99, standardError: 0.5) == .behind)
    }

    @Test func pairedComparisonByHand() {
        // a: rewards 4, 6, 8 over lengths 2, 3, 4; b: rewards 1, 2, 3 over lengths 1, 1, 1.
        let a = SessionSimulator.Outcome(policy: "a", identifier: .random, episodes: [Self.episode(reward: 4, length: 2, dominant: 1), Self.episode(reward: 6, length: 3, dominant: 3),
                                                                Self.episode(reward: 8, length: 4, dominant: 2)])
        let b = SessionSimulator.Outcome(policy: "b", identifier: .random, episodes: [Self.episode(reward: 1, length: 1, dominant: 1), Self.episode(reward: 2, length: 1, dominant: 0),
                                                                Self.episode(reward: 3, length: 1, dominant: 1)])
        // R_tra differences 3, 4, 5: mean 4, sample sd 1, standard error 1/√3.
        let r = PolicyLearningFindings.comparison(a, b, .returnPerSession)
        #expect(abs(r.difference - 4) < 1e-12 && abs(r.standardError - 1 / 3.0.squareRoot()) < 1e-12 && r.verdict == .ahead)
        // R_each differences 2−1, 2−2, 2−3 = 1, 0, −1: mean 0.
        let each = PolicyLearningFindings.comparison(a, b, .rewardPerStep)
        #expect(abs(each.difference) < 1e-12 && each.verdict == .notToldApart)
        // MCD differences 1/2 − 1, 1 − 0, 1/2 − 1 = −1/2, 1, −1/2: mean 0.
        #expect(abs(PolicyLearningFindings.comparison(a, b, .majorityCategoryDomination).difference) < 1e-12)
        #expect(abs(PolicyLearningFindings.comparison(b, a, .length).difference + 2) < 1e-12)
    }

    /// Each published ordering is written so that "ahead" means it holds: DORL longer than a greedy ranker, the
    /// ranker's R_each higher, the ranker's MCD higher than DORL's.
    @Test func orderingsAreWrittenSoThatAheadMeansTheyHold() {
        // The ranker: 3 sessions of 2 videos, reward 1 each, every video in a dominant category.
        let ranker = SessionSimulator.Outcome(policy: "greedy", identifier: .greedyEstimated,
                                              episodes: (0..<3).map { _ in Self.episode(reward: 2, length: 2, dominant: 2) })
        // DORL: 3 sessions of 8, 10 and 12 videos with reward 0.5 each, a quarter of them dominant.
        let dorl = SessionSimulator.Outcome(policy: "DORL", identifier: .learnedDORL,
                                            episodes: [8, 10, 12].map { Self.episode(reward: 0.5 * Double($0), length: $0, dominant: $0 / 4) })
        let results = PolicyLearningStep.Results(options: .init(), users: 1, videos: 1, userModels: [], arms: [],
                                                 simulators: [.init(simulator: "model", outcomes: [ranker, dorl], learned: ["DORL"])], notRun: [],
                                                 greedyRankers: ["greedy"], seconds: 0)
        let comparisons = PolicyLearningFindings.make(results, greedy: ["greedy"]).orderings["model"] ?? []
        func find(_ first: String, _ metric: PolicyLearningFindings.Metric) -> PolicyLearningFindings.Comparison? {
            comparisons.first { $0.first == first && $0.metric == metric }
        }
        // R_tra 4, 5, 6 against 2: DORL ahead by 3; lengths 8, 10, 12 against 2: ahead by 8.
        #expect(find("DORL", .returnPerSession).map { abs($0.difference - 3) < 1e-12 && $0.verdict == .ahead } == true)
        #expect(find("DORL", .length).map { abs($0.difference - 8) < 1e-12 && $0.verdict == .ahead } == true)
        // R_each 1 against 0.5: the ranker ahead by 0.5 (every paired difference equal: standard error 0).
        #expect(find("greedy", .rewardPerStep).map { abs($0.difference - 0.5) < 1e-12 && $0.verdict == .ahead } == true)
        // MCD 1 against 2/8, 2/10, 3/12 = 0.25, 0.2, 0.25: the ranker ahead by 1 − 0.7/3.
        #expect(find("greedy", .majorityCategoryDomination).map { abs($0.difference - (1 - 0.7 / 3)) < 1e-12 && $0.verdict == .ahead } == true)
        #expect(comparisons.count == 4)
    }

    @Test func studyVerdictOverSeedsByStudentT() {
        // Three seeds with sd 0.2: t(0.975, 2) = 4.303, so the margin is 4.303 · 0.2 / √3 = 0.4969.
        #expect(PolicyLearningStudy.verdict(mean: 0.50, sd: 0.2, seeds: 3) == .ahead)
        #expect(PolicyLearningStudy.verdict(mean: 0.49, sd: 0.2, seeds: 3) == .notToldApart)
        #expect(PolicyLearningStudy.verdict(mean: -0.50, sd: 0.2, seeds: 3) == .behind)
        #expect(PolicyLearningStudy.verdict(mean: 9, sd: .nan, seeds: 1) == .notToldApart, "one seed decides nothing")
        // Beyond 30 degrees of freedom the normal quantile; 10 seeds use t(0.975, 9) = 2.262.
        #expect(PolicyLearningStudy.studentT975(degreesOfFreedom: 40) == 1.960)
        #expect(PolicyLearningStudy.studentT975(degreesOfFreedom: 9) == 2.262)
    }

    /// Two seeds of a two-policy table: each cell is the mean ± sd over seeds of each seed's mean, and an ordering
    /// is judged on the seeds' paired differences.
    @Test func studyTablesOverSeedsByHand() throws {
        func run(seed: UInt64, greedyRewards: [Double], dorlRewards: [Double]) -> PolicyLearningStep.Results {
            let greedy = SessionSimulator.Outcome(policy: "greedy", identifier: .greedyEstimated,
                                                  episodes: greedyRewards.map { Self.episode(reward: $0, length: 2, dominant: 2) })
            let dorl = SessionSimulator.Outcome(policy: "DORL", identifier: .learnedDORL,
                                                episodes: dorlRewards.map { Self.episode(reward: $0, length: 4, dominant: 1) })
            var results = PolicyLearningStep.Results(options: PolicyLearningStudy.options(.init(), seed: seed), users: 1, videos: 1, userModels: [], arms: [],
                                                     simulators: [.init(simulator: "model", outcomes: [greedy, dorl], learned: ["DORL"])], notRun: [],
                                                     greedyRankers: ["greedy"], seconds: 0)
            results.findings = PolicyLearningFindings.make(results, greedy: ["greedy"])
            return results
        }
        // Seed 1: greedy R_tra 1, 3 (mean 2), DORL 5, 7 (mean 6); seed 2: greedy 2, 2 (mean 2), DORL 3, 5 (mean 4).
        let study = try PolicyLearningStudy.make([run(seed: 1, greedyRewards: [1, 3], dorlRewards: [5, 7]),
                                                  run(seed: 2, greedyRewards: [2, 2], dorlRewards: [3, 5])])
        #expect(study.seeds == [1, 2])
        let rows = try #require(study.policies["model"])
        #expect(rows.map(\.policy) == ["greedy", "DORL"] && rows.map(\.learned) == [false, true])
        // DORL's means 6 and 4: mean 5, sample sd √2; its R_each 1.5 and 1.0: mean 1.25.
        #expect(abs(rows[1].returnPerSession.mean - 5) < 1e-12 && abs(rows[1].returnPerSession.sd - 2.0.squareRoot()) < 1e-12)
        #expect(abs(rows[1].rewardPerStep.mean - 1.25) < 1e-12 && rows[0].returnPerSession.sd == 0)
        // DORL minus greedy on R_tra: 4 and 2 per seed, mean 3, sd √2; t(0.975, 1) = 12.706 · √2 / √2 = 12.706 > 3.
        let ordering = try #require(study.orderings["model"]?.first { $0.first == "DORL" && $0.metric == .returnPerSession })
        #expect(ordering.differences == [4, 2] && abs(ordering.mean - 3) < 1e-12 && ordering.verdict == .notToldApart)
        // Seed 1's own paired test: differences 4, 4 (sd 0) → ahead; seed 2's: 1, 3 (mean 2, se 1, 1.96 < 2) → ahead.
        #expect(ordering.seedsAhead == 2 && ordering.seedsBehind == 0)
    }

    @Test func manifestOptionsAreDerivedFromTheOptionsValue() throws {
        struct Options: Codable {
            var stepsPerEpoch = 20
            var name = "dorl"
            var rule = KuaiEnvExitRule(window: 4, threshold: 0, maxTurn: 30)
            var weights = [0.5, 1.0]
        }
        let flat = try ManifestOptions.flatten(Options())
        #expect(flat == ["steps-per-epoch": "20", "name": "dorl", "rule": #"{"maxTurn":30,"threshold":0,"window":4}"#, "weights": "[0.5,1]"])
    }

    /// Steps 1-5 then step 6 with a tiny budget on a small synthetic world: every arm trains, is evaluated in both
    /// simulators beside step 5's policies, and its weights and the user model's tables are written.
    @Test func stepSixRunsAfterStepFive() throws {
        let world = try PipelineEndToEndTests.preparedWorld("policy-learning", users: 40, videos: 80, seed: 12)
        defer { try? FileManager.default.removeItem(atPath: world.root) }
        let common = ["--processed", world.processed, "--figures", world.figures]
        let step6 = ["--epochs", "3", "--steps-per-epoch", "300", "--environments", "10", "--members", "2", "--episodes", "20", "--curve-episodes", "5"]
        for (product, arguments) in [
            ("3-training", ["--max-steps", "10", "--sweep-steps", "0", "--head-seeds", "1"]),
            ("4-head-weight-estimation", ["--bootstrap", "2", "--starts", "1", "--benchmark-sessions", "5", "--skip-original"]),
            ("6-policy-learning", step6),
        ] {
            let result = try ExecutableOptionsTests.run(product, arguments + common + ["--notebook", world.root + "/\(product).md"])
            #expect(result.status == 0, "\(product): \(result.stderr)")
        }
        let step6Folder = world.processed + "/step6"
        var policies: [PolicyLearningStep.Arm: Data] = [:]
        for arm in PolicyLearningStep.Arm.allCases {
            let path = step6Folder + "/policy_\(arm.rawValue).safetensors"
            let weights = try SafetensorsFile(contentsOf: URL(fileURLWithPath: path))
            #expect(!weights.tensors.isEmpty)
            policies[arm] = try Data(contentsOf: URL(fileURLWithPath: path))
        }
        let reward = try NumpyFile.read(path: step6Folder + "/user_model_reward.npy")
        #expect(reward.shape == [40, 80])
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let results = try decoder.decode(PolicyLearningStep.Results.self, from: Data(contentsOf: URL(fileURLWithPath: step6Folder + "/results.json")))
        #expect(results.simulators.map(\.simulator) == ["model", "small matrix"])
        // The learned policies' off-policy estimates, with the platform's exact propensities and with estimated ones.
        #expect(results.offPolicy.map(\.propensities) == ["exact", "estimated"], "\(results.offPolicyUnavailable)")
        for run in results.offPolicy {
            #expect(run.estimates.dropFirst().map(\.policy) == PolicyLearningStep.Arm.allCases.map(\.label))
            #expect(run.decisions > run.sessions && run.estimates.allSatisfy { $0.truth.isFinite && $0.support > 0 && $0.support <= 1 + 1e-9 })
        }
        #expect(results.simulators.allSatisfy { Set($0.learned) == Set(PolicyLearningStep.Arm.allCases.map(\.label)) })
        #expect(results.arms.allSatisfy { $0.history.count == 3 && $0.truthCurve.count == 3 })
        let page = try String(contentsOfFile: world.root + "/6-policy-learning.md", encoding: .utf8)
        #expect(page.contains("## Findings") && page.contains("DORL's orderings, checked") && page.contains("Off-policy estimates of the learned policies"))
        #expect(!FileManager.default.fileExists(atPath: world.processed + "/step6-state"), "a completed run leaves no state")

        // kill -9 once the second arm has saved an epoch, then --resume: the same policies, curves and tables.
        let arguments = step6 + common + ["--notebook", world.root + "/resumed.md"]
        let killed = Process()
        killed.executableURL = URL(fileURLWithPath: ExecutableOptionsTests.products + "/6-policy-learning")
        killed.arguments = arguments
        killed.standardOutput = FileHandle.nullDevice
        killed.standardError = FileHandle.nullDevice
        try killed.run()
        let secondArm = world.processed + "/step6-state/a2c_\(PolicyLearningStep.Arm.allCases[1].rawValue).safetensors"
        while killed.isRunning && !FileManager.default.fileExists(atPath: secondArm) { usleep(2_000) }
        let interrupted = killed.isRunning
        kill(killed.processIdentifier, SIGKILL)
        killed.waitUntilExit()
        try #require(interrupted, "the run ended before it could be killed")
        let resumed = try ExecutableOptionsTests.run("6-policy-learning", arguments + ["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resumed from"), "the user model is read back")
        #expect(resumed.stderr.contains("epoch(s) continued from"), "an arm continues from its checkpoint")
        for arm in PolicyLearningStep.Arm.allCases {
            let name = "/policy_\(arm.rawValue).safetensors"
            #expect(try Data(contentsOf: URL(fileURLWithPath: step6Folder + name)) == policies[arm], "\(arm)")
        }
        let again = try JSONDecoder().decode(PolicyLearningStep.Results.self, from: Data(contentsOf: URL(fileURLWithPath: step6Folder + "/results.json")))
        #expect(again.arms.map(\.history) == results.arms.map(\.history))
        // The throughput counts only what each process trained: every epoch uninterrupted, none of the first arm's
        // (its checkpoint held all of them) after the resume.
        #expect(results.arms.allSatisfy { $0.throughput.steps == $0.history.map(\.steps).reduce(0, +) })
        #expect(again.arms[0].throughput.steps == 0 && again.arms.last.map { $0.throughput.steps > 0 } == true)
        #expect(again.arms.map(\.truthCurve) == results.arms.map(\.truthCurve))
        #expect(again.simulators.map { $0.outcomes.map(\.totalReward.mean) } == results.simulators.map { $0.outcomes.map(\.totalReward.mean) })

        // A failed step 6 leaves every earlier output as it was: a folder as its notebook; the small matrix step 1
        // read, gone (refused, naming the file and the step to re-run, before any training).
        let before = FailedStepTests.snapshot(world.root)
        let refused = try ExecutableOptionsTests.run("6-policy-learning", step6 + common + ["--notebook", world.figures])
        #expect(refused.status == 1 && refused.stderr.contains("option --notebook: \(world.figures) is a folder"), "\(refused.stderr)")
        #expect(FailedStepTests.snapshot(world.root) == before, "step 6 changed its output although it failed")
        let smallMatrix = world.processed + "/" + SmallMatrixPreparation.folderName, aside = world.root + "-small-aside"
        try FileManager.default.moveItem(atPath: smallMatrix, toPath: aside)
        let withoutSmall = FailedStepTests.snapshot(world.root)
        let gone = try ExecutableOptionsTests.run("6-policy-learning", step6 + common + ["--notebook", world.root + "/6-policy-learning.md"])
        #expect(gone.status == 1 && gone.stderr.contains("step1-small/manifest.json: file not found") && gone.stderr.contains("1-data-preparation"), "\(gone.stderr)")
        #expect(!gone.stderr.contains("user model ("), "refused only after training began: \(gone.stderr)")
        #expect(FailedStepTests.snapshot(world.root) == withoutSmall, "step 6 changed its output although it failed")
        try FileManager.default.moveItem(atPath: aside, toPath: smallMatrix)

        // The seed study: one step 6 folder per seed inside step6-study/, the tables over seeds, no state left.
        let study = try ExecutableOptionsTests.run("6-policy-learning", ["study", "--seeds", "2", "--first-seed", "7", "--arms", "mbpo", "dorl"]
                                                   + step6 + common + ["--notebook", world.root + "/study.md"])
        #expect(study.status == 0, "\(study.stderr)")
        let studyFolder = world.processed + "/step6-study"
        let summary = try JSONDecoder().decode(PolicyLearningStudy.self, from: Data(contentsOf: URL(fileURLWithPath: studyFolder + "/study.json")))
        #expect(summary.seeds == [7, 8] && summary.simulators == ["model", "small matrix"])
        for seed in [7, 8] {
            let replicate = try JSONDecoder().decode(PolicyLearningStep.Results.self, from: Data(contentsOf: URL(fileURLWithPath: studyFolder + "/seed-\(seed)/results.json")))
            #expect(replicate.options.a2c.seed == UInt64(seed) && replicate.options.userModel.seed == UInt64(seed) && replicate.arms.count == 2)
            #expect(FileManager.default.fileExists(atPath: studyFolder + "/seed-\(seed)/" + Manifest.fileName))
        }
        #expect(!FileManager.default.fileExists(atPath: world.processed + "/step6-study-state"))
        let studyPage = try String(contentsOfFile: world.root + "/study.md", encoding: .utf8)
        #expect(studyPage.contains("## Findings") && studyPage.contains("Only 2 seed(s)"))
    }
}
