// 0-synthetic-data: writes a synthetic KuaiRec 2.0 world (the four input files + ground_truth.json) with a
// planted value model, so the pipeline runs without the real data and step 4 has a known answer.
// The world itself is described in Sources/ValueModel/Synthetic/SyntheticConfiguration.swift.

import ArgumentParser
import Foundation
import ValueModel

struct SyntheticData: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: PipelineStep.syntheticData.producer,
        abstract: "Write a synthetic KuaiRec 2.0 world with a planted value model.",
        discussion: """
            Writes big_matrix.csv, user_features.csv, item_daily_features.csv, kuairec_caption_category.csv \
            (the real formats) and ground_truth.json into --out. Sessions are ranked by \
            w* . p_true(user, video, context) + noise * epsilon with w* = (0.22, 0.10, -0.02, -0.66) by default \
            (heads complete, long, rewatch, neg). Same options and seed -> byte-identical files. \
            --users 7176 --videos 10728 gives about 12.5 million rows, like the real big_matrix.
            """)

    @Option(help: "Output folder (created if missing).")
    var out = "data/raw"

    @Option(parsing: .unconditional, help: "Number of users.")
    var users = 600

    @Option(parsing: .unconditional, help: "Number of videos.")
    var videos = 1200

    @Option(parsing: .unconditional, help: "Seed of the whole world.")
    var seed: UInt64 = 2026

    @Option(help: ArgumentHelp(
        "Scale of the noise added to the platform's score (noise * epsilon).",
        discussion: "Planted values w* . p_true vary with an sd of about 0.145 across the catalogue; with Gumbel " +
            "noise of scale 0.1 the log-weights of the Plackett-Luce ranking have an sd of about 1.45. " +
            "Larger = closer to random shows, smaller = a sharper (more identifiable) value model."))
    var noise = SyntheticWorldConfiguration.defaultNoiseScale

    @Option(help: "Distribution of the standardised noise: gumbel (Plackett-Luce ranking) or normal.")
    var noiseDistribution: SyntheticNoiseDistribution = .gumbel

    @Option(help: "Candidate generation before the ranking: catalogue (every video), popularity (a popularity-weighted pool of uploaded videos) or retrieval (popularity x noisy user-video affinity; the default, as on a real platform).")
    var pool: SyntheticCandidatePool = .retrieval

    @Option(help: ArgumentHelp("Pool size range per session, as min-max (uniform in between).", valueName: "min-max"))
    var poolSize = "150-300"

    @Option(parsing: .unconditional, help: "How strongly a retrieval pool follows the user's affinity (0 = popularity alone).")
    var retrievalAffinity = 1.0

    @Option(parsing: .unconditional, help: "Standard deviation of the retrieval model's per-(user, video) error on the affinity.")
    var retrievalNoise = 0.7

    @Option(help: "Planted head weights w* as four comma-separated numbers (complete,long,rewatch,neg).")
    var weights = SyntheticWorldConfiguration.paperWeights.map { String($0) }.joined(separator: ",")

    @Option(parsing: .unconditional, help: "Mean sessions per burst day of a user with activity 1 (fewer = a smaller big_matrix).")
    var sessionsPerDay = 2.7

    @Option(parsing: .unconditional, help: "Median session length in rows (before the per-user shift).")
    var sessionLengthMedian = 7.5

    @Option(parsing: .unconditional, help: "Mean number of sessions per user on stray days outside the bursts.")
    var straySessions = 0.1

    @Option(parsing: .unconditional, help: "Dimension of the latent user and video factors.")
    var latentDimension = 8

    @Option(help: ArgumentHelp(
        "JSON file with all engagement constants (the configuration.engagement object of a ground_truth.json).",
        valueName: "file"))
    var engagement: String?

    @Option(parsing: .unconditional, help: "Worker threads (0 = all cores). The files do not depend on it.")
    var threads = 0

    @Flag(help: "Score every candidate with explicit noise even where the exact Plackett-Luce shortcut applies (slow).")
    var scoreEveryCandidate = false

    @Option(help: ArgumentHelp("small_matrix.csv: the shares of users and of videos in its fully observed block, as users,videos (KuaiRec's real block is about 0.2,0.3), or none.", valueName: "users,videos"))
    var smallMatrix = "0.2,0.3"

    func parsedWeights() throws -> [Double] {
        let parts = weights.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 4, parts.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--weights needs four comma-separated numbers, got \"\(weights)\"")
        }
        return parts.map { $0! }
    }

    func parsedPoolSize() throws -> (Int, Int) {
        let parts = poolSize.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let low = parts[0], let high = parts[1] else {
            throw ValidationError("--pool-size needs min-max (two whole numbers), got \"\(poolSize)\"")
        }
        return (low, high)
    }

    func parsedSmallMatrix() throws -> SyntheticSmallMatrix? {
        if smallMatrix == "none" { return nil }
        let parts = smallMatrix.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let users = parts[0], let videos = parts[1] else {
            throw ValidationError("--small-matrix needs users,videos (two shares in (0, 1]) or none, got \"\(smallMatrix)\"")
        }
        var block = SyntheticSmallMatrix()
        block.userShare = users
        block.videoShare = videos
        return block
    }

    func makeConfiguration() throws -> SyntheticWorldConfiguration {
        var c = SyntheticWorldConfiguration(users: users, videos: videos, seed: seed)
        c.noiseScale = noise
        c.noiseDistribution = noiseDistribution
        c.candidatePool = pool
        (c.poolMinimum, c.poolMaximum) = try parsedPoolSize()
        c.retrievalAffinityWeight = retrievalAffinity
        c.retrievalNoise = retrievalNoise
        c.weights = try parsedWeights()
        c.sessionsPerDay = sessionsPerDay
        c.sessionLengthMedian = sessionLengthMedian
        c.straySessionsPerUser = straySessions
        c.latentDimension = latentDimension
        c.scoreEveryCandidate = scoreEveryCandidate
        c.smallMatrix = try parsedSmallMatrix()
        if let engagement {
            guard let data = FileManager.default.contents(atPath: engagement) else {
                throw ValidationError("--engagement: cannot read \(engagement)")
            }
            do {
                c.engagement = try JSONDecoder().decode(SyntheticEngagementParameters.self, from: data)
            } catch {
                throw ValidationError("--engagement: \(engagement) is not a complete engagement object: \(error)")
            }
        }
        return c
    }

    func validate() throws {
        guard users > 0 else { throw ValidationError("--users must be positive, got \(users)") }
        guard videos >= 10 else { throw ValidationError("--videos must be at least 10, got \(videos)") }
        guard noise.isFinite, noise > 0 else { throw ValidationError("--noise must be a positive number, got \(noise)") }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 (all cores) or positive") }
        guard !out.isEmpty else { throw ValidationError("--out must not be empty") }
        do {
            try makeConfiguration().validate()
        } catch let error as PipelineError {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let started = Date()
        let truth: SyntheticGroundTruth
        do {
            try OutputLocation.checkFolder(out, option: "--out")
            let generator = try SyntheticWorldGenerator(configuration: try makeConfiguration())
            truth = try generator.write(to: out, threads: threads) { line in
                FileHandle.standardError.write(Data(("  " + line + "\n").utf8))
            }
        } catch {
            StepOutput.report(error)
            throw ExitCode.failure
        }
        let s = truth.summary
        let seconds = Date().timeIntervalSince(started)
        func pct(_ x: Double) -> String { String(format: "%.2f%%", 100 * x) }
        print("wrote \(out)/{big_matrix,user_features,item_daily_features,kuairec_caption_category}.csv + ground_truth.json")
        print("  users \(s.users), videos \(s.videos), rows \(s.rows) (\(s.rowsOutsideBursts) outside the bursts), "
              + "sessions \(s.sessions)")
        print("  session length: median \(s.sessionLengthMedian), mean " + String(format: "%.2f", s.sessionLengthMean)
              + ", max \(s.sessionLengthMax); rows repeating a (user, video) pair: \(s.repeatedPairRows)")
        print("  label rates complete/long/rewatch/neg: " + s.labelRates.map(pct).joined(separator: " / ")
              + "  (mean p_true: " + s.meanTrueProbabilities.map(pct).joined(separator: " / ") + ")")
        print("  planted value of shown rows " + String(format: "%.4f", s.meanShownValue) + " vs catalogue "
              + String(format: "%.4f", s.meanCatalogueValue) + " (sd " + String(format: "%.4f", s.catalogueValueSD)
              + "); distinct videos shown \(s.distinctVideosShown)")
        print("  w* = \(truth.weights), noise \(truth.noise.distribution) x \(truth.noise.scale) "
              + "(\(truth.noise.sampler)); candidates: \(truth.candidatePool)")
        print(String(format: "  %.1f s", seconds))
    }
}

extension SyntheticNoiseDistribution: ExpressibleByArgument {}
extension SyntheticCandidatePool: ExpressibleByArgument {}

SyntheticData.main()
