import Testing
@testable import ValueModel

/// Steps 2-5 derive their manifests' options and their resume identities from `Codable` options values: each
/// flattens to the keys and values written out here by hand, an option that defines the output changes it, and
/// `resume` (like the paths and thread counts) does not.
struct StepOptionsRecordTests {
    @Test func stepTwoRecordsMessagePassingAndSeed() throws {
        let options = GraphConstruction.Options(messagePassing: .trainOnly, seed: 7)
        #expect(try ManifestOptions.flatten(options) == ["message-passing": "train-only", "seed": "7"])
        #expect(try ManifestOptions.flatten(GraphConstruction.Options()) == ["message-passing": "all", "seed": "2026"])
    }

    @Test func stepThreeManifestHoldsTheOptionsThatDefineItsArtifacts() throws {
        var options = TrainingStep.Options()
        options.threads = 8
        options.stateFolder = "data/processed/step3-state"
        options.checkpointEvery = 3
        let expected = [
            "learning-rate": "0.001", "batch-size": "4096", "max-steps": "2000", "patience": "20",
            "monitor-sample": "0", "monitor-every": "1", "validation-sample": "0",
            "sweep-steps": "500", "sweep-learning-rates": "[0.0001,0.0003,0.001,0.003]", "sweep-batch-sizes": "[1024,2048,4096,8192]",
            "sweep-batch": "4096", "sweep-learning-rate": "0.001", "sweep-hidden": "64", "hidden-sizes": "[64,128]",
            "seed": "2026", "paper": "false", "flow": "user-to-video", "debias": "none",
            "exposure": #"{"learningRate":0.05,"maximumWeight":10,"penalty":0.01,"rank":8,"seed":11,"steps":200}"#,
            "head-seeds": "5", "graph": "full",
        ]
        #expect(try ManifestOptions.flatten(options) == expected)
        var resumed = options
        resumed.resume = true
        resumed.threads = 1
        #expect(try ManifestOptions.flatten(resumed) == expected)
        var other = options
        other.graph = .tiny
        #expect(try ManifestOptions.flatten(other)["graph"] == "tiny")
    }

    @Test func stepThreeCheckpointIdentityNamesTheTrainingOptions() throws {
        var options = TrainingStep.Options()
        options.learningRate = 0.003
        options.seed = 17
        options.debias = .exposureWeights
        let identity = try ResumeIdentity.options(TrainingStep.CheckpointRecord(options))
        #expect(identity == [
            "--learning-rate": "0.003", "--batch-size": "4096", "--seed": "17", "--max-steps": "2000", "--patience": "20",
            "--monitor-sample": "0", "--monitor-every": "1", "--validation-sample": "0",
            "--flow": "user-to-video", "--debias": "exposure-weights", "--graph": "full",
        ])
        var resumed = options
        resumed.resume = true
        resumed.headSeeds = 1
        resumed.checkpointEvery = 0
        #expect(try ResumeIdentity.options(TrainingStep.CheckpointRecord(resumed)) == identity)
        var other = options
        other.batchSize = 1024
        #expect(try ResumeIdentity.options(TrainingStep.CheckpointRecord(other))["--batch-size"] == "1024")
    }

    @Test func stepFourManifestHoldsTheEstimatorsOptionsAndTheRunsRead() throws {
        var options = HeadWeightEstimationStep.Options()
        options.processed = "work/processed"
        options.ensemble = ["runs/a", "runs/b"]
        options.memoryBudgetGib = 2
        let expected = [
            "seed": "2026", "bootstrap": "100", "starts": "2", "min-session-length": "5", "max-sessions": "0",
            "step3": "work/processed/step3", "seed-members": "true", "ensemble": #"["runs/a","runs/b"]"#,
            "list-prefix": "10", "identification-sessions": "1000", "pool-sampling-sessions": "0",
            "original": "true", "diagnostics": "true",
        ]
        let record = { (options: HeadWeightEstimationStep.Options) in
            try ManifestOptions.flatten(HeadWeightEstimationStep.ManifestRecord(HeadWeightEstimationStep(options: options)))
        }
        #expect(try record(options) == expected)
        var resumed = options
        resumed.resume = true
        resumed.chunkSessions = 9
        resumed.benchmarkSessions = 1
        #expect(try record(resumed) == expected)
        var other = options
        other.step3 = "elsewhere/step3"
        other.bootstrap = 0
        let changed = try record(other)
        #expect(changed["step3"] == "elsewhere/step3" && changed["bootstrap"] == "0")
    }

    @Test func stepFourScoringIdentityNamesTheSessionsAndChunks() throws {
        var options = HeadWeightEstimationStep.Options()
        options.maxSessions = 300
        let identity = try ResumeIdentity.options(HeadWeightEstimationStep.ScoringRecord(options, sessionsPerChunk: 40))
        #expect(identity == ["--seed": "2026", "--min-session-length": "5", "--max-sessions": "300", "--chunk-sessions": "40"])
        var resumed = options
        resumed.resume = true
        resumed.bootstrap = 3
        #expect(try ResumeIdentity.options(HeadWeightEstimationStep.ScoringRecord(resumed, sessionsPerChunk: 40)) == identity)
        options.seed = 5
        #expect(try ResumeIdentity.options(HeadWeightEstimationStep.ScoringRecord(options, sessionsPerChunk: 40))["--seed"] == "5")
    }

    @Test func stepFiveRecordsTheSimulationAndEstimatorOptions() throws {
        let options = PolicyEvaluation.Options(episodes: 1000, seed: 2026, window: 4, threshold: 0, maxTurn: 30, satisfactionDecay: 0.9,
                                               satisfactionThreshold: 1.0, epsilon: 0.1, ucbBonus: 0.1, spreadBonus: 1.5, loggedSteps: 10,
                                               ncisCap: 100.0)
        #expect(try ManifestOptions.flatten(options) == [
            "episodes": "1000", "seed": "2026", "window": "4", "threshold": "0", "max-turn": "30",
            "satisfaction-decay": "0.9", "satisfaction-threshold": "1", "epsilon": "0.1", "ucb-bonus": "0.1",
            "spread-bonus": "1.5", "logged-steps": "10", "ncis-cap": "100",
        ])
        #expect(options.rule == KuaiEnvExitRule(window: 4, threshold: 0, maxTurn: 30))
        #expect(options.satisfaction == SatisfactionExitRule(decay: 0.9, threshold: 1.0, maxTurn: 30))
        var other = options
        other.maxTurn = 12
        #expect(try ManifestOptions.flatten(other)["max-turn"] == "12")
    }
}
