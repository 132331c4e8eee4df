/// A training batch through an `MLPHead` in fixed shards of `shardRows` rows, one single-threaded lane per shard
/// (the training-side counterpart of `MLPHead.inferBlocked`).
///
/// A 4,096-row batch through layers of 4 to 128 columns is too small for OpenBLAS to split well over cores: each
/// GEMM is a few million multiply-adds, and the separate bias, ReLU and bias-gradient passes stream the whole
/// batch's activations through memory once each. Here every shard runs forward, loss and backward on its own
/// core with single-threaded BLAS, its activations resident in that core's cache, into its own gradient buffer;
/// the shards' gradients are then summed in shard order. The shards are cut at multiples of `shardRows` whatever
/// the thread count, so the gradients and the loss do not depend on it.
final class TrainingShards {
    /// Rows per shard (the last one may be shorter).
    let shardRows: Int
    private let store: ParameterStore
    private let head: MLPHead
    private var lanes: [Lane] = []
    private let logitsOfBatch = Workspace()
    private(set) var lastBatchSize = 0

    /// One shard's buffers: its copy of the head wired to its own gradients, and its activations.
    private final class Lane {
        let gradients: FloatBuffer
        let head: MLPHead
        let input = Workspace(), labels = Workspace(), activations = Workspace(), dlogits = Workspace(), scratch = Workspace()
        var loss = 0.0

        init(head shared: MLPHead, store: ParameterStore) {
            gradients = FloatBuffer(count: store.count)
            head = shared.withGradients(in: gradients, insteadOf: store.gradients)
        }
    }

    /// Shards for `head`, whose parameters and gradients live in `store`.
    init(head: MLPHead, store: ParameterStore, shardRows: Int = 1024) {
        precondition(shardRows > 0, "shards need rows")
        self.head = head
        self.store = store
        self.shardRows = shardRows
    }

    /// Forward, mean BCE-with-logits over all `rows × 4` entries, and backward through every layer for `rows` rows;
    /// the parameter gradients are written to `store.gradients` (overwritten). `fill(first, count, x, y)` writes
    /// rows `first..<first + count` of the input `[count, inDim]` and of the labels `[count, 4]`; it is called
    /// from several threads at once, on disjoint rows. Returns the loss.
    // x: [rows, inDim], y: [rows, 4] -> loss; gradients of every parameter
    func forwardBackward(rows n: Int,
                         fill: (_ first: Int, _ count: Int, _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>) -> Void) -> Double {
        lastBatchSize = n
        guard n > 0 else { store.zeroGradients(); return 0 }
        let shards = (n + shardRows - 1) / shardRows
        while lanes.count < shards { lanes.append(Lane(head: head, store: store)) }
        let inDim = head.layers[0].inDim, entries = n * MLPHead.headCount
        let logits = logitsOfBatch.pointer(count: entries)
        nonisolated(unsafe) let lanes = lanes
        LearningThreads.singleThreadedLanes(shards) { shard in
            let lane = lanes[shard]
            let first = shard * shardRows, count = min(shardRows, n - first)
            let x = lane.input.pointer(count: count * inDim), y = lane.labels.pointer(count: count * MLPHead.headCount)
            fill(first, count, x, y)
            let acts = lane.activations.pointer(count: count * MLPHead.activationWidth)
            let shardLogits = lane.head.forward(x, activations: acts, rows: count)
            let dlogits = lane.dlogits.pointer(count: count * MLPHead.headCount)
            lane.loss = bceWithLogits(logits: shardLogits, labels: y, dlogits: dlogits, count: count * MLPHead.headCount, meanOver: entries)
            (logits + first * MLPHead.headCount).update(from: shardLogits, count: count * MLPHead.headCount)
            lane.gradients.zero()
            lane.head.backward(dlogits, input: x, activations: acts, dx: nil,
                               scratch: lane.scratch.pointer(count: MLPHead.scratchCount(rows: count)), rows: count)
        }
        // Sum the shards' gradients and losses in shard order.
        let total = store.gradients.pointer, count = store.count
        total.update(from: lanes[0].gradients.pointer, count: count)
        for lane in lanes[1..<shards] {
            let g = lane.gradients.pointer
            parallelRanges(count, minimumChunk: 1 << 14) { range in for i in range { total[i] += g[i] } }
        }
        return lanes[0..<shards].reduce(0) { $0 + $1.loss }
    }

    /// Logits of the last batch, `[rows, 4]`.
    var lastLogits: [Float] {
        Array(UnsafeBufferPointer(start: logitsOfBatch.buffer.pointer, count: lastBatchSize * MLPHead.headCount))
    }
}
