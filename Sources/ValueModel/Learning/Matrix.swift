/// A dense Float32 matrix, row-major and contiguous: element (r, c) is `values[r * cols + c]`.
///
/// This is the value type the learning engine takes and returns at its public boundary (edge features,
/// labels, predictions, node embeddings). Hot loops inside the engine work on raw pointers into it.
public struct Matrix: Equatable, Sendable {
    /// Number of rows.
    public private(set) var rows: Int
    /// Number of columns.
    public private(set) var cols: Int
    /// The `rows * cols` entries, row after row.
    public var values: [Float]

    /// A `rows x cols` matrix filled with `value`.
    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && cols >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.cols = cols
        self.values = [Float](repeating: value, count: rows * cols)
    }

    /// A `rows x cols` matrix over existing row-major `values` (`values.count` must be `rows * cols`).
    public init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols, "matrix \(rows)x\(cols) needs \(rows * cols) values, got \(values.count)")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// Element (row, col).
    @inlinable public subscript(row: Int, col: Int) -> Float {
        get { values[row * cols + col] }
        set { values[row * cols + col] = newValue }
    }

    /// One row as a new array (for inspection and tests; hot code uses pointers).
    public func row(_ r: Int) -> [Float] {
        Array(values[(r * cols)..<((r + 1) * cols)])
    }

    /// The rows listed in `indices`, in that order: `[rows, cols] -> [indices.count, cols]`.
    public func gatherRows(_ indices: [Int32]) -> Matrix {
        var out = Matrix(rows: indices.count, cols: cols)
        let c = cols
        values.withUnsafeBufferPointer { src in
            out.values.withUnsafeMutableBufferPointer { dst in
                gatherRowsKernel(dst.baseAddress!, src.baseAddress!, indices, width: c, sourceStride: c, destinationStride: c)
            }
        }
        return out
    }
}

/// Copies `source` rows `indices[i]` (each `width` wide, `sourceStride` apart) into destination row `i`
/// (`destinationStride` apart). The concatenation `[h_user || h_video || x]` is three of these into one buffer.
// dst: [indices.count, destinationStride] (columns 0..<width written), src: [*, sourceStride]
@inline(__always)
func gatherRowsKernel(
    _ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ indices: [Int32],
    width: Int, sourceStride: Int, destinationStride: Int
) {
    indices.withUnsafeBufferPointer { idx in
        for i in 0..<idx.count {
            (dst + i * destinationStride).update(from: src + Int(idx[i]) * sourceStride, count: width)
        }
    }
}

/// Adds destination-side rows back into `target` rows `indices[i]`: the backward of `gatherRowsKernel`.
/// Repeated indices accumulate (sequential, so no races).
// grad: [indices.count, gradStride] (columns 0..<width read), target: [*, targetStride]
@inline(__always)
func scatterAddRowsKernel(
    _ target: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>, _ indices: [Int32],
    width: Int, targetStride: Int, gradStride: Int
) {
    indices.withUnsafeBufferPointer { idx in
        for i in 0..<idx.count {
            let t = target + Int(idx[i]) * targetStride
            let g = grad + i * gradStride
            for j in 0..<width { t[j] += g[j] }
        }
    }
}
