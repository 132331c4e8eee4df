/// The original's GNN: a learnable node embedding table, three GCN layers `h' = ReLU(Â h Wᵀ + b)` over the
/// whole graph, then per edge `[h_user || h_video || x] -> 2H+64 -> 128 -> 128 -> 64 -> 4`.
///
/// Parameters, as PyTorch's state_dict names them: `node_emb.weight [N, H]` (N(0, 1)),
/// `gcn{1,2,3}.lin.weight [H, H]` (glorot-uniform), `gcn{1,2,3}.bias [H]` (zeros),
/// `edge_mlp.{0,2,4,6}.{weight,bias}` (Linear defaults). Not thread-safe: activations are reused buffers.
public final class GNNModel: EdgeScoringModel {
    /// Nodes in the graph (users + videos).
    public let nodeCount: Int
    /// Embedding width H (64 or 128 in the paper).
    public let hidden: Int
    /// Edge feature width (64).
    public let featureDim: Int
    /// The message-passing graph (every edge of the data, as the original).
    public let adjacency: GCNNormalizedAdjacency
    public let parameters: ParameterStore
    /// Rows per cache-sized block in `predict` and `scoreEdges`.
    public var predictionChunk = 1024
    let gcn: [GCNLayer]
    let head: MLPHead
    // Node-level activations and gradients, each [N, H]: h[i] is layer i's output (h[0] unused: the table).
    let h: [FloatBuffer]
    let dh: [FloatBuffer]
    private let nodeScratchA: FloatBuffer, nodeScratchB: FloatBuffer
    private let edgeInput = Workspace(), activations = Workspace(), scratch = Workspace(), gradLogits = Workspace()
    private let gradInput = Workspace(), batchLabels = Workspace()
    // The batch's distinct nodes: their rows of h3, first-layer parts and gradients (`forwardBackward`).
    private let nodeRows = Workspace(), nodeParts = Workspace(), nodeGradients = Workspace()
    private var slotOfNode: [Int32]
    private(set) var lastBatchSize = 0

    /// Width of the edge scorer's input, `2H + featureDim`.
    public var edgeInputDim: Int { 2 * hidden + featureDim }

    /// A freshly initialised model on `adjacency` (draws from `generator`).
    public init(adjacency: GCNNormalizedAdjacency, hidden: Int = 64, featureDim: Int = 64, generator: inout SeededGenerator) {
        self.adjacency = adjacency
        self.nodeCount = adjacency.nodeCount
        self.hidden = hidden
        self.featureDim = featureDim
        var layout: [(name: String, shape: [Int])] = [("node_emb.weight", [adjacency.nodeCount, hidden])]
        for i in 1...3 {
            layout.append(("gcn\(i).bias", [hidden]))
            layout.append(("gcn\(i).lin.weight", [hidden, hidden]))
        }
        layout += MLPHead.layout(prefix: "edge_mlp", inputDim: 2 * hidden + featureDim)
        let store = ParameterStore(layout)
        store.initNormal("node_emb.weight", using: &generator)
        for i in 1...3 { store.initGlorot("gcn\(i).lin.weight", using: &generator) }   // biases stay 0
        MLPHead.initialise(store: store, prefix: "edge_mlp", using: &generator)
        parameters = store
        gcn = (1...3).map { GCNLayer(store: store, prefix: "gcn\($0)") }
        head = MLPHead(store: store, prefix: "edge_mlp")
        let nh = adjacency.nodeCount * hidden
        h = (0..<4).map { FloatBuffer(count: $0 == 0 ? 0 : nh) }
        dh = (0..<4).map { FloatBuffer(count: $0 == 0 ? 0 : nh) }
        nodeScratchA = FloatBuffer(count: nh)
        nodeScratchB = FloatBuffer(count: nh)
        slotOfNode = [Int32](repeating: -1, count: adjacency.nodeCount)
    }

    /// Runs the three GCN layers over the whole graph into `h[1...3]`.
    // node_emb.weight: [N, H] -> h3: [N, H]
    private func encodeInPlace() {
        var input = UnsafePointer(parameters.valuePointer("node_emb.weight"))
        for (i, layer) in gcn.enumerated() {
            layer.forward(input, into: h[i + 1].pointer, scratch: nodeScratchA.pointer, adjacency: adjacency)
            input = UnsafePointer(h[i + 1].pointer)
        }
    }

    /// The final node embeddings `h3`, `[N, H]` (forward only).
    public func encodeNodes() -> Matrix {
        encodeInPlace()
        return Matrix(rows: nodeCount, cols: hidden, values: h[3].toArray())
    }

    /// The distinct values of `nodes` (first-appearance order) and each entry's position among them. Uses
    /// `slotOfNode` (`[N]`, all −1 between calls).
    private func distinct(_ nodes: [Int32]) -> (values: [Int32], position: [Int32]) {
        var values: [Int32] = [], position = [Int32](repeating: 0, count: nodes.count)
        for (i, node) in nodes.enumerated() {
            var slot = slotOfNode[Int(node)]
            if slot < 0 {
                slot = Int32(values.count)
                slotOfNode[Int(node)] = slot
                values.append(node)
            }
            position[i] = slot
        }
        for node in values { slotOfNode[Int(node)] = -1 }
        return (values, position)
    }

    /// One training batch. The edge head's first layer is applied by input block, `W0 [h_u ‖ h_v ‖ x] =
    /// W_u h_u + W_v h_v + W_x x` (`W0 = [W_u | W_v | W_x]`), with the node blocks computed once per distinct user
    /// and video of the batch instead of once per edge, and their gradients summed per node before the products:
    /// the same function and gradients as the concatenated input, with far fewer multiply-adds when the batch
    /// repeats its nodes (4,096 edges on a few hundred users).
    // full graph -> h3 [N, H]; batch [B] -> a0 [B, 128] -> logits [B, 4]; loss; backward to every parameter
    public func forwardBackward(edges: EdgeExamples, batch: [Int32]) throws -> Double {
        let labels = try validateBatch(batch, of: edges)
        try checkShapes(edges)
        let n = batch.count, w = edgeInputDim, hd = hidden, fd = featureDim
        let first = head.layers[0], width = first.outDim
        lastBatchSize = n
        encodeInPlace()
        let h3 = h[3].pointer
        let (users, userOf) = distinct(batch.map { edges.sources[Int($0)] })
        let (videos, videoOf) = distinct(batch.map { edges.targets[Int($0)] })
        let nu = users.count, nv = videos.count
        // Node rows hu [nu, H], hv [nv, H]; the batch's features x [B, F].
        let hu = nodeRows.pointer(count: (nu + nv) * hd), hv = hu + nu * hd
        gatherRowsKernel(hu, h3, users, width: hd, sourceStride: hd, destinationStride: hd)
        gatherRowsKernel(hv, h3, videos, width: hd, sourceStride: hd, destinationStride: hd)
        let x = edgeInput.pointer(count: n * fd)
        edges.features.values.withUnsafeBufferPointer { gatherRowsKernel(x, $0.baseAddress!, batch, width: fd, sourceStride: fd, destinationStride: fd) }
        let y = batchLabels.pointer(count: n * 4)
        labels.values.withUnsafeBufferPointer { gatherRowsKernel(y, $0.baseAddress!, batch, width: 4, sourceStride: 4, destinationStride: 4) }
        // U = hu W_uᵀ [nu, 128], V = hv W_vᵀ [nv, 128]; a0 = ReLU(x W_xᵀ + U[user] + V[video] + b0) [B, 128].
        let w0 = UnsafePointer(first.weight)
        let u = nodeParts.pointer(count: (nu + nv) * width), v = u + nu * width
        sgemm(transB: true, m: nu, n: width, k: hd, hu, w0, ldb: w, beta: 0, u)
        sgemm(transB: true, m: nv, n: width, k: hd, hv, w0 + hd, ldb: w, beta: 0, v)
        let acts = activations.pointer(count: n * MLPHead.activationWidth)
        sgemm(transB: true, m: n, n: width, k: fd, x, w0 + 2 * hd, ldb: w, beta: 0, acts)
        let bias = first.bias.map { UnsafePointer($0) }
        userOf.withUnsafeBufferPointer { userOf in
            videoOf.withUnsafeBufferPointer { videoOf in
                parallelRanges(n, minimumChunk: 512) { range in
                    for e in range {
                        // ((x W_xᵀ + U) + V) + b, then the ReLU, in that order of additions.
                        let row = acts + e * width
                        addRange(row, u + Int(userOf[e]) * width, width)
                        addRange(row, v + Int(videoOf[e]) * width, width)
                        if let bias { addRange(row, bias, width) }
                        reluRange(row, row, 0..<width)
                    }
                }
            }
        }
        let logits = head.forwardFromFirstHidden(activations: acts, rows: n)
        let dlogits = gradLogits.pointer(count: n * 4)
        let loss = bceWithLogits(logits: logits, labels: y, dlogits: dlogits, count: n * 4)

        parameters.zeroGradients()
        let dPre0 = head.backwardToFirstLayer(dlogits, activations: acts, scratch: scratch.pointer(count: MLPHead.scratchCount(rows: n)), rows: n)
        if let biasGrad = first.biasGrad { accumulateColumnSums(biasGrad, dPre0, rows: n, width: width) }
        // dW_x += dPre0ᵀ x (columns 2H..<2H+F of dW0).
        sgemm(transA: true, m: width, n: fd, k: n, dPre0, x, beta: 1, first.weightGrad + 2 * hd, ldc: w)
        // Per distinct node: gu [nu, 128], gv [nv, 128] sum dPre0 over its edges; dW_u += guᵀ hu, dW_v += gvᵀ hv.
        let gu = nodeGradients.pointer(count: (nu + nv) * width, zeroed: true), gv = gu + nu * width
        scatterAddRowsKernel(gu, dPre0, userOf, width: width, targetStride: width, gradStride: width)
        scatterAddRowsKernel(gv, dPre0, videoOf, width: width, targetStride: width, gradStride: width)
        sgemm(transA: true, m: width, n: hd, k: nu, gu, hu, beta: 1, first.weightGrad, ldc: w)
        sgemm(transA: true, m: width, n: hd, k: nv, gv, hv, beta: 1, first.weightGrad + hd, ldc: w)
        // d h3 of the batch's nodes: gu W_u [nu, H] and gv W_v [nv, H], scattered back to node rows.
        let dhu = gradInput.pointer(count: (nu + nv) * hd), dhv = dhu + nu * hd
        sgemm(m: nu, n: hd, k: width, gu, w0, ldb: w, beta: 0, dhu)
        sgemm(m: nv, n: hd, k: width, gv, w0 + hd, ldb: w, beta: 0, dhv)
        dh[3].zero()
        scatterAddRowsKernel(dh[3].pointer, dhu, users, width: hd, targetStride: hd, gradStride: hd)
        scatterAddRowsKernel(dh[3].pointer, dhv, videos, width: hd, targetStride: hd, gradStride: hd)
        // GCN layers backward: 3 -> 2 -> 1 -> node_emb.weight's gradient.
        let table = UnsafePointer(parameters.valuePointer("node_emb.weight"))
        for i in stride(from: 3, through: 1, by: -1) {
            let input = i == 1 ? table : UnsafePointer(h[i - 1].pointer)
            let target = i == 1 ? parameters.gradientPointer("node_emb.weight") : dh[i - 1].pointer
            gcn[i - 1].backward(dh[i].pointer, output: h[i].pointer, input: input, dh: target,
                                scratch: nodeScratchA.pointer, nodeScratchB.pointer, adjacency: adjacency)
        }
        return loss
    }

    /// Logits of the last `forwardBackward` batch, `[B, 4]`.
    var lastLogits: [Float] { MLPHead.logits(in: activations, rows: lastBatchSize) }

    private func checkShapes(_ edges: EdgeExamples) throws {
        guard edges.features.cols == featureDim else {
            throw PipelineError.invalidData("GNN expects \(featureDim) edge features, got \(edges.features.cols)")
        }
        for i in 0..<edges.count where edges.sources[i] < 0 || Int(edges.sources[i]) >= nodeCount || edges.targets[i] < 0 || Int(edges.targets[i]) >= nodeCount {
            throw PipelineError.invalidData("edge \(i) has a node id outside 0..<\(nodeCount)")
        }
    }

    // edges: [n] -> probabilities: [n, 4]; node embeddings computed once, edges scored in chunks
    public func predict(edges: EdgeExamples) throws -> Matrix {
        encodeInPlace()
        return try scoreEdges(nodeEmbeddings: h[3].pointer, edges: edges)
    }

    /// Probabilities `[n, 4]` for `edges` given final node embeddings `[N, H]` (from `encodeNodes`), for
    /// scoring many candidate edges (counterfactual lists) without re-running the GCN.
    public func scoreEdges(nodeEmbeddings: Matrix, edges: EdgeExamples) throws -> Matrix {
        guard nodeEmbeddings.rows == nodeCount, nodeEmbeddings.cols == hidden else {
            throw PipelineError.invalidData("node embeddings are \(nodeEmbeddings.rows)x\(nodeEmbeddings.cols), expected \(nodeCount)x\(hidden)")
        }
        return try nodeEmbeddings.values.withUnsafeBufferPointer { try scoreEdges(nodeEmbeddings: $0.baseAddress!, edges: edges) }
    }

    /// The edge MLP's first layer split by input block, `z0 = U[src] + V[dst] + x W_xᵀ + b0` with the node parts
    /// `U = h W_uᵀ`, `V = h W_vᵀ` computed once per node (`W0 = [W_u | W_v | W_x]`): per edge only the features'
    /// 64 → 128 product remains, then the other layers, in cache-sized blocks on every core.
    // nodes: [N, H], edges: [E] -> probabilities: [E, 4]
    private func scoreEdges(nodeEmbeddings: UnsafePointer<Float>, edges: EdgeExamples) throws -> Matrix {
        try checkShapes(edges)
        let first = head.layers[0], width = first.outDim, hd = hidden, fd = featureDim, w = edgeInputDim
        // Column blocks of W0 [width, 2H + F] as contiguous [width, H], [width, H], [width, F] matrices.
        func columns(_ offset: Int, _ count: Int) -> [Float] {
            (0..<(width * count)).map { first.weight[($0 / count) * w + offset + $0 % count] }
        }
        let wu = columns(0, hd), wv = columns(hd, hd), wx = columns(2 * hd, fd)
        var u = [Float](repeating: 0, count: nodeCount * width), v = u      // [N, width] each
        sgemm(transB: true, m: nodeCount, n: width, k: hd, nodeEmbeddings, wu, beta: 0, &u)
        sgemm(transB: true, m: nodeCount, n: width, k: hd, nodeEmbeddings, wv, beta: 0, &v)
        var out = Matrix(rows: edges.count, cols: 4)
        // b0 [width] (zeros for a head without biases)
        let bias = first.bias.map { Array(UnsafeBufferPointer(start: $0, count: width)) } ?? [Float](repeating: 0, count: width)
        u.withUnsafeBufferPointer { up in
            v.withUnsafeBufferPointer { vp in
                edges.sources.withUnsafeBufferPointer { src in
                    edges.targets.withUnsafeBufferPointer { dst in
                        edges.features.values.withUnsafeBufferPointer { feat in
                            bias.withUnsafeBufferPointer { bias in
                                out.values.withUnsafeMutableBufferPointer { o in
                                    let up = up.baseAddress!, vp = vp.baseAddress!, feat = feat.baseAddress!, bias = bias.baseAddress!, o = o.baseAddress!
                                    head.inferBlocked(rows: edges.count, fromLayer: 1, block: predictionChunk, fill: { start, count, a0 in
                                        // a0 = ReLU(x W_xᵀ + U[src] + V[dst] + b0): [count, width]
                                        sgemm(transB: true, m: count, n: width, k: fd, feat + start * fd, wx, beta: 0, a0)
                                        for r in 0..<count {
                                            let row = a0 + r * width, us = up + Int(src[start + r]) * width, vs = vp + Int(dst[start + r]) * width
                                            for j in 0..<width {
                                                let z = row[j] + us[j] + vs[j] + bias[j]
                                                row[j] = z > 0 ? z : 0
                                            }
                                        }
                                    }, emit: { start, count, logits in
                                        for i in 0..<(count * 4) { o[start * 4 + i] = sigmoid(logits[i]) }
                                    })
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
