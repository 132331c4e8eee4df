import Foundation

/// One member of the learned user model: DORL's DeepFM user model (`user_model_pairwise_variance.py`) with the
/// four heads added. Per (user, video):
///
///     z = [e_u || x_u || e_v || x_v]                          e: id embeddings, x: static side features
///     a1 = ReLU(z W0ᵀ + b0),  a2 = ReLU(a1 W2ᵀ + b2)           the DNN (`dnn.0`, `dnn.2`)
///     o = a2 Woutᵀ + bout                                      `out`: 6 outputs
///     μ = o0 + <e_u, e_v>                                      the reward: DNN logit + FM interaction of the ids
///     s = softclamp(o1) in [minLogVariance, maxLogVariance]     the reward's log-variance (DORL's variance head)
///     head logits = o2..o5                                     complete, long, rewatch, neg
///
/// Parameters live in one `ParameterStore` under PyTorch-style names (`user_emb.weight`, `video_emb.weight`,
/// `dnn.0.weight`, …, `out.bias`). Not thread-safe: a member reuses its activation buffers; members train side by
/// side, one per lane.
final class UserModelMember {
    /// Outputs per row: reward mean (before the FM term), raw log-variance, four head logits.
    static let outputCount = 6
    /// DORL's soft bounds on the log-variance are [-10, 0.5] for a per-video standardised watch ratio; the capped
    /// ratio here has a variance up to 6.25 (ln 6.25 ≈ 1.83), so the upper bound is 2.
    static let maxLogVariance: Float = 2
    static let minLogVariance: Float = -10

    let settings: UserModelSettings
    let users: Int
    let videos: Int
    let userSideWidth: Int
    let videoSideWidth: Int
    let parameters: ParameterStore
    /// `dnn.0`, `dnn.2`, `out`.
    let layers: [Linear]
    let userTable: UnsafeMutablePointer<Float>      // [users, E]
    let videoTable: UnsafeMutablePointer<Float>     // [videos, E]
    let userTableGrad: UnsafeMutablePointer<Float>
    let videoTableGrad: UnsafeMutablePointer<Float>
    private let userSide: [Float]                  // [users, du]
    private let videoSide: [Float]                 // [videos, dv]
    private let input = Workspace(), activations = Workspace(), dOutputs = Workspace(), scratch = Workspace()
    private var batchUsers: [Int32] = [], batchVideos: [Int32] = []

    /// Width of `z`.
    var inputWidth: Int { 2 * settings.embedding + userSideWidth + videoSideWidth }

    /// The `(name, shape)` layout of a member's parameters.
    static func layout(settings: UserModelSettings, users: Int, videos: Int, inputWidth: Int) -> [(name: String, shape: [Int])] {
        let (h1, h2) = (settings.firstHidden, settings.secondHidden)
        return [("user_emb.weight", [users, settings.embedding]), ("video_emb.weight", [videos, settings.embedding]),
                ("dnn.0.weight", [h1, inputWidth]), ("dnn.0.bias", [h1]), ("dnn.2.weight", [h2, h1]), ("dnn.2.bias", [h2]),
                ("out.weight", [outputCount, h2]), ("out.bias", [outputCount])]
    }

    /// A member over `data`'s ids and side features, initialised from `generator`: the Linears as PyTorch's defaults,
    /// the embeddings N(0, 0.01²) for ids with a training row and 0 for the others (they get no gradient, so their
    /// prediction stays the side features' one).
    init(data: UserModelData, settings: UserModelSettings, generator: inout SeededGenerator) {
        self.settings = settings
        users = data.users
        videos = data.videos
        userSideWidth = UserModelData.userSideNames.count
        videoSideWidth = UserModelData.videoSideNames.count
        userSide = data.userSide
        videoSide = data.videoSide
        let width = 2 * settings.embedding + userSideWidth + videoSideWidth
        let store = ParameterStore(Self.layout(settings: settings, users: data.users, videos: data.videos, inputWidth: width))
        for name in ["dnn.0", "dnn.2", "out"] { store.initLinear(weight: name + ".weight", bias: name + ".bias", using: &generator) }
        parameters = store
        layers = ["dnn.0", "dnn.2", "out"].map { Linear(store: store, weightName: $0 + ".weight", biasName: $0 + ".bias") }
        userTable = store.valuePointer("user_emb.weight")
        videoTable = store.valuePointer("video_emb.weight")
        userTableGrad = store.gradientPointer("user_emb.weight")
        videoTableGrad = store.gradientPointer("video_emb.weight")
        let e = settings.embedding
        for (table, trained) in [(userTable, data.trainedUsers), (videoTable, data.trainedVideos)] {
            for (id, seen) in trained.enumerated() {
                for k in 0..<e { table[id * e + k] = seen ? Float(0.01 * generator.nextNormal()) : 0 }
            }
        }
    }

    /// The log-variance `s` of a raw output `r` and `ds/dr`: DORL's soft clamp
    /// `t = M − softplus(M − r)`, `s = m + softplus(t − m)`, so `ds/dr = σ(M − r) · σ(t − m)`.
    @inline(__always)
    static func logVariance(raw r: Float) -> (value: Float, derivative: Float) {
        let (upper, lower) = (Double(maxLogVariance), Double(minLogVariance))
        func softplus(_ x: Double) -> Double { x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)) }
        func logistic(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        let t = upper - softplus(upper - Double(r))
        return (Float(lower + softplus(t - lower)), Float(logistic(upper - Double(r)) * logistic(t - lower)))
    }

    /// Forward of `count` rows of `data` listed in `rows`: writes `z`, the activations and the outputs `[count, 6]`
    /// (column 0 already holds `μ`, the FM term added) into the member's buffers and returns the outputs.
    // rows: [n] -> outputs: [n, 6]
    func forward(_ data: UserModelData, rows: ArraySlice<Int32>) -> UnsafeMutablePointer<Float> {
        let n = rows.count, e = settings.embedding, d = inputWidth
        batchUsers.removeAll(keepingCapacity: true)
        batchVideos.removeAll(keepingCapacity: true)
        for row in rows {
            batchUsers.append(data.rowUser[Int(row)])
            batchVideos.append(data.rowVideo[Int(row)])
        }
        let z = input.pointer(count: n * d)
        // z = [e_u || x_u || e_v || x_v]
        gatherRowsKernel(z, userTable, batchUsers, width: e, sourceStride: e, destinationStride: d)
        userSide.withUnsafeBufferPointer { gatherRowsKernel(z + e, $0.baseAddress!, batchUsers, width: userSideWidth, sourceStride: userSideWidth, destinationStride: d) }
        gatherRowsKernel(z + e + userSideWidth, videoTable, batchVideos, width: e, sourceStride: e, destinationStride: d)
        videoSide.withUnsafeBufferPointer { gatherRowsKernel(z + 2 * e + userSideWidth, $0.baseAddress!, batchVideos, width: videoSideWidth, sourceStride: videoSideWidth, destinationStride: d) }
        let (h1, h2) = (settings.firstHidden, settings.secondHidden)
        let acts = activations.pointer(count: n * (h1 + h2 + Self.outputCount))
        let a1 = acts, a2 = acts + n * h1, outputs = a2 + n * h2
        layers[0].forwardReLU(z, into: a1, rows: n)
        layers[1].forwardReLU(a1, into: a2, rows: n)
        layers[2].forward(a2, into: outputs, rows: n)
        for i in 0..<n {
            let u = userTable + Int(batchUsers[i]) * e, v = videoTable + Int(batchVideos[i]) * e
            var dot: Float = 0
            for k in 0..<e { dot += u[k] * v[k] }
            outputs[i * Self.outputCount] += dot
        }
        return outputs
    }

    /// Backward of the last `forward` from the outputs' gradient `[n, 6]`: accumulates every parameter's gradient
    /// (the embeddings' only at the rows looked up).
    // dOutputs: [n, 6] -> gradients
    func backward(_ dOutputs: UnsafePointer<Float>) {
        let n = batchUsers.count, e = settings.embedding, d = inputWidth
        let (h1, h2) = (settings.firstHidden, settings.secondHidden)
        let z = input.pointer(count: n * d), acts = activations.pointer(count: n * (h1 + h2 + Self.outputCount))
        let a1 = acts, a2 = acts + n * h1
        let work = scratch.pointer(count: n * (h2 + h1 + d))
        let dA2 = work, dA1 = work + n * h2, dZ = dA1 + n * h1
        layers[2].backward(dOutputs, input: a2, dx: dA2, rows: n)
        reluBackward(dA2, dA2, output: a2, count: n * h2)
        layers[1].backward(dA2, input: a1, dx: dA1, rows: n)
        reluBackward(dA1, dA1, output: a1, count: n * h1)
        layers[0].backward(dA1, input: z, dx: dZ, rows: n)
        // FM term μ += <e_u, e_v>: d e_u += dμ e_v, d e_v += dμ e_u (into dZ's embedding columns)
        for i in 0..<n {
            let dMu = dOutputs[i * Self.outputCount]
            let u = userTable + Int(batchUsers[i]) * e, v = videoTable + Int(batchVideos[i]) * e
            let row = dZ + i * d
            for k in 0..<e {
                row[k] += dMu * v[k]
                row[e + userSideWidth + k] += dMu * u[k]
            }
        }
        scatterAddRowsKernel(userTableGrad, dZ, batchUsers, width: e, targetStride: e, gradStride: d)
        scatterAddRowsKernel(videoTableGrad, dZ + e + userSideWidth, batchVideos, width: e, targetStride: e, gradStride: d)
    }

    /// Forward, loss (`UserModelLoss`) and backward of `rows`, gradients overwritten; returns the loss.
    // rows: [n] -> loss; gradients of every parameter
    func forwardBackward(_ data: UserModelData, rows: ArraySlice<Int32>, weights: [Float]?) -> Double {
        let outputs = forward(data, rows: rows)
        let dOut = dOutputs.pointer(count: rows.count * Self.outputCount)
        let loss = UserModelLoss.evaluate(outputs: outputs, data: data, rows: rows, weights: weights, meanOver: rows.count, dOutputs: dOut)
        parameters.zeroGradients()
        backward(dOut)
        return loss
    }

    /// The loss of `rows` (no gradients), in batches of `settings.batchSize`, as the mean over all rows.
    func loss(_ data: UserModelData, rows: [Int32], weights: [Float]?) -> Double {
        stride(from: 0, to: rows.count, by: settings.batchSize).reduce(0.0) { total, start in
            let slice = rows[start..<min(start + settings.batchSize, rows.count)]
            return total + UserModelLoss.evaluate(outputs: forward(data, rows: slice), data: data, rows: slice, weights: weights,
                                                  meanOver: rows.count, dOutputs: nil)
        }
    }
}

/// The user model's training loss of a batch: per row `i` of weight `w_i` (1 without weights)
///
///     ℓ_i = w_i [ (y_i − μ_i)² e^{−s_i} + s_i  +  ¼ Σ_h BCE(logit_ih, label_ih) ]
///
/// (DORL's heteroscedastic regression loss of `loss_pointwise`, without its ½, plus the heads' mean binary
/// cross-entropy), averaged over `meanOver` rows, in Float64.
enum UserModelLoss {
    /// The loss of the outputs `[n, 6]` of `rows`; with `dOutputs`, also its gradient `[n, 6]` (overwritten).
    // outputs: [n, 6] -> loss, dOutputs: [n, 6]
    static func evaluate(outputs: UnsafePointer<Float>, data: UserModelData, rows: ArraySlice<Int32>, weights: [Float]?,
                         meanOver: Int, dOutputs: UnsafeMutablePointer<Float>?) -> Double {
        let width = UserModelMember.outputCount
        let scale = 1 / Double(max(meanOver, 1))
        var total = 0.0
        for (i, row) in rows.enumerated() {
            let r = Int(row)
            let w = Double(weights?[r] ?? 1)
            let o = outputs + i * width
            let (s, dsdr) = UserModelMember.logVariance(raw: o[1])
            let residual = Double(data.reward[r]) - Double(o[0])
            let precision = exp(-Double(s))
            var rowLoss = residual * residual * precision + Double(s)
            for h in 0..<4 {
                let z = Double(o[2 + h]), y = Double(data.labels[r * 4 + h])
                rowLoss += (max(z, 0) - z * y + log1p(exp(-abs(z)))) / 4
                dOutputs?[i * width + 2 + h] = Float(w * scale * (Double(sigmoid(Float(z))) - y) / 4)
            }
            total += w * rowLoss
            dOutputs?[i * width] = Float(w * scale * -2 * residual * precision)
            dOutputs?[i * width + 1] = Float(w * scale * (1 - residual * residual * precision) * Double(dsdr))
        }
        return total * scale
    }
}

// MARK: - Scoring every (user, video) pair

extension UserModelMember {
    /// The first layer's pre-activation split by side, `z W0ᵀ + b0 = [e_u || x_u] W0_userᵀ + ([e_v || x_v] W0_videoᵀ + b0)`:
    /// the users' part `[users, h1]` and the videos' part `[videos, h1]` (bias included), so a whole table costs one
    /// addition per pair instead of the first layer's product.
    // -> users: [users, h1], videos: [videos, h1]
    func sideProducts() -> (users: [Float], videos: [Float]) {
        let e = settings.embedding, d = inputWidth, h1 = settings.firstHidden
        func part(_ count: Int, table: UnsafePointer<Float>, side: [Float], sideWidth: Int, columnOffset: Int) -> [Float] {
            let width = e + sideWidth
            var stacked = [Float](repeating: 0, count: count * width)   // [count, e + side]
            for id in 0..<count {
                for k in 0..<e { stacked[id * width + k] = table[id * e + k] }
                for c in 0..<sideWidth { stacked[id * width + e + c] = side[id * sideWidth + c] }
            }
            var out = [Float](repeating: 0, count: count * h1)
            stacked.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in
                    sgemm(transB: true, m: count, n: h1, k: width, s.baseAddress!, UnsafePointer(layers[0].weight + columnOffset), ldb: d,
                          beta: 0, o.baseAddress!)
                }
            }
            return out
        }
        var videoPart = part(videos, table: videoTable, side: videoSide, sideWidth: videoSideWidth, columnOffset: e + userSideWidth)
        if let bias = layers[0].bias {
            videoPart.withUnsafeMutableBufferPointer { addBiasRows($0.baseAddress!, bias, rows: videos, width: h1) }
        }
        return (part(users, table: userTable, side: userSide, sideWidth: userSideWidth, columnOffset: 0), videoPart)
    }

    /// The outputs `[count, 6]` of `user` against the videos `first..<first + count` (column 0 is `μ`, the FM term added),
    /// from `sideProducts()`; `hidden1` `[count, h1]` and `hidden2` `[count, h2]` are the caller's scratch. Read-only on
    /// the member, so lanes may call it at once with their own buffers.
    // userPart: [users, h1], videoPart: [videos, h1] -> outputs: [count, 6]
    func tableOutputs(user: Int, firstVideo first: Int, count: Int, userPart: UnsafePointer<Float>, videoPart: UnsafePointer<Float>,
                      hidden1: UnsafeMutablePointer<Float>, hidden2: UnsafeMutablePointer<Float>, outputs: UnsafeMutablePointer<Float>) {
        let h1 = settings.firstHidden, e = settings.embedding
        let userRow = userPart + user * h1
        for j in 0..<count {
            let videoRow = videoPart + (first + j) * h1, row = hidden1 + j * h1
            for c in 0..<h1 { row[c] = userRow[c] + videoRow[c] }
            reluRange(row, row, 0..<h1)
        }
        layers[1].forwardReLU(hidden1, into: hidden2, rows: count)
        layers[2].forward(hidden2, into: outputs, rows: count)
        let u = userTable + user * e
        for j in 0..<count {
            let v = videoTable + (first + j) * e
            var dot: Float = 0
            for k in 0..<e { dot += u[k] * v[k] }
            outputs[j * Self.outputCount] += dot
        }
    }
}
