import Foundation
import Testing
@testable import ValueModel

/// Every notebook names, under its title, the commit of the code that wrote it, the kernel and the threads.
@Test func notebookHeaderNamesTheCommitKernelAndThreads() throws {
    // The commit as git itself reports it for the folder the tests run in (a clone of this repository).
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git", "rev-parse", "HEAD"]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let sha = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "the tests run outside a git checkout")

    let lines = Notebook(title: "A notebook").markdown.components(separatedBy: "\n")
    #expect(lines[0] == "# A notebook" && lines[1].isEmpty)
    #expect(lines[2].hasPrefix("*Made from commit \(sha)"), "\(lines[2])")
    #expect(lines[2].contains("OpenBLAS kernel \(BLASKernel.corename); \(LearningThreads.count) thread(s).*"))
}
