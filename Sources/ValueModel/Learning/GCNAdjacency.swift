/// The GCN propagation matrix `Â = D^-1/2 (A + I) D^-1/2` of a directed edge list, as PyG's `GCNConv`
/// builds it (`gcn_norm` with `add_remaining_self_loops`, `flow="source_to_target"`). Stored either twice in
/// CSR, by target (for the forward `Â·X`) and by source (for the backward `Âᵀ·G`), or, for a bipartite graph,
/// as a dense `[targets x sources]` block plus the diagonal (see `Strategy`).
///
/// Row `t` of `Â` holds `1/√(deg_s·deg_t)` for every edge `s -> t` and `1/deg_t` for the self-loop, with
/// `deg_t = in-degree(t) + 1`. Repeated edges are repeated entries (they add up, as in PyG); input self-loops
/// are dropped and replaced by exactly one per node, as `add_remaining_self_loops` does with unit weights.
/// In the user -> video graph a user has in-degree 0, so its row is just its self-loop (weight 1).
public struct GCNNormalizedAdjacency: Sendable {
    /// How `Â·X` is computed.
    public enum Strategy: Sendable, Equatable {
        /// Dense when the graph is bipartite (every source id below every target id) and its
        /// source x target block is at least `denseThreshold` full and fits in `denseMemoryLimit` bytes.
        case automatic
        /// Parallel CSR sparse-dense products (any graph).
        case sparse
        /// One Float32 GEMM with the precomputed `[targets x sources]` block of `Â` plus the diagonal
        /// (bipartite graphs only; on KuaiRec the block is 10,728 x 7,176, 16% non-zero, 308 MB).
        case denseBipartite
    }
    /// Block fill above which `.automatic` goes dense. Measured on the full KuaiRec shape (2 threads, shared
    /// machine): one product takes ~0.14 s as CSR and ~0.16 s as dense GEMM at H = 64 (0.31 s vs 0.27 s at
    /// H = 128), and CSR halves again with AVX2/FMA code generation; so at KuaiRec's 16% fill CSR is kept,
    /// and dense is chosen only for much fuller blocks.
    public static let denseThreshold = 0.25
    /// Largest dense block `.automatic` allocates (bytes).
    public static let denseMemoryLimit = 2 << 30

    /// Number of nodes (rows and columns of `Â`).
    public let nodeCount: Int
    /// Edges that take part (input self-loops excluded; repeated edges counted).
    public let edgeCount: Int
    /// `deg_t = in-degree + 1`, per node.
    public let degree: [Float]
    /// The strategy actually used (`.sparse` or `.denseBipartite`).
    public let strategy: Strategy
    let forward: CSR?      // rows = targets, columns = sources
    let transpose: CSR?    // rows = sources, columns = targets
    let dense: DenseBipartiteBlock?

    /// Which way messages travel along the user–video edges.
    public enum Flow: String, CaseIterable, Codable, Sendable {
        /// The original: `user -> video` only, so a video aggregates its viewers and a user sees only itself.
        case userToVideo = "user-to-video"
        /// Both ways (each edge also as `video -> user`), so a user also aggregates the videos it watched; `Â`
        /// is then symmetric, PyG's `GCNConv` on the edge list with its reverse appended (repeated edges kept).
        case both
    }

    /// Builds `Â` for edges `sources[i] -> targets[i]` travelled as `flow` says.
    public init(nodeCount: Int, sources: [Int32], targets: [Int32], flow: Flow, strategy: Strategy = .automatic) throws {
        switch flow {
        case .userToVideo:
            try self.init(nodeCount: nodeCount, sources: sources, targets: targets, strategy: strategy)
        case .both:
            try self.init(nodeCount: nodeCount, sources: sources + targets, targets: targets + sources, strategy: strategy)
        }
    }

    /// Builds `Â` for `nodeCount` nodes from edges `sources[i] -> targets[i]` (node ids in `0..<nodeCount`).
    public init(nodeCount: Int, sources: [Int32], targets: [Int32], strategy requested: Strategy = .automatic) throws {
        guard sources.count == targets.count else {
            throw PipelineError.invalidData("edge list has \(sources.count) sources but \(targets.count) targets")
        }
        self.nodeCount = nodeCount
        var inDegree = [Int](repeating: 0, count: nodeCount)
        var outDegree = [Int](repeating: 0, count: nodeCount)
        var maxSource = -1, minTarget = nodeCount, edges = 0
        for i in 0..<sources.count {
            let s = Int(sources[i]), t = Int(targets[i])
            guard s >= 0, s < nodeCount, t >= 0, t < nodeCount else {
                throw PipelineError.invalidData("edge \(i) (\(s) -> \(t)) has a node id outside 0..<\(nodeCount)")
            }
            if s != t {
                inDegree[t] += 1; outDegree[s] += 1; edges += 1
                maxSource = max(maxSource, s); minTarget = min(minTarget, t)
            }
        }
        edgeCount = edges
        let degree = inDegree.map { Float($0 + 1) }
        let invSqrt = degree.map { 1 / $0.squareRoot() }
        self.degree = degree
        // Bipartite: sources in 0..<split, targets in split..<nodeCount.
        let split = maxSource + 1
        let bipartite = edges > 0 && maxSource < minTarget && sources.indices.allSatisfy { sources[$0] != targets[$0] }
        let blockCells = Double(split) * Double(nodeCount - split)
        let useDense: Bool
        switch requested {
        case .sparse: useDense = false
        case .denseBipartite:
            guard bipartite else { throw PipelineError.invalidData("dense GCN propagation needs a bipartite edge list (every source id below every target id, no self-loops)") }
            useDense = true
        case .automatic:
            useDense = bipartite && Double(edges) >= Self.denseThreshold * blockCells && blockCells * 4 <= Double(Self.denseMemoryLimit)
        }
        if useDense {
            strategy = .denseBipartite
            forward = nil
            transpose = nil
            dense = DenseBipartiteBlock(split: split, nodeCount: nodeCount, sources: sources, targets: targets, invSqrt: invSqrt)
        } else {
            strategy = .sparse
            dense = nil
            forward = CSR.build(rows: nodeCount, rowCounts: inDegree, sources: sources, targets: targets, byTarget: true, invSqrt: invSqrt)
            transpose = CSR.build(rows: nodeCount, rowCounts: outDegree, sources: sources, targets: targets, byTarget: false, invSqrt: invSqrt)
        }
    }

    /// `Y = Â · X`.
    // x: [nodeCount, width] -> y: [nodeCount, width]
    func propagate(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, width: Int) {
        if let dense { dense.multiply(x, into: y, width: width, degree: degree, transposed: false) }
        else { forward!.multiply(x, into: y, width: width) }
    }

    /// `Y = Âᵀ · X` (the backward of `propagate`).
    // x: [nodeCount, width] -> y: [nodeCount, width]
    func propagateTransposed(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, width: Int) {
        if let dense { dense.multiply(x, into: y, width: width, degree: degree, transposed: true) }
        else { transpose!.multiply(x, into: y, width: width) }
    }

    /// `Â` as a dense row-major `[nodeCount, nodeCount]` matrix (for tests on small graphs).
    public func denseMatrix() -> Matrix {
        var m = Matrix(rows: nodeCount, cols: nodeCount)
        if let dense {
            for i in 0..<nodeCount { m[i, i] = 1 / degree[i] }
            for r in 0..<(nodeCount - dense.split) { for c in 0..<dense.split { m[dense.split + r, c] += dense.block.pointer[r * dense.split + c] } }
        } else if let forward {
            for r in 0..<nodeCount {
                for k in forward.rowStart[r]..<forward.rowStart[r + 1] { m[r, Int(forward.columns[k])] += forward.weights[k] }
            }
        }
        return m
    }
}

/// The off-diagonal block of `Â` for a bipartite graph, `[nodeCount - split, split]` (targets x sources),
/// dense Float32; the diagonal (self-loops, `1/deg`) is applied separately.
struct DenseBipartiteBlock: @unchecked Sendable {
    let split: Int
    let block: FloatBuffer

    init(split: Int, nodeCount: Int, sources: [Int32], targets: [Int32], invSqrt: [Float]) {
        self.split = split
        block = FloatBuffer(count: (nodeCount - split) * split)
        let b = block.pointer
        for i in 0..<sources.count {
            let s = Int(sources[i]), t = Int(targets[i])
            b[(t - split) * split + s] += invSqrt[s] * invSqrt[t]
        }
    }

    /// `Y = Â X` or `Y = Âᵀ X`: diagonal `X / deg`, plus one GEMM with the block.
    // x: [N, width] -> y: [N, width]
    func multiply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, width: Int, degree: [Float], transposed: Bool) {
        let n = degree.count, targets = n - split
        degree.withUnsafeBufferPointer { deg in
            parallelRanges(n, minimumChunk: 1024) { range in
                for r in range {
                    let w = 1 / deg[r]
                    for j in 0..<width { y[r * width + j] = w * x[r * width + j] }
                }
            }
        }
        if transposed {
            // sources: y[0..<split] += blockᵀ · x[split..<N]: [split, targets] · [targets, width]
            sgemm(transA: true, m: split, n: width, k: targets, block.pointer, x + split * width, beta: 1, y)
        } else {
            // targets: y[split..<N] += block · x[0..<split]: [targets, split] · [split, width]
            sgemm(m: targets, n: width, k: split, block.pointer, x, beta: 1, y + split * width)
        }
    }
}

/// Compressed sparse rows with Float32 weights, and row chunks of about equal work for parallel products.
struct CSR: Sendable {
    var rowStart: [Int]       // [rows + 1]
    var columns: [Int32]      // [entries]
    var weights: [Float]      // [entries]
    var chunkStarts: [Int]    // row boundaries of parallel chunks, [chunks + 1]

    /// Counting sort of the edges into rows (`rowOf`), columns ascending within a row, plus a self-loop
    /// entry per row. Entry weight `invSqrt[s] * invSqrt[t]` (for the self-loop `1/deg`).
    static func build(
        rows: Int, rowCounts: [Int], sources: [Int32], targets: [Int32], byTarget: Bool, invSqrt: [Float]
    ) -> CSR {
        @inline(__always) func rowOf(_ s: Int, _ t: Int) -> Int { byTarget ? t : s }
        @inline(__always) func columnOf(_ s: Int, _ t: Int) -> Int { byTarget ? s : t }
        var rowStart = [Int](repeating: 0, count: rows + 1)
        for r in 0..<rows { rowStart[r + 1] = rowStart[r] + rowCounts[r] + 1 }
        let total = rowStart[rows]
        var columns = [Int32](repeating: 0, count: total)
        var weights = [Float](repeating: 0, count: total)
        var fill = Array(rowStart[0..<rows])
        // Visit edges ordered by column so each row's columns come out ascending: bucket edges by column first.
        var byColumnStart = [Int](repeating: 0, count: rows + 1)
        for i in 0..<sources.count {
            let s = Int(sources[i]), t = Int(targets[i])
            if s != t { byColumnStart[columnOf(s, t) + 1] += 1 }
        }
        for c in 0..<rows { byColumnStart[c + 1] += byColumnStart[c] }
        var order = [Int32](repeating: 0, count: byColumnStart[rows])
        var cursor = Array(byColumnStart[0..<rows])
        for i in 0..<sources.count {
            let s = Int(sources[i]), t = Int(targets[i])
            if s != t {
                let c = columnOf(s, t)
                order[cursor[c]] = Int32(i)
                cursor[c] += 1
            }
        }
        var selfLoopPlaced = [Bool](repeating: false, count: rows)
        for k in order {
            let i = Int(k)
            let s = Int(sources[i]), t = Int(targets[i])
            let r = rowOf(s, t), c = columnOf(s, t)
            if !selfLoopPlaced[r] && c > r {
                columns[fill[r]] = Int32(r); weights[fill[r]] = invSqrt[r] * invSqrt[r]; fill[r] += 1
                selfLoopPlaced[r] = true
            }
            columns[fill[r]] = Int32(c)
            weights[fill[r]] = invSqrt[s] * invSqrt[t]
            fill[r] += 1
        }
        for r in 0..<rows where !selfLoopPlaced[r] {
            columns[fill[r]] = Int32(r); weights[fill[r]] = invSqrt[r] * invSqrt[r]; fill[r] += 1
        }
        // Parallel chunks: about 16 per thread, balanced by entries (+ a row cost so empty-ish rows count too).
        let chunks = max(1, min(rows, LearningThreads.count * 16))
        var chunkStarts = [0]
        let work = total + rows
        var r = 0
        for c in 1..<chunks {
            let goal = work * c / chunks
            while r < rows && rowStart[r] + r < goal { r += 1 }
            if r > chunkStarts.last! { chunkStarts.append(r) }
        }
        if chunkStarts.last! != rows { chunkStarts.append(rows) }
        return CSR(rowStart: rowStart, columns: columns, weights: weights, chunkStarts: chunkStarts)
    }

    /// `Y = M · X`, parallel over row chunks (each output row written by one thread).
    // x: [cols, width] -> y: [rows, width]
    func multiply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, width: Int) {
        rowStart.withUnsafeBufferPointer { rs in
            columns.withUnsafeBufferPointer { cols in
                weights.withUnsafeBufferPointer { ws in
                    let rs = rs.baseAddress!, cols = cols.baseAddress!, ws = ws.baseAddress!
                    parallelFor(chunks: chunkStarts.count - 1) { c in
                        for r in chunkStarts[c]..<chunkStarts[c + 1] {
                            spmmRow(y + r * width, x, cols, ws, rs[r], rs[r + 1], width)
                        }
                    }
                }
            }
        }
    }
}

/// One output row of a sparse-dense product: `out = Σ_k w[k] · x[col[k], :]`.
@inline(__always)
private func spmmRow(
    _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ cols: UnsafePointer<Int32>,
    _ ws: UnsafePointer<Float>, _ begin: Int, _ end: Int, _ width: Int
) {
    out.update(repeating: 0, count: width)
    if width % 16 == 0 {
        // SIMD accumulation, 64 columns (four 16-lane registers) per pass over the row's entries.
        let o = UnsafeMutableRawPointer(out)
        var base = 0
        while base + 64 <= width {
            var a0 = SIMD16<Float>(repeating: 0), a1 = a0, a2 = a0, a3 = a0
            for k in begin..<end {
                let src = UnsafeRawPointer(x + Int(cols[k]) * width + base)
                let w = ws[k]
                a0 += w * src.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)
                a1 += w * src.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
                a2 += w * src.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
                a3 += w * src.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
            }
            o.storeBytes(of: a0, toByteOffset: base * 4, as: SIMD16<Float>.self)
            o.storeBytes(of: a1, toByteOffset: base * 4 + 64, as: SIMD16<Float>.self)
            o.storeBytes(of: a2, toByteOffset: base * 4 + 128, as: SIMD16<Float>.self)
            o.storeBytes(of: a3, toByteOffset: base * 4 + 192, as: SIMD16<Float>.self)
            base += 64
        }
        while base < width {
            var acc = SIMD16<Float>(repeating: 0)
            for k in begin..<end {
                let src = UnsafeRawPointer(x + Int(cols[k]) * width + base)
                acc += ws[k] * src.loadUnaligned(as: SIMD16<Float>.self)
            }
            o.storeBytes(of: acc, toByteOffset: base * 4, as: SIMD16<Float>.self)
            base += 16
        }
    } else {
        for k in begin..<end {
            let w = ws[k]
            let src = x + Int(cols[k]) * width
            for j in 0..<width { out[j] += w * src[j] }
        }
    }
}
