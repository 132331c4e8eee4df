/// A fully connected layer `y = x Wᵀ + b` with PyTorch's `[out, in]` weight layout.
///
/// The struct holds pointers into a `ParameterStore` (values and gradients); the store must outlive it,
/// which the models guarantee by owning both.
struct Linear {
    let inDim: Int
    let outDim: Int
    let weight: UnsafeMutablePointer<Float>       // [outDim, inDim]
    let bias: UnsafeMutablePointer<Float>?        // [outDim]
    let weightGrad: UnsafeMutablePointer<Float>   // [outDim, inDim]
    let biasGrad: UnsafeMutablePointer<Float>?    // [outDim]

    /// Wires the layer to `store`'s tensors `weightName` (and `biasName` if any).
    init(store: ParameterStore, weightName: String, biasName: String?) {
        guard let w = store.entry(weightName) else { preconditionFailure("no parameter \(weightName)") }
        outDim = w.shape[0]
        inDim = w.shape[1]
        weight = store.valuePointer(weightName)
        weightGrad = store.gradientPointer(weightName)
        bias = biasName.map { store.valuePointer($0) }
        biasGrad = biasName.map { store.gradientPointer($0) }
    }

    /// The same layer with its gradients in `buffer`, at the offsets they have in `gradients` (a shard's own
    /// gradient buffer of a store's layout).
    func withGradients(in buffer: FloatBuffer, insteadOf gradients: FloatBuffer) -> Linear {
        Linear(inDim: inDim, outDim: outDim, weight: weight, bias: bias,
               weightGrad: buffer.pointer + (weightGrad - gradients.pointer),
               biasGrad: biasGrad.map { buffer.pointer + ($0 - gradients.pointer) })
    }

    private init(inDim: Int, outDim: Int, weight: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?,
                 weightGrad: UnsafeMutablePointer<Float>, biasGrad: UnsafeMutablePointer<Float>?) {
        self.inDim = inDim
        self.outDim = outDim
        self.weight = weight
        self.bias = bias
        self.weightGrad = weightGrad
        self.biasGrad = biasGrad
    }

    /// Forward pass.
    // x: [n, inDim] -> y: [n, outDim]
    func forward(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows n: Int) {
        linearForward(y, x, weight, bias, rows: n, inDim: inDim, outDim: outDim)
    }

    /// Forward pass followed by a ReLU, the bias-add and the ReLU in one pass over `y` (the same sums as
    /// `forward` then `reluForward`).
    // x: [n, inDim] -> y: [n, outDim]
    func forwardReLU(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows n: Int) {
        guard let bias else {
            forward(x, into: y, rows: n)
            reluForward(y, count: n * outDim)
            return
        }
        sgemm(transB: true, m: n, n: outDim, k: inDim, x, weight, beta: 0, y)
        biasReluForward(y, bias, rows: n, width: outDim)
    }

    /// Backward pass: accumulates dW, db; writes dx (if wanted).
    // dy: [n, outDim], x: [n, inDim] -> dx: [n, inDim]
    func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, rows n: Int) {
        linearBackward(dx, weightGrad, biasGrad, dy, x, weight, rows: n, inDim: inDim, outDim: outDim)
    }
}

/// `y = x Wᵀ + b`.
// x: [n, inDim], weight: [outDim, inDim], bias: [outDim] -> y: [n, outDim]
func linearForward(
    _ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ bias: UnsafePointer<Float>?, rows n: Int, inDim: Int, outDim: Int
) {
    sgemm(transB: true, m: n, n: outDim, k: inDim, x, weight, beta: 0, y)
    if let bias { addBiasRows(y, bias, rows: n, width: outDim) }
}

/// Backward of `linearForward`: `dW += dyᵀ x`, `db += Σ_rows dy`, `dx = dy W` (overwritten).
// dy: [n, outDim], x: [n, inDim], weight: [outDim, inDim] -> dx: [n, inDim], dWeight: [outDim, inDim], dBias: [outDim]
func linearBackward(
    _ dx: UnsafeMutablePointer<Float>?, _ dWeight: UnsafeMutablePointer<Float>, _ dBias: UnsafeMutablePointer<Float>?,
    _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    rows n: Int, inDim: Int, outDim: Int
) {
    // dW: [outDim, n] · [n, inDim]
    sgemm(transA: true, m: outDim, n: inDim, k: n, dy, x, beta: 1, dWeight)
    if let dBias { accumulateColumnSums(dBias, dy, rows: n, width: outDim) }
    // dx: [n, outDim] · [outDim, inDim]
    if let dx { sgemm(m: n, n: inDim, k: outDim, dy, weight, beta: 0, dx) }
}
