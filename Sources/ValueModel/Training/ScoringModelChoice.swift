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

    /// Reads `<step3>/best_gnn.json` with a located error.
    public static func read(step3 folder: String) throws -> ScoringModelChoice {
        let path = folder + "/" + fileName
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PipelineError.missingFile(path: path, hint: "Run `3-training` first (or `make notebooks`).")
        }
        do { return try JSONDecoder().decode(ScoringModelChoice.self, from: data) } catch {
            throw PipelineError.malformedInput(SourceLocation(file: path), reason: "not step 3's best_gnn.json (\(error)); re-run `3-training`")
        }
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
