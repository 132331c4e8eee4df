// The ReLU passes, eight lanes at a time: a ReLU mask is close to random, so a compare-and-branch per element
// mispredicts about half the time and costs more than the GEMMs around it. Selecting with a SIMD mask has no
// branch. Every pass maps NaN to 0 (`x > 0` is false for NaN), the same at every width.

/// `x = max(x, 0)` in place (NaN -> 0).
// x: [count] -> x: [count]
func reluForward(_ x: UnsafeMutablePointer<Float>, count: Int) {
    parallelRanges(count, minimumChunk: 1 << 16) { range in
        reluRange(x, x, range)
    }
}

/// `dx = dy · [y > 0]` where `y` is the ReLU output (dx may alias dy).
// dy: [count], y: [count] -> dx: [count]
func reluBackward(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>, count: Int) {
    parallelRanges(count, minimumChunk: 1 << 16) { range in
        var i = range.lowerBound
        let zero = SIMD8<Float>(repeating: 0)
        while i + 8 <= range.upperBound {
            let g = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD8<Float>.self)
            let out = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(dx + i).storeBytes(of: zero.replacing(with: g, where: out .> zero), as: SIMD8<Float>.self)
            i += 8
        }
        while i < range.upperBound { dx[i] = y[i] > 0 ? dy[i] : 0; i += 1 }
    }
}

/// `y = max(x + b, 0)` per row, in place: the bias-add and ReLU of a GCN layer fused into one pass.
// y: [rows, width], bias: [width]
func biasReluForward(_ y: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, width: Int) {
    parallelRanges(rows, minimumChunk: 1024) { range in
        for r in range {
            let row = y + r * width
            addRange(row, bias, width)
            reluRange(row, row, 0..<width)
        }
    }
}

/// `out[i] = max(x[i], 0)` for `i` in `range` (out may alias x).
@inline(__always)
func reluRange(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ range: Range<Int>) {
    var i = range.lowerBound
    let zero = SIMD8<Float>(repeating: 0)
    while i + 8 <= range.upperBound {
        let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(out + i).storeBytes(of: zero.replacing(with: v, where: v .> zero), as: SIMD8<Float>.self)
        i += 8
    }
    while i < range.upperBound { out[i] = x[i] > 0 ? x[i] : 0; i += 1 }
}

/// `row[j] += add[j]` for `j < count`.
@inline(__always)
func addRange(_ row: UnsafeMutablePointer<Float>, _ add: UnsafePointer<Float>, _ count: Int) {
    for j in 0..<count { row[j] += add[j] }
}
