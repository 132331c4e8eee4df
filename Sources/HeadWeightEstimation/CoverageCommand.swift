import ArgumentParser
import Foundation
import ValueModel

/// `4-head-weight-estimation coverage` (`make coverage`): do the 95% intervals of the headline (video-effects)
/// likelihood cover w*? Simulates small seeded synthetic worlds in memory under each candidate mechanism, fits
/// them with `p_true` as heads, and counts per head how often `ŵ ± 1.96 s.e.` contains w*. Writes a notebook.
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
    @Option(help: "Seed of the first world.")
    var firstSeed: UInt64 = 1
    @Option(help: "Markdown notebook to write.")
    var notebook = "notebooks/4-coverage.md"

    func validate() throws {
        guard worlds >= 1, users >= 1, videos >= 10, maxSessions >= 1, listPrefix >= 0 else {
            throw ValidationError("--worlds, --users, --max-sessions must be positive, --videos at least 10, --list-prefix 0 or positive")
        }
    }

    func run() throws {
        do {
            LearningThreads.configure(threads: ProcessInfo.processInfo.activeProcessorCount)
            let started = Date()
            let truth = WeightParametrisation.l1Normalised(SyntheticWorldConfiguration.paperWeights)
            var page = Notebook(title: "Step 4 — coverage of the headline's 95% intervals")
            page.paragraph("\(worlds) seeded synthetic worlds per candidate mechanism (\(users) users, \(videos) videos, up to \(Format.count(maxSessions)) sessions of at least 5 rows, the first \(listPrefix > 0 ? "\(listPrefix)" : "all") rows of each), planted w* = (\(truth.map { Format.fixed($0, 3) }.joined(separator: ", "))), fitted with the world's exact `p_true` as heads. An interval is `ŵ_h ± 1.96 s.e._h` (the delta method on the profile information: the Schur complement of the Hessian with the video-effect block taken as diagonal for video effects, the plain Hessian otherwise). Target: 90–98% per head. The true-pool likelihood (an oracle that knows the unlogged pools) is shown as the reference of a correctly specified model.")
            var rows: [[String]] = []
            for mechanism in SyntheticCandidatePool.allCases {
                var covered = [[Int]](repeating: [0, 0, 0, 0], count: 2)
                var errors = [[Double]](repeating: [], count: 2)
                for seed in firstSeed..<(firstSeed + UInt64(worlds)) {
                    var c = SyntheticWorldConfiguration(users: users, videos: videos, seed: seed)
                    c.candidatePool = mechanism
                    let world = try SyntheticIdentificationWorld(configuration: c, maximumSessions: maxSessions)
                    let lists = listPrefix > 0 ? try world.lists.prefix(listPrefix) : world.lists
                    let fits = try PoolAssumptionEstimate.fitAll(lists, availability: world.availability, pools: world.pools,
                                                                 assumptions: [.videoEffects, mechanism == .catalogue ? .catalogue : .truePool])
                    for (k, f) in fits.enumerated() {
                        for h in 0..<4 where abs(f.fit.weights[h] - truth[h]) <= 1.96 * f.fit.standardErrors[h] { covered[k][h] += 1 }
                        errors[k].append(HeadWeightEstimator.errors(f.fit.weights, truth).max() ?? .nan)
                    }
                    FileHandle.standardError.write(Data("coverage: \(mechanism.rawValue) world \(seed)\n".utf8))
                }
                for (k, name) in ["video effects (headline)", mechanism == .catalogue ? "whole catalogue (= true pools)" : "true pools (oracle)"].enumerated() {
                    let median = errors[k].sorted()[errors[k].count / 2]
                    rows.append([mechanism.rawValue, name] + covered[k].map { Format.percent(Double($0) / Double(worlds), 0) } + [Format.fixed(median, 3)])
                }
            }
            page.table(["mechanism", "likelihood", "complete", "long", "rewatch", "neg", "median max |ŵ − w*|"], rows, alignRight: [2, 3, 4, 5, 6])
            page.paragraph("Coverage well below 95% means the interval is too narrow for the estimate's error: a bias (the assumption does not hold for that mechanism) or an underestimated variance. Computed in \(Format.fixed(Date().timeIntervalSince(started), 0)) s on \(LearningThreads.count) threads.")
            try page.write(to: notebook)
            print("coverage: \(notebook)")
        } catch {
            StepOutput.report(error)
            throw ExitCode.failure
        }
    }
}

extension SyntheticCandidatePool: ExpressibleByArgument {}
