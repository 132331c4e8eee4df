import Foundation

/// e^x on eight lanes, Cephes' `expf` (range reduction by ln 2 in two parts, a degree-6 polynomial, the exponent
/// set through the float's bits): within 2 ulp of `exp` on [−87.3, 88.3], inputs clamped to that range (so very
/// negative inputs give about 1e−38, not 0). Plain multiply-adds, so every machine gives the same bits.
@inline(__always)
func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let low = SIMD8<Float>(repeating: -87.3), high = SIMD8<Float>(repeating: 88.3)   // masks, not the generic clamped(), which is not inlined
    let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
    let magic = SIMD8<Float>(repeating: 12_582_912)          // 1.5 · 2^23: adding it rounds to an integer
    let shifted = clamped * 1.442_695_04 + magic
    let n = shifted - magic                                     // round(x / ln 2)
    let r = clamped - n * 0.693_359_375 + n * 2.121_944_40e-4   // x − n ln 2, ln 2 in two parts
    var p = SIMD8<Float>(repeating: 1.987_569_150_0e-4)
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    p = p * (r * r) + r + 1
    let exponent = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
    return p * unsafeBitCast((exponent &+ 127) &<< 23, to: SIMD8<Float>.self)
}

/// The softmax of one row of logits over the items not yet shown, and what the A2C loss needs of it.
enum MaskedSoftmax {
    /// A logit that takes an item out of the softmax (finite, so `0 · logit` stays 0).
    static let maskedLogit: Float = -1e30

    /// What `exponentiate` found: the largest logit, `Σ e_j` and `Σ e_j z_j` over the unmasked items.
    struct Row {
        var maximum: Float
        var sum: Double
        var weightedLogits: Double
        /// `log Σ_j exp z_j`.
        var logSumExp: Double { Double(maximum) + log(sum) }
        /// The distribution's entropy `−Σ p log p = lse − Σ p z`.
        var entropy: Double { logSumExp - weightedLogits / sum }
    }

    /// Sets the logits of the `masked` items to `maskedLogit` in `z`, and writes `e_j = exp(z_j − max)` into `e`
    /// (exactly 0 for the masked items).
    // z: [n] (masked entries overwritten), masked: [maskedCount] -> e: [n]
    static func exponentiate(_ z: UnsafeMutablePointer<Float>, count n: Int, masked: UnsafePointer<Int32>, maskedCount: Int,
                             into e: UnsafeMutablePointer<Float>) -> Row {
        for k in 0..<maskedCount { z[Int(masked[k])] = maskedLogit }
        var lanes = SIMD8<Float>(repeating: maskedLogit)
        var i = 0
        while i + 8 <= n { let v = load(z + i); lanes = lanes.replacing(with: v, where: v .> lanes); i += 8 }
        var maximum = lanes.max()
        while i < n { maximum = max(maximum, z[i]); i += 1 }
        let top = SIMD8<Float>(repeating: maximum)
        i = 0
        while i + 8 <= n { store(exp8(load(z + i) - top), e + i); i += 8 }
        if i < n {
            var tail = SIMD8<Float>(repeating: maskedLogit)
            for k in i..<n { tail[k - i] = z[k] }
            let values = exp8(tail - top)
            for k in i..<n { e[k] = values[k - i] }
        }
        for k in 0..<maskedCount { e[Int(masked[k])] = 0 }
        // Σ e and Σ e z: eight Float lanes per block of 256, blocks added in Double.
        var sum = 0.0, weighted = 0.0
        var block = 0
        while block < n {
            let end = min(block + 256, n)
            var s = SIMD8<Float>(repeating: 0), w = SIMD8<Float>(repeating: 0)
            var j = block
            while j + 8 <= end { let v = load(e + j); s += v; w += v * load(z + j); j += 8 }
            var rest = 0.0, restWeighted = 0.0
            while j < end { rest += Double(e[j]); restWeighted += Double(e[j]) * Double(z[j]); j += 1 }
            sum += Double(s.sum()) + rest
            weighted += Double(w.sum()) + restWeighted
            block = end
        }
        return Row(maximum: maximum, sum: sum, weightedLogits: weighted)
    }

    /// The item whose cumulative share of `e` first exceeds `uniform` (in [0, 1)); the last item with e > 0 when
    /// rounding leaves the walk short.
    static func sample(_ e: UnsafePointer<Float>, count n: Int, sum: Double, uniform: Double) -> Int32 {
        let target = uniform * sum
        var cumulative = 0.0, last = -1
        for j in 0..<n where e[j] > 0 {
            cumulative += Double(e[j])
            last = j
            if cumulative > target { return Int32(j) }
        }
        return Int32(last)
    }

    /// The gradient of `scale_pg · (−A log p_a) + scale_ent · (−H)` with respect to the logits:
    /// `dz_j = scale_pg A (p_j − [j = a]) + scale_ent p_j (z_j − lse + H)`, 0 for masked items (where e_j = 0).
    // z: [n], e: [n] -> dz: [n]
    static func lossGradient(_ z: UnsafePointer<Float>, _ e: UnsafePointer<Float>, count n: Int, row: Row, action: Int32,
                             advantageScale: Float, entropyScale: Float, into dz: UnsafeMutablePointer<Float>) {
        let inverseSum = Float(1 / row.sum), shift = Float(row.entropy - row.logSumExp)
        for j in 0..<n {
            let p = e[j] * inverseSum
            dz[j] = p == 0 ? 0 : advantageScale * p + entropyScale * p * (z[j] + shift)
        }
        dz[Int(action)] -= advantageScale
    }

    @inline(__always) private static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always) private static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
