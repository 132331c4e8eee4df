import ArgumentParser
import Foundation
import ValueModel

/// `4-head-weight-estimation coverage` (`make coverage`): do the 95% intervals of the headline (video-effects)
/// likelihood cover w*? Runs the library's `CoverageStudy` (seeded synthetic worlds under each candidate
/// mechanism, fitted with `p_true` as heads) and writes its notebook.
struct CoverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "coverage", abstract: "Coverage of the 95% intervals over seeded synthetic worlds (p_true heads).")

    @Option(help: "Seeded worlds per candidate mechanism.")
    var worlds = 20
    @Option(help: "Users per world.")
    var users = 200
    @Option(help: "Videos per world.")
    var videos = 600
    @Option(help: "Sessions (sess_len >= 5) fitted per world.")
    var maxSessions = 1500
    @Option(help: "Observed rows per session used (the first ones; 0 = all), as step 4's --list-prefix.")
    var listPrefix = 10
    @Option(help: "Sessions per world in the comparison of pool-free estimators (default-size worlds, each mechanism and planted w*; 0 skips it).")
    var candidateSessions = 1000
    @Option(parsing: .upToNextOption, help: "Estimators in that comparison (pool assumptions: \(PoolAssumption.allCases.map(\.rawValue).joined(separator: ", "))).")
    var compare: [PoolAssumption] = CoverageStudy.Options().compare
    @Option(help: "Sessions of the larger popularity world that checks whether the pool-free fits' error is noise or bias (0 skips it).")
    var floorSessions = 3000
    @Option(help: "Seed of the first world.")
    var firstSeed: UInt64 = 1
    @Option(help: "Markdown notebook to write.")
    var notebook = "notebooks/4-coverage.md"

    func validate() throws {
        guard worlds >= 1, users >= 1, videos >= 10, maxSessions >= 1, listPrefix >= 0, candidateSessions >= 0, floorSessions >= 0 else {
            throw ValidationError("--worlds, --users, --max-sessions must be positive, --videos at least 10, --list-prefix, --candidate-sessions and --floor-sessions 0 or positive")
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
        do {
            LearningThreads.configure(threads: ProcessInfo.processInfo.activeProcessorCount)
            let started = Date()
            let study = try CoverageStudy.run(studyOptions) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            var page = CoverageNotebook(study: study).build()
            page.paragraph("This notebook was computed in \(Format.fixed(Date().timeIntervalSince(started), 0)) s on \(LearningThreads.count) threads.")
            try page.write(to: notebook)
            print("coverage: \(notebook)")
        } catch {
            StepOutput.report(error)
            throw ExitCode.failure
        }
    }
}

extension SyntheticCandidatePool: ExpressibleByArgument {}
extension PoolAssumption: ExpressibleByArgument {}
