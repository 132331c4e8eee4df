import Foundation

extension EstimationFindings {
    /// On a synthetic world: identification (the estimators with `p_true`), the noise table, and the predicted heads'
    /// quality (the blend from `p_true` to the GNN's heads, single-head swaps), with the verdicts notebook 4 prints.
    public struct Diagnostics: Codable, Sendable, Equatable {
        /// Max |ŵ − w*| of the whole-catalogue likelihood with the GNN's heads and with `p_true`.
        public var gnnError: Double
        public var trueError: Double
        public var gnnVerdict: RecoveryVerdict
        public var trueVerdict: RecoveryVerdict
        /// Max |ŵ − w*| of list matching (embedding loss) with `p_true`, and of the original's stage B with `p_true`.
        public var trueMatchingError: Double
        public var trueOriginalStageBError: Double?
        /// Whether w* minimises the hard embedding loss with `p_true` (nil when the loss at w* was not computed).
        public var matchingAtTruth: MatchingAtTruthVerdict?
        /// The whole-catalogue estimate's worst head, its signed error split into what the same likelihood already
        /// misses with `p_true` and what the GNN's heads add (nil when a vector is malformed).
        public var split: EstimationFindings.DeviationSplit?

        /// Per re-drawn noise scale: max error, the largest Hessian s.e., whether it is the world's own scale.
        public var noise: [NoiseRow]
        /// Noise scales whose max error is within max(recovery target, `standardErrorMultiple` × largest s.e.).
        public var noiseWithin: Int
        public var noiseLargestError: Double
        public var noiseLargestStandardError: Double
        public var noiseVerdict: NoiseVerdict

        /// Per blend point (λ ascending as run): max |ŵ − w*|, and per head |ŵ_h − w*_h| (L1-normalised ŵ).
        public var blendErrors: [Double]
        public var blendHeadErrors: [[Double]]
        /// The largest λ whose error is within the target, and what the blend says.
        public var blendWithinLambda: Double?
        public var blendVerdict: BlendVerdict
        /// Max error with every head the GNN's (the blend's last point, λ = 1).
        public var allGNNError: Double
        /// Per single-head swap (in the run's order): max error, and its change from `allGNNError`.
        public var swaps: [SwapRow]
        /// The swap with the lowest max error (the first of equals), and what it says.
        public var bestSwap: BestSwap?

        /// Means over the heads of the observed-row AUC, and of the variance share the candidate alone explains.
        public var meanGNNAUC: Double
        public var meanTrueAUC: Double
        public var meanGNNCandidateShare: Double
        public var meanTrueCandidateShare: Double
        public var personalisation: PersonalisationVerdict
        public var negativeExposure: ExposureVerdict

        public struct NoiseRow: Codable, Sendable, Equatable {
            public var maxError: Double
            public var largestStandardError: Double
            public var isWorldScale: Bool
        }

        public struct SwapRow: Codable, Sendable, Equatable {
            public var head: Int
            public var maxError: Double
            public var change: Double
        }

        public struct BestSwap: Codable, Sendable, Equatable {
            public var head: Int
            public var maxError: Double
            public var verdict: SwapVerdict
            public var recovery: RecoveryVerdict
        }

        /// Does w* minimise the hard matching loss with perfect heads?
        public enum MatchingAtTruthVerdict: String, Codable, Sendable, CaseIterable {
            /// The loss at w* is above the estimate's: the loss's minimum is elsewhere, the optimiser is not what misses.
            case truthNotMinimum
            /// The loss at w* is no worse: the optimiser stopped short of the minimum.
            case optimiserStoppedShort

            public static func judge(lossAtTruth: Double, lossAtEstimate: Double) -> MatchingAtTruthVerdict {
                lossAtTruth > lossAtEstimate ? .truthNotMinimum : .optimiserStoppedShort
            }
        }

        /// Do the re-drawn noise scales move the estimate's centre?
        public enum NoiseVerdict: String, Codable, Sendable, CaseIterable {
            /// Every scale within its band: the noise moved the precision, not the centre.
            case precisionOnly
            /// Some scale off by more than its sampling error.
            case centreMoves

            public static func judge(within: Int, scales: Int) -> NoiseVerdict { within == scales ? .precisionOnly : .centreMoves }
        }

        /// How far along the blend from `p_true` to the GNN's heads the estimate stays within the target.
        public enum BlendVerdict: String, Codable, Sendable, CaseIterable {
            case wholeBlend, upToLambda, nowhere

            public static func judge(withinLambda: Double?) -> BlendVerdict {
                guard let withinLambda else { return .nowhere }
                return withinLambda >= 1 ? .wholeBlend : .upToLambda
            }
        }

        /// Does replacing one head by `p_true` lower the max error?
        public enum SwapVerdict: String, Codable, Sendable, CaseIterable {
            case lowersError, notOneHead

            public static func judge(best: Double, allGNN: Double) -> SwapVerdict { best < allGNN ? .lowersError : .notOneHead }
        }

        /// Are the GNN's heads less personalised than `p_true` (the video explains more of their variance)?
        public enum PersonalisationVerdict: String, Codable, Sendable, CaseIterable {
            case lessPersonalised, comparable

            public static func judge(gnnShare: Double, trueShare: Double) -> PersonalisationVerdict {
                gnnShare > trueShare + EstimationThresholds.personalisationGap ? .lessPersonalised : .comparable
            }
        }

        /// Does the GNN's neg head follow the video's exposure more than `p_true`'s does?
        public enum ExposureVerdict: String, Codable, Sendable, CaseIterable {
            case tracksExposure, comparable

            public static func judge(gnn: Double, truth: Double) -> ExposureVerdict {
                abs(gnn) > abs(truth) + EstimationThresholds.exposureCorrelationGap ? .tracksExposure : .comparable
            }
        }

        /// From the diagnostics, the GNN's run and the planted w* (L1-normalised); `worldNoise` is the world's own
        /// noise scale (nil: unknown, taken as 0).
        public static func make(_ d: SyntheticDiagnostics, gnn g: EstimatorRun, truth: [Double], worldNoise: Double?) throws -> Diagnostics {
            func maxError(_ w: [Double]) -> Double { HeadWeightEstimator.errors(w, truth).max() ?? .nan }
            let gnnError = maxError(g.likelihood.weights), trueError = maxError(d.trueHeads.likelihood.weights)
            let noise = d.noise.map { p in
                NoiseRow(maxError: maxError(p.weights), largestStandardError: p.standardErrors.max() ?? .nan,
                         isWorldScale: abs(p.scale - (worldNoise ?? 0)) < 1e-12)
            }
            let noiseWithin = zip(d.noise, noise).filter { point, row in
                row.maxError <= max(EstimationThresholds.recoveryTolerance, EstimationThresholds.standardErrorMultiple * (point.standardErrors.max() ?? 0))
            }.count
            let blendErrors = d.blend.map { maxError($0.weights) }
            let withinLambda = zip(d.blend, blendErrors).filter { $0.1 <= EstimationThresholds.recoveryTolerance }.map { $0.0.lambda }.max()
            let allGNN = blendErrors.last ?? .nan
            let swapErrors = d.swaps.map { maxError($0.weights) }
            let swaps = zip(d.swaps, swapErrors).map { SwapRow(head: $0.head, maxError: $1, change: $1 - allGNN) }
            let best = swaps.min { $0.maxError < $1.maxError }.map {
                BestSwap(head: $0.head, maxError: $0.maxError, verdict: .judge(best: $0.maxError, allGNN: allGNN), recovery: .judge(maxError: $0.maxError))
            }
            let gnnShare = Statistics.mean(d.gnnCandidateShare), trueShare = Statistics.mean(d.trueCandidateShare)
            guard d.gnnExposure.count == Head.allCases.count, d.trueExposure.count == Head.allCases.count else {
                throw PipelineError.invalidData("the synthetic diagnostics hold \(d.gnnExposure.count) exposure correlations, not one per head")
            }
            let neg = Head.negative.rawValue
            return Diagnostics(
                gnnError: gnnError, trueError: trueError, gnnVerdict: .judge(maxError: gnnError), trueVerdict: .judge(maxError: trueError),
                trueMatchingError: maxError(d.trueHeads.embedding.weights), trueOriginalStageBError: d.trueHeads.original.map { maxError($0.weightsB) },
                matchingAtTruth: d.trueHeads.atTruth.map { .judge(lossAtTruth: $0.embedding, lossAtEstimate: d.trueHeads.embedding.hardLoss) },
                split: EstimationFindings.DeviationSplit.make(estimate: g.likelihood.weights, trueHeadsEstimate: d.trueHeads.likelihood.weights, truth: truth),
                noise: noise, noiseWithin: noiseWithin, noiseLargestError: noise.map(\.maxError).max() ?? .nan,
                noiseLargestStandardError: d.noise.compactMap { $0.standardErrors.max() }.max() ?? .nan,
                noiseVerdict: .judge(within: noiseWithin, scales: d.noise.count),
                blendErrors: blendErrors,
                blendHeadErrors: d.blend.map { p in
                    let w = WeightParametrisation.l1Normalised(p.weights)
                    return Head.allCases.map { abs(w[$0.rawValue] - truth[$0.rawValue]) }
                },
                blendWithinLambda: withinLambda, blendVerdict: .judge(withinLambda: withinLambda), allGNNError: allGNN,
                swaps: swaps, bestSwap: best,
                meanGNNAUC: Statistics.mean(d.gnnAUC), meanTrueAUC: Statistics.mean(d.trueAUC),
                meanGNNCandidateShare: gnnShare, meanTrueCandidateShare: trueShare,
                personalisation: .judge(gnnShare: gnnShare, trueShare: trueShare),
                negativeExposure: .judge(gnn: d.gnnExposure[neg], truth: d.trueExposure[neg]))
        }
    }
}
