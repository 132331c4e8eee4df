import Foundation

/// One row of the per-session residual table, at the likelihood estimate ŵ (for downstream causal use).
public struct ResidualRow {
    public var user: Int32, session: Int32, length: Int32, observed: Int
    /// The session's negative log-likelihood per shown row under (ŵ, τ̂).
    public var negativeLogLikelihoodPerRow: Double
    /// Hard list-matching loss terms at ŵ.
    public var embeddingLoss: Double, categoryLoss: Double
    /// Mean ŵ·p of the observed list and of the simulated top-K list.
    public var observedValue: Double, simulatedValue: Double
    /// Videos in both lists.
    public var overlap: Int

    /// Mean ŵ·p of the observed list minus that of the simulated top K.
    public var valueGap: Double { observedValue - simulatedValue }

    public static let header = "user_id,session,sess_len,observed_videos,nll_per_row,embedding_loss,category_loss,observed_value,simulated_value,value_gap,overlap"

    public static func table(sessions: EvaluationSessions, data: ListMatchingData, lists: PlackettLuceLists,
                      fit: PlackettLuceLists.Fit) -> [ResidualRow] {
        let observed = (offsets: lists.offsets, videos: lists.shown)
        let simulated = ListMatchingObjective(data: data, kind: .embedding).simulate(fit.weights, observedIndices: observed)
        let category = ListMatchingObjective(data: data, kind: .category).sessionLosses(fit.weights)
        let likelihood = lists.sessionNegativeLogLikelihoods(fit.theta)
        return (0..<sessions.count).map { s in
            let count = lists.offsets[s + 1] - lists.offsets[s]
            return ResidualRow(user: sessions.users[s], session: sessions.sessionNumbers[s], length: sessions.lengths[s], observed: count,
                               negativeLogLikelihoodPerRow: likelihood[s] / Double(max(count, 1)),
                               embeddingLoss: simulated[s].loss, categoryLoss: category[s],
                               observedValue: simulated[s].observedValue, simulatedValue: simulated[s].simulatedValue,
                               overlap: simulated[s].overlap)
        }
    }

    public var csvLine: String {
        func f(_ x: Double) -> String { String(format: "%.6g", x) }
        return "\(user),\(session),\(length),\(observed),\(f(negativeLogLikelihoodPerRow)),\(f(embeddingLoss)),\(f(categoryLoss)),\(f(observedValue)),\(f(simulatedValue)),\(f(valueGap)),\(overlap)"
    }
}

/// Step 4's artifacts in `<processed>/step4/`, staged and committed with a manifest.
public enum EstimationArtifacts {
    /// Candidate heads are written when they take at most this many bytes.
    public static let headsOnDiskLimit = 1 << 30

    /// Writes and commits step 4's artifacts, its manifest recording `record`'s options.
    public static func write(results: EstimationResults, heads: CandidateHeads, inputs: EstimationInputs, record: HeadWeightEstimationStep.ManifestRecord) throws {
        let output = try ArtifactDirectory(path: results.artifacts)
        let csv = ([ResidualRow.header] + results.residuals.map(\.csvLine)).joined(separator: "\n") + "\n"
        try output.writeFile("session_residuals.csv", data: Data(csv.utf8))
        if let b = results.gnn.bootstrap {
            try output.write("bootstrap_weights", matrix: b.draws.flatMap { $0.map(Float.init) }, columns: 4)
        }
        if CandidateHeads.bytes(sessions: heads.sessions, videos: heads.videos) <= headsOnDiskLimit {
            try output.write("candidate_heads", matrix: heads.values, columns: heads.videos * 4)
            if let spread = results.ensemble?.headSpread {
                try output.write("candidate_heads_sd", matrix: spread, columns: heads.videos * 4)   // step 5's spread UCB
            }
            try output.write("candidate_video_ids", .int32(inputs.candidates.videoIds))
            try output.write("session_user", .int32(inputs.sessions.users))
            try output.write("session_number", .int32(inputs.sessions.sessionNumbers))
            try output.write("session_daypart", .int32(inputs.sessions.dayparts.map(Int32.init)))
            // The first row of each session as logged (for step 5's off-policy estimates): its time and its candidate
            // (−1 when the first row is not a test-split row).
            let sessions = inputs.sessions, timeMs = try inputs.step1.int64("time")
            let stored = try inputs.step1.array("watch_ratio")
            let ratio = stored.descr == "<f8" ? stored.values(as: Double.self) : try inputs.step1.float32("watch_ratio").map(Double.init)
            let observed = inputs.counterfactual.observedCandidates
            try output.write("session_start_ms", .int64(sessions.firstRows.map { timeMs[$0] }))
            try output.write("session_first_candidate", .int32((0..<sessions.count).map { s in
                let o = sessions.observedOffsets[s]
                return o < sessions.observedOffsets[s + 1] && sessions.observedRows[o] == sessions.firstRows[s] ? observed[o] : -1
            }))
            // Each session's logged rows in the evaluation split, in order (step 5's per-step off-policy estimates).
            try output.write("session_observed_offsets", .int64(sessions.observedOffsets.map(Int64.init)))
            try output.write("observed_candidate", .int32(observed))
            try output.write("observed_watch_ratio", .float64(sessions.observedRows.map { ratio[$0] }))
            try output.write("candidate_category", .int32(inputs.counterfactual.candidateCategories.map { Int32($0) }))
            try output.write("candidate_exposure", .int32(inputs.counterfactual.candidateExposure.map(Int32.init)))
            // The headline's model of the logging platform (step 5's estimated propensities): each candidate's upload
            // day (Int32.min = unknown) and its fitted video effect α̂ (−inf for a candidate never shown).
            if let pools = results.pools, let effects = pools.headlineFit?.effects {
                try output.write("candidate_upload_day", .int32(pools.availability.uploadDay))
                try output.write("headline_video_effects", .float64(effects.videoEffects))
            }
        }
        try output.writeFile("estimate.json", data: try estimateJSON(results))
        try output.commit(manifest: Manifest(producer: PipelineStep.headWeightEstimation.producer, version: 1, options: try ManifestOptions.flatten(record),
                                             inputs: try Manifest.describeInputs(inputs.inputFiles), rows: inputs.sessions.count))
    }

    /// `estimate.json`: the headline estimate and the others, for a Python user.
    public static func estimateJSON(_ r: EstimationResults) throws -> Data {
        struct Stored: Codable {
            public var headOrder = Head.labelNames
            public var weights: [Double]
            public var standardErrors: [Double]
            public var noiseScale: Double
            public var negativeLogLikelihood: Double
            public var bootstrapStandardErrors: [Double]?
            public var bootstrapLower: [Double]?
            public var bootstrapUpper: [Double]?
            public var matchingEmbeddingWeights: [Double]
            public var matchingEmbeddingLoss: Double
            public var matchingCategoryWeights: [Double]?
            public var originalStageA: [Double]?
            public var originalStageB: [Double]?
            public var plantedWeights: [Double]?
            public var trueHeadsWeights: [Double]?
            public var sessions: Int
            public var candidates: Int
            public var model: String
            /// The headline (section 4b's video-effects likelihood with the GNN's heads).
            public var headline: Headline?
            /// The derived numbers and verdicts of notebook 4 (`EstimationFindings`).
            public var findings: EstimationFindings?
            public struct Headline: Codable {
                public var assumption: String
                public var weights: [Double]
                public var standardErrors: [Double]
                public var noiseScale: Double
                public var converged: Bool
                /// The 95% interval: with an ensemble, `ŵ ± 1.96 √(s.e.² + sd²/members)` (sessions and the heads'
                /// seeds); without, `ŵ ± 1.96 s.e.` (sessions only).
                public var lower: [Double]
                public var upper: [Double]
                /// The members' headline standard deviation per head (nil without an ensemble), and each member's
                /// headline fitted with its heads alone (the main model first).
                public var seedSpread: [Double]?
                public var members: [Member]?
            }
            public struct Member: Codable {
                public var label: String
                public var model: String
                public var weights: [Double]
                public var standardErrors: [Double]
            }
        }
        guard let g = r.gnn else { throw PipelineError.invalidData("estimate.json needs the estimators on the GNN's heads") }
        let headline = r.pools?.headlineFit.map { h in
            let half = EstimationFindings.Headline.halfWidths(standardErrors: h.fit.standardErrors, ensemble: r.ensemble)
            return Stored.Headline(assumption: h.assumption.rawValue, weights: h.fit.weights, standardErrors: h.fit.standardErrors,
                                   noiseScale: h.fit.noiseScale, converged: h.fit.converged,
                                   lower: zip(h.fit.weights, half).map { $0 - $1 }, upper: zip(h.fit.weights, half).map { $0 + $1 },
                                   seedSpread: r.ensemble?.spread,
                                   members: r.ensemble?.members.map { .init(label: $0.label, model: $0.model, weights: $0.weights, standardErrors: $0.standardErrors) })
        }
        let stored = Stored(weights: g.likelihood.weights, standardErrors: g.likelihood.standardErrors, noiseScale: g.likelihood.noiseScale,
                            negativeLogLikelihood: g.likelihood.negativeLogLikelihood,
                            bootstrapStandardErrors: g.bootstrap?.standardError, bootstrapLower: g.bootstrap?.lower, bootstrapUpper: g.bootstrap?.upper,
                            matchingEmbeddingWeights: g.embedding.weights, matchingEmbeddingLoss: g.embedding.hardLoss,
                            matchingCategoryWeights: g.category?.weights, originalStageA: g.original?.weightsA, originalStageB: g.original?.weightsB,
                            plantedWeights: r.truth, trueHeadsWeights: r.diagnostics?.trueHeads.likelihood.weights,
                            sessions: r.sessions, candidates: r.candidates, model: r.modelName, headline: headline,
                            findings: r.findings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(stored)
    }
}
