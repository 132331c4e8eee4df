import Foundation

/// Which of step 3's GNNs step 4 scores its candidates with, and why (`best_gnn.json`).
///
/// Step 4 scores every candidate of a session, and almost all of them are pairs the platform never showed, so
/// the GNN is chosen by its quality *off* the logged path when step 3 has the small matrix's pairs: the lowest
/// mean per-head log loss there (a proper score: it rewards ranking and calibration both, and `w·p` adds
/// probabilities). Without a small matrix, by the validation mean AUC on logged edges, as the original.
public struct ScoringModelChoice: Codable, Sendable, Equatable {
    /// How the model was chosen.
    public enum Criterion: String, Codable, Sendable {
        case offPathLogLoss = "off-path mean log loss"
        case validationAUC = "validation mean AUC"
    }

    /// Artifact name (`gnn64`, `gnn128`) and embedding width.
    public var model: String
    public var hidden: Int
    public var criterion: Criterion
    public var validationMeanAUC: Double
    public var testMeanAUC: Double
    /// Mean over heads on the small matrix's pairs (nil without them).
    public var offPathMeanLogLoss: Double?
    public var offPathMeanAUC: Double?
    /// Every GNN compared: name and the value of the criterion.
    public var compared: [String: Double]
    /// Artifact names of the other seeds of the chosen GNN (`TrainingResults.SeedMember`); nil or empty: none.
    public var seedMembers: [String]?

    public static let fileName = "best_gnn.json"

    /// Chooses among `models` (the GNNs: `hidden` set); nil when there is none.
    public static func choose(_ models: [TrainingResults.Model]) -> ScoringModelChoice? {
        let gnns = models.filter { $0.hidden != nil }
        let offPath = gnns.allSatisfy { $0.offPath?.meanLogLoss.isFinite == true }
        let criterion: Criterion = offPath && !gnns.isEmpty ? .offPathLogLoss : .validationAUC
        func value(_ m: TrainingResults.Model) -> Double {
            criterion == .offPathLogLoss ? m.offPath!.meanLogLoss : m.validation.mean
        }
        let best = criterion == .offPathLogLoss ? gnns.min { value($0) < value($1) } : gnns.max { value($0) < value($1) }
        guard let best, let hidden = best.hidden else { return nil }
        return ScoringModelChoice(model: best.name, hidden: hidden, criterion: criterion, validationMeanAUC: best.validation.mean,
                                  testMeanAUC: best.test.mean, offPathMeanLogLoss: best.offPath?.meanLogLoss,
                                  offPathMeanAUC: best.offPath?.auc.mean,
                                  compared: Dictionary(uniqueKeysWithValues: gnns.map { ($0.name, value($0)) }))
    }

    /// The widest GNN embedding `best_gnn.json` may name (the paper's GNNs are 64 and 128 wide).
    public static let maximumHidden = 4096

    /// Reads `<step3>/best_gnn.json`, refusing, with the file and the key, one that is truncated or not JSON, lacks a
    /// key, or holds a value step 4 cannot use: a model name that is not a plain artifact name (it becomes part of
    /// file names) or is not among those compared, a width outside 1...`maximumHidden`, an AUC outside 0...1, a
    /// negative or non-finite log loss or compared value, a seed member named twice or named like the model.
    public static func read(step3 folder: String) throws -> ScoringModelChoice {
        let path = folder + "/" + fileName
        let fix = "re-run `3-training`"
        let choice = try JSONFile.decode(ScoringModelChoice.self, from: path, what: "step 3's best_gnn.json",
                                         missing: "Run `3-training` first (or `make notebooks`).", fix: fix)
        func refuse(_ key: String, _ problem: String) -> PipelineError { JSONFile.refuse(path, key, problem, fix: fix) }
        guard isArtifactName(choice.model) else { throw refuse("model", "is \"\(choice.model)\", not an artifact name (letters, digits, _ and -)") }
        guard choice.compared[choice.model] != nil else {
            throw refuse("model", "is \(choice.model), which is not among the GNNs compared (\(choice.compared.keys.sorted().joined(separator: ", ")))")
        }
        guard (1...maximumHidden).contains(choice.hidden) else { throw refuse("hidden", "is \(choice.hidden), expected 1...\(maximumHidden)") }
        for (key, auc) in [("validationMeanAUC", choice.validationMeanAUC), ("testMeanAUC", choice.testMeanAUC),
                           ("offPathMeanAUC", choice.offPathMeanAUC)] {
            if let auc, !(0...1).contains(auc) { throw refuse(key, "is \(auc), an AUC is in 0...1") }
        }
        if let loss = choice.offPathMeanLogLoss, !(loss.isFinite && loss >= 0) { throw refuse("offPathMeanLogLoss", "is \(loss), a log loss is finite and 0 or more") }
        if choice.criterion == .offPathLogLoss, choice.offPathMeanLogLoss == nil {
            throw refuse("offPathMeanLogLoss", "is missing, but the criterion is \"\(choice.criterion.rawValue)\"")
        }
        for (name, value) in choice.compared.sorted(by: { $0.key < $1.key }) where !isArtifactName(name) || !value.isFinite {
            throw refuse("compared.\(name)", isArtifactName(name) ? "is \(value), not a finite number" : "is not an artifact name (letters, digits, _ and -)")
        }
        var members = Set([choice.model])
        for (index, member) in (choice.seedMembers ?? []).enumerated() {
            guard isArtifactName(member) else { throw refuse("seedMembers[\(index)]", "is \"\(member)\", not an artifact name (letters, digits, _ and -)") }
            guard members.insert(member).inserted else { throw refuse("seedMembers[\(index)]", "names \(member) a second time") }
        }
        return choice
    }

    /// Whether `name` can stand in an artifact's file name: 1 to 100 ASCII letters, digits, `_` or `-` (no path).
    public static func isArtifactName(_ name: String) -> Bool {
        (1...100).contains(name.count) && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") }
    }

    /// The choice in one sentence, from its own numbers.
    public var explanation: String {
        let others = compared.filter { $0.key != model }.sorted { $0.key < $1.key }
            .map { "\($0.key) \(Format.fixed($0.value, 4))" }.joined(separator: ", ")
        switch criterion {
        case .offPathLogLoss:
            return "chosen by step 3 for the lowest mean log loss (−log of the probability a head gave to what happened, averaged; lower is better) on the small matrix's pairs, off the logged path (\(Format.fixed(offPathMeanLogLoss ?? .nan, 4))"
                + (others.isEmpty ? "" : "; \(others)") + "; mean AUC there \(Format.fixed(offPathMeanAUC ?? .nan, 4)), validation mean AUC \(Format.fixed(validationMeanAUC, 4)))"
        case .validationAUC:
            return "chosen by step 3 for the best validation mean AUC on logged edges (\(Format.fixed(validationMeanAUC, 4))"
                + (others.isEmpty ? "" : "; \(others)") + "), since no small matrix was there to measure the heads off the logged path"
        }
    }
}
