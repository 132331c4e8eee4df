import Foundation

/// Scores every (session, candidate) pair with a trained GNN's edge MLP without running the full first layer
/// per pair. The first Linear of `[h_user || h_video || x] -> 128` is linear in its input, and the input is a
/// session part plus a video part (`CounterfactualFeatures`), so
///
///     z0(s, v) = W0 [h_u(s) || 0 || xs(s)] + b0   +   W0 [0 || h_v || xv(v)]
///              = sessionPart[s]                    +   videoPart[v]           (both [128], precomputed once)
///
/// and per pair only `ReLU(sessionPart[s] + videoPart[v])` and the remaining layers `128 -> 128 -> 64 -> 4`
/// are computed, in cache-sized blocks of pairs spread over the cores (`MLPHead.inferBlocked`): each block's
/// activations stay in its core's cache. Memory is bounded by the blocks, not by the number of pairs.
///
/// `scorePlain` runs the unmodified MLP on gathered `[h_u || h_v || x]` rows, for the equivalence test and
/// the throughput comparison.
public final class DecomposedScorer {
    public let model: GNNModel
    public let features: CounterfactualFeatures
    /// Node embeddings `[nodes, H]`.
    public let nodeEmbeddings: [Float]
    /// Graph node of each session's user and each candidate video.
    public let sessionNodes: [Int32]
    public let videoNodes: [Int32]
    /// `[sessions, 128]` and `[videos, 128]`.
    public private(set) var sessionPart: [Float] = []
    public private(set) var videoPart: [Float] = []
    /// Pairs per cache-sized block of the MLP's GEMMs (`MLPHead.inferBlocked`); blocks may end inside a session.
    public var blockRows = 1024

    public var sessions: Int { features.sessionCount }
    public var videos: Int { features.videoCount }
    static let firstWidth = MLPHead.hiddenSizes[0]

    /// - Parameters:
    ///   - nodeEmbeddings: the GNN's final node embeddings `[nodes, H]` (from step 3 or `model.encodeNodes()`).
    ///   - sessionNodes: the user node of each session; `videoNodes`: the node of each candidate video.
    public init(model: GNNModel, nodeEmbeddings: [Float], features: CounterfactualFeatures,
                sessionNodes: [Int32], videoNodes: [Int32]) throws {
        guard nodeEmbeddings.count == model.nodeCount * model.hidden else {
            throw PipelineError.invalidData("node embeddings hold \(nodeEmbeddings.count) values, the model needs \(model.nodeCount) x \(model.hidden)")
        }
        guard sessionNodes.count == features.sessionCount, videoNodes.count == features.videoCount else {
            throw PipelineError.invalidData("scorer: \(sessionNodes.count) session nodes for \(features.sessionCount) sessions, \(videoNodes.count) video nodes for \(features.videoCount) videos")
        }
        guard model.featureDim == CounterfactualFeatures.width else {
            throw PipelineError.invalidData("the GNN takes \(model.featureDim) edge features, step 4 builds \(CounterfactualFeatures.width)")
        }
        for node in sessionNodes + videoNodes where node < 0 || Int(node) >= model.nodeCount {
            throw PipelineError.invalidData("node id \(node) outside the model's 0..<\(model.nodeCount)")
        }
        self.model = model
        self.nodeEmbeddings = nodeEmbeddings
        self.features = features
        self.sessionNodes = sessionNodes
        self.videoNodes = videoNodes
        precomputeFirstLayer()
    }

    /// `sessionPart = [h_u || 0 || xs] W0ᵀ + b0`, `videoPart = [0 || h_v || xv] W0ᵀ`.
    // sessions: [S, 2H+F] -> [S, 128]; videos: [N, 2H+F] -> [N, 128]
    private func precomputeFirstLayer() {
        let h = model.hidden, f = CounterfactualFeatures.width, w = model.edgeInputDim
        let first = model.head.layers[0]
        func part(_ rows: Int, node: (Int) -> Int32, userSlot: Bool, block: [Float], bias: Bool) -> [Float] {
            var x = [Float](repeating: 0, count: rows * w)
            var y = [Float](repeating: 0, count: rows * DecomposedScorer.firstWidth)
            nodeEmbeddings.withUnsafeBufferPointer { emb in
                for r in 0..<rows {
                    let offset = r * w + (userSlot ? 0 : h)
                    let source = Int(node(r)) * h
                    for k in 0..<h { x[offset + k] = emb[source + k] }
                    for k in 0..<f { x[r * w + 2 * h + k] = block[r * f + k] }
                }
            }
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    linearForward(yp.baseAddress!, xp.baseAddress!, first.weight, bias ? first.bias : nil,
                                  rows: rows, inDim: w, outDim: first.outDim)
                }
            }
            return y
        }
        sessionPart = part(sessions, node: { self.sessionNodes[$0] }, userSlot: true, block: features.sessionBlock, bias: true)
        videoPart = part(videos, node: { self.videoNodes[$0] }, userSlot: false, block: features.videoBlock, bias: false)
    }

    /// Probabilities of sessions `range` x every candidate into `out` (`[range.count, videos, 4]`), decomposed.
    public func scoreDecomposed(sessions range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let n = videos, width = DecomposedScorer.firstWidth, base = range.lowerBound * n
        sessionPart.withUnsafeBufferPointer { sp in
            videoPart.withUnsafeBufferPointer { vp in
                let sp = sp.baseAddress!, vp = vp.baseAddress!
                // a0 = ReLU(sessionPart[s] + videoPart[v]) for every pair of a block: [count, 128]
                model.head.inferBlocked(rows: range.count * n, fromLayer: 1, block: blockRows, fill: { first, count, a0 in
                    for r in 0..<count {
                        let pair = base + first + r
                        let a = a0 + r * width, x = sp + (pair / n) * width, y = vp + (pair % n) * width
                        for k in 0..<width { let z = x[k] + y[k]; a[k] = z > 0 ? z : 0 }
                    }
                }, emit: { first, count, logits in
                    let o = out + first * 4
                    for i in 0..<(count * 4) { o[i] = sigmoid(logits[i]) }
                })
            }
        }
    }

    /// The same probabilities with the unmodified MLP on gathered `[h_u || h_v || standardised x]` rows (the
    /// reference path, in the same cache-sized blocks).
    public func scorePlain(sessions range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let n = videos, h = model.hidden, f = CounterfactualFeatures.width, w = model.edgeInputDim, base = range.lowerBound * n
        nodeEmbeddings.withUnsafeBufferPointer { emb in
            features.sessionBlock.withUnsafeBufferPointer { sb in
                features.videoBlock.withUnsafeBufferPointer { vb in
                    let emb = emb.baseAddress!, sb = sb.baseAddress!, vb = vb.baseAddress!
                    model.head.inferBlocked(rows: range.count * n, block: blockRows, fill: { first, count, x in
                        for r in 0..<count {
                            let s = (base + first + r) / n, v = (base + first + r) % n
                            let row = x + r * w
                            row.update(from: emb + Int(sessionNodes[s]) * h, count: h)
                            (row + h).update(from: emb + Int(videoNodes[v]) * h, count: h)
                            for k in 0..<f { row[2 * h + k] = sb[s * f + k] + vb[v * f + k] }
                        }
                    }, emit: { first, count, logits in
                        let o = out + first * 4
                        for i in 0..<(count * 4) { o[i] = sigmoid(logits[i]) }
                    })
                }
            }
        }
    }

    /// Every session's heads in one pass (decomposed or plain), `[sessions, videos, 4]`; step 4 scores through
    /// `ResumableScoring` instead, chunk by chunk.
    public func scoreAll(decomposed: Bool = true) -> CandidateHeads {
        var values = [Float](repeating: 0, count: sessions * videos * 4)
        values.withUnsafeMutableBufferPointer { buffer in
            if decomposed { scoreDecomposed(sessions: 0..<sessions, into: buffer.baseAddress!) } else { scorePlain(sessions: 0..<sessions, into: buffer.baseAddress!) }
        }
        return CandidateHeads(sessions: sessions, videos: videos, values: values)
    }

    /// Largest absolute difference between the decomposed and the plain path's probabilities over the first
    /// `sessions` sessions.
    public func maxDifference(sessions wanted: Int) -> Float {
        let count = min(wanted, sessions)
        var a = [Float](repeating: 0, count: count * videos * 4), b = a
        a.withUnsafeMutableBufferPointer { scoreDecomposed(sessions: 0..<count, into: $0.baseAddress!) }
        b.withUnsafeMutableBufferPointer { scorePlain(sessions: 0..<count, into: $0.baseAddress!) }
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// Pairs per second of either path over the first `sessions` sessions (for the benchmark table).
    public func throughput(decomposed: Bool, sessions wanted: Int) -> (pairs: Int, seconds: Double) {
        let count = min(wanted, sessions)
        var buffer = [Float](repeating: 0, count: count * videos * 4)
        let start = Date()
        buffer.withUnsafeMutableBufferPointer { b in
            if decomposed { scoreDecomposed(sessions: 0..<count, into: b.baseAddress!) } else { scorePlain(sessions: 0..<count, into: b.baseAddress!) }
        }
        return (count * videos, Date().timeIntervalSince(start))
    }
}
