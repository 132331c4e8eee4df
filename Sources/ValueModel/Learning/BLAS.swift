import COpenBLAS

/// `C = alpha * op(A) * op(B) + beta * C` on row-major Float32 storage (cblas_sgemm).
///
/// `op(A)` is `[m, k]`, `op(B)` is `[k, n]`, `C` is `[m, n]`. `transA` means A is stored `[k, m]`;
/// `transB` means B is stored `[n, k]` (as a PyTorch Linear weight `[out, in]` is, for `x Wᵀ`). The leading
/// dimensions default to dense storage; a larger one addresses a block of columns of a wider matrix.
// A: [m, k] (or [k, m] if transA), B: [k, n] (or [n, k] if transB) -> C: [m, n]
@inline(__always)
func sgemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
    alpha: Float = 1, _ a: UnsafePointer<Float>, lda: Int? = nil, _ b: UnsafePointer<Float>, ldb: Int? = nil,
    beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int? = nil
) {
    guard m > 0, n > 0 else { return }
    let ldc = ldc ?? n
    if k == 0 {
        // BLAS would only scale C; do the same explicitly.
        for r in 0..<m {
            let row = c + r * ldc
            if beta == 0 { row.update(repeating: 0, count: n) } else if beta != 1 { for i in 0..<n { row[i] *= beta } }
        }
        return
    }
    cblas_sgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha,
        a, Int32(lda ?? (transA ? m : k)), b, Int32(ldb ?? (transB ? k : n)), beta, c, Int32(ldc))
}

/// Adds `bias[j]` to every row of `y`.
// y: [n, width], bias: [width]
@inline(__always)
func addBiasRows(_ y: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, width: Int) {
    parallelRanges(rows, minimumChunk: 2048) { range in
        for r in range {
            let row = y + r * width
            for j in 0..<width { row[j] += bias[j] }
        }
    }
}

/// Column sums of `g` accumulated into `out` (the bias gradient): `out[j] += Σ_r g[r, j]`, summed in Float64.
// g: [rows, width] -> out: [width]
func accumulateColumnSums(_ out: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, rows: Int, width: Int) {
    let acc = UnsafeMutablePointer<Double>.allocate(capacity: width)
    defer { acc.deallocate() }
    acc.initialize(repeating: 0, count: width)
    for r in 0..<rows {
        let row = g + r * width
        for j in 0..<width { acc[j] += Double(row[j]) }
    }
    for j in 0..<width { out[j] += Float(acc[j]) }
}
