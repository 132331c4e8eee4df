/// `x = max(x, 0)` in place.
// x: [count] -> x: [count]
func reluForward(_ x: UnsafeMutablePointer<Float>, count: Int) {
    parallelRanges(count, minimumChunk: 1 << 16) { range in
        for i in range where !(x[i] > 0) { x[i] = 0 }   // also maps NaN to 0 only if it was not > 0; NaN stays visible in the loss
    }
}

/// `dx = dy · [y > 0]` where `y` is the ReLU output (dx may alias dy).
// dy: [count], y: [count] -> dx: [count]
func reluBackward(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>, count: Int) {
    parallelRanges(count, minimumChunk: 1 << 16) { range in
        for i in range { dx[i] = y[i] > 0 ? dy[i] : 0 }
    }
}

/// `y = max(x + b, 0)` per row, in place: the bias-add and ReLU of a GCN layer fused into one pass.
// y: [rows, width], bias: [width]
func biasReluForward(_ y: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, width: Int) {
    parallelRanges(rows, minimumChunk: 1024) { range in
        for r in range {
            let row = y + r * width
            for j in 0..<width {
                let v = row[j] + bias[j]
                row[j] = v > 0 ? v : 0
            }
        }
    }
}
