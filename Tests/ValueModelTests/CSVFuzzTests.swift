import Foundation
import Testing
@testable import ValueModel

/// Random mutations of valid KuaiRec files (the hand-written world) fed to step 1: it must never crash or
/// trap; each run either succeeds (malformed caption lines skipped and counted, suspicious values counted)
/// or throws a `PipelineError` that names the file it is about. `swift test` runs a bounded, seeded set;
/// `make fuzz` runs many more (FUZZ_CASES, FUZZ_SEED).
@Suite struct CSVFuzzTests {
    static let files = ["big_matrix.csv": HandWrittenWorld.bigMatrix, "user_features.csv": HandWrittenWorld.userFeatures,
                        "item_daily_features.csv": HandWrittenWorld.itemDailyFeatures,
                        "kuairec_caption_category.csv": HandWrittenWorld.captionCategory]

    /// One mutation of `bytes`, chosen by `generator`; returns its description.
    static func mutate(_ bytes: inout [UInt8], _ generator: inout SeededGenerator) -> String {
        func position() -> Int { bytes.isEmpty ? 0 : Int(generator.next() % UInt64(bytes.count)) }
        func lineStarts() -> [Int] { [0] + bytes.indices.filter { bytes[$0] == 10 }.map { $0 + 1 }.filter { $0 < bytes.count } }
        let numbers = ["nan", "inf", "-inf", "-5", "0", "1e400", "99999999999999999999", "", "\"\"", "1,5", "０"]
        switch generator.next() % 12 {
        case 0:
            let cut = position()
            bytes.removeSubrange(cut...)
            return "truncated at \(cut)"
        case 1:
            bytes.insert(UInt8(ascii: "\""), at: position())
            return "stray quote"
        case 2:
            let at = position()
            if bytes.indices.contains(at), bytes[at] == UInt8(ascii: ",") { bytes.remove(at: at) } else { bytes.insert(UInt8(ascii: ","), at: at) }
            return "field count changed"
        case 3:
            let at = position()
            if bytes.indices.contains(at) { bytes[at] = [0xFF, 0xC3, 0x80, 0x00][Int(generator.next() % 4)] }
            return "invalid byte"
        case 4:
            let header = bytes.prefix { $0 != 10 }
            bytes.insert(contentsOf: Array(header) + [10], at: lineStarts().last ?? 0)
            return "duplicated header"
        case 5:
            bytes.insert(contentsOf: Array(repeating: UInt8(ascii: "x"), count: 200_000), at: position())
            return "huge field"
        case 6:
            bytes = []
            return "empty file"
        case 7, 8, 9:
            // replace one field of one data line with an odd value
            let starts = lineStarts()
            guard starts.count > 1 else { return "no data line" }
            let line = starts[1 + Int(generator.next() % UInt64(starts.count - 1))]
            var end = line
            while end < bytes.count, bytes[end] != 10 { end += 1 }
            var fields = bytes[line..<end].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map(Array.init)
            guard !fields.isEmpty else { return "empty line" }
            let field = Int(generator.next() % UInt64(fields.count))
            let value = numbers[Int(generator.next() % UInt64(numbers.count))]
            fields[field] = Array(value.utf8)
            bytes.replaceSubrange(line..<end, with: Array(fields.joined(separator: [UInt8(ascii: ",")])))
            return "field \(field) of a line set to \(value)"
        case 10:
            let starts = lineStarts()
            let line = starts[Int(generator.next() % UInt64(starts.count))]
            var end = line
            while end < bytes.count, bytes[end] != 10 { end += 1 }
            bytes.removeSubrange(line..<min(end + 1, bytes.count))
            return "line removed"
        default:
            let starts = lineStarts()
            let line = starts[Int(generator.next() % UInt64(starts.count))]
            var end = line
            while end < bytes.count, bytes[end] != 10 { end += 1 }
            bytes.insert(contentsOf: Array(bytes[line..<end]) + [10], at: line)
            return "line duplicated"
        }
    }

    /// Runs `cases` mutated folders through step 1 (and step 2 when step 1 succeeds).
    static func run(cases: Int, seed: UInt64) throws -> (succeeded: Int, failed: Int) {
        var generator = SeededGenerator(seed: seed)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var outcome = (succeeded: 0, failed: 0)
        let names = files.keys.sorted()
        for index in 0..<cases {
            for (name, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name)) }
            let target = names[Int(generator.next() % UInt64(names.count))]
            var bytes = Array(files[target]!.utf8)
            var applied: [String] = []
            for _ in 0..<(1 + Int(generator.next() % 3)) { applied.append(mutate(&bytes, &generator)) }
            try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + target))
            do {
                _ = try DataPreparation.run(folder: folder) { _, _ in }
                outcome.succeeded += 1
            } catch let error as PipelineError {
                let message = error.description
                let named = names.contains { message.contains($0) }
                #expect(named, "case \(index) (\(target): \(applied)): the error names no input file: \(message)")
                outcome.failed += 1
            } catch {
                Issue.record("case \(index) (\(target): \(applied)): not a PipelineError: \(error)")
            }
        }
        return outcome
    }

    @Test func mutatedFilesNeverCrashStepOne() throws {
        let environment = ProcessInfo.processInfo.environment
        let cases = Int(environment["FUZZ_CASES"] ?? "") ?? 150
        let seed = UInt64(environment["FUZZ_SEED"] ?? "") ?? 20261124
        let outcome = try Self.run(cases: cases, seed: seed)
        #expect(outcome.succeeded + outcome.failed == cases)
        // the mutations are a mix: some are harmless or skippable, most are located errors
        #expect(outcome.succeeded > 0)
        #expect(outcome.failed > 0)
    }
}
