import Foundation
import Testing
@testable import ValueModel

/// Stale checks follow the processed folder in use, not the paths a manifest was written with: a copied folder
/// checks its own steps, raw inputs are recorded by absolute path with their sizes through symbolic links, and the
/// later steps find the raw folder step 1 read.
@Suite struct PortableManifestTests {
    /// A processed folder with a "step1" committed from the hand-written raw files and a "step2" committed from
    /// step 1's manifest, as steps 1 and 2 record them.
    static func processedFolder(raw: String, root: String, step1Options: [String: String] = [:]) throws -> String {
        let processed = root + "/processed"
        try commitStep1(raw: raw, processed: processed, options: step1Options)
        let step2 = try ArtifactDirectory(path: processed + "/step2")
        try step2.write("x", .float32([1]))
        try step2.commit(manifest: Manifest(producer: PipelineStep.graphConstruction.producer, version: 1, options: [:],
                                            inputs: try Manifest.describeInputs([processed + "/step1/" + Manifest.fileName]), rows: 1))
        return processed
    }

    static func commitStep1(raw: String, processed: String, options: [String: String]) throws {
        let step1 = try ArtifactDirectory(path: processed + "/step1")
        try step1.write("x", .float32([1]))
        try step1.commit(manifest: Manifest(producer: PipelineStep.dataPreparation.producer, version: 1,
                                            options: options.merging(["raw": Manifest.absolute(raw)]) { $1 },
                                            inputs: try Manifest.describeInputs(DataPreparation.inputFiles.map { raw + "/" + $0 }), rows: 1))
    }

    @Test func inputsAreRecordedRelativeToTheFolderOrAbsolute() throws {
        let raw = try HandWrittenWorld.write()
        defer { try? FileManager.default.removeItem(atPath: raw) }
        let processed = try Self.processedFolder(raw: raw, root: raw)
        let step2 = try Manifest.read(folder: processed + "/step2")
        #expect(step2.inputs.map(\.path) == ["../step1/manifest.json"])
        let step1 = try Manifest.read(folder: processed + "/step1")
        let absoluteRaw = URL(fileURLWithPath: raw).standardizedFileURL.path
        #expect(step1.inputs.map(\.path) == DataPreparation.inputFiles.map { absoluteRaw + "/" + $0 })
        #expect(try Manifest.rawFolder(processed: processed) == absoluteRaw)
    }

    @Test func aCopiedFolderChecksItsOwnSteps() throws {
        let raw = try HandWrittenWorld.write()
        defer { try? FileManager.default.removeItem(atPath: raw) }
        let original = try Self.processedFolder(raw: raw, root: raw + "/a")
        let copy = raw + "/b/processed"
        try FileManager.default.createDirectory(atPath: raw + "/b", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: original, toPath: copy)
        _ = try ColumnStore(.graphConstruction, processed: copy)   // a faithful copy is fresh
        // Step 1 re-run in the copy with other options: the copy's step 2 is stale, the original's is not.
        try Self.commitStep1(raw: raw, processed: copy, options: ["note": "re-run"])
        do {
            _ = try ColumnStore(.graphConstruction, processed: copy)
            Issue.record("the copy's step 2 must be stale once the copy's step 1 changed")
        } catch {
            #expect("\(error)".contains("\(copy)/step2 is stale") && "\(error)".contains("\(copy)/step1/manifest.json"), "\(error)")
        }
        _ = try ColumnStore(.graphConstruction, processed: original)
        // The original changing does not make the copy's step 1 stale either.
        try Self.commitStep1(raw: raw, processed: original, options: ["note": "original re-run"])
        _ = try ColumnStore(.dataPreparation, processed: copy)
    }

    @Test func sizesFollowSymbolicLinks() throws {
        let raw = try HandWrittenWorld.write()
        defer { try? FileManager.default.removeItem(atPath: raw) }
        let links = raw + "/links"
        try FileManager.default.createDirectory(atPath: links, withIntermediateDirectories: true)
        for name in DataPreparation.inputFiles {
            try FileManager.default.createSymbolicLink(atPath: links + "/" + name, withDestinationPath: raw + "/" + name)
        }
        let inputs = try Manifest.describeInputs(DataPreparation.inputFiles.map { links + "/" + $0 })
        let sizes = try DataPreparation.inputFiles.map { try Data(contentsOf: URL(fileURLWithPath: raw + "/" + $0)).count }
        #expect(inputs.map(\.bytes) == sizes)
        try Manifest.checkRawFolder(raw, against: inputs)   // the real folder matches what the links recorded
    }
}
