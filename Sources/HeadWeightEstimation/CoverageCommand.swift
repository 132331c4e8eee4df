import ArgumentParser
import Foundation
import StepCommandLine
import ValueModel

/// `4-head-weight-estimation coverage` (`make coverage`): do the 95% intervals of the headline (video-effects)
/// likelihood cover w*? Runs the library's `CoverageStudy` (seeded synthetic worlds under each candidate
/// mechanism, fitted with `p_true` as heads) and writes its notebook.
struct CoverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "coverage", abstract: "Coverage of the 95% intervals over seeded synthetic worlds (p_true heads).")

    @Option(parsing: .unconditional, help: "Seeded worlds per candidate mechanism.")
    var worlds = 20
    @Option(parsing: .unconditional, help: "Users per world.")
    var users = 200
    @Option(parsing: .unconditional, help: "Videos per world.")
    var videos = 600
    @Option(parsing: .unconditional, help: "Sessions (sess_len >= 5) fitted per world.")
    var maxSessions = 1500
    @Option(parsing: .unconditional, help: "Observed rows per session used (the first ones; 0 = all), as step 4's --list-prefix.")
    var listPrefix = 10
    @Option(parsing: .unconditional, help: "Sessions per world in the comparison of pool-free estimators (default-size worlds, each mechanism and planted w*; 0 skips it).")
    var candidateSessions = 1000
    @Option(parsing: .upToNextOption, help: "Estimators in that comparison (pool assumptions: \(PoolAssumption.allCases.map(\.rawValue).joined(separator: ", "))).")
    var compare: [PoolAssumption] = CoverageStudy.Options().compare
    @Option(parsing: .unconditional, help: "Sessions of the larger popularity world that checks whether the pool-free fits' error is noise or bias (0 skips it).")
    var floorSessions = 3000
    @Option(parsing: .unconditional, help: "Seed of the first world (the worlds use this seed and the next ones).")
    var firstSeed: UInt64 = 1
    @Option(help: "Markdown notebook to write.")
    var notebook = "notebooks/4-coverage.md"

    /// The most worlds per mechanism, users and videos per world, and sessions of any world.
    static let maximumWorlds = 1000
    static let maximumUsers = 1_000_000
    static let maximumVideos = 1_000_000
    static let maximumSessions = 1_000_000
    /// The longest list prefix (a synthetic session has at most `SyntheticWorldConfiguration().maxSessionLength` rows).
    static let maximumListPrefix = 100_000

    func validate() throws {
        func check(_ name: String, _ value: Int, _ range: ClosedRange<Int>) throws {
            guard range.contains(value) else { throw ValidationError("\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(value)") }
        }
        try check("--worlds", worlds, 1...Self.maximumWorlds)
        try check("--users", users, 1...Self.maximumUsers)
        try check("--videos", videos, 10...Self.maximumVideos)
        try check("--max-sessions", maxSessions, 1...Self.maximumSessions)
        try check("--list-prefix", listPrefix, 0...Self.maximumListPrefix)
        try check("--candidate-sessions", candidateSessions, 0...Self.maximumSessions)
        try check("--floor-sessions", floorSessions, 0...Self.maximumSessions)
        guard firstSeed <= UInt64.max - UInt64(worlds) else {
            throw ValidationError("--first-seed must be at most \(UInt64.max - UInt64(worlds)) (the worlds take the next \(worlds) seeds), got \(firstSeed)")
        }
        guard !compare.isEmpty else { throw ValidationError("--compare needs at least one pool assumption") }
    }

    /// The library's options from the command line.
    var studyOptions: CoverageStudy.Options {
        var o = CoverageStudy.Options()
        o.worlds = worlds
        o.users = users
        o.videos = videos
        o.maxSessions = maxSessions
        o.listPrefix = listPrefix
        o.candidateSessions = candidateSessions
        o.compare = compare
        o.floorSessions = floorSessions
        o.firstSeed = firstSeed
        return o
    }

    func run() throws {
        try StepRun.execute(notebook: notebook, figures: nil, outputFolders: []) {
            LearningThreads.configure(threads: ProcessInfo.processInfo.activeProcessorCount)
            let started = Date()
            let study = try CoverageStudy.run(studyOptions) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            var page = CoverageNotebook(study: study).build()
            page.paragraph("This notebook was computed in \(Format.fixed(Date().timeIntervalSince(started), 0)) s on \(LearningThreads.count) threads.")
            return StepOutcome(page: page, summary: "coverage: \(notebook)")
        }
    }
}

extension SyntheticCandidatePool: ExpressibleByArgument {}
extension PoolAssumption: ExpressibleByArgument {}
