/// Step 4's list-matching estimators as library calls: the original two-stage Nelder-Mead (SPEC step 4) and the
/// improved matching estimator (annealed smooth surrogate + BFGS, multi-start, a Nelder-Mead polish on the hard
/// loss). The likelihood estimator is `PlackettLuceLists`.
public enum HeadWeightEstimator {
    /// The original notebook's procedure and the re-evaluation that exposed its mismatch.
    public struct Original: Sendable, Codable {
        public var stageA: NelderMead.Result
        public var weightsA: [Double]
        public var stageB: NelderMead.Result
        public var weightsB: [Double]
        /// Embedding loss at stage B's x mapped with stage A's parametrisation (w4 = +(1 − Σx)), which is what
        /// a re-evaluation that forgets the forced sign computes (the original's 2439.9 vs ~204).
        public var reevaluatedWithStageAMapping: Double
        /// Embedding loss recomputed at `weightsB` through the single shared mapping: equals `stageB.f`.
        public var reevaluatedFixed: Double
    }

    /// The original's Nelder-Mead options: stage A `maxiter=500`, stage B `maxiter=200`, both `xatol=1e-3`,
    /// `fatol=1e-4` (SciPy then sets no limit on function evaluations).
    public static let originalStageA = NelderMead(xatol: 1e-3, fatol: 1e-4, maxIterations: 500)
    public static let originalStageB = NelderMead(xatol: 1e-3, fatol: 1e-4, maxIterations: 200)

    /// Stage A from x = (0.25, 0.25, 0.25), then stage B started at the first three of stage A's normalised
    /// weights (`x0 = w_A[:3]`), as the original.
    public static func original(category: ListMatchingObjective, embedding: ListMatchingObjective,
                                stageA: NelderMead = originalStageA, stageB: NelderMead = originalStageB) -> Original {
        let a = stageA.minimize({ category.loss(WeightParametrisation.stageA.weights($0)) }, from: [0.25, 0.25, 0.25])
        let weightsA = WeightParametrisation.stageA.weights(a.x)
        let b = stageB.minimize({ embedding.loss(WeightParametrisation.stageB.weights($0)) }, from: Array(weightsA[0..<3]))
        let wb = WeightParametrisation.stageB.weights(b.x)
        return Original(stageA: a, weightsA: weightsA, stageB: b, weightsB: wb,
                        reevaluatedWithStageAMapping: embedding.loss(WeightParametrisation.stageA.weights(b.x)),
                        reevaluatedFixed: embedding.loss(wb))
    }

    /// One start of the improved estimator.
    public struct Start: Sendable, Codable {
        public var start: [Double]
        public var surrogate: AnnealedSurrogateOptimiser.Result
        /// Hard loss at the surrogate's answer.
        public var surrogateHardLoss: Double
        /// Nelder-Mead on the hard loss from the surrogate's answer (free parametrisation), if run.
        public var polish: NelderMead.Result?
        public var weights: [Double]
        public var hardLoss: Double
        public var evaluations: Int
    }

    public struct Improved: Sendable, Codable {
        public var starts: [Start]
        public var best: Int
        public var weights: [Double] { starts[best].weights }
        public var hardLoss: Double { starts[best].hardLoss }
    }

    /// Start points on the L1 sphere: the neutral (¼, ¼, ¼, −¼), then seeded random directions.
    public static func startPoints(_ count: Int, seed: UInt64) -> [[Double]] {
        var g = SeededGenerator(seed: seed)
        var out: [[Double]] = [[0.25, 0.25, 0.25, -0.25]]
        while out.count < count {
            out.append(WeightParametrisation.l1Normalised((0..<4).map { _ in g.nextNormal() }))
        }
        return Array(out.prefix(max(count, 1)))
    }

    /// Runs the surrogate optimiser (and the polish) from each start and keeps the lowest hard loss.
    public static func improved(_ objective: ListMatchingObjective, starts: [[Double]],
                                optimiser: AnnealedSurrogateOptimiser = AnnealedSurrogateOptimiser(),
                                polish: NelderMead? = NelderMead(maxEvaluations: 300),
                                sessionWeights: [Double]? = nil) -> Improved {
        var results: [Start] = []
        for x0 in starts {
            let before = objective.evaluations
            let s = optimiser.minimize(objective, from: x0, sessionWeights: sessionWeights)
            let surrogateHard = objective.loss(s.weights, sessionWeights: sessionWeights)
            var weights = s.weights, hard = surrogateHard
            var polished: NelderMead.Result?
            if let polish {
                let r = polish.minimize({ objective.loss(WeightParametrisation.free.weights($0), sessionWeights: sessionWeights) }, from: s.weights)
                polished = r
                if r.f < hard { weights = WeightParametrisation.free.weights(r.x); hard = r.f }
            }
            results.append(Start(start: x0, surrogate: s, surrogateHardLoss: surrogateHard, polish: polished,
                                 weights: weights, hardLoss: hard, evaluations: objective.evaluations - before))
        }
        let best = results.indices.min { results[$0].hardLoss < results[$1].hardLoss || (results[$0].hardLoss == results[$1].hardLoss && $0 < $1) } ?? 0
        return Improved(starts: results, best: best)
    }

    /// Absolute error per weight between an estimate and a reference (both L1-normalised first).
    public static func errors(_ estimate: [Double], _ reference: [Double]) -> [Double] {
        zip(WeightParametrisation.l1Normalised(estimate), WeightParametrisation.l1Normalised(reference)).map { abs($0 - $1) }
    }
}
