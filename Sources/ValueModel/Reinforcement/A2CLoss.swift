import Foundation

/// The A2C loss on a batch of states and its gradients (tianshou's `A2CPolicy.learn`):
///
///     loss = −mean_b(A_b · log π(a_b | s_b)) + c_v · Σ_c mean_b((V_c(s_b) − R_bc)²) − c_e · mean_b(H(π(· | s_b)))
///
/// with π the softmax over the items not masked in row b.
struct A2CLoss {
    var valueCoefficient: Float
    var entropyCoefficient: Float

    /// The loss's three terms (means over the batch): `−mean(A log π)`, `Σ_c mean((V_c − R_c)²)`, `mean(H)`.
    struct Terms {
        var actor = 0.0
        var value = 0.0
        var entropy = 0.0
    }

    /// `apply` without a profile.
    func apply(model: ActorCritic, workspace w: ActorCriticWorkspace, rows n: Int, masked: (Int) -> (UnsafePointer<Int32>, Int),
               actions: UnsafePointer<Int32>, advantages: UnsafePointer<Float>, returns: UnsafePointer<Float>,
               startWeights: UnsafePointer<Float>, logProbabilities: UnsafeMutablePointer<Double>, entropies: UnsafeMutablePointer<Double>) -> Terms {
        var ignored = A2CPhaseTimes()
        return apply(model: model, workspace: w, rows: n, masked: masked, actions: actions, advantages: advantages, returns: returns,
                     startWeights: startWeights, logProbabilities: logProbabilities, entropies: entropies, times: &ignored)
    }

    /// Runs `model` forward on the `n` states already in `w.states`, puts the loss's gradient with respect to every
    /// parameter in `model.parameters.gradients` (zeroed first) and returns the loss terms, adding its phases' wall
    /// time to `times`. Row b masks the items
    /// `masked(b)` (a pointer and a count), took `actions[b]` with actor advantage `advantages[b]`, and has
    /// returns `returns[b, 0..<critics]`; `startWeights[b]` is the start entry's weight in its state.
    // w.states: [n, d + 1], actions: [n], advantages: [n], returns: [n, critics], startWeights: [n]
    func apply(model: ActorCritic, workspace w: ActorCriticWorkspace, rows n: Int, masked: (Int) -> (UnsafePointer<Int32>, Int),
               actions: UnsafePointer<Int32>, advantages: UnsafePointer<Float>, returns: UnsafePointer<Float>,
               startWeights: UnsafePointer<Float>, logProbabilities: UnsafeMutablePointer<Double>, entropies: UnsafeMutablePointer<Double>,
               times: inout A2CPhaseTimes) -> Terms {
        let items = model.configuration.items, critics = model.configuration.critics
        times.time(\.updateForward) { model.forward(w, rows: n) }
        let lossStart = DispatchTime.now().uptimeNanoseconds
        let rowScale = 1 / Float(n), entropyScale = entropyCoefficient / Float(n)
        let scratchCount = model.scratchCount
        withoutActuallyEscaping(masked) { masked in
            nonisolated(unsafe) let masked = masked
            // Row by row, in parallel: each row's logits, softmax and logit gradient (its numbers depend on the row
            // alone, whatever the thread count), the gradient taken to the row's query at once (.itemFeatures).
            parallelRanges(n, minimumChunk: 8) { range in
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * scratchCount)
                defer { scratch.deallocate() }
                scratch.initialize(repeating: 0, count: 2 * scratchCount)   // the padding stays 0
                for b in range {
                    let z = model.logits(w, row: b, scratch: scratch), dz = model.logitGradient(w, row: b, scratch: scratch + scratchCount)
                    let (shown, shownCount) = masked(b)
                    let softmax = MaskedSoftmax.exponentiate(z, count: items, masked: shown, maskedCount: shownCount, into: dz)
                    logProbabilities[b] = Double(z[Int(actions[b])]) - softmax.logSumExp
                    entropies[b] = softmax.entropy
                    MaskedSoftmax.lossGradient(z, dz, count: items, row: softmax, action: actions[b],
                                               advantageScale: rowScale * advantages[b], entropyScale: entropyScale, into: dz)
                    model.logitGradientWritten(w, row: b, dz)
                }
            }
        }
        var terms = Terms()
        let valueScale = 2 * valueCoefficient / Float(n)
        for b in 0..<n {
            terms.actor -= Double(advantages[b]) * logProbabilities[b]
            terms.entropy += entropies[b]
            for c in 0..<critics {
                let difference = w.values[b * critics + c] - returns[b * critics + c]
                terms.value += Double(difference) * Double(difference)
                w.dValues[b * critics + c] = valueScale * difference
            }
        }
        times.updateLoss += Double(DispatchTime.now().uptimeNanoseconds - lossStart) / 1e9
        times.time(\.updateBackward) {
            model.parameters.zeroGradients()
            model.backward(w, startWeights: startWeights, rows: n)
        }
        terms.actor /= Double(n)
        terms.value /= Double(n)
        terms.entropy /= Double(n)
        return terms
    }
}
