import Foundation
import Testing
@testable import ValueModel

/// The four steps as a user runs them, on a small synthetic world: every executable succeeds, step 4 writes its
/// notebook and artifacts, refuses a missing step 3 with the step to run, and leaves no resumable state behind.
@Suite struct PipelineEndToEndTests {
    static func run(_ product: String, _ arguments: [String]) throws -> (status: Int32, stderr: String) {
        try ExecutableOptionsTests.run(product, arguments)
    }

    /// Runs a step that must succeed.
    func step(_ product: String, _ arguments: [String]) throws {
        let result = try Self.run(product, arguments)
        #expect(result.status == 0, "\(product): \(result.stderr)")
    }

    /// A new temporary folder with steps 0-2 run on a synthetic world of `users` x `videos` (`seed`): its raw files,
    /// processed artifacts and figure folder. The caller removes `root`.
    static func preparedWorld(_ label: String, users: Int, videos: Int, seed: Int) throws -> (root: String, raw: String, processed: String, figures: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)").path
        let raw = root + "/raw", processed = root + "/processed", figures = root + "/figures"
        for (product, arguments) in [
            ("0-synthetic-data", ["--out", raw, "--users", "\(users)", "--videos", "\(videos)", "--seed", "\(seed)"]),
            ("1-data-preparation", ["--raw", raw, "--out", processed, "--notebook", root + "/1.md", "--figures", figures]),
            ("2-graph-construction", ["--processed", processed, "--notebook", root + "/2.md", "--figures", figures]),
        ] {
            let result = try run(product, arguments)
            #expect(result.status == 0, "\(product): \(result.stderr)")
        }
        return (root, raw, processed, figures)
    }

    /// Whether `page` opens as every notebook should: its title, the provenance line, then its findings.
    static func opensWithFindings(_ page: String) -> Bool {
        let lines = page.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.count > 6 && lines[0].hasPrefix("# ") && lines[2].hasPrefix("*Made from commit ") && lines[4] == "## Findings"
            && lines[6].hasPrefix("- ")
    }

    /// The real files' case: KuaiRec-format data without ground_truth.json or recorded pools, through steps 1-5;
    /// step 5 runs the small matrix's simulator alone and says why the model's is not run.
    @Test func stepsOneToFiveWithoutGroundTruth() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-real-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let raw = root + "/raw", processed = root + "/processed", figures = root + "/figures"
        try step("0-synthetic-data", ["--out", raw, "--users", "40", "--videos", "80", "--seed", "5"])
        try FileManager.default.removeItem(atPath: raw + "/ground_truth.json")
        try FileManager.default.removeItem(atPath: raw + "/" + SyntheticPoolLog.folderName)
        try step("1-data-preparation", ["--raw", raw, "--out", processed, "--notebook", root + "/1.md", "--figures", figures])
        try step("2-graph-construction", ["--processed", processed, "--notebook", root + "/2.md", "--figures", figures])
        try step("3-training", ["--processed", processed, "--raw", raw, "--notebook", root + "/3.md", "--figures", figures,
                                "--max-steps", "10", "--sweep-steps", "0", "--head-seeds", "1"])
        try step("4-head-weight-estimation", ["--processed", processed, "--raw", raw, "--notebook", root + "/4.md", "--figures", figures,
                                              "--bootstrap", "2", "--starts", "1", "--benchmark-sessions", "5", "--skip-original"])
        // Notebooks 1-4 open with their findings, worded for real data: no planted truth, one run of each model, a
        // step limit that is not the paper's.
        for n in 1...4 {
            #expect(Self.opensWithFindings(try String(contentsOfFile: root + "/\(n).md", encoding: .utf8)), "notebook \(n)")
        }
        let training = try String(contentsOfFile: root + "/3.md", encoding: .utf8)
        #expect(training.contains("**One run of each model** (`--head-seeds 1`)") && training.contains("differs from the paper's 2,000 (`--max-steps`)"))
        #expect(!training.contains("is the paper's"))
        let estimation = try String(contentsOfFile: root + "/4.md", encoding: .utf8)
        #expect(estimation.contains("Real data, no planted truth") && !estimation.contains("SPEC"))
        try step("5-policy-evaluation", ["--processed", processed, "--raw", raw, "--notebook", root + "/5.md", "--figures", figures, "--episodes", "30"])
        let page = try String(contentsOfFile: root + "/5.md", encoding: .utf8)
        // Notebook 5 opens with its findings; without exact propensities its support cannot be checked.
        #expect(Self.opensWithFindings(page), "notebook 5")
        #expect(page.contains("on real logs there are no exact propensities to check it against"))
        let preparation = try String(contentsOfFile: root + "/1.md", encoding: .utf8)
        #expect(!preparation.contains("**Distrust on synthetic data:**") && preparation.contains("## Appendix: every column written"))
        #expect(page.contains("## Simulator 1: the fully observed small matrix") && !page.contains("engagement model\n") && !page.contains("### Off-policy"))
        // The simulator left out is named, and why.
        #expect(page.contains("**Not run here: the synthetic world's engagement model.** `\(raw)` has no `ground_truth.json`, and step 1 saw none"), "\(page)")
        #expect(!page.contains("| " + PolicyEvaluation.oracleName + " |") && page.contains("| " + RewardOraclePolicy().name + " |"))
        // The logs' off-policy estimates with estimated propensities, for the learned policies only, no truth.
        #expect(page.contains("## Off-policy estimates on the logs (estimated propensities, no truth)"))
        struct Estimate: Decodable { var policy: String; var truth: String }
        let logs = try JSONDecoder().decode([Estimate].self, from: Data(contentsOf: URL(fileURLWithPath: processed + "/step5/off_policy_logs.json")))
        #expect(logs.count == 6 && logs.allSatisfy { $0.truth == "nan" })

        // The small matrix's rows observed without a time reach the simulator with their own watch ratios (capped
        // at 5), read here straight from the CSV files.
        func rows(_ file: String) throws -> [[String]] {
            try String(contentsOfFile: raw + "/" + file, encoding: .utf8).split(separator: "\n").dropFirst()
                .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        }
        let big = try rows("big_matrix.csv")
        let loggedUsers = Set(big.map { $0[0] }), loggedVideos = Set(big.map { $0[1] })
        let untimed = try rows("small_matrix.csv").filter { $0[4].isEmpty && loggedUsers.contains($0[0]) && loggedVideos.contains($0[1]) }
        try #require(!untimed.isEmpty, "the synthetic small matrix has rows without a time")
        let inputs = try PolicyInputs.load(processed: processed, raw: raw, steps: 1)
        let world = try #require(inputs.smallMatrix)
        #expect(inputs.smallMatrixReport?.untimedRows == untimed.count)
        guard case let .table(rewards, _) = world.responses else { Issue.record("the small matrix is a table of responses"); return }
        for row in untimed {
            let user = try #require(world.sessionUsers.firstIndex(of: Int32(row[0]) ?? -1))
            let video = try #require(world.candidateVideos.firstIndex(of: Int32(row[1]) ?? -1))
            let ratio = try #require(Double(row[7]))
            #expect(abs(Double(rewards[user * world.candidates + video]) - min(ratio, 5)) < 1e-6, "\(row)")
        }
    }

    /// `3-training --graph tiny`, the original notebook's printed main run: every model trains and is evaluated on
    /// step 2's 5% sweep graph and its random split, and the notebook says so.
    @Test func mainRunsOnTheTinyGraph() throws {
        let (root, raw, processed, figures) = try Self.preparedWorld("pipeline-tiny", users: 120, videos: 200, seed: 4)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try step("3-training", ["--processed", processed, "--raw", raw, "--notebook", root + "/3.md", "--figures", figures,
                                "--max-steps", "5", "--sweep-steps", "0", "--head-seeds", "1", "--graph", "tiny"])
        let step2 = try ColumnStore(folder: processed + "/step2", producer: "2-graph-construction")
        let tinySplit = try step2.array("tiny_split").values(as: Int8.self)
        let allEdges = try step2.int64("tiny_edges").count
        #expect(tinySplit.count == allEdges)
        struct Stored: Decodable {
            struct Data: Decodable { var edges: Int; var train: Int; var validation: Int; var test: Int }
            struct Settings: Decodable { var graph: String }
            var data: Data; var settings: Settings
        }
        let results = try JSONDecoder().decode(Stored.self, from: Data(contentsOf: URL(fileURLWithPath: processed + "/step3/results.json")))
        #expect(results.settings.graph == "tiny")
        #expect(results.data.edges == allEdges)
        #expect([results.data.train, results.data.validation, results.data.test] == (0..<3).map { p in tinySplit.filter { $0 == Int8(p) }.count })
        let page = try String(contentsOfFile: root + "/3.md", encoding: .utf8)
        #expect(page.contains("The main runs trained on the tiny graph (`--graph tiny`)"))
        #expect(try Manifest.read(folder: processed + "/step3").options["graph"] == "tiny")
    }

    @Test func stepsOneToFourOnASmallSyntheticWorld() throws {
        let (root, raw, processed, figures) = try Self.preparedWorld("pipeline", users: 40, videos: 80, seed: 3)
        defer { try? FileManager.default.removeItem(atPath: root) }

        // Step 4 before step 3: a clear error naming the step to run, and nothing written.
        let early = try Self.run("4-head-weight-estimation", ["--processed", processed, "--raw", raw, "--notebook", root + "/4.md", "--figures", figures])
        #expect(early.status == 1)
        #expect(early.stderr.contains("3-training"), "\(early.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/4.md") && !FileManager.default.fileExists(atPath: processed + "/step4"))

        try step("3-training", ["--processed", processed, "--raw", raw, "--notebook", root + "/3.md", "--figures", figures,
                                "--max-steps", "15", "--sweep-steps", "0", "--threads", "2", "--head-seeds", "3"])
        // Two more seeds of the chosen GNN, named in best_gnn.json, with their weights and node embeddings.
        let choice = try ScoringModelChoice.read(step3: processed + "/step3")
        #expect(choice.seedMembers == ["\(choice.model)_seed1", "\(choice.model)_seed2"])
        for member in choice.seedMembers ?? [] {
            for file in ["\(member).safetensors", "node_embeddings_\(member).npy"] {
                #expect(FileManager.default.fileExists(atPath: processed + "/step3/" + file), "\(file)")
            }
        }
        // A memory budget too small for the candidate heads: refused before allocating, naming the option and the way
        // out, and nothing written.
        let tight = try Self.run("4-head-weight-estimation", ["--processed", processed, "--raw", raw, "--notebook", root + "/4.md",
                                                              "--figures", figures, "--memory-budget-gib", "0.0001"])
        #expect(tight.status == 1)
        #expect(tight.stderr.contains("--memory-budget-gib") && tight.stderr.contains("--max-sessions"), "\(tight.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/4.md") && !FileManager.default.fileExists(atPath: processed + "/step4"))

        // Step 5 before step 4: the step to run is named, nothing written.
        let beforeFour = try Self.run("5-policy-evaluation", ["--processed", processed, "--raw", raw, "--notebook", root + "/5.md", "--figures", figures])
        #expect(beforeFour.status == 1 && beforeFour.stderr.contains("4-head-weight-estimation"), "\(beforeFour.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/5.md") && !FileManager.default.fileExists(atPath: processed + "/step5"))
        try step("4-head-weight-estimation", ["--processed", processed, "--raw", raw, "--notebook", root + "/4.md", "--figures", figures,
                                              "--bootstrap", "3", "--starts", "1", "--benchmark-sessions", "5", "--chunk-sessions", "7"])
        let notebook = try String(contentsOfFile: root + "/4.md", encoding: .utf8)
        for section in ["## 4. The likelihood of the observed lists", "## 6. Recovery", "### The predicted heads' quality", "## 7. Per-session residuals"] {
            #expect(notebook.contains(section), "notebook lacks \(section)")
        }
        struct Member: Decodable { var weights: [Double] }
        struct Headline: Decodable { var weights: [Double]; var standardErrors: [Double]; var lower: [Double]; var upper: [Double]; var members: [Member]? }
        struct Estimate: Decodable { var weights: [Double]; var noiseScale: Double; var sessions: Int; var plantedWeights: [Double]?; var headline: Headline }
        let estimate = try JSONDecoder().decode(Estimate.self, from: Data(contentsOf: URL(fileURLWithPath: processed + "/step4/estimate.json")))
        // The headline's heads are the mean of the three runs'; its interval adds their spread (sd/√3) to the
        // session standard error: recomputed here from the members' own headlines.
        let members = try #require(estimate.headline.members)
        #expect(members.count == 3)
        for h in 0..<4 {
            let values = members.map { $0.weights[h] }
            let mean = values.reduce(0, +) / 3
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2
            let se = estimate.headline.standardErrors[h]
            let half = 1.96 * (se * se + variance / 3).squareRoot()
            #expect(abs(estimate.headline.upper[h] - estimate.headline.weights[h] - half) < 1e-12, "head \(h)")
            #expect(abs(estimate.headline.weights[h] - estimate.headline.lower[h] - half) < 1e-12, "head \(h)")
        }
        #expect(abs(estimate.weights.reduce(0) { $0 + abs($1) } - 1) < 1e-9 && estimate.noiseScale > 0)
        // Notebooks 2-4 open with their findings; notebook 4's say how many heads the headline interval covers,
        // counted here from estimate.json, and notebook 3's that the seeds were measured.
        for n in 2...4 {
            #expect(Self.opensWithFindings(try String(contentsOfFile: root + "/\(n).md", encoding: .utf8)), "notebook \(n)")
        }
        let planted = try #require(estimate.plantedWeights)
        let covered = (0..<4).filter { estimate.headline.lower[$0] <= planted[$0] && planted[$0] <= estimate.headline.upper[$0] }.count
        #expect(notebook.contains("the interval covers w\\* for **\(covered) of 4 heads** in this run"), "\(covered)")
        #expect(notebook.contains("`notebooks/4-coverage.md`") && !notebook.contains("SPEC"))
        let training = try String(contentsOfFile: root + "/3.md", encoding: .utf8)
        #expect(training.contains("Retrained with 2 other seed(s)") && !training.contains("how far a different seed moves it is not measured"))
        #expect(estimate.plantedWeights == WeightParametrisation.l1Normalised(SyntheticWorldConfiguration.paperWeights))
        let residuals = try String(contentsOfFile: processed + "/step4/session_residuals.csv", encoding: .utf8).split(separator: "\n")
        #expect(residuals.count == estimate.sessions + 1 && residuals[0].hasPrefix("user_id,session,sess_len"))
        #expect(try Manifest.read(folder: processed + "/step4").producer == "4-head-weight-estimation")
        #expect(!FileManager.default.fileExists(atPath: processed + "/step4-state"))
        try step("5-policy-evaluation", ["--processed", processed, "--raw", raw, "--notebook", root + "/5.md", "--figures", figures, "--episodes", "50"])
        let policies = try String(contentsOfFile: root + "/5.md", encoding: .utf8)
        // Notebooks 1 and 5 open with their findings too; notebook 1's describe() table is its appendix, notebook 5
        // compares support under estimated and exact propensities.
        for n in [1, 5] {
            #expect(Self.opensWithFindings(try String(contentsOfFile: root + "/\(n).md", encoding: .utf8)), "notebook \(n)")
        }
        let preparation = try String(contentsOfFile: root + "/1.md", encoding: .utf8)
        #expect(preparation.contains("**Distrust on synthetic data:**") && preparation.contains("is in the appendix at the end of this notebook"))
        #expect(preparation.components(separatedBy: "\n## ").last?.hasPrefix("Appendix: every column written") == true)
        #expect(policies.contains("under the exact propensities") && policies.contains("**Greedy by the true reward**"))
        #expect(policies.contains("## Policies and what they get") && policies.contains("oracle w*·p_true"))
        #expect(policies.contains("### Off-policy estimates against the truth") && policies.contains("| the logging platform (on-policy"))
        #expect(policies.contains("### The same with estimated propensities (as on real data)") && policies.contains("| the estimated platform model (every weight 1"))
        #expect(policies.contains("## Simulator 2: the fully observed small matrix"))
        #expect(policies.components(separatedBy: "### Robustness: the same users leaving by accumulated satisfaction").count == 3, "one per simulator")
        // The ground truth steps 1-4 read is gone: step 5 refuses, naming the file and the step to re-run.
        try FileManager.default.moveItem(atPath: raw + "/ground_truth.json", toPath: root + "/ground_truth.json")
        let stale = try Self.run("5-policy-evaluation", ["--processed", processed, "--raw", raw, "--notebook", root + "/5-stale.md", "--figures", figures])
        #expect(stale.status == 1 && stale.stderr.contains(raw + "/ground_truth.json: file not found") && stale.stderr.contains("1-data-preparation"), "\(stale.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/5-stale.md"))
        try FileManager.default.moveItem(atPath: root + "/ground_truth.json", toPath: raw + "/ground_truth.json")
        struct Stored: Decodable { struct Policy: Decodable { var name: String; var episodeLengths: [Int] }; var simulator: String; var policies: [Policy] }
        let runs = try JSONDecoder().decode([Stored].self, from: Data(contentsOf: URL(fileURLWithPath: processed + "/step5/policies.json")))
        #expect(runs.map(\.simulator) == ["model", "small matrix"])
        let stored = runs[0]
        #expect(stored.policies.contains { $0.name.hasSuffix("UCB on the seeds' spread (c = 1.0)") }, "three seed members: the spread policy runs")
        #expect(FileManager.default.fileExists(atPath: processed + "/step4/candidate_heads_sd.npy"))
        #expect(stored.policies.count == 11 && stored.policies.contains { $0.name.hasPrefix("the logging platform replayed") } && stored.policies.allSatisfy { $0.episodeLengths.count == 50 && $0.episodeLengths.allSatisfy { (1...30).contains($0) } })
        for figure in ["policy-reward-length.png", "head-weight-path-original.png", "head-weight-path-surrogate.png", "head-weight-landscape.png", "head-weight-likelihood.png", "head-weight-blend.png"] {
            #expect(FileManager.default.fileExists(atPath: figures + "/" + figure), "\(figure)")
        }
    }
}
