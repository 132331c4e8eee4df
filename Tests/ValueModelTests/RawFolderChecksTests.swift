import Foundation
import Testing
@testable import ValueModel

/// Steps 3 and 4 read `--raw` again (ground truth, upload dates): it must be the folder step 1 read, and a ground
/// truth must come from today's generator, since they rebuild `p_true` with today's code (issue 14).
@Suite("Raw folder and ground-truth checks")
struct RawFolderChecksTests {
    static func folder(bigMatrix: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("raw-check-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(bigMatrix.utf8).write(to: URL(fileURLWithPath: folder + "/big_matrix.csv"))
        return folder
    }

    @Test("the raw folder must hold step 1's files at their recorded sizes")
    func rawFolder() throws {
        let folder = try Self.folder(bigMatrix: "0123456789")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let recorded = [Manifest.Input(path: "elsewhere/big_matrix.csv", bytes: 10, hash: "x"),
                        Manifest.Input(path: "elsewhere/user_features.csv", bytes: 99, hash: "y")]   // absent here: not checked
        try Manifest.checkRawFolder(folder, against: recorded)
        let other = [Manifest.Input(path: "elsewhere/big_matrix.csv", bytes: 11, hash: "x")]
        #expect(throws: PipelineError.self) { try Manifest.checkRawFolder(folder, against: other) }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("raw-empty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(throws: PipelineError.self) { try Manifest.checkRawFolder(empty, against: recorded) }
        do {
            try Manifest.checkRawFolder(folder, against: other)
        } catch let error as PipelineError {
            #expect("\(error)".contains("--raw") && "\(error)".contains("11 bytes"))
        }
    }

    @Test("a ground truth from another generator version is refused, naming both versions; none means real data")
    func generatorVersion() throws {
        let folder = try Self.folder(bigMatrix: "0123456789")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let recorded = [Manifest.Input(path: "big_matrix.csv", bytes: 10, hash: "x")]
        #expect(try SyntheticGroundTruth.forStep(raw: folder, step1Inputs: recorded) == nil)
        // A ground truth as the generator writes it, with its version string changed.
        var configuration = SyntheticWorldConfiguration()
        configuration.users = 4
        let truth = SyntheticGroundTruth(configuration: configuration, usesPlackettLuce: true, summary: SyntheticSummary(),
                                         itemDaily: .init(), captions: .init())
        try truth.encoded().write(to: URL(fileURLWithPath: folder + "/ground_truth.json"))
        #expect(try SyntheticGroundTruth.forStep(raw: folder, step1Inputs: recorded)?.truth.seed == configuration.seed)
        var old = truth
        old.generatorVersion = "synthetic-kuairec-1.0"
        try old.encoded().write(to: URL(fileURLWithPath: folder + "/ground_truth.json"))
        do {
            _ = try SyntheticGroundTruth.forStep(raw: folder, step1Inputs: recorded)
            Issue.record("an old ground truth was accepted")
        } catch let error as PipelineError {
            #expect("\(error)".contains("synthetic-kuairec-1.0") && "\(error)".contains(SyntheticWorldConfiguration.generatorVersion))
        }
    }
}
