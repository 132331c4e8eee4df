import ArgumentParser
import Foundation
import Testing
import StepCommandLine
@testable import ValueModel

/// The step executables as a user runs them: bad options and bad input give swift-argument-parser's usual
/// messages or a located error, a non-zero exit status, and no output.
@Suite struct ExecutableOptionsTests {
    /// The folder holding the built products (next to this test bundle's resources).
    static let products = Bundle.module.bundleURL.deletingLastPathComponent().path

    /// Runs a product; returns its exit status and standard error.
    static func run(_ product: String, _ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: products + "/" + product)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test(arguments: ["0-synthetic-data", "1-data-preparation", "2-graph-construction", "3-training", "4-head-weight-estimation", "5-policy-evaluation"])
    func unknownOptionsAreRefused(product: String) throws {
        let folder = FileManager.default.temporaryDirectory.path  // a folder that exists, so only the option is wrong
        let result = try Self.run(product, product == "1-data-preparation" ? ["--raw", folder, "--no-such-option"] : ["--no-such-option"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("Unknown option '--no-such-option'"))
    }

    @Test func invalidValuesAreRefused() throws {
        let users = try Self.run("0-synthetic-data", ["--users=0", "--out", "/tmp/never-written"])
        #expect(users.status == 64)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written"))
        let folder = try Self.run("1-data-preparation", ["--raw", "/nonexistent/raw"])
        #expect(folder.status == 64)
        #expect(folder.stderr.contains("--raw /nonexistent/raw: no such folder"))
        let mode = try Self.run("2-graph-construction", ["--message-passing", "sometimes"])
        #expect(mode.status == 64)
        for bad in [["--bootstrap", "-1"], ["--starts", "0"], ["--max-sessions", "-5"], ["--memory-budget-gib", "0"], ["--chunk-sessions", "-1"], ["--threads", "0"]] {
            let result = try Self.run("4-head-weight-estimation", bad + ["--processed", "/tmp/never-written"])
            #expect(result.status == 64, "\(bad)")
            #expect(result.stderr.contains(bad[0]), "\(bad): \(result.stderr)")
        }
        let seeds = try Self.run("3-training", ["--head-seeds", "0", "--processed", "/tmp/never-written"])
        #expect(seeds.status == 64 && seeds.stderr.contains("--head-seeds"), "\(seeds.stderr)")
        for bad in [["--episodes", "0"], ["--window", "0"], ["--epsilon", "2"], ["--max-turn", "0"], ["--ucb-bonus", "-1"],
                    ["--satisfaction-decay", "1.5"], ["--satisfaction-threshold", "-1"]] {
            let result = try Self.run("5-policy-evaluation", bad + ["--processed", "/tmp/never-written"])
            #expect(result.status == 64 && result.stderr.contains(bad[0]), "\(bad): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written"))
    }

    /// A negative number is a value, not an option: the range check names the option (it used to answer "Missing
    /// value for '--max-steps'"); absurd sizes are refused before anything is allocated.
    @Test func negativeAndAbsurdNumbersGetTheirRange() throws {
        let cases: [(String, [String], String)] = [
            ("3-training", ["--max-steps", "-5"], "--max-steps must be positive, got -5"),
            ("3-training", ["--batch-size", "100000000"], "--batch-size must be in 1...16777216, got 100000000"),
            ("3-training", ["--head-seeds", "1000"], "--head-seeds must be in 1...50"),
            ("4-head-weight-estimation", ["--bootstrap", "-1"], "--bootstrap must be in 0...10000, got -1"),
            ("4-head-weight-estimation", ["--chunk-sessions", "9223372036854775807"], "--chunk-sessions must be in 0...10000000 (0 = automatic), got 9223372036854775807"),
            ("4-head-weight-estimation", ["--min-session-length", "1000000"], "--min-session-length must be in 1...100000, got 1000000"),
            ("4-head-weight-estimation", ["--identification-sessions", "20000000"], "--identification-sessions must be in 1...10000000, got 20000000"),
            ("4-head-weight-estimation", ["--pool-sampling-sessions", "20000000"], "--pool-sampling-sessions must be in 0...10000000 (0 = not fitted), got 20000000"),
            ("4-head-weight-estimation", ["--benchmark-sessions", "0"], "--benchmark-sessions must be in 1...10000000, got 0"),
            ("4-head-weight-estimation", ["--memory-budget-gib", "1e300"], "--memory-budget-gib must be a number in (0, 1024]"),
            ("5-policy-evaluation", ["--episodes", "2000000000"], "--episodes must be in 1...1000000, got 2000000000"),
            ("5-policy-evaluation", ["--max-turn", "-3"], "--max-turn must be in 1...10000, got -3"),
            ("5-policy-evaluation", ["--window", "40"], "--window must be at most --max-turn (30), got 40"),
        ]
        for (product, arguments, message) in cases {
            let result = try Self.run(product, arguments + ["--processed", "/tmp/never-written"])
            #expect(result.status == 64 && result.stderr.contains(message), "\(product) \(arguments): \(result.stderr)")
        }
        // Step 4's coverage study: every number has a range, and the worlds' seeds must not run past the largest.
        let coverage: [([String], String)] = [
            (["--worlds", "-3"], "--worlds must be in 1...1000, got -3"),
            (["--worlds", "5000"], "--worlds must be in 1...1000, got 5000"),
            (["--users", "0"], "--users must be in 1...1000000, got 0"),
            (["--videos", "-1"], "--videos must be in 10...1000000, got -1"),
            (["--max-sessions", "2000000000"], "--max-sessions must be in 1...1000000, got 2000000000"),
            (["--list-prefix", "-1"], "--list-prefix must be in 0...100000, got -1"),
            (["--candidate-sessions", "-1"], "--candidate-sessions must be in 0...1000000, got -1"),
            (["--floor-sessions", "9999999"], "--floor-sessions must be in 0...1000000, got 9999999"),
            (["--first-seed", "18446744073709551615"], "--first-seed must be at most 18446744073709551595 (the worlds take the next 20 seeds), got 18446744073709551615"),
        ]
        for (arguments, message) in coverage {
            let result = try Self.run("4-head-weight-estimation", ["coverage"] + arguments + ["--notebook", "/tmp/never-written/coverage.md"])
            #expect(result.status == 64 && result.stderr.contains(message), "coverage \(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written"))
    }

    @Test func helpExplainsEachOption() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.products + "/2-graph-construction")
        process.arguments = ["--help"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("--message-passing"))
        #expect(text.contains("leak-free"))
    }

    @Test func badInputStopsStepOneWithItsLocationAndNoOutput() throws {
        let raw = try HandWrittenWorld.write()
        let big = raw + "/big_matrix.csv"
        var lines = try String(contentsOfFile: big, encoding: .utf8).components(separatedBy: "\n")
        lines[5] = lines[5].replacingOccurrences(of: ",4000,", with: ",4x00,")
        try lines.joined(separator: "\n").write(toFile: big, atomically: true, encoding: .utf8)
        let result = try Self.run("1-data-preparation", ["--raw", raw, "--out", raw + "/out", "--notebook", raw + "/nb.md", "--figures", raw + "/fig"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("big_matrix.csv:6:4 (column \"video_duration\"): cannot read \"4x00\" as a number"))
        #expect(!FileManager.default.fileExists(atPath: raw + "/out/step1"))
        #expect(!FileManager.default.fileExists(atPath: raw + "/nb.md"))
    }

    /// The options the numbered steps share: each step's notebook defaults to `notebooks/<its command name>.md`,
    /// `--threads` below 1 is refused, and every step's help lists the shared options once.
    @Test func sharedStepOptions() throws {
        struct Step: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "9-example")
        }
        #expect(try NotebookOptions.parse([]).notebookPath(for: Step.self) == "notebooks/9-example.md")
        #expect(try NotebookOptions.parse([]).figures == "figures")
        #expect(try NotebookOptions.parse(["--notebook", "elsewhere.md"]).notebookPath(for: Step.self) == "elsewhere.md")
        #expect(try ThreadOptions.parse(["--threads", "3"]).count == 3)
        #expect(try ThreadOptions.parse([]).count == ProcessInfo.processInfo.activeProcessorCount)
        #expect(throws: (any Error).self) { try ThreadOptions.parse(["--threads", "0"]) }
        for product in ["1-data-preparation", "2-graph-construction", "3-training", "4-head-weight-estimation", "5-policy-evaluation"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.products + "/" + product)
            process.arguments = product == "4-head-weight-estimation" ? ["estimate", "--help"] : ["--help"]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let help = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(help.contains("--notebook <notebook>") && help.contains("notebooks/<command>.md"), "\(product)")
            #expect(help.contains("--figures <figures>"), "\(product)")
            #expect(help.contains("--threads <threads>") == ["3-training", "4-head-weight-estimation", "5-policy-evaluation"].contains(product), "\(product)")
        }
        let threads = try Self.run("5-policy-evaluation", ["--threads", "0", "--processed", "/tmp/never-written"])
        #expect(threads.status == 64 && threads.stderr.contains("--threads must be at least 1"), "\(threads.stderr)")
    }
}
