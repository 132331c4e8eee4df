import Foundation
import Testing
@testable import ValueModel

/// The JSON files one step hands to the next — step 3's `best_gnn.json`, step 4's `estimate.json` — and a synthetic
/// world's `ground_truth.json`, crafted by hand: truncated text, wrong types, missing keys, nulls, NaN, negative or
/// absurd values and lists of the wrong length are each refused with a `PipelineError` naming the file and the key,
/// never a trap, a raw `DecodingError` or silent acceptance.
@Suite struct JSONReaderTests {
    /// A JSON object to edit: `edit` changes it, then it is written as `name` into a new folder, whose path is returned.
    static func write(_ object: [String: Any], name: String, edit: (inout [String: Any]) -> Void = { _ in }) throws -> String {
        var edited = object
        edit(&edited)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("json-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: edited, options: [.sortedKeys]).write(to: URL(fileURLWithPath: folder + "/" + name))
        return folder
    }

    /// Truncates the file at `path` to its first half.
    static func truncate(_ path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
    }

    /// The error message `body` throws: a `PipelineError`'s, or a note that another kind of error came (nil when it
    /// returns normally).
    static func failure(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as PipelineError { return error.description } catch { return "not a PipelineError: \(error)" }
        return nil
    }

    /// Checks that reading each edited file fails with its path, the expected words and the fix.
    static func expectRefused(_ cases: [(edit: (inout [String: Any]) -> Void, says: String)], base: [String: Any], name: String,
                              fix: String, read: (String) throws -> Void) throws {
        for (index, (edit, says)) in cases.enumerated() {
            let path = try write(base, name: name, edit: edit) + "/" + name
            let message = failure { try read(path) }
            #expect(message?.hasPrefix("error: \(path): ") == true, "case \(index): \(message ?? "accepted")")
            #expect(message?.contains(says) == true && message?.contains(fix) == true, "case \(index): \(message ?? "accepted")")
        }
    }

    static let bestGNN: [String: Any] = [
        "model": "gnn64", "hidden": 64, "criterion": "off-path mean log loss", "validationMeanAUC": 0.7, "testMeanAUC": 0.69,
        "offPathMeanLogLoss": 0.5, "offPathMeanAUC": 0.6, "compared": ["gnn64": 0.5, "gnn128": 0.6], "seedMembers": ["gnn64_seed1"],
    ]

    @Test("best_gnn.json: each bad value is refused with its key")
    func bestGNN() throws {
        let good = try Self.write(Self.bestGNN, name: ScoringModelChoice.fileName)
        let choice = try ScoringModelChoice.read(step3: good)
        #expect(choice.model == "gnn64" && choice.hidden == 64 && choice.seedMembers == ["gnn64_seed1"])
        let truncated = try Self.write(Self.bestGNN, name: ScoringModelChoice.fileName)
        try Self.truncate(truncated + "/" + ScoringModelChoice.fileName)
        #expect(Self.failure { _ = try ScoringModelChoice.read(step3: truncated) }?.contains("not step 3's best_gnn.json: its text is not valid JSON") == true)
        let cases: [(edit: (inout [String: Any]) -> Void, says: String)] = [
            ({ $0["hidden"] = "64" }, "\"hidden\" is not a whole number"),
            ({ $0["hidden"] = 64.5 }, "a number in it does not fit its key"),
            ({ $0["criterion"] = nil }, "\"criterion\" is missing"),
            ({ $0["criterion"] = "bogus" }, "\"criterion\" cannot be read"),
            ({ $0["seedMembers"] = [NSNull()] }, "\"seedMembers[0]\" is null, expected a string"),
            ({ $0["hidden"] = -3 }, "\"hidden\" is -3, expected 1...4096"),
            ({ $0["hidden"] = 1_000_000_000 }, "\"hidden\" is 1000000000, expected 1...4096"),
            ({ $0["model"] = "../../elsewhere/gnn64" }, "\"model\" is \"../../elsewhere/gnn64\", not an artifact name"),
            ({ $0["model"] = "gnn256" }, "\"model\" is gnn256, which is not among the GNNs compared (gnn128, gnn64)"),
            ({ $0["validationMeanAUC"] = 1.5 }, "\"validationMeanAUC\" is 1.5, an AUC is in 0...1"),
            ({ $0["testMeanAUC"] = "nan" }, "\"testMeanAUC\" is nan, an AUC is in 0...1"),
            ({ $0["offPathMeanLogLoss"] = -0.1 }, "\"offPathMeanLogLoss\" is -0.1, a log loss is finite and 0 or more"),
            ({ $0["offPathMeanLogLoss"] = nil }, "\"offPathMeanLogLoss\" is missing, but the criterion is \"off-path mean log loss\""),
            ({ $0["compared"] = ["gnn64": 0.5, "gnn128": "inf"] }, "\"compared.gnn128\" is inf, not a finite number"),
            ({ $0["seedMembers"] = ["gnn64_seed1", "gnn64_seed1"] }, "\"seedMembers[1]\" names gnn64_seed1 a second time"),
            ({ $0["seedMembers"] = ["gnn64"] }, "\"seedMembers[0]\" names gnn64 a second time"),
            ({ $0["seedMembers"] = ["a/b"] }, "\"seedMembers[0]\" is \"a/b\", not an artifact name"),
        ]
        try Self.expectRefused(cases, base: Self.bestGNN, name: ScoringModelChoice.fileName, fix: "re-run `3-training`") { path in
            _ = try ScoringModelChoice.read(step3: (path as NSString).deletingLastPathComponent)
        }
    }

    static let estimate: [String: Any] = [
        "weights": [0.1, 0.2, 0.3, 0.4], "sessions": 10,
        "headline": ["assumption": "videoEffects", "weights": [0.2, 0.1, -0.02, -0.68], "noiseScale": 0.1, "converged": true],
    ]

    @Test("estimate.json: each bad value is refused with its key; without a headline the whole-catalogue weights are used")
    func estimate() throws {
        let good = try Self.write(Self.estimate, name: "estimate.json") + "/estimate.json"
        let (weights, estimator, noise) = try PolicyInputs.headline(good)
        #expect(weights == [0.2, 0.1, -0.02, -0.68] && estimator == "videoEffects" && noise == 0.1)
        let plain = try Self.write(Self.estimate, name: "estimate.json") { $0["headline"] = nil } + "/estimate.json"
        let whole = try PolicyInputs.headline(plain)
        #expect(whole.0 == [0.1, 0.2, 0.3, 0.4] && whole.1 == "whole catalogue" && whole.2 == nil)
        // With a headline, the unused whole-catalogue weights may be anything.
        let unused = try Self.write(Self.estimate, name: "estimate.json") { $0["weights"] = ["nan", 1] } + "/estimate.json"
        #expect(try PolicyInputs.headline(unused).0 == [0.2, 0.1, -0.02, -0.68])
        let truncated = try Self.write(Self.estimate, name: "estimate.json") + "/estimate.json"
        try Self.truncate(truncated)
        #expect(Self.failure { _ = try PolicyInputs.headline(truncated) }?.contains("not step 4's estimate.json: its text is not valid JSON") == true)
        func headline(_ change: @escaping (inout [String: Any]) -> Void) -> (inout [String: Any]) -> Void {
            { object in
                var headline = object["headline"] as? [String: Any] ?? [:]
                change(&headline)
                object["headline"] = headline
            }
        }
        let cases: [(edit: (inout [String: Any]) -> Void, says: String)] = [
            ({ $0["weights"] = nil }, "\"weights\" is missing"),
            ({ $0["weights"] = "x" }, "\"weights\" is not a list"),
            ({ $0["headline"] = nil; $0["weights"] = [1, 2] }, "\"weights\" holds 2 number(s), expected 4"),
            (headline { $0["weights"] = [0.2, 0.1, -0.7] }, "\"headline.weights\" holds 3 number(s), expected 4"),
            (headline { $0["weights"] = [0.2, 0.1, "nan", -0.7] }, "\"headline.weights[2]\" is nan, not a finite number"),
            (headline { $0["weights"] = [0.2, NSNull(), 0.1, -0.7] }, "\"headline.weights[1]\" is null, expected a number"),
            (headline { $0["noiseScale"] = -1 }, "\"headline.noiseScale\" is -1.0, a noise scale is a positive number"),
            (headline { $0["noiseScale"] = 0 }, "\"headline.noiseScale\" is 0.0, a noise scale is a positive number"),
            (headline { $0["noiseScale"] = "inf" }, "\"headline.noiseScale\" is inf, a noise scale is a positive number"),
            (headline { $0["assumption"] = "bogus" }, "\"headline.assumption\" is \"bogus\", none of catalogue, shownOnly"),
        ]
        try Self.expectRefused(cases, base: Self.estimate, name: "estimate.json", fix: "re-run `4-head-weight-estimation`") { path in
            _ = try PolicyInputs.headline(path)
        }
    }

    @Test("ground_truth.json: each bad value, or a copy that differs from the configuration, is refused with its key")
    func groundTruth() throws {
        var configuration = SyntheticWorldConfiguration(users: 40, videos: 80, seed: 3)
        configuration.noiseScale = 0.2
        let truth = SyntheticGroundTruth(configuration: configuration, usesPlackettLuce: true, summary: SyntheticSummary(),
                                         itemDaily: .init(), captions: .init())
        let object = try #require(try JSONSerialization.jsonObject(with: truth.encoded()) as? [String: Any])
        let good = try Self.write(object, name: "ground_truth.json") + "/ground_truth.json"
        #expect(try SyntheticGroundTruth.read(from: good) == truth)
        let truncated = try Self.write(object, name: "ground_truth.json") + "/ground_truth.json"
        try Self.truncate(truncated)
        #expect(Self.failure { _ = try SyntheticGroundTruth.read(from: truncated) }?.contains("not a synthetic world's ground_truth.json: its text is not valid JSON") == true)
        func configured(_ change: @escaping (inout [String: Any]) -> Void) -> (inout [String: Any]) -> Void {
            { object in
                var c = object["configuration"] as? [String: Any] ?? [:]
                change(&c)
                object["configuration"] = c
            }
        }
        let cases: [(edit: (inout [String: Any]) -> Void, says: String)] = [
            ({ $0["seed"] = nil }, "\"seed\" is missing"),
            ({ $0["seed"] = -1 }, "a number in it does not fit its key"),
            (configured { $0["users"] = "40" }, "\"configuration.users\" is not a whole number"),
            (configured { $0["users"] = -5 }, "\"configuration\" is not a world 0-synthetic-data builds (--users must be at least 1, got -5)"),
            (configured { $0["users"] = 100_000_000 }, "\"configuration\" is not a world 0-synthetic-data builds (--users/--videos at most 10,000,000 each)"),
            (configured { $0["weights"] = [0.22, 0.1, -0.02] }, "\"configuration\" is not a world 0-synthetic-data builds (--weights needs four finite numbers"),
            (configured { $0["weights"] = [0.22, "nan", -0.02, -0.66] }, "\"configuration\" is not a world 0-synthetic-data builds (--weights needs four finite numbers"),
            (configured { $0["noiseScale"] = -1 }, "\"configuration\" is not a world 0-synthetic-data builds (--noise must be a positive number, got -1.0)"),
            (configured { $0["latentDimension"] = 100_000 }, "\"configuration\" is not a world 0-synthetic-data builds (--latent-dimension must be in 1...64)"),
            ({ $0["weights"] = [9, 9, 9, 9] }, "\"weights\" is [9.0, 9.0, 9.0, 9.0], but the world's configuration has [0.22, 0.1, -0.02, -0.66]"),
            ({ $0["noise"] = ["distribution": "gumbel", "scale": 0.5, "sampler": "plackett-luce"] }, "\"noise.scale\" is 0.5, but the world's configuration has 0.2"),
            ({ $0["headOrder"] = ["y_complete", "y_long", "y_rewatch"] }, "\"headOrder\" is [\"y_complete\", \"y_long\", \"y_rewatch\"], but the world's configuration has"),
        ]
        try Self.expectRefused(cases, base: object, name: "ground_truth.json", fix: "regenerate it with 0-synthetic-data or remove it for real data") { path in
            _ = try SyntheticGroundTruth.read(from: path)
        }
    }
}
