import Foundation
import Testing
@testable import ValueModel

/// Step 4's findings on hand-made results: every verdict notebook 4 prints in each of its outcomes, the boundaries
/// at the thresholds, and the derived numbers against hand computations.
@Suite struct EstimationFindingsTests {
    /// A likelihood fit with these weights and standard errors (the other fields do not enter the findings here).
    static func fit(_ weights: [Double], standardErrors: [Double] = [0, 0, 0, 0]) -> PlackettLuceLists.Fit {
        PlackettLuceLists.Fit(theta: weights, weights: weights, noiseScale: 1, negativeLogLikelihood: 0, rows: 1, iterations: 0,
                              converged: true, standardErrors: standardErrors, path: [], weightsPath: [])
    }

    static func improved(_ weights: [Double], hardLoss: Double) -> HeadWeightEstimator.Improved {
        let surrogate = AnnealedSurrogateOptimiser.Result(x: weights, weights: weights, stages: [], path: [], evaluations: 0)
        return HeadWeightEstimator.Improved(starts: [.init(start: weights, surrogate: surrogate, surrogateHardLoss: hardLoss, polish: nil,
                                                           weights: weights, hardLoss: hardLoss, evaluations: 0)], best: 0)
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-12 }

    @Test func recoveryVerdictAtTheTarget() {
        #expect(RecoveryVerdict.judge(maxError: 0.05) == .withinTarget)
        #expect(RecoveryVerdict.judge(maxError: 0.0) == .withinTarget)
        #expect(RecoveryVerdict.judge(maxError: 0.0501) == .outsideTarget)
        #expect(RecoveryVerdict.judge(maxError: .nan) == .outsideTarget)
    }

    /// |ŵ − w*| per head after L1-normalising both: (0.6, 0.2, 0, −1.2) is (0.3, 0.1, 0, −0.6).
    @Test func recoveryRowNormalisesAndTakesTheLargestError() {
        let row = EstimationFindings.RecoveryRow(heads: .gnn, estimator: .likelihood, weights: [0.6, 0.2, 0, -1.2],
                                                 reference: [0.22, 0.10, -0.02, -0.66])
        #expect(zip(row.errors, [0.08, 0, 0.02, 0.06]).allSatisfy { Self.close($0, $1) })
        #expect(Self.close(row.maxError, 0.08))
        #expect(row.verdict == .outsideTarget)
        let near = EstimationFindings.RecoveryRow(heads: .trueHeads, estimator: .matchingEmbedding, weights: [0.24, 0.10, -0.02, -0.64],
                                                  reference: [0.22, 0.10, -0.02, -0.66])
        #expect(near.verdict == .withinTarget)
    }

    @Test func diagnosticVerdictsBothWays() {
        typealias D = EstimationFindings.Diagnostics
        #expect(D.MatchingAtTruthVerdict.judge(lossAtTruth: 5, lossAtEstimate: 3) == .truthNotMinimum)
        #expect(D.MatchingAtTruthVerdict.judge(lossAtTruth: 3, lossAtEstimate: 3) == .optimiserStoppedShort)
        #expect(D.NoiseVerdict.judge(within: 5, scales: 5) == .precisionOnly)
        #expect(D.NoiseVerdict.judge(within: 4, scales: 5) == .centreMoves)
        #expect(D.BlendVerdict.judge(withinLambda: 1) == .wholeBlend)
        #expect(D.BlendVerdict.judge(withinLambda: 0.75) == .upToLambda)
        #expect(D.BlendVerdict.judge(withinLambda: nil) == .nowhere)
        #expect(D.SwapVerdict.judge(best: 0.09, allGNN: 0.1) == .lowersError)
        #expect(D.SwapVerdict.judge(best: 0.1, allGNN: 0.1) == .notOneHead)
        // Ten percentage points of candidate share, and 0.1 of |correlation|, are the margins.
        #expect(D.PersonalisationVerdict.judge(gnnShare: 0.61, trueShare: 0.5) == .lessPersonalised)
        #expect(D.PersonalisationVerdict.judge(gnnShare: 0.59, trueShare: 0.5) == .comparable)
        #expect(D.ExposureVerdict.judge(gnn: -0.41, truth: 0.3) == .tracksExposure)
        #expect(D.ExposureVerdict.judge(gnn: 0.39, truth: -0.3) == .comparable)
    }

    /// w* = (0.4, 0.1, 0.1, −0.4); every estimate below has Σ|w| = 1, so its error is |w − w*| per head.
    @Test func diagnosticsFromHandMadeFits() throws {
        let truth = [0.4, 0.1, 0.1, -0.4]
        let gnnWeights = [0.5, 0.1, 0.0, -0.4]                  // error 0.1
        let gnn = EstimatorRun(label: "GNN heads", likelihood: Self.fit(gnnWeights), embedding: Self.improved(gnnWeights, hardLoss: 1))
        let trueRun = EstimatorRun(label: "p_true", likelihood: Self.fit([0.42, 0.1, 0.08, -0.4]),   // error 0.02
                                   embedding: Self.improved(truth, hardLoss: 3), atTruth: (embedding: 5, category: 0, negativeLogLikelihood: 0))
        let d = SyntheticDiagnostics(
            trueHeads: trueRun, trueHeadsStore: CandidateHeads(sessions: 0, videos: 0, values: []),
            gnnAUC: [0.6, 0.7, 0.8, 0.9], trueAUC: [0.8, 0.8, 0.8, 0.8], correlation: [0.5, 0.5, 0.5, 0.5],
            gnnCandidateShare: [0.5, 0.5, 0.5, 0.5], trueCandidateShare: [0.2, 0.2, 0.2, 0.2],
            gnnExposure: [0, 0, 0, 0.6], trueExposure: [0, 0, 0, -0.3],
            blend: [.init(lambda: 0, weights: truth, noiseScale: 1, meanAUC: 0.8),
                    .init(lambda: 0.5, weights: [0.44, 0.1, 0.06, -0.4], noiseScale: 1, meanAUC: 0.78),
                    .init(lambda: 1, weights: gnnWeights, noiseScale: 1, meanAUC: 0.75)],
            swaps: [.init(head: 0, weights: [0.4, 0.1, 0.0, -0.5], meanAUC: 0.76),
                    .init(head: 3, weights: [0.44, 0.1, 0.06, -0.4], meanAUC: 0.77)],
            noise: [.init(scale: 0.1, weights: truth, noiseScale: 0.1, standardErrors: [0.01, 0.01, 0.01, 0.01]),
                    .init(scale: 0.2, weights: gnnWeights, noiseScale: 0.2, standardErrors: [0.03, 0.02, 0.02, 0.02])])
        let f = try EstimationFindings.Diagnostics.make(d, gnn: gnn, truth: truth, worldNoise: 0.1)
        #expect(Self.close(f.gnnError, 0.1) && f.gnnVerdict == .outsideTarget)
        #expect(Self.close(f.trueError, 0.02) && f.trueVerdict == .withinTarget)
        // The split of the worst head adds up: ŵ − w* = (ŵ_true − w*) + (ŵ − ŵ_true).
        let split = try #require(f.split)
        #expect(abs(split.total - (split.identification + split.heads)) < 1e-12)
        #expect(f.trueMatchingError == 0 && f.trueOriginalStageBError == nil)
        #expect(f.matchingAtTruth == .truthNotMinimum)
        // Noise: the second scale misses by 0.1 > max(0.05, 2 × 0.03).
        #expect(f.noise.map(\.isWorldScale) == [true, false])
        #expect(f.noiseWithin == 1 && f.noiseVerdict == .centreMoves)
        #expect(Self.close(f.noiseLargestError, 0.1) && f.noiseLargestStandardError == 0.03)
        // Blend: within up to λ = 0.5; the λ = 1 row is the all-GNN error.
        #expect(f.blendWithinLambda == 0.5 && f.blendVerdict == .upToLambda)
        #expect(Self.close(f.allGNNError, 0.1))
        #expect(zip(f.blendHeadErrors[1], [0.04, 0, 0.04, 0]).allSatisfy { Self.close($0, $1) })
        // Swaps: head 0 gives 0.1 (change 0), head 3 gives 0.04 (change −0.06) and is the best, within the target.
        #expect(Self.close(f.swaps[0].maxError, 0.1) && Self.close(f.swaps[0].change, 0))
        #expect(Self.close(f.swaps[1].change, -0.06))
        #expect(f.bestSwap?.head == 3 && f.bestSwap?.verdict == .lowersError && f.bestSwap?.recovery == .withinTarget)
        #expect(Self.close(f.meanGNNAUC, 0.75) && Self.close(f.meanTrueAUC, 0.8))
        #expect(f.personalisation == .lessPersonalised && f.negativeExposure == .tracksExposure)
    }

    @Test func poolsFromHandMadeFits() {
        let truth = [0.4, 0.1, 0.1, -0.4]
        let availability = CandidateAvailability(uploadDay: [], sessionDay: [], shownBeforeUpload: 0)
        func estimate(_ assumption: PoolAssumption, _ w: [Double], sessions: Int? = nil) -> PoolAssumptionEstimate {
            PoolAssumptionEstimate(assumption: assumption, fit: Self.fit(w), sessions: sessions)
        }
        let cases = [
            // catalogue mechanism: video effects within, no true pool fitted.
            PoolAnalysis.IdentificationCase(mechanism: .catalogue, truth: truth,
                                            trueFits: [estimate(.catalogue, truth), estimate(.videoEffects, [0.43, 0.1, 0.07, -0.4])],
                                            gnnFits: [estimate(.videoEffects, [0.5, 0.1, 0.0, -0.4])]),
            // retrieval: video effects misses by 0.1, the true pools recover: a floor case.
            PoolAnalysis.IdentificationCase(mechanism: .retrieval, truth: truth,
                                            trueFits: [estimate(.catalogue, [0.3, 0.1, 0.2, -0.4]), estimate(.videoEffects, [0.5, 0.1, 0.0, -0.4]),
                                                       estimate(.truePool, [0.41, 0.1, 0.09, -0.4])],
                                            gnnFits: []),
        ]
        let a = PoolAnalysis(listPrefix: 10, availability: availability,
                             gnn: [estimate(.catalogue, [0.3, 0.2, 0.1, -0.4]), estimate(.videoEffects, [0.5, 0.1, 0.0, -0.4], sessions: 40),
                                   estimate(.poolSampling, [0.4, 0.1, 0.1, -0.4], sessions: 100)],
                             trueHeads: [estimate(.videoEffects, truth)], matchedPools: nil, identification: cases, identificationSessions: 50)
        let f = EstimationFindings.Pools.make(a, sessions: 100, truth: truth)
        // The spread across assumptions: complete 0.5 − 0.3, long 0.2 − 0.1, rewatch 0.1 − 0, neg 0.
        #expect(zip(f.headSpread, [0.2, 0.1, 0.1, 0]).allSatisfy { Self.close($0, $1) })
        #expect(f.largestHeadSpread?.head == .complete && Self.close(f.largestHeadSpread?.spread ?? .nan, 0.2))
        #expect(f.assumptions.map(\.sampledSessions) == [nil, 40, nil])
        #expect(Self.close(f.assumptions[0].maxError ?? .nan, 0.1))
        #expect(f.assumptions[0].trueHeadsMaxError == nil && f.assumptions[1].trueHeadsMaxError == 0)
        #expect(Self.close(f.identification[0].trueVideoEffects ?? .nan, 0.03) && f.identification[0].trueTruePool == nil)
        #expect(f.mechanisms.map(\.mechanism) == [.catalogue, .retrieval])
        #expect(f.mechanisms[0].verdict == .withinTarget && f.mechanisms[1].verdict == .outsideTarget)
        #expect(f.mechanisms[1].gnnVideoEffects == nil && Self.close(f.mechanisms[1].truePool ?? .nan, 0.01))
        #expect(f.floorCases == 1 && f.floorMechanisms == ["retrieval"])
        // Without a planted w* no errors.
        let real = EstimationFindings.Pools.make(a, sessions: 100, truth: nil)
        #expect(real.assumptions.allSatisfy { $0.maxError == nil && $0.trueHeadsMaxError == nil })
    }

    /// Two members with ŵ_complete 0.3 and 0.5 (sd 0.1414…), the rest equal: only the complete head's seed part
    /// √(0.02/2) = 0.1 exceeds its session s.e. 0.05.
    @Test func ensembleFromHandMadeMembers() {
        let members = [HeadEnsemble.Member(label: "a", model: "gnn64", weights: [0.3, 0.1, 0.1, -0.5], standardErrors: [0.05, 0.05, 0.05, 0.05]),
                       HeadEnsemble.Member(label: "b", model: "gnn64", weights: [0.5, 0.1, 0.1, -0.3], standardErrors: [0.05, 0.05, 0.05, 0.05])]
        let e = HeadEnsemble(members: members, headSpread: [])
        let headline = Self.fit([0.4, 0.1, 0.1, -0.4], standardErrors: [0.05, 0.05, 0.05, 0.2])
        let f = EstimationFindings.Ensemble.make(e, headline: headline, truth: [0.4, 0.3, 0.1, -0.2])
        #expect(Self.close(f.seedPart[0], 0.1) && Self.close(f.seedPart[3], 0.1) && f.seedPart[1] == 0)
        #expect(f.seedDominatedHeads == [0] && f.dominance == .seedsForSome)
        #expect(f.headsVaryingMoreThanSessions == 2)
        // Half-widths 1.96 √(0.05² + 0.02/2) = 1.96 × 0.1118… for complete, 1.96 × 0.05 for long.
        #expect(Self.close(f.upper[0] - f.lower[0], 2 * 1.96 * (0.0025 + 0.01).squareRoot()))
        #expect(Self.close(f.upper[1], 0.1 + 1.96 * 0.05))
        // w*_long = 0.3 lies 0.2 away, outside 0.098; the other three are inside.
        #expect(f.coveredHeads == 3)
        #expect(Self.close(f.headlineError ?? .nan, 0.2))
        let quiet = EstimationFindings.Ensemble.make(HeadEnsemble(members: [members[0], members[0]], headSpread: []), headline: headline, truth: nil)
        #expect(quiet.dominance == .sessionsEverywhere && quiet.coveredHeads == nil && quiet.memberErrors == nil)
    }

    /// w* = (0.25, 0.25, 0, −0.5); with `p_true` the estimate is (0.25, 0.25, 0.1, −0.4), with the GNN's heads
    /// (0.2, 0.2, 0, −0.6): its worst head is neg, −0.1 = +0.1 (identification) − 0.2 (the heads).
    @Test func deviationSplitComparesOneHead() throws {
        typealias D = EstimationFindings.DeviationSplit
        let truth = [0.25, 0.25, 0, -0.5]
        let split = try #require(D.make(estimate: [0.2, 0.2, 0, -0.6], trueHeadsEstimate: [0.25, 0.25, 0.1, -0.4], truth: truth))
        #expect(split.head == .negative)
        #expect(abs(split.total + 0.1) < 1e-12 && abs(split.identification - 0.1) < 1e-12 && abs(split.heads + 0.2) < 1e-12)
        // Unnormalised weights are L1-normalised first: (0.4, 0.4, 0, −1.2) is (0.2, 0.2, 0, −0.6).
        #expect(D.make(estimate: [0.4, 0.4, 0, -1.2], trueHeadsEstimate: [0.25, 0.25, 0.1, -0.4], truth: truth)?.head == .negative)
        // Same signs: against w* = (0.4, 0.2, 0.1, −0.3) the GNN (0.65, 0.15, 0.05, −0.15) misses complete most, by +0.25,
        // of which +0.1 already with p_true (0.5, 0.2, 0.1, −0.2) and +0.15 from the heads.
        let same = try #require(D.make(estimate: [0.65, 0.15, 0.05, -0.15], trueHeadsEstimate: [0.5, 0.2, 0.1, -0.2], truth: [0.4, 0.2, 0.1, -0.3]))
        #expect(same.head == .complete && abs(same.total - 0.25) < 1e-12)
        #expect(abs(same.identification - 0.1) < 1e-12 && abs(same.heads - 0.15) < 1e-12)
        #expect(D.make(estimate: [1, 0, 0], trueHeadsEstimate: truth, truth: truth) == nil)
    }

    /// w* = (0.3, 0.2, 0.1, −0.4); the headline (0.3, 0.1, 0.1, −0.5) with s.e. (0.01, 0.05, 0.01, 0.01).
    @Test func headlineIntervalCoverageAndSplit() throws {
        let truth = [0.3, 0.2, 0.1, -0.4]
        let fit = PoolAssumptionEstimate(assumption: .videoEffects, fit: Self.fit([0.3, 0.1, 0.1, -0.5], standardErrors: [0.01, 0.05, 0.01, 0.01]), sessions: nil)
        let trueHeads = PoolAssumptionEstimate(assumption: .videoEffects, fit: Self.fit([0.3, 0.17, 0.1, -0.43]), sessions: nil)
        let h = EstimationFindings.Headline.make(fit, ensemble: nil, truth: truth, trueHeads: trueHeads)
        // Sessions only: half-widths 1.96 s.e. = (0.0196, 0.098, 0.0196, 0.0196); long misses by 0.1 > 0.098 and neg by
        // 0.1 > 0.0196, complete and rewatch are exact: 2 of 4 covered.
        #expect(h.intervalSources == .sessions && h.reference == .planted && h.assumption == .videoEffects)
        #expect(Self.close(h.lower[1], 0.1 - 1.96 * 0.05) && Self.close(h.upper[3], -0.5 + 1.96 * 0.01))
        #expect(h.coveredHeads == 2)
        #expect(abs(h.maxError - 0.1) < 1e-12 && h.verdict == .outsideTarget)
        // With p_true the same assumption misses by 0.03 (within); the worst head long: −0.1 = −0.03 − 0.07.
        #expect(abs((h.trueHeadsMaxError ?? .nan) - 0.03) < 1e-12 && h.trueHeadsVerdict == .withinTarget)
        let split = try #require(h.split)
        #expect(split.head == .long && abs(split.identification + 0.03) < 1e-12 && abs(split.heads + 0.07) < 1e-12)
        #expect(EstimationFindings.Headline.make(fit, ensemble: nil, truth: truth, trueHeads: nil).split == nil)

        // With an ensemble the interval adds the seeds' spread, as the ensemble's own findings do.
        let members = [HeadEnsemble.Member(label: "a", model: "gnn64", weights: [0.3, 0.1, 0.1, -0.5], standardErrors: [0.05, 0.05, 0.05, 0.05]),
                       HeadEnsemble.Member(label: "b", model: "gnn64", weights: [0.5, 0.1, 0.1, -0.3], standardErrors: [0.05, 0.05, 0.05, 0.05])]
        let e = HeadEnsemble(members: members, headSpread: [])
        let seeded = EstimationFindings.Headline.make(fit, ensemble: e, truth: truth, trueHeads: nil)
        let ensemble = EstimationFindings.Ensemble.make(e, headline: fit.fit, truth: truth)
        #expect(seeded.intervalSources == .sessionsAndSeeds && seeded.lower == ensemble.lower && seeded.upper == ensemble.upper)
        #expect(seeded.coveredHeads == ensemble.coveredHeads)
        // complete: half-width 1.96 √(0.01² + 0.02/2) ≈ 0.196 around the exact value; neg: 1.96 √(0.01² + 0.02/2) covers 0.1.
        #expect(seeded.coveredHeads == 3)

        // Real data: against the paper's weights, no coverage.
        let paper = PoolAssumptionEstimate(assumption: .videoEffects, fit: Self.fit(EstimationFindings.paperWeights), sessions: nil)
        let real = EstimationFindings.Headline.make(paper, ensemble: nil, truth: nil, trueHeads: trueHeads)
        #expect(real.reference == .paper && real.maxError < 1e-12 && real.verdict == .withinTarget)
        #expect(real.coveredHeads == nil && real.trueHeadsMaxError == nil && real.split == nil)
    }
}
