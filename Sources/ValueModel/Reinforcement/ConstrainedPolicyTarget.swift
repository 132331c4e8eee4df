import Foundation

/// TSCAC's stage-two target (Cai et al., "Two-Stage Constrained Actor-Critic for Short Video Recommendation",
/// WWW 2023): the exact optimum π* over a finite candidate set.
///
/// **The problem.** In a state s, with `A(a)` the main (watch-ratio) advantage of candidate a and π_1 … π_m the
/// stage-one policies (one per auxiliary signal), stage two solves, over distributions π on the candidates C (the
/// session's items not yet shown),
///
///     max_π  Σ_{a∈C} π(a) A(a)   s.t.   KL(π ‖ π_i) = Σ_a π(a) log(π(a) / π_i(a)) ≤ ε_i  (i = 1 … m),   Σ_a π(a) = 1.
///
/// **Lagrangian**, with λ_i ≥ 0 for the KL budgets and ν for the normalisation:
///
///     L(π, λ, ν) = Σ_a π(a) A(a) − Σ_i λ_i (Σ_a π(a) log(π(a)/π_i(a)) − ε_i) + ν (Σ_a π(a) − 1).
///
/// With Λ = Σ_i λ_i > 0, L is strictly concave in π (the only non-linear term is −Λ Σ π log π), and
/// `∂L/∂π(a) = A(a) − Σ_i λ_i (log π(a) − log π_i(a) + 1) + ν = 0` gives `Λ log π(a) = A(a) + Σ_i λ_i log π_i(a) + const`:
///
///     π*(a) = Π_i π_i(a)^{λ_i/Λ} · exp(A(a)/Λ) / Z,    Z = Σ_{b∈C} Π_i π_i(b)^{λ_i/Λ} · exp(A(b)/Λ),
///
/// a geometric mixture of the stage-one policies (weights λ_i/Λ) tilted by the advantage at temperature Λ (TSCAC's
/// form, confirmed here). The product form needs the KL in this direction (π first, the I-projection onto each
/// π_i); with KL(π_i ‖ π) the condition would be `A(a) + Σ_i λ_i π_i(a)/π(a) + ν = 0`, i.e. the arithmetic form
/// `π(a) = Σ_i λ_i π_i(a) / (−ν − A(a))`, not this one. The λ_i are options here (the dual optimum for given ε_i is
/// not solved for): a larger λ_i keeps π* nearer π_i, a larger Λ flattens the advantage's tilt, and Λ → 0 makes π*
/// greedy on A (excluded: Λ must be positive). A λ_i of 0 drops π_i.
///
/// **In log space.** Each π_i is a softmax over the same candidates with logits ℓ_i, so `log π_i(a) = ℓ_i(a) − lse ℓ_i`
/// and the row constants cancel in Z: π* is the softmax over C of the scores
///
///     s(a) = (Σ_i λ_i ℓ_i(a) + A(a)) / Λ,
///
/// computed by `MaskedSoftmax.exponentiate` (largest score subtracted before exponentiating; items off C exactly 0).
/// Logits or log-probabilities of the π_i give the same π*.
public struct ConstrainedPolicyTarget: Sendable, Codable, Equatable {
    /// λ_i, one per stage-one policy, in the order the policies are passed.
    public let multipliers: [Double]

    /// Λ = Σ_i λ_i, the temperature of the advantage.
    public var total: Double { multipliers.reduce(0, +) }

    /// Checks that there is at least one λ, every λ is finite and non-negative, and Λ > 0.
    public init(multipliers: [Double]) throws {
        guard !multipliers.isEmpty, multipliers.allSatisfy({ $0.isFinite && $0 >= 0 }), multipliers.reduce(0, +) > 0 else {
            throw PipelineError.invalidOption(name: "TSCAC multipliers", reason: "need at least one λ, each finite and ≥ 0, with Σλ > 0; got \(multipliers)")
        }
        self.multipliers = multipliers
    }

    /// π* row by row: `advantages[b * items + a]` is A(s_b, a), `stageOneLogits[i]` the logits (or log-probabilities)
    /// of π_i, `candidates` true where an item is still a candidate. Off the candidates the inputs are ignored and
    /// π* is 0. Throws on mismatched sizes, a row without candidates, or a non-finite score on a candidate.
    // advantages: [batch, items]; stageOneLogits: [m][batch, items]; candidates: [batch, items] -> π*: [batch, items]
    public func probabilities(advantages: [Float], stageOneLogits: [[Float]], candidates: [Bool], items: Int) throws -> [Float] {
        let batch = try CandidateBatch(candidates: candidates, items: items)
        guard stageOneLogits.count == multipliers.count else {
            throw PipelineError.invalidData("TSCAC target: \(multipliers.count) multipliers but \(stageOneLogits.count) stage-one policies")
        }
        guard advantages.count == candidates.count, stageOneLogits.allSatisfy({ $0.count == candidates.count }) else {
            throw PipelineError.invalidData("TSCAC target: advantages and every stage-one policy's logits need \(candidates.count) values ([batch, items])")
        }
        let scale = 1 / total
        var scores = [Float](repeating: 0, count: candidates.count)
        for k in candidates.indices where candidates[k] {
            var s = Double(advantages[k])
            for (i, lambda) in multipliers.enumerated() where lambda != 0 { s += lambda * Double(stageOneLogits[i][k]) }
            let score = Float(s * scale)
            guard score.isFinite else {
                throw PipelineError.invalidData("TSCAC target: row \(k / items), item \(k % items) has the non-finite score \(s * scale) (advantage \(advantages[k]))")
            }
            scores[k] = score
        }
        var target = [Float](repeating: 0, count: candidates.count)
        batch.forEachRow(&scores, &target) { _, z, masked, maskedCount, e in
            let row = MaskedSoftmax.exponentiate(z, count: items, masked: masked, maskedCount: maskedCount, into: e)
            let inverse = 1 / row.sum
            for j in 0..<items { e[j] = Float(Double(e[j]) * inverse) }
        }
        return target
    }
}

/// TSCAC's stage-two loss: the main policy π_θ = softmax(z) over the candidates C is fitted to π* by minimising, per
/// row, the forward KL
///
///     ℓ(z) = KL(π* ‖ π_θ) = Σ_{a∈C} π*(a) (log π*(a) − log π_θ(a)),
///
/// the paper's "KL to the optimal policy" with π* first (the M-projection of π* onto the policy class). Why this
/// direction: it is π*-weighted cross-entropy (π*'s own entropy is a constant), convex in the logits, covering
/// every action π* supports rather than collapsing on one mode, and it is the direction that stays estimable when
/// π* is known only at logged actions (weighted log-likelihood, the paper's offline form); here π* is known on every
/// candidate, so the sum is exact. With Σ_a π*(a) = 1 the gradient is
///
///     ∂ℓ/∂z_j = π_θ(j) − π*(j)   on C,   0 off C.
///
/// The batch loss is the mean of the rows', so each row's gradient is divided by the batch size.
public enum StageTwoLoss {
    /// Forward and backward: the mean KL(π* ‖ softmax(logits)) over rows and its gradient with respect to the logits.
    /// `target` is π* (0 off the candidates, each row summing to 1 within 1e-4, as `ConstrainedPolicyTarget` makes it).
    // logits, target, candidates: [batch, items] -> loss: scalar, gradient: [batch, items]
    public static func evaluate(logits: [Float], target: [Float], candidates: [Bool], items: Int) throws -> (loss: Double, gradient: [Float]) {
        let batch = try CandidateBatch(candidates: candidates, items: items)
        guard logits.count == candidates.count, target.count == candidates.count else {
            throw PipelineError.invalidData("stage-two loss: logits and target need \(candidates.count) values ([batch, items]), got \(logits.count) and \(target.count)")
        }
        for b in 0..<batch.rows {
            var sum = 0.0
            for k in (b * items)..<((b + 1) * items) {
                let q = target[k]
                guard q.isFinite, q >= 0, candidates[k] || q == 0, !candidates[k] || logits[k].isFinite else {
                    throw PipelineError.invalidData("stage-two loss: row \(b), item \(k - b * items): target \(q) and logit \(logits[k]) (candidate: \(candidates[k])) need a finite non-negative target, 0 off the candidates, and a finite logit on them")
                }
                sum += Double(q)
            }
            guard abs(sum - 1) <= 1e-4 else {
                throw PipelineError.invalidData("stage-two loss: row \(b)'s target sums to \(sum), not 1")
            }
        }
        var z = logits
        var gradient = [Float](repeating: 0, count: logits.count)
        var scratch = [Float](repeating: 0, count: items)
        let scale = Float(1) / Float(batch.rows)
        var loss = 0.0
        target.withUnsafeBufferPointer { q in
            scratch.withUnsafeMutableBufferPointer { e in
                guard let q = q.baseAddress, let e = e.baseAddress else { return }
                batch.forEachRow(&z, &gradient) { b, z, masked, maskedCount, dz in
                    loss += row(logits: z, target: q + b * items, count: items, masked: masked, maskedCount: maskedCount,
                                gradientScale: scale, scratch: e, into: dz)
                }
            }
        }
        return (loss / Double(batch.rows), gradient)
    }

    /// One row: returns KL(π* ‖ π_θ) and writes `gradientScale · (π_θ − π*)` into `dz` (0 off the candidates). The
    /// masked logits in `z` are overwritten with `MaskedSoftmax.maskedLogit`; π* must be 0 on the masked items.
    // z, target: [n], masked: [maskedCount], scratch: [n] -> dz: [n]
    static func row(logits z: UnsafeMutablePointer<Float>, target: UnsafePointer<Float>, count n: Int, masked: UnsafePointer<Int32>,
                    maskedCount: Int, gradientScale: Float, scratch e: UnsafeMutablePointer<Float>, into dz: UnsafeMutablePointer<Float>) -> Double {
        let softmax = MaskedSoftmax.exponentiate(z, count: n, masked: masked, maskedCount: maskedCount, into: e)
        let lse = softmax.logSumExp, inverse = 1 / softmax.sum
        var loss = 0.0
        for j in 0..<n {
            let q = target[j]
            if q > 0 { loss += Double(q) * (log(Double(q)) - (Double(z[j]) - lse)) }
            dz[j] = gradientScale * (Float(Double(e[j]) * inverse) - q)
        }
        return loss
    }
}

/// A `[batch, items]` candidate mask checked and turned into the masked-index lists `MaskedSoftmax` takes.
struct CandidateBatch {
    let rows: Int
    let items: Int
    /// Row b's masked items are `masked[offsets[b]..<offsets[b + 1]]` (one spare entry at the end, so the storage
    /// is never empty).
    let masked: [Int32]
    let offsets: [Int]

    /// Throws unless `items > 0`, `candidates.count` is a positive multiple of it, and every row has a candidate.
    init(candidates: [Bool], items: Int) throws {
        guard items > 0, items <= Int(Int32.max), !candidates.isEmpty, candidates.count % items == 0 else {
            throw PipelineError.invalidData("a candidate mask of \(candidates.count) entries is not [batch ≥ 1, items = \(items)]")
        }
        rows = candidates.count / items
        self.items = items
        var masked: [Int32] = [], offsets = [0]
        for b in 0..<rows {
            for j in 0..<items where !candidates[b * items + j] { masked.append(Int32(j)) }
            guard masked.count - offsets[b] < items else {
                throw PipelineError.invalidData("row \(b) of the candidate mask has no candidate")
            }
            offsets.append(masked.count)
        }
        masked.append(0)
        self.masked = masked
        self.offsets = offsets
    }

    /// Calls `body(b, input row, masked items, masked count, output row)` for every row of `input` and `output`
    /// (both `[rows, items]`).
    func forEachRow(_ input: inout [Float], _ output: inout [Float],
                    _ body: (Int, UnsafeMutablePointer<Float>, UnsafePointer<Int32>, Int, UnsafeMutablePointer<Float>) -> Void) {
        precondition(input.count == rows * items && output.count == rows * items, "CandidateBatch: buffers of the wrong size")
        masked.withUnsafeBufferPointer { m in
            input.withUnsafeMutableBufferPointer { x in
                output.withUnsafeMutableBufferPointer { y in
                    guard let m = m.baseAddress, let x = x.baseAddress, let y = y.baseAddress else { return }
                    for b in 0..<rows {
                        body(b, x + b * items, m + offsets[b], offsets[b + 1] - offsets[b], y + b * items)
                    }
                }
            }
        }
    }
}
