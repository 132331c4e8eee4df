import Foundation
import Testing
@testable import ValueModel

/// Finite-difference gradient checks. The engine's analytical backward (Float32) is compared with central
/// differences of an independent, naive Float64 reference forward written below (dense Â built from the
/// definition, plain loops), so a wrong backward, a wrong forward or a wrong normalisation all fail.
@Suite("Learning: finite-difference gradient checks (Float64 reference)")
struct LearningGradientCheckTests {
    // MARK: Float64 reference forward

    // x: [n, inDim], w: [outDim, inDim], b: [outDim] -> [n, outDim]
    static func refLinear(_ x: [Double], n: Int, _ w: [Double], _ b: [Double]?, inDim: Int, outDim: Int) -> [Double] {
        var y = [Double](repeating: 0, count: n * outDim)
        for r in 0..<n { for o in 0..<outDim {
            var s = b?[o] ?? 0
            for i in 0..<inDim { s += x[r * inDim + i] * w[o * inDim + i] }
            y[r * outDim + o] = s
        } }
        return y
    }

    static func refReLU(_ x: [Double]) -> [Double] { x.map { max($0, 0) } }

    static func refBCE(_ z: [Double], _ y: [Double]) -> Double {
        zip(z, y).reduce(0) { acc, p in acc + max(p.0, 0) - p.0 * p.1 + log1p(exp(-abs(p.0))) } / Double(z.count)
    }

    /// Â = D^-1/2 (A + I) D^-1/2 from the definition: A[t][s] counts edges s -> t (input self-loops dropped),
    /// deg_t = Σ_s (A + I)[t][s].
    static func refAdjacency(nodeCount n: Int, sources: [Int32], targets: [Int32]) -> [Double] {
        var a = [Double](repeating: 0, count: n * n)
        for (s, t) in zip(sources, targets) where s != t { a[Int(t) * n + Int(s)] += 1 }
        for i in 0..<n { a[i * n + i] += 1 }
        let deg = (0..<n).map { t in (0..<n).reduce(0.0) { $0 + a[t * n + $1] } }
        for t in 0..<n { for s in 0..<n { a[t * n + s] /= (deg[t] * deg[s]).squareRoot() } }
        return a
    }

    // h: [n, inDim] -> ReLU(Â h Wᵀ + b): [n, outDim]
    static func refGCN(_ h: [Double], aHat: [Double], n: Int, _ w: [Double], _ b: [Double], inDim: Int, outDim: Int) -> [Double] {
        let xw = refLinear(h, n: n, w, nil, inDim: inDim, outDim: outDim)
        var out = [Double](repeating: 0, count: n * outDim)
        for t in 0..<n { for o in 0..<outDim {
            var s = b[o]
            for u in 0..<n { s += aHat[t * n + u] * xw[u * outDim + o] }
            out[t * outDim + o] = max(s, 0)
        } }
        return out
    }

    // x: [n, inDim] -> logits [n, 4]
    static func refMLP(_ x: [Double], n: Int, prefix: String, _ p: [String: [Double]], inDim: Int) -> [Double] {
        let sizes = [inDim, 128, 128, 64, 4]
        var a = x
        for l in 0..<4 {
            a = refLinear(a, n: n, p["\(prefix).\(2 * l).weight"]!, p["\(prefix).\(2 * l).bias"]!, inDim: sizes[l], outDim: sizes[l + 1])
            if l < 3 { a = refReLU(a) }
        }
        return a
    }

    static func parameters(_ store: ParameterStore) -> [String: [Double]] {
        Dictionary(uniqueKeysWithValues: store.entries.map { ($0.name, store.value($0.name)!.map(Double.init)) })
    }

    static func randomArray(_ n: Int, _ g: inout SeededGenerator, scale: Double = 1) -> [Double] {
        (0..<n).map { _ in g.nextNormal() * scale }
    }

    /// Central differences of `loss` for up to `samples` entries of each named tensor, against `analytic`.
    static func checkGradients(
        _ params: [String: [Double]], analytic: [String: [Float]], samples: Int = 1000, step: Double = 1e-5,
        generator: inout SeededGenerator, loss: ([String: [Double]]) -> Double,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        for name in params.keys.sorted() {
            let values = params[name]!, grad = analytic[name]!
            let scale = grad.map { abs(Double($0)) }.max() ?? 0
            let indices = values.count <= samples ? Array(0..<values.count) : (0..<samples).map { _ in Int(g_next(&generator) % UInt64(values.count)) }
            var worst = 0.0, worstText = ""
            for i in indices {
                var p = params
                p[name]![i] = values[i] + step
                let up = loss(p)
                p[name]![i] = values[i] - step
                let down = loss(p)
                let numeric = (up - down) / (2 * step)
                let error = abs(numeric - Double(grad[i])) / (abs(numeric) + 1e-3 * scale + 1e-9)
                if error > worst { worst = error; worstText = "\(name)[\(i)]: analytic \(grad[i]) vs numeric \(numeric)" }
            }
            #expect(worst < 1e-3, "worst relative gradient error \(worst) at \(worstText)", sourceLocation: sourceLocation)
        }
    }

    static func g_next(_ g: inout SeededGenerator) -> UInt64 { g.next() }

    static func pointerCopy(_ a: [Double]) -> [Float] { a.map { Float($0) } }

    // MARK: Layers

    @Test("Linear: dW, db, dx")
    func linear() {
        var g = SeededGenerator(seed: 10)
        let n = 5, inDim = 7, outDim = 3
        let p: [String: [Double]] = ["w": Self.randomArray(outDim * inDim, &g), "b": Self.randomArray(outDim, &g), "x": Self.randomArray(n * inDim, &g)]
        let c = Self.randomArray(n * outDim, &g)
        var w = Self.pointerCopy(p["w"]!), b = Self.pointerCopy(p["b"]!), x = Self.pointerCopy(p["x"]!)
        var y = [Float](repeating: 0, count: n * outDim), dx = [Float](repeating: 0, count: n * inDim)
        var dw = [Float](repeating: 0, count: outDim * inDim), db = [Float](repeating: 0, count: outDim)
        let dy = Self.pointerCopy(c)
        linearForward(&y, &x, &w, &b, rows: n, inDim: inDim, outDim: outDim)
        let ref = Self.refLinear(p["x"]!, n: n, p["w"]!, p["b"]!, inDim: inDim, outDim: outDim)
        #expect(zip(y, ref).allSatisfy { abs(Double($0) - $1) < 1e-5 })
        linearBackward(&dx, &dw, &db, dy, x, w, rows: n, inDim: inDim, outDim: outDim)
        Self.checkGradients(p, analytic: ["w": dw, "b": db, "x": dx], generator: &g) { q in
            zip(Self.refLinear(q["x"]!, n: n, q["w"]!, q["b"]!, inDim: inDim, outDim: outDim), c).reduce(0) { $0 + $1.0 * $1.1 }
        }
    }

    @Test("ReLU: dx, away from the kink")
    func relu() {
        var g = SeededGenerator(seed: 11)
        let xs = Self.randomArray(40, &g).map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 }
        let c = Self.randomArray(40, &g)
        var y = Self.pointerCopy(xs)
        reluForward(&y, count: y.count)
        #expect(zip(y, Self.refReLU(xs)).allSatisfy { abs(Double($0) - $1) < 1e-6 })
        var dx = [Float](repeating: 0, count: 40)
        reluBackward(&dx, Self.pointerCopy(c), output: y, count: 40)
        Self.checkGradients(["x": xs], analytic: ["x": dx], generator: &g) { q in
            zip(Self.refReLU(q["x"]!), c).reduce(0) { $0 + $1.0 * $1.1 }
        }
    }

    @Test("Embedding: sparse row gradients, repeated indices accumulate, untouched rows stay zero")
    func embedding() {
        var g = SeededGenerator(seed: 12)
        let rows = 6, width = 4, indices: [Int32] = [0, 3, 3, 5, 1]
        let table = Self.randomArray(rows * width, &g), c = Self.randomArray(indices.count * width, &g)
        var y = [Float](repeating: 0, count: indices.count * width)
        Embedding.forward(&y, table: Self.pointerCopy(table), indices: indices, width: width)
        var grad = [Float](repeating: 0, count: rows * width)
        Embedding.backward(&grad, dy: Self.pointerCopy(c), indices: indices, width: width)
        #expect(grad[(2 * width)..<(3 * width)].allSatisfy { $0 == 0 } && grad[(4 * width)..<(5 * width)].allSatisfy { $0 == 0 })
        Self.checkGradients(["table": table], analytic: ["table": grad], generator: &g) { q in
            var s = 0.0
            for (i, r) in indices.enumerated() { for j in 0..<width { s += q["table"]![Int(r) * width + j] * c[i * width + j] } }
            return s
        }
    }

    static let smallGraph: (nodes: Int, sources: [Int32], targets: [Int32]) = (
        7, [0, 0, 1, 2, 2, 2, 0, 1, 6, 3], [3, 4, 4, 5, 6, 3, 3, 6, 6, 5]   // duplicate 0->3, a self-loop 6->6, a video->video edge 3->5
    )

    @Test("GCN normalisation: Â equals D^-1/2 (A+I) D^-1/2 with in-degree + 1 (PyG gcn_norm)")
    func adjacency() throws {
        let (n, s, t) = Self.smallGraph
        let a = try GCNNormalizedAdjacency(nodeCount: n, sources: s, targets: t)
        let ref = Self.refAdjacency(nodeCount: n, sources: s, targets: t)
        #expect(zip(a.denseMatrix().values, ref).allSatisfy { abs(Double($0) - $1) < 1e-6 })
        #expect(a.degree == [1, 1, 1, 4, 3, 3, 3])   // node 3: 0->3 twice and 2->3; 6->6 is dropped
        // user 0 has in-degree 0: its row is its self-loop alone
        #expect(a.denseMatrix().row(0) == [1, 0, 0, 0, 0, 0, 0])
        // Âᵀ product equals the transpose's product
        var g = SeededGenerator(seed: 13)
        let x = Self.pointerCopy(Self.randomArray(n * 3, &g))
        var y = [Float](repeating: 0, count: n * 3)
        a.propagateTransposed(x, into: &y, width: 3)
        let dense = a.denseMatrix()
        for r in 0..<n { for j in 0..<3 {
            let expected = (0..<n).reduce(Float(0)) { $0 + dense[$1, r] * x[$1 * 3 + j] }
            #expect(abs(y[r * 3 + j] - expected) < 1e-5)
        } }
        #expect(throws: PipelineError.self) { try GCNNormalizedAdjacency(nodeCount: 3, sources: [0], targets: [3]) }
        #expect(a.strategy == .sparse)   // not bipartite (a self-loop and a video -> video edge)
        #expect(throws: PipelineError.self) { try GCNNormalizedAdjacency(nodeCount: n, sources: s, targets: t, strategy: .denseBipartite) }
    }

    @Test("Messages both ways: Â of 2 users x 2 videos by hand, symmetric, users aggregating their videos")
    func bidirectionalAdjacency() throws {
        // u0 -> v2, u0 -> v3, u1 -> v3. Both ways, deg + 1: u0 3, u1 2, v2 2, v3 3.
        let a = try GCNNormalizedAdjacency(nodeCount: 4, sources: [0, 0, 1], targets: [2, 3, 3], flow: .both)
        let r6 = 1 / Float(6).squareRoot()
        let expected: [Float] = [
            1.0 / 3, 0, r6, 1.0 / 3,       // u0: itself, v2 (1/√(3·2)), v3 (1/√(3·3))
            0, 0.5, 0, r6,                 // u1: itself, v3 (1/√(2·3))
            r6, 0, 0.5, 0,                 // v2: u0, itself
            1.0 / 3, r6, 0, 1.0 / 3,       // v3: u0, u1, itself
        ]
        #expect(a.degree == [3, 2, 2, 3])
        #expect(zip(a.denseMatrix().values, expected).allSatisfy { abs($0 - $1) < 1e-6 })
        // The original's flow on the same edges: users keep only their self-loop.
        let directed = try GCNNormalizedAdjacency(nodeCount: 4, sources: [0, 0, 1], targets: [2, 3, 3], flow: .userToVideo)
        #expect(directed.denseMatrix().row(0) == [1, 0, 0, 0])
        #expect(directed.degree == [1, 1, 2, 3])
    }

    @Test("Dense bipartite propagation equals the CSR one (Â, Â·X, Âᵀ·X)")
    func denseEqualsSparse() throws {
        var g = SeededGenerator(seed: 20)
        let users = 5, videos = 9, e = 30
        let s = (0..<e).map { _ in Int32(g.next() % UInt64(users)) }, t = (0..<e).map { _ in Int32(users + Int(g.next() % UInt64(videos))) }
        let sparse = try GCNNormalizedAdjacency(nodeCount: users + videos, sources: s, targets: t, strategy: .sparse)
        let dense = try GCNNormalizedAdjacency(nodeCount: users + videos, sources: s, targets: t, strategy: .denseBipartite)
        #expect(try GCNNormalizedAdjacency(nodeCount: users + videos, sources: s, targets: t).strategy == .denseBipartite)
        #expect(zip(sparse.denseMatrix().values, dense.denseMatrix().values).allSatisfy { abs($0 - $1) < 1e-6 })
        let ref = Self.refAdjacency(nodeCount: users + videos, sources: s, targets: t)
        #expect(zip(dense.denseMatrix().values, ref).allSatisfy { abs(Double($0) - $1) < 1e-6 })
        for width in [3, 64] {
            let x = Self.pointerCopy(Self.randomArray((users + videos) * width, &g))
            var a = [Float](repeating: 0, count: x.count), b = a
            sparse.propagate(x, into: &a, width: width); dense.propagate(x, into: &b, width: width)
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-5 })
            sparse.propagateTransposed(x, into: &a, width: width); dense.propagateTransposed(x, into: &b, width: width)
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-5 })
        }
    }

    @Test("GCN layer: dW, db, dh of ReLU(Â h Wᵀ + b)")
    func gcnLayer() throws {
        var g = SeededGenerator(seed: 14)
        let (n, s, t) = Self.smallGraph
        let adjacency = try GCNNormalizedAdjacency(nodeCount: n, sources: s, targets: t)
        let aHat = Self.refAdjacency(nodeCount: n, sources: s, targets: t)
        for width in [5, 16] {   // the scalar and the SIMD propagation paths
            let inDim = 5, outDim = width
            let store = ParameterStore([("g.bias", [outDim]), ("g.lin.weight", [outDim, inDim])])
            let p: [String: [Double]] = ["g.bias": Self.randomArray(outDim, &g, scale: 0.3), "g.lin.weight": Self.randomArray(outDim * inDim, &g), "h": Self.randomArray(n * inDim, &g)]
            try store.setValue("g.bias", Self.pointerCopy(p["g.bias"]!))
            try store.setValue("g.lin.weight", Self.pointerCopy(p["g.lin.weight"]!))
            let c = Self.randomArray(n * outDim, &g)
            let layer = GCNLayer(store: store, prefix: "g")
            let h = Self.pointerCopy(p["h"]!)
            var out = [Float](repeating: 0, count: n * outDim), scratch = out, scratch2 = out
            layer.forward(h, into: &out, scratch: &scratch, adjacency: adjacency)
            let ref = Self.refGCN(p["h"]!, aHat: aHat, n: n, p["g.lin.weight"]!, p["g.bias"]!, inDim: inDim, outDim: outDim)
            #expect(zip(out, ref).allSatisfy { abs(Double($0) - $1) < 1e-5 })
            var dh = [Float](repeating: 0, count: n * inDim)
            layer.backward(Self.pointerCopy(c), output: out, input: h, dh: &dh, scratch: &scratch, &scratch2, adjacency: adjacency)
            Self.checkGradients(p, analytic: ["g.bias": store.gradient("g.bias")!, "g.lin.weight": store.gradient("g.lin.weight")!, "h": dh], generator: &g) { q in
                zip(Self.refGCN(q["h"]!, aHat: aHat, n: n, q["g.lin.weight"]!, q["g.bias"]!, inDim: inDim, outDim: outDim), c).reduce(0) { $0 + $1.0 * $1.1 }
            }
        }
    }

    @Test("BCE with logits: value and gradient, stable at |z| = 40")
    func bce() {
        var g = SeededGenerator(seed: 15)
        var z = Self.randomArray(24, &g, scale: 3)
        z[0] = 40; z[1] = -40
        let y = (0..<24).map { Double(($0 * 7) % 3 == 0 ? 1 : 0) }
        var d = [Float](repeating: 0, count: 24)
        let loss = bceWithLogits(logits: Self.pointerCopy(z), labels: Self.pointerCopy(y), dlogits: &d, count: 24)
        #expect(abs(loss - Self.refBCE(z.map { Double(Float($0)) }, y)) < 1e-12)
        #expect(loss.isFinite)
        Self.checkGradients(["z": z], analytic: ["z": d], generator: &g) { q in Self.refBCE(q["z"]!, y) }
    }

    // MARK: Networks

    @Test("EdgeMLP: every parameter's gradient")
    func edgeMLP() throws {
        var g = SeededGenerator(seed: 16)
        let inDim = 6, n = 7
        let model = EdgeMLP(inputDim: inDim, generator: &g)
        let features = Matrix(rows: n, cols: inDim, values: Self.pointerCopy(Self.randomArray(n * inDim, &g)))
        let labels = Matrix(rows: n, cols: 4, values: (0..<(n * 4)).map { Float(($0 * 5) % 3 == 0 ? 1 : 0) })
        let edges = try EdgeExamples(features: features, labels: labels)
        let batch: [Int32] = [0, 2, 2, 5, 6, 1]
        let loss = try model.forwardBackward(edges: edges, batch: batch)
        let x = batch.flatMap { features.row(Int($0)).map(Double.init) }, y = batch.flatMap { labels.row(Int($0)).map(Double.init) }
        let lossOf = { (q: [String: [Double]]) in Self.refBCE(Self.refMLP(x, n: batch.count, prefix: "net", q, inDim: inDim), y) }
        let p = Self.parameters(model.parameters)
        #expect(abs(loss - lossOf(p)) < 1e-6)
        let analytic = Dictionary(uniqueKeysWithValues: model.parameters.entries.map { ($0.name, model.parameters.gradient($0.name)!) })
        Self.checkGradients(p, analytic: analytic, samples: 40, generator: &g, loss: lossOf)
    }

    /// A 3-user, 4-video graph with a repeated edge; features of width 3; H = 4.
    /// With `flow: .both` the reference `Â` is built from the edge list with its reverse appended.
    static func tinyGNN(_ g: inout SeededGenerator, strategy: GCNNormalizedAdjacency.Strategy = .automatic,
                        flow: GCNNormalizedAdjacency.Flow = .userToVideo) throws -> (GNNModel, EdgeExamples, [Double]) {
        let sources: [Int32] = [0, 0, 1, 1, 2, 2, 0, 1, 2]
        let targets: [Int32] = [3, 4, 4, 5, 6, 3, 3, 6, 5]
        let adjacency = try GCNNormalizedAdjacency(nodeCount: 7, sources: sources, targets: targets, flow: flow, strategy: strategy)
        let model = GNNModel(adjacency: adjacency, hidden: 4, featureDim: 3, generator: &g)
        // Non-zero GCN biases so their gradients are exercised away from the initial zeros.
        for i in 1...3 { try model.parameters.setValue("gcn\(i).bias", Self.pointerCopy(Self.randomArray(4, &g, scale: 0.2))) }
        let features = Matrix(rows: 9, cols: 3, values: Self.pointerCopy(Self.randomArray(27, &g)))
        let labels = Matrix(rows: 9, cols: 4, values: (0..<36).map { Float(($0 * 7) % 4 == 0 ? 1 : 0) })
        let edges = try EdgeExamples(sources: sources, targets: targets, features: features, labels: labels)
        let aHat = flow == .both ? refAdjacency(nodeCount: 7, sources: sources + targets, targets: targets + sources)
                                 : refAdjacency(nodeCount: 7, sources: sources, targets: targets)
        return (model, edges, aHat)
    }

    // -> logits [batch, 4]
    static func refGNNLogits(_ q: [String: [Double]], edges: EdgeExamples, batch: [Int32], aHat: [Double], hidden: Int, featureDim: Int) -> [Double] {
        var h = q["node_emb.weight"]!
        for i in 1...3 { h = refGCN(h, aHat: aHat, n: 7, q["gcn\(i).lin.weight"]!, q["gcn\(i).bias"]!, inDim: hidden, outDim: hidden) }
        var z: [Double] = []
        for e in batch.map(Int.init) {
            z += h[(Int(edges.sources[e]) * hidden)..<((Int(edges.sources[e]) + 1) * hidden)]
            z += h[(Int(edges.targets[e]) * hidden)..<((Int(edges.targets[e]) + 1) * hidden)]
            z += edges.features.row(e).map(Double.init)
        }
        return refMLP(z, n: batch.count, prefix: "edge_mlp", q, inDim: 2 * hidden + featureDim)
    }

    @Test("GNN: every parameter's gradient, node embeddings included (both strategies; messages one way and both ways)",
          arguments: [(GCNNormalizedAdjacency.Strategy.sparse, GCNNormalizedAdjacency.Flow.userToVideo), (.denseBipartite, .userToVideo), (.sparse, .both)])
    func gnn(strategy: GCNNormalizedAdjacency.Strategy, flow: GCNNormalizedAdjacency.Flow) throws {
        var g = SeededGenerator(seed: 17)
        let (model, edges, aHat) = try Self.tinyGNN(&g, strategy: strategy, flow: flow)
        let batch: [Int32] = [0, 3, 3, 8, 5, 1]
        let loss = try model.forwardBackward(edges: edges, batch: batch)
        let y = batch.flatMap { edges.labels!.row(Int($0)).map(Double.init) }
        let lossOf = { (q: [String: [Double]]) in
            Self.refBCE(Self.refGNNLogits(q, edges: edges, batch: batch, aHat: aHat, hidden: 4, featureDim: 3), y)
        }
        let p = Self.parameters(model.parameters)
        #expect(abs(loss - lossOf(p)) < 1e-6)
        let analytic = Dictionary(uniqueKeysWithValues: model.parameters.entries.map { ($0.name, model.parameters.gradient($0.name)!) })
        Self.checkGradients(p, analytic: analytic, samples: 40, generator: &g, loss: lossOf)
    }

    @Test("GNN predict and scoreEdges: σ(reference logits) for every edge, across chunk boundaries")
    func gnnPredict() throws {
        var g = SeededGenerator(seed: 18)
        let (model, edges, aHat) = try Self.tinyGNN(&g)
        model.predictionChunk = 4
        let all = (0..<Int32(edges.count)).map { $0 }
        let expected = Self.refGNNLogits(Self.parameters(model.parameters), edges: edges, batch: all, aHat: aHat, hidden: 4, featureDim: 3)
            .map { 1 / (1 + exp(-$0)) }
        let p = try model.predict(edges: edges)
        #expect(p.rows == edges.count && p.cols == 4)
        #expect(zip(p.values, expected).allSatisfy { abs(Double($0) - $1) < 1e-5 })
        let q = try model.scoreEdges(nodeEmbeddings: model.encodeNodes(), edges: edges)
        #expect(q == p)
    }

    @Test("Training steps lower the loss on a fixed batch; checkpoints round-trip through safetensors")
    func trainingAndCheckpoint() throws {
        var g = SeededGenerator(seed: 19)
        let (model, edges, _) = try Self.tinyGNN(&g)
        let adam = Adam(parameters: model.parameters, learningRate: 1e-2)
        let batch = drawBatch(size: 16, from: edges.count, using: &g)
        let first = try model.trainStep(edges: edges, batch: batch, optimizer: adam)
        var last = first
        for _ in 0..<30 { last = try model.trainStep(edges: edges, batch: batch, optimizer: adam) }
        #expect(last < first * 0.9, "loss \(first) -> \(last)")
        #expect(adam.step == 31)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("learning-check-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.parameters.saveSafetensors(to: url, metadata: ["hidden": "4"])
        var g2 = SeededGenerator(seed: 99)
        let (other, _, _) = try Self.tinyGNN(&g2)
        try other.parameters.loadSafetensors(from: url)
        #expect(other.parameters.values.toArray() == model.parameters.values.toArray())
        #expect(try model.predict(edges: edges) == other.predict(edges: edges))
        // A mismatched model refuses the checkpoint with a message naming the tensor.
        let small = EdgeMLP(inputDim: 3, generator: &g2)
        #expect(throws: PipelineError.self) { try small.parameters.loadSafetensors(from: url) }
    }
}
