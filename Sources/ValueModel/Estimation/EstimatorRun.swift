import Foundation

/// The knobs of the estimators, from the command line.
public struct EstimatorSettings {
    public var seed: UInt64
    public var starts: Int
    public var bootstrap: Int
    public var original: Bool
    /// Annealing temperatures of the list-matching surrogate (value units, Σ|w| = 1).
    public var temperatures = [0.01, 0.002]
    public var iterationsPerTemperature = 10
    /// Nelder-Mead polish of the hard loss after the surrogate.
    public var polish = NelderMead(maxEvaluations: 100)

    public init(options: HeadWeightEstimationStep.Options) {
        seed = options.seed
        starts = options.starts
        bootstrap = options.bootstrap
        original = options.original
    }
}

/// Every estimator on one set of candidate heads (the GNN's, or the synthetic world's p_true).
public struct EstimatorRun {
    public var label: String
    /// The Plackett-Luce maximum-likelihood estimate (the headline).
    public var likelihood: PlackettLuceLists.Fit
    public var bootstrap: SessionBootstrap.Summary?
    /// The original two-stage Nelder-Mead list matching.
    public var original: HeadWeightEstimator.Original?
    /// The improved list-matching estimator on the embedding loss (multi-start) and on the category loss.
    public var embedding: HeadWeightEstimator.Improved
    public var category: HeadWeightEstimator.Improved?
    /// Slices of the matching losses and of the likelihood through the likelihood estimate.
    public var landscape: LossLandscape?
    public var likelihoodSlices: [LikelihoodSlice] = []
    /// Ever narrower slices of the hard embedding loss around the estimate: its steps.
    public var zooms: [LossLandscape] = []
    /// Losses at the planted w* (embedding, category) and the likelihood at w*/τ̂, when known.
    public var atTruth: (embedding: Double, category: Double, negativeLogLikelihood: Double)?
    public var seconds: [(String, Double)] = []

    /// The likelihood along one slice of the L1 sphere, at the fitted noise scale.
    public struct LikelihoodSlice {
        public var head: Int
        public var grid: [Double]
        /// Mean negative log-likelihood per shown row.
        public var values: [Double]
    }

    /// Runs the estimators. `full` adds the bootstrap, the category loss, multi-start and the landscape.
    public static func run(label: String, data: ListMatchingData, lists: PlackettLuceLists, settings: EstimatorSettings,
                    truth: [Double]?, full: Bool) -> EstimatorRun {
        var timings: [(String, Double)] = []
        func timed<T>(_ name: String, _ body: () -> T) -> T {
            let t = ResourceUsage.now()
            let value = body()
            timings.append(("\(label): \(name)", ResourceUsage.now() - t))
            estimationLog("\(label): \(name): \(Format.fixed(ResourceUsage.now() - t, 1)) s")
            return value
        }
        let embedding = ListMatchingObjective(data: data, kind: .embedding)
        let category = ListMatchingObjective(data: data, kind: .category)

        let fit = timed("Plackett-Luce likelihood (Newton)") { lists.fit() }
        let original = settings.original ? timed("original stages A + B (Nelder-Mead)") {
            HeadWeightEstimator.original(category: category, embedding: embedding)
        } : nil
        let starts = HeadWeightEstimator.startPoints(full ? settings.starts : 1, seed: settings.seed)
        let annealing = AnnealedSurrogateOptimiser(temperatures: settings.temperatures, maxIterationsPerTemperature: settings.iterationsPerTemperature)
        let improvedEmbedding = timed("annealed surrogate, embedding loss, \(starts.count) start(s)") {
            HeadWeightEstimator.improved(embedding, starts: starts, optimiser: annealing, polish: settings.polish)
        }
        let improvedCategory = full ? timed("annealed surrogate, category loss") {
            HeadWeightEstimator.improved(category, starts: [improvedEmbedding.weights], optimiser: annealing, polish: settings.polish)
        } : nil
        var run = EstimatorRun(label: label, likelihood: fit, original: original, embedding: improvedEmbedding, category: improvedCategory)
        if let truth {
            let theta = truth.map { $0 / fit.noiseScale }
            run.atTruth = (embedding.loss(truth), category.loss(truth), lists.negativeLogLikelihood(theta).value)
        }
        if full && settings.bootstrap > 0 {
            run.bootstrap = timed("bootstrap, \(settings.bootstrap) replicates") {
                SessionBootstrap(replicates: settings.bootstrap, seed: settings.seed &+ 1).run(sessions: lists.sessions) { weights, _ in
                    lists.fit(start: fit.theta, sessionWeights: weights).weights
                }
            }
        }
        if full {
            let center = fit.weights
            run.landscape = timed("loss landscape") {
                LossLandscape.compute(embedding, center: center, points: 21, softPoints: 7, temperature: settings.temperatures.last ?? 0.002)
            }
            run.likelihoodSlices = (0..<4).map { h in
                let grid = run.landscape!.slices[h].grid
                let values = grid.map { a in
                    lists.negativeLogLikelihood(LossLandscape.point(center, head: h, value: a).map { $0 / fit.noiseScale }).value / Double(fit.rows)
                }
                return LikelihoodSlice(head: h, grid: grid, values: values)
            }
            run.zooms = [1e-3, 1e-4, 1e-5].map { LossLandscape.compute(embedding, center: center, halfWidth: $0, points: 11, softPoints: 0) }
        }
        run.seconds = timings
        return run
    }
}
