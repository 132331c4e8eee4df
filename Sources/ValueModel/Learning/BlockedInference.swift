import Foundation

extension MLPHead {
    /// Inference over `rows` rows in cache-sized blocks of `block` rows (the last one shorter): the blocks are
    /// split into one contiguous run per thread, and each thread takes its blocks one by one through every layer
    /// with single-threaded BLAS, so a block's activations stay in that core's cache instead of streaming through
    /// memory once per layer. Blocks start at multiples of `block` whatever the thread count, so the result does
    /// not depend on it.
    ///
    /// `fill(firstRow, count, input)` writes the block's input: `[count, inDim]` for `fromLayer` 0, or the
    /// post-ReLU output of layer `fromLayer − 1` (e.g. a0 `[count, 128]` for 1). `emit(firstRow, count, logits)`
    /// receives the block's logits `[count, 4]`. Both are called from several threads at once, on disjoint rows.
    ///
    /// While it runs, OpenBLAS is switched to one thread (per caller), process-wide: BLAS calls made by other
    /// threads of the process at the same time run single-threaded too, and OpenBLAS's sums for some shapes depend
    /// on its thread count. The pipeline's steps never overlap the two; the test suite runs serially for this reason.
    func inferBlocked(rows: Int, fromLayer: Int = 0, block: Int = 1024,
                      fill: (_ first: Int, _ count: Int, _ input: UnsafeMutablePointer<Float>) -> Void,
                      emit: (_ first: Int, _ count: Int, _ logits: UnsafePointer<Float>) -> Void) {
        guard rows > 0 else { return }
        let threads = LearningThreads.count
        let widths = [layers[0].inDim] + layers.map(\.outDim)        // in, 128, 128, 64, 4
        let blocks = (rows + block - 1) / block
        let runs = contiguousRanges(blocks, parts: threads)
        LearningThreads.withSingleThreadedBLAS {
            parallelFor(chunks: runs.count) { part in
                let range = (runs[part].lowerBound * block)..<min(rows, runs[part].upperBound * block)
                // Two ping-pong buffers wide enough for any layer's input or output.
                let width = widths[fromLayer...].max() ?? 0
                let a = UnsafeMutablePointer<Float>.allocate(capacity: block * width)
                let b = UnsafeMutablePointer<Float>.allocate(capacity: block * width)
                defer { a.deallocate(); b.deallocate() }
                var first = range.lowerBound
                while first < range.upperBound {
                    let count = min(block, range.upperBound - first)
                    fill(first, count, a)
                    var input = a, output = b
                    for i in fromLayer..<layers.count {
                        let layer = layers[i]
                        sgemm(transB: true, m: count, n: layer.outDim, k: layer.inDim, input, layer.weight, beta: 0, output)
                        let bias = layer.bias, width = layer.outDim, hidden = i < layers.count - 1
                        for r in 0..<count {
                            let row = output + r * width
                            if let bias { addRange(row, bias, width) }
                            if hidden { reluRange(row, row, 0..<width) }
                        }
                        swap(&input, &output)
                    }
                    emit(first, count, input)
                    first += count
                }
            }
        }
    }
}
