/// One PyG `GCNConv` followed by ReLU: `h' = ReLU(Â (h Wᵀ) + b)`. `lin` has no bias (`gcnN.lin.weight`,
/// `[out, in]`, glorot-uniform); the bias is separate (`gcnN.bias`, zeros at start).
struct GCNLayer {
    let lin: Linear                                   // bias-free
    let bias: UnsafeMutablePointer<Float>            // [outDim]
    let biasGrad: UnsafeMutablePointer<Float>        // [outDim]
    var inDim: Int { lin.inDim }
    var outDim: Int { lin.outDim }

    /// Wires `prefix.lin.weight` and `prefix.bias` of `store`.
    init(store: ParameterStore, prefix: String) {
        lin = Linear(store: store, weightName: "\(prefix).lin.weight", biasName: nil)
        bias = store.valuePointer("\(prefix).bias")
        biasGrad = store.gradientPointer("\(prefix).bias")
    }

    /// Forward: `xw = h Wᵀ` (GEMM), `out = Â xw` (parallel CSR product), `out = ReLU(out + b)`.
    // h: [N, inDim] -> out: [N, outDim]; scratch xw: [N, outDim]
    func forward(_ h: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, scratch xw: UnsafeMutablePointer<Float>,
                 adjacency: GCNNormalizedAdjacency) {
        let n = adjacency.nodeCount
        lin.forward(h, into: xw, rows: n)
        adjacency.propagate(xw, into: out, width: outDim)
        biasReluForward(out, bias, rows: n, width: outDim)
    }

    /// Backward from `dOut` (gradient w.r.t. this layer's ReLU output `out`): `dpre = dOut·[out > 0]`,
    /// `db += Σ dpre`, `dxw = Âᵀ dpre`, `dW += dxwᵀ h`, `dh = dxw W` (written when `dh` is non-nil).
    // dOut: [N, outDim], out: [N, outDim], h: [N, inDim] -> dh: [N, inDim]; scratch dpre, dxw: [N, outDim]
    func backward(_ dOut: UnsafePointer<Float>, output out: UnsafePointer<Float>, input h: UnsafePointer<Float>,
                  dh: UnsafeMutablePointer<Float>?, scratch dpre: UnsafeMutablePointer<Float>, _ dxw: UnsafeMutablePointer<Float>,
                  adjacency: GCNNormalizedAdjacency) {
        let n = adjacency.nodeCount
        reluBackward(dpre, dOut, output: out, count: n * outDim)
        accumulateColumnSums(biasGrad, dpre, rows: n, width: outDim)
        adjacency.propagateTransposed(dpre, into: dxw, width: outDim)
        lin.backward(dxw, input: h, dx: dh, rows: n)
    }
}
