import Foundation

/// Where a notebook came from: the commit of the code that wrote it (and whether that code had uncommitted
/// changes), when, and the OpenBLAS kernel and thread count it ran with. Every notebook carries it under its title,
/// so a reader (and `scripts/check-companions.sh`) can tell a notebook made from older code.
public enum Provenance {
    /// The commit of the working directory's git checkout, `"<sha>"` or `"<sha> with uncommitted changes"`; nil
    /// outside a checkout or without git. Asked once per process.
    public static let commit: String? = {
        guard let sha = git(["rev-parse", "HEAD"]), sha.count == 40 || sha.count == 64 else { return nil }
        // Changes to the code only: the notebooks and figures a run is rewriting are not what made them.
        let changes = git(["status", "--porcelain", "--untracked-files=no", "--", "Sources", "Package.swift", "Makefile", "scripts"]) ?? ""
        return sha + (changes.isEmpty ? "" : " with uncommitted changes")
    }()

    /// The line under a notebook's title (`Made from commit … on … UTC; OpenBLAS kernel …; N thread(s).`).
    public static var line: String {
        let date = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC") ?? .current,
                                               formatOptions: [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime])
        let source = commit.map { "commit \($0)" } ?? "a folder that is not a git checkout (commit unknown)"
        return "*Made from \(source) on \(date) UTC; OpenBLAS kernel \(BLASKernel.corename); \(LearningThreads.count) thread(s).*"
    }

    /// The trimmed standard output of `git arguments` run in the working directory, or nil when git fails.
    private static func git(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
