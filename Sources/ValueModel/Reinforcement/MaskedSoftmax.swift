import Foundation

/// e^x on eight lanes, Cephes' `expf` (range reduction by ln 2 in two parts, a degree-6 polynomial, the exponent
/// set through the float's bits): within 2 ulp of `exp` on [−87.3, 88.3], inputs clamped to that range (so very
/// negative inputs give about 1e−38, not 0). Plain multiply-adds, so every machine gives the same bits.
@inline(__always)
func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let low = SIMD8<Float>(repeating: -87.3), high = SIMD8<Float>(repeating: 88.3)   // masks, not the generic clamped(), which is not inlined
    return exp8InRange(x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high))
}

/// `exp8` of a logit minus its row's maximum (x ≤ 0): the same bits on [−87.3, 0], and exactly 0 below −87.3
/// (where e^x < 2^−126, a masked item's `maskedLogit − max` among them), with one clamp instead of two.
@inline(__always)
func exp8NonPositive(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let low = SIMD8<Float>(repeating: -87.3)
    let below = x .< low
    return exp8InRange(x.replacing(with: low, where: below)).replacing(with: SIMD8<Float>(), where: below)
}

/// The core of `exp8` for `clamped` in [−87.3, 88.3].
@inline(__always)
func exp8InRange(_ clamped: SIMD8<Float>) -> SIMD8<Float> {
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

/// The softmax of one row of logits over the items not yet shown, and what the A2C loss and the sampler need of it.
enum MaskedSoftmax {
    /// A logit that takes an item out of the softmax (finite, so `0 · logit` stays 0).
    static let maskedLogit: Float = -1e30
    /// Items per block of the sums: eight Float lanes within a block, the blocks added in Double.
    static let block = 256

    /// Blocks of `block` items in a row of `n` (the length of `exponentiate`'s `blockSums`).
    static func blocks(_ n: Int) -> Int { (n + block - 1) / block }

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
    /// (`exp8NonPositive`: exactly 0 for the masked items, and for any item more than 87.3 below the maximum), in
    /// two passes over the row: the maximum, then the exponentials with their sums. With `blockSums`, also writes
    /// `Σ e` of each block of `block` items (what `sample` skips by).
    // z: [n] (masked entries overwritten), masked: [maskedCount] -> e: [n], blockSums: [blocks(n)]
    static func exponentiate(_ z: UnsafeMutablePointer<Float>, count n: Int, masked: UnsafePointer<Int32>, maskedCount: Int,
                             into e: UnsafeMutablePointer<Float>, blockSums: UnsafeMutablePointer<Double>? = nil) -> Row {
        for k in 0..<maskedCount { z[Int(masked[k])] = maskedLogit }
        let full = n / 8 * 8
        var lanes = SIMD8<Float>(repeating: maskedLogit)
        var i = 0
        while i < full { let v = load(z + i); lanes = lanes.replacing(with: v, where: v .> lanes); i += 8 }
        var maximum = lanes.max()
        while i < n { maximum = max(maximum, z[i]); i += 1 }
        let top = SIMD8<Float>(repeating: maximum), off = SIMD8<Float>(repeating: maskedLogit)
        var sum = 0.0, weighted = 0.0, first = 0, b = 0
        while first < n {
            let end = min(first + block, n), fullEnd = min(end, full)
            var s = SIMD8<Float>(), w = SIMD8<Float>()
            var j = first
            while j < fullEnd {
                let v = load(z + j)
                let x = exp8NonPositive(v - top)
                store(x, e + j)
                s += x
                w += x * v   // 0 · maskedLogit = −0: masked items add nothing
                j += 8
            }
            if j < end {   // the row's last, partial group of eight
                var tail = off
                for k in j..<end { tail[k - j] = z[k] }
                let x = exp8NonPositive(tail - top)
                for k in j..<end { e[k] = x[k - j] }
                s += x
                w += x * tail
            }
            let blockSum = Double(s.sum())
            blockSums?[b] = blockSum
            sum += blockSum
            weighted += Double(w.sum())
            first = end
            b += 1
        }
        return Row(maximum: maximum, sum: sum, weightedLogits: weighted)
    }

    /// The item whose cumulative share of `e` first exceeds `uniform` (in [0, 1)): whole blocks are skipped by their
    /// sums (`exponentiate`'s `blockSums`, which add up to `sum`), then the walk goes item by item in Double; the last
    /// item with e > 0 when rounding leaves the walk short; −1 when `sum` is not a positive finite number.
    // e: [n], blockSums: [blocks(n)]
    static func sample(_ e: UnsafePointer<Float>, count n: Int, blockSums: UnsafePointer<Double>, sum: Double, uniform: Double) -> Int32 {
        guard sum.isFinite, sum > 0 else { return -1 }
        let target = uniform * sum, blocks = Self.blocks(n)
        var cumulative = 0.0, b = 0
        while b < blocks - 1, cumulative + blockSums[b] <= target {
            cumulative += blockSums[b]
            b += 1
        }
        var last = -1
        for j in (b * block)..<n where e[j] > 0 {
            cumulative += Double(e[j])
            last = j
            if cumulative > target { return Int32(j) }
        }
        if last < 0 {
            for j in stride(from: b * block - 1, through: 0, by: -1) where e[j] > 0 { return Int32(j) }
        }
        return Int32(last)
    }

    /// The gradient of `scale_pg · (−A log p_a) + scale_ent · (−H)` with respect to the logits:
    /// `dz_j = scale_pg A (p_j − [j = a]) + scale_ent p_j (z_j − lse + H)`, 0 for masked items (where e_j = 0).
    /// `dz` may be `e`.
    // z: [n], e: [n] -> dz: [n]
    static func lossGradient(_ z: UnsafePointer<Float>, _ e: UnsafePointer<Float>, count n: Int, row: Row, action: Int32,
                             advantageScale: Float, entropyScale: Float, into dz: UnsafeMutablePointer<Float>) {
        let inverseSum = Float(1 / row.sum), shift = Float(row.entropy - row.logSumExp)
        let a = SIMD8<Float>(repeating: advantageScale), c = SIMD8<Float>(repeating: entropyScale)
        let scale = SIMD8<Float>(repeating: inverseSum), offset = SIMD8<Float>(repeating: shift), zero = SIMD8<Float>()
        var j = 0
        if entropyScale == 0 {   // DORL's setting: the entropy term adds ±0
            while j + 8 <= n { store(a * (load(e + j) * scale), dz + j); j += 8 }
        }
        while j + 8 <= n {
            let p = load(e + j) * scale
            store((a * p + c * p * (load(z + j) + offset)).replacing(with: zero, where: p .== zero), dz + j)
            j += 8
        }
        while j < n {
            let p = e[j] * inverseSum
            dz[j] = p == 0 ? 0 : advantageScale * p + entropyScale * p * (z[j] + shift)
            j += 1
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
