/// The original's EdgeMLP: edge features only, `64 -> 128 -> 128 -> 64 -> 4` with ReLUs.
/// Parameters `net.{0,2,4,6}.{weight,bias}` (weights `[out, in]`), PyTorch's default Linear initialisation.
///
/// Not thread-safe: a model reuses its activation buffers between calls.
public final class EdgeMLP: EdgeScoringModel {
    /// Edge feature width (64 for KuaiRec).
    public let inputDim: Int
    public let parameters: ParameterStore
    let head: MLPHead
    /// Rows per cache-sized block in `predict`.
    public var predictionChunk = 1024
    private let input = Workspace(), activations = Workspace(), scratch = Workspace(), gradLogits = Workspace(), batchLabels = Workspace()
    private(set) var lastBatchSize = 0

    /// A freshly initialised model (draws from `generator`).
    public init(inputDim: Int = 64, generator: inout SeededGenerator) {
        self.inputDim = inputDim
        parameters = ParameterStore(MLPHead.layout(prefix: "net", inputDim: inputDim))
        MLPHead.initialise(store: parameters, prefix: "net", using: &generator)
        head = MLPHead(store: parameters, prefix: "net")
    }

    // x: [B, 64] -> logits: [B, 4]; loss; gradients
    public func forwardBackward(edges: EdgeExamples, batch: [Int32]) throws -> Double {
        let labels = try validateBatch(batch, of: edges)
        guard edges.features.cols == inputDim else {
            throw PipelineError.invalidData("EdgeMLP expects \(inputDim) features, got \(edges.features.cols)")
        }
        let n = batch.count
        lastBatchSize = n
        let x = input.pointer(count: n * inputDim)
        let y = batchLabels.pointer(count: n * 4)
        edges.features.values.withUnsafeBufferPointer { gatherRowsKernel(x, $0.baseAddress!, batch, width: inputDim, sourceStride: inputDim, destinationStride: inputDim) }
        labels.values.withUnsafeBufferPointer { gatherRowsKernel(y, $0.baseAddress!, batch, width: 4, sourceStride: 4, destinationStride: 4) }
        let acts = activations.pointer(count: n * MLPHead.activationWidth)
        let logits = head.forward(x, activations: acts, rows: n)
        let dlogits = gradLogits.pointer(count: n * 4)
        let loss = bceWithLogits(logits: logits, labels: y, dlogits: dlogits, count: n * 4)
        parameters.zeroGradients()
        head.backward(dlogits, input: x, activations: acts, dx: nil, scratch: scratch.pointer(count: MLPHead.scratchCount(rows: n)), rows: n)
        return loss
    }

    /// Logits of the last `forwardBackward` batch, `[B, 4]`.
    var lastLogits: [Float] { MLPHead.logits(in: activations, rows: lastBatchSize) }

    // features: [n, 64] -> probabilities: [n, 4], in cache-sized blocks on every core
    public func predict(edges: EdgeExamples) throws -> Matrix {
        guard edges.features.cols == inputDim else {
            throw PipelineError.invalidData("EdgeMLP expects \(inputDim) features, got \(edges.features.cols)")
        }
        var out = Matrix(rows: edges.count, cols: 4)
        let d = inputDim
        edges.features.values.withUnsafeBufferPointer { f in
            out.values.withUnsafeMutableBufferPointer { o in
                let f = f.baseAddress!, o = o.baseAddress!
                head.inferBlocked(rows: edges.count, block: predictionChunk, fill: { start, count, x in
                    x.update(from: f + start * d, count: count * d)
                }, emit: { start, count, logits in
                    for i in 0..<(count * 4) { o[start * 4 + i] = sigmoid(logits[i]) }
                })
            }
        }
        return out
    }
}
