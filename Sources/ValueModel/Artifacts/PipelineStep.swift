/// The numbered steps of the pipeline, listed once: each step's executable (the producer name its manifests
/// carry), the artifact folder it writes under the processed folder, and its notebook. Every other place names a
/// step through this list, so a folder or producer is spelled in one place.
public enum PipelineStep: Int, CaseIterable, Codable, Sendable {
    case syntheticData = 0
    case dataPreparation = 1
    case graphConstruction = 2
    case training = 3
    case headWeightEstimation = 4
    case policyEvaluation = 5
    case policyLearning = 6

    /// The executable's name, which is also the producer recorded in its manifests (`3-training`).
    public var producer: String {
        switch self {
        case .syntheticData: return "0-synthetic-data"
        case .dataPreparation: return "1-data-preparation"
        case .graphConstruction: return "2-graph-construction"
        case .training: return "3-training"
        case .headWeightEstimation: return "4-head-weight-estimation"
        case .policyEvaluation: return "5-policy-evaluation"
        case .policyLearning: return "6-policy-learning"
        }
    }

    /// The artifact folder's name under the processed folder (`step3`); step 0 writes the raw folder instead.
    public var artifactFolder: String { "step\(rawValue)" }

    /// The artifact folder under `processed` (`data/processed/step3`).
    public func folder(in processed: String) -> String { processed + "/" + artifactFolder }

    /// The folder of this step's resumable state under `processed` (`data/processed/step3-state`); removed when
    /// the step completes.
    public func stateFolder(in processed: String) -> String { processed + "/" + artifactFolder + "-state" }

    /// The notebook the step writes by default (`notebooks/3-training.md`).
    public var notebook: String { "notebooks/\(producer).md" }
}
