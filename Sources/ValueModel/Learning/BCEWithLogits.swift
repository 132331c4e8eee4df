import Foundation

/// Mean binary cross-entropy with logits over every entry (batch x heads), like PyTorch's
/// `F.binary_cross_entropy_with_logits(logits, y)`, with its gradient.
///
/// Per entry `ℓ = max(z, 0) - z·y + log(1 + exp(-|z|))` (stable for any z); the loss is summed in Float64.
/// The gradient `(σ(z) - y) / count` is written to `dlogits` (may be nil for evaluation only). A part of a larger
/// batch passes the batch's entry count as `meanOver`: the loss and gradient are then that part's share of the
/// batch mean.
// logits: [n, heads], labels: [n, heads] -> loss (scalar), dlogits: [n, heads]
func bceWithLogits(
    logits: UnsafePointer<Float>, labels: UnsafePointer<Float>, dlogits: UnsafeMutablePointer<Float>?, count: Int,
    meanOver: Int? = nil
) -> Double {
    guard count > 0 else { return 0 }
    var total = 0.0
    let scale = 1 / Double(meanOver ?? count)
    for i in 0..<count {
        let z = Double(logits[i])
        let y = Double(labels[i])
        total += max(z, 0) - z * y + log1p(exp(-abs(z)))
        if let dlogits {
            let s = z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
            dlogits[i] = Float((s - y) * scale)
        }
    }
    return total * scale
}

/// The logistic function, stable for large |z|.
@inline(__always)
func sigmoid(_ z: Float) -> Float {
    z >= 0 ? 1 / (1 + expf(-z)) : expf(z) / (1 + expf(z))
}
