import Foundation

/// What an interrupted step 6 continues from with `--resume` (`<processed>/step6-state/`): each user model's tables
/// and report once it is fitted, and each arm's A2C checkpoint after every epoch (`A2CCheckpoint`, which carries the
/// epochs' evaluations too). Every saved part records what it was made from (the options that shape it and the
/// content hashes of steps 1 and 2's manifests); continuing from a part made with anything else is refused,
/// naming the difference. A resumed run ends with the same policies, tables and numbers as an uninterrupted one.
public struct PolicyLearningState: Sendable {
    /// The state folder.
    public let folder: String
    /// Continue from what `folder` holds (false: what it holds is overwritten).
    public let resume: Bool
    /// The content hashes of the inputs every part depends on.
    let inputs: [String: String]

    /// The state of a run on `processed` (steps 1 and 2 read from there), kept in `folder`.
    public init(folder: String, resume: Bool, processed: String) throws {
        self.folder = folder
        self.resume = resume
        var inputs: [String: String] = [:]
        for step in [PipelineStep.dataPreparation, .graphConstruction] {
            inputs["step \(step.rawValue) manifest hash"] = try ContentHash.ofFile(step.folder(in: processed) + "/" + Manifest.fileName)
        }
        self.inputs = inputs
    }

    /// What a fitted user model's folder holds besides its tables: the report and what it was fitted from.
    private struct SavedUserModel: Codable {
        var identity: [String: String]
        var report: PolicyLearningStep.UserModelReport
    }

    private func userModelFolder(_ settings: UserModelSettings) -> String { folder + "/user_model_" + settings.weighting.rawValue }

    /// The identity of a user model fitted with `settings`.
    func userModelIdentity(_ settings: UserModelSettings) throws -> [String: String] {
        var identity = inputs
        identity["user model settings"] = String(decoding: try TrainingState.encoder().encode(settings), as: UTF8.self)
        return identity
    }

    /// The user model fitted with `settings` by an earlier run, when resuming and one was saved; refuses one fitted
    /// from other settings or inputs.
    func savedUserModel(_ settings: UserModelSettings) throws -> (UserModelPredictions, PolicyLearningStep.UserModelReport)? {
        let path = userModelFolder(settings), reportPath = path + "/report.json"
        guard resume, FileManager.default.fileExists(atPath: reportPath) else { return nil }
        let saved: SavedUserModel
        do {
            saved = try TrainingState.decoder().decode(SavedUserModel.self, from: Data(contentsOf: URL(fileURLWithPath: reportPath)))
        } catch {
            throw PipelineError.malformedInput(SourceLocation(file: reportPath), reason: "unreadable user model report (\(error)); delete \(folder) or run without --resume")
        }
        try ResumeIdentity.check(saved: saved.identity, current: try userModelIdentity(settings), path: reportPath)
        return (try UserModelPredictions.read(from: path), saved.report)
    }

    /// Saves a fitted user model's tables and report, written beside and renamed into place, so that a kill leaves
    /// either the whole model or none of it.
    func save(_ predictions: UserModelPredictions, report: PolicyLearningStep.UserModelReport, settings: UserModelSettings) throws {
        let path = userModelFolder(settings), staging = path + ".partial"
        let files = FileManager.default
        try files.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for old in [staging, path] where files.fileExists(atPath: old) { try files.removeItem(atPath: old) }
        try files.createDirectory(atPath: staging, withIntermediateDirectories: false)
        try predictions.write(to: staging)
        let saved = SavedUserModel(identity: try userModelIdentity(settings), report: report)
        try AtomicWrite.write(try TrainingState.encoder().encode(saved), to: staging + "/report.json")
        try files.moveItem(atPath: staging, toPath: path)
    }

    /// The checkpoint of `arm`'s training, which must match `identity` (the arm's reward and evaluation settings)
    /// besides the inputs and the user model it trains in.
    func checkpoint(_ arm: PolicyLearningStep.Arm, userModel settings: UserModelSettings, identity: [String: String]) throws -> A2CCheckpoint {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var full = try userModelIdentity(settings)
        full.merge(identity) { _, new in new }
        full["arm"] = arm.rawValue
        return A2CCheckpoint(path: folder + "/a2c_\(arm.rawValue).safetensors", resume: resume, identity: full)
    }
}
