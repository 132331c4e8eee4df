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
    @Option(help: "Sessions per world in the comparison of pool-free estimators (default-size worlds, each mechanism and planted w*; 0 skips it).")
    var candidateSessions = 1000
    @Option(parsing: .upToNextOption, help: "Estimators in that comparison (pool assumptions: \(PoolAssumption.allCases.map(\.rawValue).joined(separator: ", "))).")
    var compare: [PoolAssumption] = [.catalogue, .videoEffects, .videoEffectsTaste, .poolSampling, .shownOrder, .shownOrderProportional, .truePool]
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
            page.table(["mechanism", "likelihood"] + Head.displayNames + ["median max |ŵ − w*|"], rows, alignRight: [2, 3, 4, 5, 6])
            page.paragraph("Coverage well below 95% means the interval is too narrow for the estimate's error: a bias (the assumption does not hold for that mechanism) or an underestimated variance.")
            if candidateSessions > 0 { try compareCandidates(on: &page) }
            page.paragraph("This notebook was computed in \(Format.fixed(Date().timeIntervalSince(started), 0)) s on \(LearningThreads.count) threads.")
            try page.write(to: notebook)
            print("coverage: \(notebook)")
        } catch {
            StepOutput.report(error)
            throw ExitCode.failure
        }
    }
}

extension CoverageCommand {
    /// The estimators that need no pool, side by side on default-size worlds (`SyntheticWorldConfiguration()`'s
    /// users and videos, seed `firstSeed`) for every mechanism and planted w*, with `p_true` as heads.
    func compareCandidates(on page: inout Notebook) throws {
        let candidates = compare
        page.heading("Estimators that need no pool, compared")
        let size = SyntheticWorldConfiguration()
        page.paragraph("Each row is one world of the default size (\(size.users) users, \(size.videos) videos, seed \(firstSeed)) whose platform used the mechanism and planted w* of the row; its first \(Format.count(candidateSessions)) sessions of at least 5 rows are fitted (first \(listPrefix > 0 ? "\(listPrefix)" : "all") rows) with `p_true` as heads. Cells are max |ŵ − w*|; † marks a fit whose optimiser stopped without meeting its convergence test. What each assumes:")
        page.bullets(candidates.map { "**\($0.title)**: \($0.assumes)." })
        var rows: [[String]] = []
        var errors = [[Double]](repeating: [], count: candidates.count)
        var tasteWeights: [SyntheticCandidatePool: [Double]] = [:]
        var floor = FloorEvidence()
        for mechanism in SyntheticCandidatePool.allCases {
            for planted in PoolAnalysis.plantedWeights {
                var c = SyntheticWorldConfiguration()
                c.seed = firstSeed
                c.candidatePool = mechanism
                c.weights = planted
                let world = try SyntheticIdentificationWorld(configuration: c, maximumSessions: candidateSessions)
                let lists = listPrefix > 0 ? try world.lists.prefix(listPrefix) : world.lists
                let truth = WeightParametrisation.l1Normalised(planted)
                let kept = candidates.filter { !(mechanism == .catalogue && $0 == .truePool) }
                let taste = try UserCategoryTaste.offsets(lists: lists, sessionUsers: world.sessionUsers, candidateCategory: world.candidateCategory)
                let fits = try PoolAssumptionEstimate.fitAll(lists, availability: world.availability, pools: world.pools, taste: taste,
                                                             assumptions: kept)
                var row = [mechanism.rawValue, "(" + truth.map { Format.fixed($0, 2) }.joined(separator: ", ") + ")"]
                for (k, assumption) in candidates.enumerated() {
                    guard let f = fits.first(where: { $0.assumption == assumption }) else { row.append("="); continue }
                    let error = HeadWeightEstimator.errors(f.fit.weights, truth).max() ?? .nan
                    errors[k].append(error)
                    if let beta = f.tasteWeight { tasteWeights[mechanism, default: []].append(beta) }
                    row.append(Format.fixed(error, 3) + (f.fit.converged ? "" : " †"))
                }
                rows.append(row)
                try floor.record(world: world, lists: lists, truth: truth, fits: fits)
                FileHandle.standardError.write(Data("candidates: \(mechanism.rawValue) w* = \(planted)\n".utf8))
            }
        }
        page.table(["mechanism", "planted w*"] + candidates.map(\.title), rows, alignRight: Set(2..<(2 + candidates.count)))
        page.paragraph("= : on the catalogue mechanism the true pool is the whole catalogue (the first column).")
        var lines: [String] = []
        for (k, assumption) in candidates.enumerated() where !errors[k].isEmpty {
            let within = errors[k].filter { $0 <= 0.05 }.count
            lines.append("**\(assumption.title)**: within 0.05 of w* in \(within) of \(errors[k].count) worlds; worst \(Format.fixed(errors[k].max() ?? .nan, 3)).")
        }
        page.bullets(lines)
        tasteParagraph(on: &page, candidates: candidates, errors: errors, tasteWeights: tasteWeights)
        if floorSessions > candidateSessions, candidates.contains(.poolSampling) {
            var c = SyntheticWorldConfiguration()
            c.seed = firstSeed
            c.candidatePool = .popularity
            c.weights = PoolAnalysis.plantedWeights[1]
            let world = try SyntheticIdentificationWorld(configuration: c, maximumSessions: floorSessions)
            let lists = listPrefix > 0 ? try world.lists.prefix(listPrefix) : world.lists
            let fits = try PoolAssumptionEstimate.fitAll(lists, availability: world.availability, pools: world.pools,
                                                         assumptions: [.videoEffects, .poolSampling, .truePool])
            try floor.recordLarger(world: world, lists: lists, truth: WeightParametrisation.l1Normalised(c.weights), fits: fits)
            FileHandle.standardError.write(Data("floor: popularity with \(lists.sessions) sessions\n".utf8))
        }
        floor.write(on: &page)
        // The catalogue mechanism is the one where the shown-order likelihood's assumption holds exactly.
        let catalogueRows = PoolAnalysis.plantedWeights.count
        if let k = candidates.firstIndex(of: .shownOrder), errors[k].count >= catalogueRows {
            let worst = errors[k].prefix(catalogueRows).max() ?? .nan
            page.paragraph("On the catalogue mechanism, where the shown-order likelihood's assumption holds exactly, its free-remainder fit misses by up to \(Format.fixed(worst, 3)). "
                + (worst > 0.05 ? "So at this size the order within the shown lists does not pin w down, whatever the pool: the information that identifies w is which videos were shown instead of others, and using it needs a model of the pool."
                                : "So the order within the shown lists identifies w here when nothing else is assumed."))
        }
    }
}

extension CoverageCommand {
    /// What the user's category taste adds to the video effects, per mechanism (mean max error over the planted w*,
    /// and the fitted β̂), when both were compared.
    func tasteParagraph(on page: inout Notebook, candidates: [PoolAssumption], errors: [[Double]],
                        tasteWeights: [SyntheticCandidatePool: [Double]]) {
        guard let plain = candidates.firstIndex(of: .videoEffects), let taste = candidates.firstIndex(of: .videoEffectsTaste) else { return }
        let perMechanism = PoolAnalysis.plantedWeights.count
        let parts = SyntheticCandidatePool.allCases.enumerated().compactMap { m, mechanism -> String? in
            let range = (m * perMechanism)..<((m + 1) * perMechanism)
            guard errors[plain].count >= range.upperBound, errors[taste].count >= range.upperBound else { return nil }
            let before = errors[plain][range].reduce(0, +) / Double(perMechanism), after = errors[taste][range].reduce(0, +) / Double(perMechanism)
            let betas = tasteWeights[mechanism] ?? []
            return "\(mechanism.rawValue) \(Format.fixed(before, 3)) → \(Format.fixed(after, 3))"
                + (betas.isEmpty ? "" : " (β̂ from \(Format.fixed(betas.min() ?? .nan, 2)) to \(Format.fixed(betas.max() ?? .nan, 2)))")
        }
        guard !parts.isEmpty else { return }
        page.paragraph("The user's category taste added to the video effects, mean max error over the planted w* per mechanism: "
            + parts.joined(separator: "; ") + ". Of the three mechanisms only retrieval draws pools that depend on the user; on the other two, where no taste is planted, a β̂ away from 0 is the share of the remaining misfit that the taste proxy soaks up.")
    }
}

extension SyntheticCandidatePool: ExpressibleByArgument {}
extension PoolAssumption: ExpressibleByArgument {}
