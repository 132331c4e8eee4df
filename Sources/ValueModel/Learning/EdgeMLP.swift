/// The original's EdgeMLP: edge features only, `64 -> 128 -> 128 -> 64 -> 4` with ReLUs.
/// Parameters `net.{0,2,4,6}.{weight,bias}` (weights `[out, in]`), PyTorch's default Linear initialisation.
///
/// Not thread-safe: a model reuses its activation buffers between calls. A training step runs its batch in shards
/// of 1,024 rows, one core each (`TrainingShards`), so its gradients do not depend on the thread count.
public final class EdgeMLP: EdgeScoringModel {
    /// Edge feature width (64 for KuaiRec).
    public let inputDim: Int
    public let parameters: ParameterStore
    let head: MLPHead
    /// Rows per cache-sized block in `predict`.
    public var predictionChunk = 1024
    /// The training batch's shards (one single-threaded lane per 1,024 rows).
    private let shards: TrainingShards

    /// A freshly initialised model (draws from `generator`).
    public init(inputDim: Int = 64, generator: inout SeededGenerator) {
        self.inputDim = inputDim
        parameters = ParameterStore(MLPHead.layout(prefix: "net", inputDim: inputDim))
        MLPHead.initialise(store: parameters, prefix: "net", using: &generator)
        head = MLPHead(store: parameters, prefix: "net")
        shards = TrainingShards(head: head, store: parameters)
    }

    // x: [B, 64] -> logits: [B, 4]; loss; gradients
    public func forwardBackward(edges: EdgeExamples, batch: [Int32]) throws -> Double {
        let labels = try validateBatch(batch, of: edges)
        guard edges.features.cols == inputDim else {
            throw PipelineError.invalidData("EdgeMLP expects \(inputDim) features, got \(edges.features.cols)")
        }
        let d = inputDim, heads = MLPHead.headCount
        return edges.features.values.withUnsafeBufferPointer { f in
            labels.values.withUnsafeBufferPointer { l in
                let f = f.baseAddress!, l = l.baseAddress!
                return shards.forwardBackward(rows: batch.count) { first, count, x, y in
                    let rows = Array(batch[first..<(first + count)])
                    gatherRowsKernel(x, f, rows, width: d, sourceStride: d, destinationStride: d)
                    gatherRowsKernel(y, l, rows, width: heads, sourceStride: heads, destinationStride: heads)
                }
            }
        }
    }

    /// Logits of the last `forwardBackward` batch, `[B, 4]`.
    var lastLogits: [Float] { shards.lastLogits }

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
