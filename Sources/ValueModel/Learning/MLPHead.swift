/// The 4-layer perceptron shared by EdgeMLP (`net.*`) and the GNN's edge scorer (`edge_mlp.*`):
/// `in -> 128 -> ReLU -> 128 -> ReLU -> 64 -> ReLU -> 4` (Sequential indices 0, 2, 4, 6 are the Linears).
struct MLPHead {
    static let hiddenSizes = [128, 128, 64]
    static let headCount = 4
    let layers: [Linear]

    /// The `(name, shape)` layout of the four Linears under `prefix` (`net` or `edge_mlp`).
    static func layout(prefix: String, inputDim: Int) -> [(name: String, shape: [Int])] {
        let sizes = [inputDim] + hiddenSizes + [headCount]
        var out: [(name: String, shape: [Int])] = []
        for i in 0..<4 {
            out.append(("\(prefix).\(2 * i).weight", [sizes[i + 1], sizes[i]]))
            out.append(("\(prefix).\(2 * i).bias", [sizes[i + 1]]))
        }
        return out
    }

    init(store: ParameterStore, prefix: String) {
        layers = (0..<4).map { Linear(store: store, weightName: "\(prefix).\(2 * $0).weight", biasName: "\(prefix).\(2 * $0).bias") }
    }

    /// The same head with its gradients in `buffer` instead of `gradients` (same layout): see `TrainingShards`.
    func withGradients(in buffer: FloatBuffer, insteadOf gradients: FloatBuffer) -> MLPHead {
        MLPHead(layers: layers.map { $0.withGradients(in: buffer, insteadOf: gradients) })
    }

    private init(layers: [Linear]) { self.layers = layers }

    static func initialise(store: ParameterStore, prefix: String, using generator: inout SeededGenerator) {
        for i in 0..<4 { store.initLinear(weight: "\(prefix).\(2 * i).weight", bias: "\(prefix).\(2 * i).bias", using: &generator) }
    }

    /// Floats of activation storage for `rows` rows: the three ReLU outputs and the logits.
    static var activationWidth: Int { hiddenSizes.reduce(0, +) + headCount }

    /// The logits `[rows, 4]` of a forward pass whose activations are in `activations` (they come last).
    static func logits(in activations: Workspace, rows: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: activations.buffer.pointer + rows * (activationWidth - headCount), count: rows * headCount))
    }

    /// Forward; activations (post-ReLU a0 [n,128], a1 [n,128], a2 [n,64], logits [n,4]) are written
    /// consecutively into `acts` and kept for `backward`. Returns the logits pointer.
    // x: [n, inDim] -> logits: [n, 4]
    @discardableResult
    func forward(_ x: UnsafePointer<Float>, activations acts: UnsafeMutablePointer<Float>, rows n: Int) -> UnsafeMutablePointer<Float> {
        layers[0].forwardReLU(x, into: acts, rows: n)
        return forwardFromFirstHidden(activations: acts, rows: n)
    }

    /// Layers 1-3 from a0, the first layer's post-ReLU output already in `acts`' first slot (a model that
    /// computes the first layer its own way). Returns the logits pointer.
    // a0: [n, 128] (in acts) -> logits: [n, 4]
    @discardableResult
    func forwardFromFirstHidden(activations acts: UnsafeMutablePointer<Float>, rows n: Int) -> UnsafeMutablePointer<Float> {
        var input = UnsafePointer(acts)
        var out = acts + n * layers[0].outDim
        for i in 1..<layers.count {
            if i < 3 { layers[i].forwardReLU(input, into: out, rows: n) } else { layers[i].forward(input, into: out, rows: n) }
            input = UnsafePointer(out)
            if i < 3 { out += n * layers[i].outDim }
        }
        return out
    }

    /// Floats of scratch storage `backward` needs for `rows` rows: two buffers of the widest hidden layer.
    static func scratchCount(rows n: Int) -> Int { 2 * n * (hiddenSizes.max() ?? 0) }

    /// Backward from `dlogits`; accumulates parameter gradients and writes `dx` (if non-nil).
    /// `scratch` needs `scratchCount(rows:)` floats.
    // dlogits: [n, 4], x: [n, inDim] -> dx: [n, inDim]
    func backward(_ dlogits: UnsafePointer<Float>, input x: UnsafePointer<Float>, activations acts: UnsafePointer<Float>,
                  dx: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>, rows n: Int) {
        let dPre0 = backwardToFirstLayer(dlogits, activations: acts, scratch: scratch, rows: n)
        layers[0].backward(dPre0, input: x, dx: dx, rows: n)       // -> dx: [n, inDim]
    }

    /// Backward through layers 3-1 and the first ReLU: accumulates those layers' parameter gradients and returns
    /// the gradient of the first layer's pre-activation (in `scratch`, valid until the next call).
    // dlogits: [n, 4] -> d pre0: [n, 128]
    func backwardToFirstLayer(_ dlogits: UnsafePointer<Float>, activations acts: UnsafePointer<Float>,
                              scratch: UnsafeMutablePointer<Float>, rows n: Int) -> UnsafeMutablePointer<Float> {
        let widths = Self.hiddenSizes   // a0 [n, widths[0]], a1 [n, widths[1]], a2 [n, widths[2]]
        let a0 = acts, a1 = a0 + n * widths[0], a2 = a1 + n * widths[1]
        let gA = scratch, gB = scratch + n * (widths.max() ?? 0)
        // logits = a2 W6ᵀ + b6 -> d a2 (gA)
        layers[3].backward(dlogits, input: a2, dx: gA, rows: n)
        reluBackward(gA, gA, output: a2, count: n * widths[2])
        layers[2].backward(gA, input: a1, dx: gB, rows: n)      // -> d a1 (gB)
        reluBackward(gB, gB, output: a1, count: n * widths[1])
        layers[1].backward(gB, input: a0, dx: gA, rows: n)      // -> d a0 (gA)
        reluBackward(gA, gA, output: a0, count: n * widths[0])
        return gA
    }
}
