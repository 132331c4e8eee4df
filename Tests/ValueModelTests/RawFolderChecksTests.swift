import Foundation
import Testing
@testable import ValueModel

/// Steps 3 and 4 read `--raw` again (ground truth, upload dates): it must be the folder step 1 read, a ground truth
/// must be the one step 1 saw (or none when it saw none), and it must come from today's generator, since they rebuild
/// `p_true` with today's code (issue 14).
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
        // A step-1 manifest written before step 1 recorded the ground truth it saw: whatever is there is taken.
        let recorded = Manifest(producer: PipelineStep.dataPreparation.producer, version: 1, options: [:],
                                inputs: [Manifest.Input(path: "big_matrix.csv", bytes: 10, hash: "x")], rows: 0)
        #expect(try SyntheticGroundTruth.forStep(raw: folder, step1: recorded) == nil)
        // A ground truth as the generator writes it, with its version string changed.
        var configuration = SyntheticWorldConfiguration()
        configuration.users = 4
        let truth = SyntheticGroundTruth(configuration: configuration, usesPlackettLuce: true, summary: SyntheticSummary(),
                                         itemDaily: .init(), captions: .init())
        try truth.encoded().write(to: URL(fileURLWithPath: folder + "/ground_truth.json"))
        #expect(try SyntheticGroundTruth.forStep(raw: folder, step1: recorded)?.truth.seed == configuration.seed)
        var old = truth
        old.generatorVersion = "synthetic-kuairec-1.0"
        try old.encoded().write(to: URL(fileURLWithPath: folder + "/ground_truth.json"))
        do {
            _ = try SyntheticGroundTruth.forStep(raw: folder, step1: recorded)
            Issue.record("an old ground truth was accepted")
        } catch let error as PipelineError {
            #expect("\(error)".contains("synthetic-kuairec-1.0") && "\(error)".contains(SyntheticWorldConfiguration.generatorVersion))
        }
    }

    @Test("the ground truth step 1 saw must still be there, unchanged; one it did not see is refused; none is real data")
    func groundTruthAsStepOneSawIt() throws {
        let folder = try Self.folder(bigMatrix: "0123456789")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/ground_truth.json"
        func step1(saw record: String) -> Manifest {
            Manifest(producer: PipelineStep.dataPreparation.producer, version: 1, options: [SyntheticGroundTruth.step1OptionKey: record],
                     inputs: [Manifest.Input(path: "big_matrix.csv", bytes: 10, hash: "x")], rows: 0)
        }
        func failure(_ manifest: Manifest) -> PipelineError? {
            do { _ = try SyntheticGroundTruth.forStep(raw: folder, step1: manifest) } catch let error as PipelineError { return error } catch {
                return .invalidData("not a PipelineError: \(error)")
            }
            return nil
        }
        // Real data: step 1 saw no ground truth and there is none.
        #expect(try SyntheticGroundTruth.step1Record(raw: folder) == "none")
        let real = step1(saw: "none")
        #expect(try SyntheticGroundTruth.forStep(raw: folder, step1: real) == nil)
        // A synthetic world: the ground truth step 1 saw is read.
        let truth = SyntheticGroundTruth(configuration: SyntheticWorldConfiguration(users: 4, videos: 20, seed: 8), usesPlackettLuce: true,
                                         summary: SyntheticSummary(), itemDaily: .init(), captions: .init())
        let bytes = try truth.encoded()
        try bytes.write(to: URL(fileURLWithPath: path))
        let synthetic = step1(saw: try SyntheticGroundTruth.step1Record(raw: folder))
        #expect(try SyntheticGroundTruth.forStep(raw: folder, step1: synthetic)?.truth == truth)
        // ... one that appeared after step 1 read the folder as real data,
        #expect(failure(real)?.description.contains("\(path) appeared after `1-data-preparation` read \(folder) as real data") == true)
        // ... one that changed since (the same world, written differently),
        try (bytes + Data("\n".utf8)).write(to: URL(fileURLWithPath: path))
        #expect(failure(synthetic)?.description.contains("\(path) changed after `1-data-preparation` read \(folder)") == true)
        // ... and one that is gone: refused, naming the file and the step to re-run, not quietly real data.
        try FileManager.default.removeItem(atPath: path)
        #expect(failure(synthetic) == .missingFile(path: path, hint: "Step 1 read this folder as a synthetic world with this ground truth (its manifest records it): restore the file, or re-run from `1-data-preparation` to treat the folder as real data."))
    }
}
