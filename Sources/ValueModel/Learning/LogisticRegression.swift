import COpenBLAS
import Foundation

/// L2-regularised logistic regression of one binary head, fitted like scikit-learn's
/// `LogisticRegression(C=1)`: it minimises `Σ_i log(1 + exp(-s_i (x_i·w + b))) + ||w||² / (2C)` with an
/// unpenalised intercept. Solved by Newton's method with backtracking on the full training set (the
/// problem is strictly convex, so this reaches the same optimum scikit-learn's lbfgs approaches, only
/// more tightly: lbfgs stops at a projected-gradient tolerance of 1e-4).
///
/// On large training sets (at least `warmStartRows` rows) Newton starts from the fit of a fixed subsample, every
/// eighth chunk of 8,192 rows with C scaled by the sampling rate (so its optimum estimates the full one). From there
/// Newton's quadratic convergence needs two or three full passes instead of five to seven. The stopping rule is
/// the same on the full data, so the optimum reached is the same to the tolerance.
public struct LogisticRegression: Sendable, Equatable {
    /// Feature weights `[d]`.
    public var coefficients: [Double]
    /// The intercept b.
    public var intercept: Double
    /// Newton iterations used by `fit` on the full training set (the subsample's warm start not counted).
    public var iterations: Int
    /// The largest absolute gradient entry at the returned solution (0 at the exact optimum).
    public var finalGradientNorm: Double

    /// The training-set size from which `fit` starts from a subsample's fit (about a million rows).
    public static let defaultWarmStartRows = 1 << 20

    /// Fits one head. `labels[i] > 0.5` is the positive class. Training sets of at least `warmStartRows` rows start
    /// from the fit of every eighth chunk (see the type's documentation).
    // features: [n, d], labels: [n] -> coefficients [d], intercept
    public static func fit(features: Matrix, labels: [Float], c: Double = 1, maxIterations: Int = 100, tolerance: Double = 1e-10,
                           warmStartRows: Int = defaultWarmStartRows) throws -> LogisticRegression {
        let n = features.rows, d = features.cols
        guard labels.count == n else { throw PipelineError.invalidData("logistic regression: \(n) rows but \(labels.count) labels") }
        guard n > 0 else { throw PipelineError.invalidData("logistic regression: no training rows") }
        guard c > 0 else { throw PipelineError.invalidOption(name: "C", reason: "must be positive, got \(c)") }
        let positives = labels.reduce(0) { $0 + ($1 > 0.5 ? 1 : 0) }
        guard positives > 0, positives < n else {
            throw PipelineError.invalidData("logistic regression needs both classes; found \(positives) positives of \(n)")
        }
        let y = labels.map { $0 > 0.5 ? Float(1) : 0 }
        var theta = [Double](repeating: 0, count: d + 1)  // w..., b
        if n >= warmStartRows, let sample = subsample(features: features, labels: y) {
            let start = try fit(features: sample.features, labels: sample.labels, c: c * Double(n) / Double(sample.features.rows),
                                maxIterations: maxIterations, tolerance: tolerance, warmStartRows: warmStartRows)
            theta = start.coefficients + [start.intercept]
        }
        let pass = NewtonPass(features: features, labels: y, c: c)
        var state = pass.evaluate(theta, wantHessian: true)
        var iterations = 0
        while iterations < maxIterations {
            iterations += 1
            guard let step = SymmetricSolve.solve(state.hessian, state.gradient, dimension: d + 1) else {
                throw PipelineError.invalidData("logistic regression: Hessian not positive definite (degenerate features?)")
            }
            let decrement = zip(step, state.gradient).reduce(0) { $0 + $1.0 * $1.1 }  // gᵀ H⁻¹ g
            if decrement / 2 <= tolerance * max(1, abs(state.loss)) { break }
            // The full step is tried with the Hessian (it is almost always accepted, and then the next iteration
            // needs no further pass); shorter steps are tried on the loss alone.
            var t = 1.0
            var candidate = theta
            var next = state
            while true {
                for j in 0...d { candidate[j] = theta[j] - t * step[j] }
                next = pass.evaluate(candidate, wantHessian: t == 1)
                if next.loss <= state.loss - 1e-4 * t * decrement || t < 1e-10 { break }
                t /= 2
            }
            theta = candidate
            state = t == 1 ? next : pass.evaluate(theta, wantHessian: true)
        }
        let gnorm = state.gradient.map(abs).max() ?? 0
        return LogisticRegression(coefficients: Array(theta[0..<d]), intercept: theta[d], iterations: iterations, finalGradientNorm: gnorm)
    }

    /// Every eighth chunk of `NewtonPass.chunk` rows, or nil when it lacks one of the classes.
    // features: [n, d], labels: [n] -> [≈ n / 8, d], [≈ n / 8]
    private static func subsample(features: Matrix, labels: [Float]) -> (features: Matrix, labels: [Float])? {
        let chunk = NewtonPass.chunk
        var rows: [Int32] = []
        for start in stride(from: 0, to: features.rows, by: 8 * chunk) {
            rows.append(contentsOf: (start..<min(features.rows, start + chunk)).map { Int32($0) })
        }
        let sampleLabels = rows.map { labels[Int($0)] }
        let positives = sampleLabels.reduce(0) { $0 + ($1 > 0.5 ? 1 : 0) }
        guard positives > 0, positives < rows.count else { return nil }
        let sample = features.gatherRows(rows)
        return (sample, sampleLabels)
    }

    /// The penalised objective at (coefficients, intercept) for `features`/`labels` (for comparisons).
    public func objective(features: Matrix, labels: [Float], c: Double = 1) -> Double {
        let pass = NewtonPass(features: features, labels: labels.map { $0 > 0.5 ? 1 : 0 }, c: c)
        return pass.evaluate(coefficients + [intercept], wantHessian: false).loss
    }

    /// P(y = 1 | x) for each row.
    // features: [n, d] -> [n]
    public func predictProbabilities(features: Matrix) -> [Double] {
        let d = coefficients.count
        precondition(features.cols == d, "expected \(d) features")
        var out = [Double](repeating: 0, count: features.rows)
        for i in 0..<features.rows {
            var z = intercept
            for j in 0..<d { z += Double(features.values[i * d + j]) * coefficients[j] }
            out[i] = z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
        }
        return out
    }
}

/// One logistic regression per head (the original's baseline: four independent scikit-learn fits).
public struct MultiHeadLogisticRegression: Sendable, Equatable {
    /// The fitted heads in label-column order.
    public var heads: [LogisticRegression]

    /// Fits every column of `labels` `[n, heads]` against `features` `[n, d]`.
    public static func fit(features: Matrix, labels: Matrix, c: Double = 1) throws -> MultiHeadLogisticRegression {
        guard labels.rows == features.rows else { throw PipelineError.invalidData("labels have \(labels.rows) rows, features \(features.rows)") }
        var heads: [LogisticRegression] = []
        for h in 0..<labels.cols {
            let column = (0..<labels.rows).map { labels.values[$0 * labels.cols + h] }
            heads.append(try LogisticRegression.fit(features: features, labels: column, c: c))
        }
        return MultiHeadLogisticRegression(heads: heads)
    }

    /// Probabilities `[n, heads]`, computed as one GEMM.
    // features: [n, d] -> [n, heads]
    public func predict(features: Matrix) -> Matrix {
        let d = features.cols, k = heads.count, n = features.rows
        var w = [Float](repeating: 0, count: k * d)
        for (h, head) in heads.enumerated() { for j in 0..<d { w[h * d + j] = Float(head.coefficients[j]) } }
        var out = Matrix(rows: n, cols: k)
        let b = heads.map { Float($0.intercept) }
        features.values.withUnsafeBufferPointer { x in
            w.withUnsafeBufferPointer { wp in
                out.values.withUnsafeMutableBufferPointer { o in
                    b.withUnsafeBufferPointer { bp in
                        linearForward(o.baseAddress!, x.baseAddress!, wp.baseAddress!, bp.baseAddress!, rows: n, inDim: d, outDim: k)
                    }
                    parallelRanges(n * k, minimumChunk: 1 << 16) { r in for i in r { o[i] = sigmoid(o[i]) } }
                }
            }
        }
        return out
    }

    /// The fit as safetensors: `coef [heads, d]` and `intercept [heads]` in F64 (scikit-learn's attribute names).
    public func safetensors(metadata: [String: String] = [:]) -> SafetensorsFile {
        let d = heads.first?.coefficients.count ?? 0
        return SafetensorsFile(tensors: [
            "coef": SafetensorsTensor(float64: heads.flatMap(\.coefficients), shape: [heads.count, d]),
            "intercept": SafetensorsTensor(float64: heads.map(\.intercept), shape: [heads.count]),
        ], metadata: metadata)
    }

    /// Reads `coef` / `intercept` written by `safetensors(metadata:)`.
    public init(safetensors file: SafetensorsFile) throws {
        let coef = try file.tensor("coef"), intercept = try file.tensor("intercept")
        guard coef.shape.count == 2, intercept.shape == [coef.shape[0]] else {
            throw PipelineError.invalidData("logistic regression checkpoint: coef \(coef.shape), intercept \(intercept.shape)")
        }
        let c = coef.doubles(), b = intercept.doubles(), d = coef.shape[1]
        heads = (0..<coef.shape[0]).map {
            LogisticRegression(coefficients: Array(c[($0 * d)..<(($0 + 1) * d)]), intercept: b[$0], iterations: 0, finalGradientNorm: .nan)
        }
    }

    /// Wraps fitted heads.
    public init(heads: [LogisticRegression]) { self.heads = heads }
}

/// One pass over the data: penalised loss, gradient and (optionally) Hessian at θ = (w, b), chunked through
/// BLAS in Float32 and accumulated in Float64. The chunks are grouped into fixed blocks of `blockChunks` chunks;
/// each core takes whole blocks with single-threaded BLAS, each block keeps its own sums, and the sums are added in
/// block order: the result does not depend on the thread count.
private struct NewtonPass {
    let features: Matrix
    let labels: [Float]
    let c: Double
    static let chunk = 8192
    static let blockChunks = 8

    struct State { var loss: Double; var gradient: [Double]; var hessian: [Double] }

    // θ: [d + 1] -> loss, gradient [d + 1], Hessian [(d + 1)²] (row-major, full)
    func evaluate(_ theta: [Double], wantHessian: Bool) -> State {
        let n = features.rows, d = features.cols, e = d + 1
        let blockRows = Self.chunk * Self.blockChunks
        let blocks = (n + blockRows - 1) / blockRows
        // Per block: loss, gradient [e], Hessian upper triangle [e, e].
        let blockSums = 1 + e + (wantHessian ? e * e : 0)
        var sums = [Double](repeating: 0, count: blocks * blockSums)
        let w = theta[0..<d].map { Float($0) }
        let b = theta[d]
        features.values.withUnsafeBufferPointer { xAll in
            labels.withUnsafeBufferPointer { labels in
                sums.withUnsafeMutableBufferPointer { sums in
                    nonisolated(unsafe) let sums = sums.baseAddress!
                    let xAll = xAll.baseAddress!, labels = labels.baseAddress!
                    // One lane per thread, each taking every `workers`-th block with its own scratch buffers.
                    let workers = max(1, min(LearningThreads.count, blocks))
                    LearningThreads.singleThreadedLanes(workers) { worker in
                        let scratch = ChunkScratch(d: d, wantHessian: wantHessian)
                        for block in stride(from: worker, to: blocks, by: workers) {
                            let rows = (block * blockRows)..<min(n, (block + 1) * blockRows)
                            Self.accumulate(x: xAll, labels: labels, rows: rows, w: w, b: b, scratch: scratch,
                                            into: sums + block * blockSums)
                        }
                    }
                }
            }
        }
        var loss = 0.0
        var gradient = [Double](repeating: 0, count: e)
        var hessian = [Double](repeating: 0, count: wantHessian ? e * e : 0)
        for block in 0..<blocks {
            let base = block * blockSums
            loss += sums[base]
            for j in 0..<e { gradient[j] += sums[base + 1 + j] }
            if wantHessian { for k in 0..<(e * e) { hessian[k] += sums[base + 1 + e + k] } }
        }
        // Penalty on w only.
        for j in 0..<d {
            loss += theta[j] * theta[j] / (2 * c)
            gradient[j] += theta[j] / c
            if wantHessian { hessian[j * e + j] += 1 / c }
        }
        if wantHessian { for a in 0..<e { for bcol in 0..<a { hessian[a * e + bcol] = hessian[bcol * e + a] } } }
        return State(loss: loss, gradient: gradient, hessian: hessian)
    }

    /// One lane's buffers for `accumulate`: per chunk z and r `[chunk]`, the Float32 gradient `[d]`, and for the
    /// Hessian the scaled rows `[chunk, d + 1]` and their rank-k update `[(d + 1)²]`.
    final class ChunkScratch {
        let d: Int, wantHessian: Bool
        private let storage: FloatBuffer
        let z: UnsafeMutablePointer<Float>, r: UnsafeMutablePointer<Float>, g32: UnsafeMutablePointer<Float>
        let scaled: UnsafeMutablePointer<Float>, h32: UnsafeMutablePointer<Float>

        init(d: Int, wantHessian: Bool) {
            self.d = d
            self.wantHessian = wantHessian
            let e = d + 1, chunk = NewtonPass.chunk, hessianPart = wantHessian ? chunk * e + e * e : 0
            storage = FloatBuffer(count: 2 * chunk + d + hessianPart)
            z = storage.pointer
            r = z + chunk
            g32 = r + chunk
            scaled = g32 + d
            h32 = scaled + chunk * e
        }
    }

    /// The unpenalised loss, gradient and (upper-triangle) Hessian of `rows`, chunk by chunk, added to
    /// `out` = [loss, gradient (d + 1), Hessian ((d + 1)²)].
    // x: [n, d] (rows `rows`), labels: [n] -> out: [1 + e (+ e²)]
    private static func accumulate(x xAll: UnsafePointer<Float>, labels: UnsafePointer<Float>, rows: Range<Int>,
                                   w: [Float], b: Double, scratch: ChunkScratch,
                                   into out: UnsafeMutablePointer<Double>) {
        let d = scratch.d, e = d + 1, wantHessian = scratch.wantHessian
        let gradient = out + 1, hessian = out + 1 + e
        let z = scratch.z, r = scratch.r, g32 = scratch.g32, scaled = scratch.scaled, h32 = scratch.h32
        var start = rows.lowerBound
        while start < rows.upperBound {
            let m = min(chunk, rows.upperBound - start)
            let x = xAll + start * d
            // z = X w: [m, d] · [d]
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(d), 1, x, Int32(d), w, 1, 0, scratch.z, 1)
            var gb = 0.0, loss = 0.0
            for i in 0..<m {
                let zi = Double(z[i]) + b
                let yi = Double(labels[start + i])
                let q = exp(-abs(zi))                    // one exponential for the loss and p
                loss += max(zi, 0) - zi * yi + log1p(q)
                let p = zi >= 0 ? 1 / (1 + q) : q / (1 + q)
                r[i] = Float(p - yi)
                gb += p - yi
                z[i] = Float(p * (1 - p))          // reuse z for the Hessian weights
            }
            out[0] += loss
            gradient[d] += gb
            // gradient_w += Xᵀ r: [d, m] · [m]
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(m), Int32(d), 1, x, Int32(d), r, 1, 0, g32, 1)
            for j in 0..<d { gradient[j] += Double(g32[j]) }
            if wantHessian {
                // rows √(p(1-p)) · [x, 1] -> [m, e]; H += Zᵀ Z
                for i in 0..<m {
                    let s = z[i].squareRoot()
                    for j in 0..<d { scaled[i * e + j] = s * x[i * d + j] }
                    scaled[i * e + d] = s
                }
                cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(e), Int32(m), 1, scaled, Int32(e), 0, h32, Int32(e))
                for a in 0..<e { for bcol in a..<e { hessian[a * e + bcol] += Double(h32[a * e + bcol]) } }
            }
            start += m
        }
    }
}
