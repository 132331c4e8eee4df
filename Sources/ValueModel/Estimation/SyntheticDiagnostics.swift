import Foundation

/// On a synthetic world, why an estimate does or does not recover the planted w*: the same estimators on the
/// world's exact `p_true` (identification), the predicted heads' quality against `p_true` and a blend from
/// `p_true` to the GNN's heads (head quality), and lists re-drawn from `p_true` at other noise scales (noise).
public struct SyntheticDiagnostics {
    /// The estimators with `p_true` in place of the GNN's heads.
    public var trueHeads: EstimatorRun
    /// `p_true` for every (session, candidate).
    public var trueHeadsStore: CandidateHeads
    /// Per-head AUC at the observed rows: GNN heads and `p_true` (the ceiling any model can reach).
    public var gnnAUC: [Double]
    public var trueAUC: [Double]
    /// Per-head correlation of the GNN's heads with `p_true` over every (session, candidate) pair.
    public var correlation: [Double]
    /// Share of each head's variance the candidate alone explains (GNN, p_true).
    public var gnnCandidateShare: [Double]
    public var trueCandidateShare: [Double]
    /// Correlation of each candidate's mean head with log(1 + how often it was shown) (GNN, p_true).
    public var gnnExposure: [Double]
    public var trueExposure: [Double]
    /// Heads `(1 − λ) p_true + λ p_GNN`: the likelihood estimate and the heads' mean AUC at each λ.
    public var blend: [BlendPoint]
    /// The GNN's heads with one head (index) replaced by `p_true`: the likelihood estimate for each.
    public var swaps: [SwapPoint]
    /// Lists re-drawn from `p_true` with w* at several noise scales: the likelihood estimate at each.
    public var noise: [NoisePoint]

    public struct BlendPoint {
        public var lambda: Double
        public var weights: [Double]
        public var noiseScale: Double
        public var meanAUC: Double
    }

    public struct SwapPoint {
        public var head: Int
        public var weights: [Double]
        public var meanAUC: Double
    }

    public struct NoisePoint {
        public var scale: Double
        public var weights: [Double]
        public var noiseScale: Double
        public var standardErrors: [Double]
    }

    public static let blendLambdas = [0, 0.25, 0.5, 0.75, 1]
    /// Noise scales of the re-drawn lists, as multiples of the world's own.
    public static let noiseMultiples = [0.25, 0.5, 1, 2, 4]

    public static func run(truth: SyntheticGroundTruth, inputs: EstimationInputs, gnnHeads: CandidateHeads, observed: [Int32],
                    settings: EstimatorSettings, matching: (CandidateHeads) throws -> ListMatchingData) throws -> SyntheticDiagnostics {
        let sessions = inputs.sessions
        let world = try SyntheticWorldGenerator(configuration: truth.configuration)
        let trueHeads = CandidateHeads.synthetic(model: world.model, sessions: sessions, candidates: inputs.candidates)
        let w = WeightParametrisation.l1Normalised(truth.weights)
        let lists = try PlackettLuceLists(heads: trueHeads, observedOffsets: sessions.observedOffsets, observed: observed)
        let trueRun = EstimatorRun.run(label: "p_true", data: try matching(trueHeads), lists: lists, settings: settings, truth: w, full: false)

        let labelColumns = Head.labelNames
        let labels = try labelColumns.map { name in
            let column = try inputs.step1.float32(name)
            return sessions.observedRows.map { column[$0] }
        }
        func auc(_ heads: CandidateHeads) throws -> [Double] {
            try HeadQuality.observedAUC(heads, observedOffsets: sessions.observedOffsets, observed: observed, labels: labels)
        }
        /// The whole-catalogue likelihood fitted on the observed lists with `heads`, and their mean observed AUC.
        func fitted(_ heads: CandidateHeads) throws -> (fit: PlackettLuceLists.Fit, meanAUC: Double) {
            let fit = try PlackettLuceLists(heads: heads, observedOffsets: sessions.observedOffsets, observed: observed).fit()
            return (fit, try auc(heads).reduce(0, +) / 4)
        }
        let blend = try blendLambdas.map { lambda -> BlendPoint in
            let (fit, meanAUC) = try fitted(HeadQuality.blend(trueHeads, gnnHeads, lambda: lambda))
            return BlendPoint(lambda: lambda, weights: fit.weights, noiseScale: fit.noiseScale, meanAUC: meanAUC)
        }
        let swaps = try (0..<4).map { head -> SwapPoint in
            let (fit, meanAUC) = try fitted(HeadQuality.replacingHead(head, of: gnnHeads, from: trueHeads))
            return SwapPoint(head: head, weights: fit.weights, meanAUC: meanAUC)
        }
        let lengths = (0..<sessions.count).map { sessions.observedOffsets[$0 + 1] - sessions.observedOffsets[$0] }
        let noise = try noiseMultiples.map { multiple -> NoisePoint in
            let scale = truth.noise.scale * multiple
            let drawn = PlackettLuceLists.sample(heads: trueHeads, weights: w, noiseScale: scale, lengths: lengths, seed: settings.seed &+ 2)
            let fit = try PlackettLuceLists(heads: trueHeads, observedOffsets: drawn.offsets, observed: drawn.shown).fit()
            return NoisePoint(scale: scale, weights: fit.weights, noiseScale: fit.noiseScale, standardErrors: fit.standardErrors)
        }
        let exposure = inputs.counterfactual.candidateExposure
        return SyntheticDiagnostics(trueHeads: trueRun, trueHeadsStore: trueHeads, gnnAUC: try auc(gnnHeads), trueAUC: try auc(trueHeads),
                                    correlation: HeadQuality.correlation(gnnHeads, trueHeads),
                                    gnnCandidateShare: HeadQuality.candidateVarianceShare(gnnHeads),
                                    trueCandidateShare: HeadQuality.candidateVarianceShare(trueHeads),
                                    gnnExposure: HeadQuality.exposureCorrelation(gnnHeads, exposure: exposure),
                                    trueExposure: HeadQuality.exposureCorrelation(trueHeads, exposure: exposure),
                                    blend: blend, swaps: swaps, noise: noise)
    }
}
